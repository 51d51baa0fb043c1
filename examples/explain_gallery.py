"""Pictures of every explanation method on Fashion-MNIST, one PNG per method.

Trains (or loads from ``glassnet train`` run folders) the seed CNN, the
row-by-row LSTM + attention classifier and a linear softmax model on the
Fashion-MNIST sample shipped with glassnet, then explains the same test
images with each method::

    python examples/explain_gallery.py gallery/                 # train for 2 epochs each
    python examples/explain_gallery.py gallery/ --cnn-run runs/demo-20261127-101500

Needs matplotlib (``pip install glassnet[plot]``). Written files:
``cnn_<method>.png`` (saliency, input_x_gradient, ig, smoothgrad, occlusion, ablation,
gradcam, lime),
``lstm_attention.png``, ``lstm_attention_rows.png``, ``lstm_ig.png``,
``linear_weights.png``, ``cnn_panels_<i>.png`` and ``sanity_check.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import glassnet as gn
import glassnet.train as gt
from glassnet.data import FASHION_MNIST_CLASSES, fashion_mnist
from glassnet.explain import FeatureWeights, Saliency, demo_explanations, explain_images
from glassnet.explain.attention import AttentionMaps
from glassnet.explain.plots import (
    plot_attention,
    plot_feature_attribution,
    plot_image_grid,
    plot_randomization,
)
from glassnet.explain.sanity import cascading_randomization
from glassnet.models import seed_cnn
from glassnet.models.rnn import row_lstm_attention
from glassnet.nn import Flatten, Linear, Sequential

CNN_METHODS = (
    "saliency", "input_x_gradient", "ig", "smoothgrad", "occlusion", "ablation", "gradcam", "lime",
)  # fmt: skip


def load_or_train(name, model, layout_x, y, run_dir, epochs):
    """The model of a run folder (its config says which, its best checkpoint gives the
    weights), or ``model`` after a short training run."""
    if run_dir:
        from glassnet.io.checkpoint import load_checkpoint
        from glassnet.models.registry import get_model_spec
        from glassnet.train import RunFolder

        run = RunFolder.open(run_dir)
        config = run.read_config()
        spec = get_model_spec(config["model"])
        model = spec.build(num_classes=10, **{k: config[k] for k in spec.options if k in config})
        load_checkpoint(run.file(run.BEST), model=model, restore_rng=False)
        print(f"{name}: loaded {config['model']} from {run_dir}")
        return model
    start = time.perf_counter()
    gt.fit(model, (layout_x, y), loss="cross_entropy", optimizer="adam", epochs=epochs,
           batch_size=64, verbose=0, seed=0)  # fmt: skip
    print(f"{name}: trained {epochs} epoch(s) in {time.perf_counter() - start:.0f} s")
    return model


def accuracy(model, x, y):
    return float((Saliency(model).forward(x).argmax(axis=1) == y).mean())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", help="folder for the PNGs (created)")
    p.add_argument("--epochs", type=int, default=2, help="training epochs per model (default 2)")
    p.add_argument("--cnn-run", help="run folder of a trained seed-cnn (skips its training)")
    p.add_argument("--lstm-run", help="run folder of a trained lstm-attn (skips its training)")
    p.add_argument("--images", type=int, default=6, help="test images per picture (default 6)")
    args = p.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    gn.manual_seed(0)
    x, y = fashion_mnist("train", sample=True)
    x_test, y_test = fashion_mnist("test", sample=True)
    # one image of each of the first classes, so the pictures show different things
    pick = np.array([np.flatnonzero(y_test == c)[0] for c in range(args.images)])
    images, labels = x_test[pick], y_test[pick]
    names = FASHION_MNIST_CLASSES
    out = args.out_dir

    # ------------------------------------------------------------- seed CNN
    cnn = load_or_train("seed CNN", seed_cnn(), x, y, args.cnn_run, args.epochs)
    cnn.eval()
    print(f"seed CNN accuracy on the 1,000-image test sample: {accuracy(cnn, x_test, y_test):.3f}")
    pred = Saliency(cnn).forward(images).argmax(axis=1)
    captions = [f"{names[t]} -> {names[q]}" for t, q in zip(labels, pred)]
    for method in CNN_METHODS:
        start = time.perf_counter()
        maps = explain_images(cnn, images, method)
        path = plot_image_grid(images, maps, os.path.join(out, f"cnn_{method}.png"),
                               titles=captions, title=f"seed CNN: {method}")  # fmt: skip
        print(f"{path} ({time.perf_counter() - start:.1f} s)")
    for path in demo_explanations(cnn, images[:2], labels[:2], out, names):
        final = os.path.join(out, "cnn_panels_" + os.path.basename(path)[len("explain_") :])
        os.replace(path, final)
        print(final)

    # sanity check: maps of a model whose layers are randomised from the top down
    few, target = images[:4], pred[:4]
    rows = {
        "saliency": cascading_randomization(
            cnn, lambda m: Saliency(m).attribute(few, target=target)
        ),
        "gradcam": cascading_randomization(
            cnn, lambda m: explain_images(m, few, "gradcam", target=target)
        ),
    }
    path = plot_randomization(rows, os.path.join(out, "sanity_check.png"),
                              title="seed CNN: maps after randomising layers (Adebayo et al.)")  # fmt: skip
    print(path, {k: [round(c, 2) for _, c in v] for k, v in rows.items()})

    # -------------------------------------------------- row-by-row LSTM + attention
    lstm = row_lstm_attention(num_classes=10, hidden=64)
    rows_x, rows_test = x.reshape(-1, 28, 28), x_test.reshape(-1, 28, 28)
    lstm = load_or_train("LSTM + attention", lstm, rows_x, y, args.lstm_run, args.epochs)
    lstm.eval()
    print(
        f"LSTM + attention accuracy on the 1,000-image test sample: {accuracy(lstm, rows_test, y_test):.3f}"
    )
    weights = AttentionMaps(lstm).attribute(images.reshape(-1, 28, 28))["attention"]
    print(plot_attention(weights, os.path.join(out, "lstm_attention.png"),
                         title="attention over image rows, one test image per line",
                         xlabel="image row (time step)", ylabel="test image"))  # fmt: skip
    att_maps = explain_images(lstm, images, "attention", layout="rows")
    print(plot_image_grid(images, att_maps, os.path.join(out, "lstm_attention_rows.png"),
                          titles=[names[t] for t in labels], title="LSTM: attention per row"))  # fmt: skip
    ig = explain_images(lstm, images, "ig", layout="rows")
    print(plot_image_grid(images, ig, os.path.join(out, "lstm_ig.png"),
                          titles=[names[t] for t in labels], title="LSTM: integrated gradients"))  # fmt: skip

    # ------------------------------------------------ linear model: feature weights
    linear = Sequential(Flatten(), Linear(784, 10))
    linear = load_or_train("linear softmax", linear, x, y, None, args.epochs)
    fw = FeatureWeights(linear)
    templates = fw.weights.reshape(10, 1, 28, 28)
    print(plot_image_grid(np.zeros_like(templates), templates, os.path.join(out, "linear_weights.png"),
                          titles=list(names), title="linear model: weight of each pixel per class",
                          signed=True, columns=5))  # fmt: skip
    contrib = fw.attribute(images[:1], target=fw.forward(images[:1]).argmax(1))[0].reshape(-1)
    print(plot_feature_attribution(contrib, os.path.join(out, "linear_top_pixels.png"),
                                   feature_names=[f"pixel ({i // 28}, {i % 28})" for i in range(784)],
                                   top_k=15, title=f"linear model: top pixel contributions, "
                                   f"{names[labels[0]]}"))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
