"""The seed article's TensorFlow MNIST CNN, in glassnet, with its bugs fixed.

The article's program (TensorFlow 1, section 4.1) builds conv 3x3x32 'SAME' + ReLU,
max-pool 2x2, conv 3x3x64 'SAME' + ReLU, max-pool 2x2, FC 7*7*64 -> 1024 + ReLU,
dropout, and an output layer, trains with softmax cross-entropy and Adam, and
prints the cost and test accuracy after each epoch. Two bugs are fixed here:

1. ``W4``/``b4`` (the output layer, 1024 -> 10) are used but never defined:
   here they are ``Linear(1024, 10)``, the last layer of ``seed_cnn()``.
2. The article says ``keep_prob`` is 1 in training and 0 in testing. It is the
   other way round in spirit: dropout is *active* in training (keep_prob < 1;
   here ``Dropout(p=0.5)``, i.e. keep_prob = 0.5) and *off* in evaluation
   (keep_prob = 1; here ``model.eval()``). A keep_prob of 0 would drop everything.

It also evaluates on the whole test set instead of its first 256 images.
Runs on Fashion-MNIST by default, and on MNIST when those files are present
(``$GLASSNET_DATA/mnist`` or ``~/.cache/glassnet/mnist``)::

    python examples/seed_mnist_cnn.py                 # Fashion-MNIST, 15 epochs
    python examples/seed_mnist_cnn.py --data mnist    # MNIST (needs the files)
    python examples/seed_mnist_cnn.py --sample --epochs 3   # embedded sample, no files needed
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import fashion_mnist, mnist
from glassnet.models import seed_cnn


def load(data: str, sample: bool) -> tuple[np.ndarray, ...]:
    if data == "mnist":
        # the article's data set; only used when its files are on this machine
        x_train, y_train = mnist("train", download=False)
        x_test, y_test = mnist("test", download=False)
    else:
        x_train, y_train = fashion_mnist("train", sample=sample)
        x_test, y_test = fashion_mnist("test", sample=sample)
    return x_train, y_train, x_test, y_test


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", choices=("fashion-mnist", "mnist"), default="fashion-mnist")
    p.add_argument("--sample", action="store_true", help="use the embedded Fashion-MNIST sample")
    p.add_argument("--epochs", type=int, default=15)  # num_epochs
    p.add_argument("--batch-size", type=int, default=128)  # batch_size
    p.add_argument("--dropout", type=float, default=0.5)  # 1 - keep_prob during training
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    gn.manual_seed(args.seed)
    try:
        x_train, y_train, x_test, y_test = load(args.data, args.sample)
    except (FileNotFoundError, OSError) as exc:
        raise SystemExit(f"seed_mnist_cnn: {exc}") from None

    # build the model: conv_net(x, keep_prob), with the output layer W4/b4 defined
    model = seed_cnn(num_classes=10, dropout=args.dropout)
    # define loss and optimizer: softmax cross-entropy (inside F.cross_entropy) and Adam
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                              shuffle=True, seed=args.seed)  # fmt: skip
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)

    for epoch in range(args.epochs):
        model.train()  # dropout active: keep_prob = 1 - p
        avg_cost, total_batch = 0.0, len(train_loader)
        t0 = time.perf_counter()
        for batch_x, batch_y in train_loader:
            optimizer.zero_grad()
            cost = F.cross_entropy(model(batch_x), batch_y)  # mean over the batch
            cost.backward()
            optimizer.step()
            avg_cost += cost.item() / total_batch

        model.eval()  # dropout off: keep_prob = 1
        correct = 0
        with gn.no_grad():
            for batch_x, batch_y in test_loader:
                correct += int((model(batch_x).argmax(axis=1) == batch_y).numpy().sum())
        test_acc = correct / len(x_test)
        print(
            f"Epoch: {epoch + 1} cost = {avg_cost:.3f} accuracy = {test_acc * 100:.2f}% "
            f"({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
