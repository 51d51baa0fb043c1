"""Does lr_find's suggestion train at least as well as the default rate (Adam 1e-3)?

For the seed CNN and the MLP on Fashion-MNIST (the embedded sample by default):
run the range test once, then train the same initial weights for a short run
with the default rate and with the rate of every suggestion rule (valley,
min/10, steepest), and print the test loss and accuracy of each.

    PYTHONPATH=. python benchmarks/lr_find_check.py --epochs 2
    PYTHONPATH=. python benchmarks/lr_find_check.py --train 2048 --epochs 2 --models seed-cnn
"""

from __future__ import annotations

import argparse
import copy

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


def check(name: str, args: argparse.Namespace) -> None:
    spec = get_model_spec(name)
    train, test = _data(args, spec.layout)
    gn.manual_seed(args.seed)
    model = build_model(name)
    found = lr_find(model, train, optimizer="adam", num_steps=args.steps, batch_size=128)
    rates = ", ".join(f"{k} {v:.3g}" for k, v in found.suggestions.items())
    print(f"{name}: {len(found.lrs)} steps, stopped early: {found.stopped_early}; {rates}")
    for label, lr in (("default", 1e-3), *found.suggestions.items()):
        m = copy.deepcopy(model)
        opt = optim.Adam(m.parameters(), lr=lr)
        fit(m, train, loss="cross_entropy", optimizer=opt, epochs=args.epochs, batch_size=128,
            verbose=0, seed=args.seed)  # fmt: skip
        res = evaluate(m, test, loss="cross_entropy")
        print(
            f"  {label:9s} lr={lr:.3g}: test loss {res['loss']:.4f}, accuracy {res['accuracy']:.4f}",
            flush=True,
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--models", default="mlp,seed-cnn")
    p.add_argument("--data", default="fashion-mnist-sample",
                   choices=("fashion-mnist-sample", "fashion-mnist"))  # fmt: skip
    p.add_argument("--train", type=int, default=0, help="use the first N training images (0: all)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    for name in args.models.split(","):
        check(name, args)


if __name__ == "__main__":
    main()
