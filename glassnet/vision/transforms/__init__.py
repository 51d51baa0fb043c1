"""torchvision.transforms, one sample at a time: conversions, normalisation, crops, flips,
resizing, rotation, padding, colour jitter and grey (see :mod:`._geometric`
and :mod:`._color`; their functional forms in :mod:`.functional`), and the random containers.

::

    transform = transforms.Compose([
        transforms.RandomCrop(28, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),                       # image -> Tensor (C, H, W) float32 in [0, 1]
        transforms.Normalize((0.1307,), (0.3081,)),
    ])

Images are Pillow images, ``(H, W)`` / ``(H, W, C)`` NumPy arrays (to :class:`ToTensor`)
or ``(C, H, W)`` Tensors. The random transforms draw from glassnet's global
generator, so ``manual_seed`` fixes them, as torch's global seed fixes torchvision's.
The pixel work of :class:`Normalize`, :class:`RandomCrop` and
:class:`RandomHorizontalFlip` is :mod:`glassnet.data.transforms`' batched code
applied to a batch of one. For whole-batch augmentation inside a
:class:`glassnet.data.DataLoader`, use :mod:`glassnet.data.transforms` directly.
"""

from . import functional
from ._basic import (
    CenterCrop,
    Compose,
    Lambda,
    Normalize,
    RandomApply,
    RandomChoice,
    RandomCrop,
    RandomHorizontalFlip,
    RandomOrder,
    ToTensor,
)
from ._color import ColorJitter, Grayscale, PILToTensor, RandomGrayscale, ToPILImage
from ._geometric import (
    InterpolationMode,
    Pad,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
)

__all__ = [
    "Compose", "ToTensor", "Normalize", "Lambda", "RandomCrop", "RandomHorizontalFlip", "Resize",
    "CenterCrop", "RandomApply", "RandomChoice", "RandomOrder", "InterpolationMode",
    "RandomResizedCrop", "RandomVerticalFlip", "RandomRotation", "Pad", "Grayscale",
    "RandomGrayscale", "ColorJitter", "ToPILImage", "PILToTensor", "functional",
]  # fmt: skip
