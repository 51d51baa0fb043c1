"""Does lr_find's suggestion train at least as well as the default rate (Adam 1e-3)?

For the seed CNN and the MLP on Fashion-MNIST (the embedded sample by default):
run the range test once, then train the same initial weights for a short run
with the default rate and with the rate of every suggestion rule (valley,
min/10, steepest), and print the test loss and accuracy of each.

    PYTHONPATH=. python benchmarks/lr_find_check.py --epochs 2
    PYTHONPATH=. python benchmarks/lr_find_check.py --data fashion-mnist --train 5000 \
        --seeds 0,1,2,3,4 --rules min/10

With several seeds, each seed draws its own initial weights, runs its own range test
and trains every rate from those weights; the summary gives each rate's mean test
accuracy and its mean difference from the default, paired by seed, with the standard
error of that difference.
"""

from __future__ import annotations

import argparse
import copy
import statistics

import glassnet as gn
from glassnet import optim
from glassnet.data import datasets
from glassnet.models import build_model, get_model_spec, to_layout
from glassnet.train import evaluate, fit, lr_find


def _data(args: argparse.Namespace, layout: str) -> tuple:
    sample = args.data == "fashion-mnist-sample"
    x, y = datasets.fashion_mnist("train", sample=sample)
    xt, yt = datasets.fashion_mnist("test", sample=sample)
    if args.train:
        x, y = x[: args.train], y[: args.train]
    return (to_layout(x, layout), y), (to_layout(xt, layout), yt)


def check(name: str, args: argparse.Namespace, seed: int) -> dict[str, float]:
    """Test accuracy of each rate for one seed: ``{"default": ..., rule: ...}``."""
    spec = get_model_spec(name)
    train, test = _data(args, spec.layout)
    gn.manual_seed(seed)
    model = build_model(name)
    found = lr_find(model, train, optimizer="adam", num_steps=args.steps, batch_size=128)
    rates = ", ".join(f"{k} {v:.3g}" for k, v in found.suggestions.items())
    print(f"{name}, seed {seed}: {len(found.lrs)} steps, stopped early: "
          f"{found.stopped_early}; {rates}")  # fmt: skip
    wanted = [r for r in found.suggestions if not args.rules or r in args.rules.split(",")]
    accuracy = {}
    for label, lr in (("default", 1e-3), *((r, found.suggestions[r]) for r in wanted)):
        m = copy.deepcopy(model)
        opt = optim.Adam(m.parameters(), lr=lr)
        fit(m, train, loss="cross_entropy", optimizer=opt, epochs=args.epochs, batch_size=128,
            verbose=0, seed=seed)  # fmt: skip
        res = evaluate(m, test, loss="cross_entropy")
        accuracy[label] = res["accuracy"]
        print(
            f"  {label:9s} lr={lr:.3g}: test loss {res['loss']:.4f}, accuracy {res['accuracy']:.4f}",
            flush=True,
        )
    return accuracy


def summarise(name: str, runs: list[dict[str, float]]) -> None:
    """Print each rate's mean accuracy and its mean paired difference from the default."""
    print(f"{name} over {len(runs)} seeds:")
    for label in runs[0]:
        acc = [r[label] for r in runs]
        line = f"  {label:9s} mean accuracy {statistics.fmean(acc):.4f}"
        if label != "default":
            diff = [r[label] - r["default"] for r in runs]
            se = statistics.stdev(diff) / len(diff) ** 0.5 if len(diff) > 1 else float("nan")
            wins = sum(d >= 0 for d in diff)
            line += (f", minus default {statistics.fmean(diff):+.4f} (standard error {se:.4f}),"
                     f" at least as good in {wins} of {len(diff)}")  # fmt: skip
        print(line, flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--models", default="mlp,seed-cnn")
    p.add_argument("--data", default="fashion-mnist-sample",
                   choices=("fashion-mnist-sample", "fashion-mnist"))  # fmt: skip
    p.add_argument("--train", type=int, default=0, help="use the first N training images (0: all)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (one run each)")
    p.add_argument("--rules", default="", help="comma-separated rules to train (default: all)")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for name in args.models.split(","):
        summarise(name, [check(name, args, seed) for seed in seeds])


if __name__ == "__main__":
    main()
