"""Does lr_find's suggestion train at least as well as the default rate (Adam 1e-3)?

For the seed CNN and the MLP on the embedded Fashion-MNIST sample: run the range
test, then train the same initial weights for a short run with the default and
with the suggested rate, and print the test loss and accuracy of both.

    PYTHONPATH=. python benchmarks/lr_find_check.py --epochs 2
"""

from __future__ import annotations

import argparse
import copy

import glassnet as gn
from glassnet import optim
from glassnet.data import datasets
from glassnet.models import build_model, get_model_spec, to_layout
from glassnet.train import evaluate, fit, lr_find


def check(name: str, epochs: int, steps: int) -> None:
    spec = get_model_spec(name)
    x, y = datasets.fashion_mnist("train", sample=True)
    xt, yt = datasets.fashion_mnist("test", sample=True)
    x, xt = to_layout(x, spec.layout), to_layout(xt, spec.layout)
    gn.manual_seed(0)
    model = build_model(name)
    found = lr_find(model, (x, y), optimizer="adam", num_steps=steps, batch_size=128)
    print(
        f"{name}: suggestion {found.suggestion:.3g} (min/10 {found.min_lr_div10:.3g}), "
        f"{len(found.lrs)} steps, stopped early: {found.stopped_early}"
    )
    for label, lr in (("default", 1e-3), ("suggested", found.suggestion)):
        m = copy.deepcopy(model)
        fit(
            m,
            (x, y),
            loss="cross_entropy",
            optimizer=optim.Adam(m.parameters(), lr=lr),
            epochs=epochs,
            batch_size=128,
            verbose=0,
            seed=0,
        )
        res = evaluate(m, (xt, yt), loss="cross_entropy")
        print(
            f"  {label:9s} lr={lr:.3g}: test loss {res['loss']:.4f}, accuracy {res['accuracy']:.4f}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--models", default="mlp,seed-cnn")
    args = p.parse_args()
    for name in args.models.split(","):
        check(name, args.epochs, args.steps)


if __name__ == "__main__":
    main()
