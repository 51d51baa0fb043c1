"""The seed article's MNIST CNN, as a ``Sequential``.

The article's TensorFlow network (``conv_net``)::

    conv 3x3x32 'SAME' + ReLU -> max-pool 2x2 stride 2 ->
    conv 3x3x64 'SAME' + ReLU -> max-pool 2x2 stride 2 ->
    reshape 7*7*64 -> FC 1024 + ReLU -> dropout -> (softmax cross-entropy)

It never defines the last layer from 1024 features to the 10 classes; here it
is ``Linear(1024, num_classes)``. The model returns logits: the softmax lives
in the loss (``F.cross_entropy``).
"""

from __future__ import annotations

from ..nn.container import Sequential
from ..nn.layers._checks import positive_int, probability
from ..nn.layers.activation import ReLU
from ..nn.layers.conv import Conv2d
from ..nn.layers.dropout import Dropout
from ..nn.layers.flatten import Flatten
from ..nn.layers.linear import Linear
from ..nn.layers.norm import BatchNorm1d, BatchNorm2d
from ..nn.layers.pooling import MaxPool2d

__all__ = ["seed_cnn"]


def seed_cnn(
    num_classes: int = 10,
    *,
    in_channels: int = 1,
    dropout: float = 0.5,
    batch_norm: bool = False,
    width: int = 1,
    image_size: int = 28,
) -> Sequential:
    """Build the seed article's CNN for ``image_size x image_size`` images.

    Parameters
    ----------
    num_classes : int, default 10
    in_channels : int, default 1
        1 for greyscale (MNIST), 3 for colour.
    dropout : float, default 0.5
        Drop probability before the output layer (the seed's ``keep_prob`` is ``1 - dropout``).
    batch_norm : bool, default False
        Add ``BatchNorm2d`` after each convolution and ``BatchNorm1d`` after the
        hidden fully connected layer (each before its ReLU).
    width : int, default 1
        Channel multiplier: convolutions get ``32*width`` and ``64*width`` channels.
    image_size : int, default 28
        Input height and width; must be divisible by 4.

    Returns
    -------
    Sequential
        Input ``(N, in_channels, image_size, image_size)``, output logits
        ``(N, num_classes)``. Layer indices match the same ``torch.nn.Sequential``,
        so state dicts interchange.

    Examples
    --------
    >>> model = seed_cnn()
    >>> model(gn.zeros(2, 1, 28, 28)).shape
    (2, 10)
    """
    num_classes = positive_int("seed_cnn", "num_classes", num_classes)
    in_channels = positive_int("seed_cnn", "in_channels", in_channels)
    dropout = probability("seed_cnn", "dropout", dropout)
    width = positive_int("seed_cnn", "width", width)
    image_size = positive_int("seed_cnn", "image_size", image_size)
    if image_size % 4:
        raise ValueError(f"seed_cnn: image_size must be divisible by 4, got {image_size}")
    c1, c2 = 32 * width, 64 * width
    side = image_size // 4
    bn = bool(batch_norm)
    layers = [Conv2d(in_channels, c1, 3, padding=1)]
    layers += [BatchNorm2d(c1)] if bn else []
    layers += [ReLU(), MaxPool2d(2), Conv2d(c1, c2, 3, padding=1)]
    layers += [BatchNorm2d(c2)] if bn else []
    layers += [ReLU(), MaxPool2d(2), Flatten(), Linear(side * side * c2, 1024)]
    layers += [BatchNorm1d(1024)] if bn else []
    layers += [ReLU(), Dropout(dropout), Linear(1024, num_classes)]
    return Sequential(*layers)
