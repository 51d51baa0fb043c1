"""The seed's first problem, made visible: vanishing gradients in a deep sigmoid MLP.

Trains two 8-hidden-layer MLPs on the embedded Fashion-MNIST sample with plain
SGD (lr 0.05) and :class:`glassnet.train.LayerDiagnostics` on:

* ``sigmoid-bad``: sigmoid activations, weights drawn from N(0, 0.01);
* ``relu-he``: the same net with ReLU and He (Kaiming) initialisation.

The first prints "vanishing gradients" warnings naming its first layers and
their gradient norms; the second prints none. Each run's per-layer figures go
to ``RUNS_DIR/vanishing-KIND/diagnostics.csv`` and ``.json``.

    PYTHONPATH=. python examples/vanishing_gradients.py
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import glassnet as gn
from glassnet import nn
from glassnet.data import datasets
from glassnet.train import LayerDiagnostics, fit

KINDS = ("sigmoid-bad", "relu-he")


def deep_mlp(kind: str, depth: int = 8, width: int = 64, d_in: int = 784) -> nn.Sequential:
    """``depth`` hidden layers of ``width``; ``kind`` in :data:`KINDS` picks activation and init."""
    if kind not in KINDS:
        raise ValueError(f"deep_mlp: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    sizes = [d_in] + [width] * depth + [10]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        if kind == "sigmoid-bad":
            nn.init.normal_(lin.weight, 0.0, 0.01)
        else:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.Sigmoid() if kind == "sigmoid-bad" else nn.ReLU())
    return nn.Sequential(*layers)


def main(argv: Sequence[str] | None = None) -> dict[str, LayerDiagnostics]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--limit", type=int, default=None, help="use only the first N images")
    p.add_argument("--every", type=int, default=20, help="diagnostics every N steps")
    p.add_argument("--runs-dir", default="runs")
    args = p.parse_args(argv)
    x, y = datasets.fashion_mnist("train", sample=True)
    x, y = x[: args.limit].reshape(-1, 784), y[: args.limit]
    results = {}
    for kind in KINDS:
        print(f"--- {kind}")
        gn.manual_seed(0)
        diag = LayerDiagnostics(args.every, folder=os.path.join(args.runs_dir, f"vanishing-{kind}"))
        model = deep_mlp(kind)
        opt = gn.optim.SGD(model.parameters(), lr=0.05)
        fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=args.epochs,
            batch_size=64, callbacks=[diag], verbose=2, seed=0)  # fmt: skip
        first = next(r["grad_norm"] for r in diag.rows if r["layer"] == "0")
        last = next(r["grad_norm"] for r in diag.rows if r["layer"] == str(len(model) - 1))
        print(f"{kind}: gradient norm of the first layer / the last at step 0: {first / last:.2g}"
              f" ({len(diag.warnings)} warning(s))")  # fmt: skip
        results[kind] = diag
    return results


if __name__ == "__main__":
    main()
