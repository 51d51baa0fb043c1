"""A small CNN for images of any size and channel count: the default model of an image folder.

Three blocks of ``Conv2d 3x3 -> BatchNorm2d -> ReLU`` (32, 64, 128 channels),
max-pooling between them while the image is large enough, then global
average pooling and one linear layer. Global average pooling makes the
classifier independent of the image size, so the same network reads 28x28
greyscale digits and 96x96 colour photos.
"""

from __future__ import annotations

from ..nn.container import Sequential
from ..nn.layers._checks import positive_int, probability
from ..nn.layers.activation import ReLU
from ..nn.layers.conv import Conv2d
from ..nn.layers.dropout import Dropout
from ..nn.layers.linear import Linear
from ..nn.layers.norm import BatchNorm2d
from ..nn.layers.pooling import GlobalAvgPool2d, MaxPool2d

__all__ = ["small_cnn", "pool_count"]

#: Channels of the three convolution blocks (times ``width``).
CHANNELS = (32, 64, 128)


def pool_count(image_size: tuple[int, int], blocks: int = len(CHANNELS)) -> int:
    """How many 2x2 max-pools fit between ``blocks`` blocks: each halves the smaller side,
    which stays at least 4 pixels."""
    side, pools = min(image_size), 0
    while pools < blocks - 1 and side // 2 >= 4:
        side //= 2
        pools += 1
    return pools


def small_cnn(
    num_classes: int = 10,
    *,
    in_channels: int = 1,
    image_size: tuple[int, int] = (28, 28),
    width: int = 1,
    dropout: float = 0.2,
) -> Sequential:
    """Build the small CNN.

    Parameters
    ----------
    num_classes : int, default 10
    in_channels : int, default 1
        1 for greyscale, 3 for RGB, or any other count.
    image_size : (int, int), default (28, 28)
        ``(H, W)`` the model is built for; it decides how many max-pools there
        are (one after each of the first two blocks when the smaller side is
        at least 16). Other sizes run too (global average pooling).
    width : int, default 1
        Channel multiplier.
    dropout : float, default 0.2
        Before the linear layer.

    Returns
    -------
    Sequential
        Input ``(N, in_channels, H, W)``, output logits ``(N, num_classes)``.

    Examples
    --------
    >>> model = small_cnn(5, in_channels=3, image_size=(64, 64))
    >>> model(gn.zeros(2, 3, 64, 64)).shape
    (2, 5)
    """
    num_classes = positive_int("small_cnn", "num_classes", num_classes)
    in_channels = positive_int("small_cnn", "in_channels", in_channels)
    width = positive_int("small_cnn", "width", width)
    dropout = probability("small_cnn", "dropout", dropout)
    h, w = (positive_int("small_cnn", "image_size", int(s)) for s in image_size)
    pools = pool_count((h, w))
    layers, c_in = [], in_channels
    for i, c in enumerate(CHANNELS):
        c_out = c * width
        layers += [Conv2d(c_in, c_out, 3, padding=1), BatchNorm2d(c_out), ReLU()]
        if i < pools:
            layers.append(MaxPool2d(2))
        c_in = c_out
    layers += [GlobalAvgPool2d()]
    layers += [Dropout(dropout)] if dropout else []
    layers += [Linear(c_in, num_classes)]
    return Sequential(*layers)
