"""Neural-network modules: ``Module``, containers, layers, initialisation."""

from . import init, modules, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .layers.activation_more import (
    CELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    Softmin,
    Softsign,
)
from .layers.activation_shrink import (
    GLU,
    Hardshrink,
    RReLU,
    Softmax2d,
    Softshrink,
    Tanhshrink,
    Threshold,
)
from .layers.attention import MultiheadAttention, TemporalAttention, record_attention
from .layers.bilinear import Bilinear
from .layers.conv import Conv1d, Conv2d
from .layers.conv3d import Conv3d, ConvTranspose3d
from .layers.conv_transpose import ConvTranspose1d, ConvTranspose2d
from .layers.distance import CosineSimilarity, PairwiseDistance
from .layers.dropout import Dropout
from .layers.dropout_more import (
    AlphaDropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .layers.embedding import Embedding, EmbeddingBag
from .layers.flatten import Flatten, Unflatten
from .layers.fold import Fold, Unfold
from .layers.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyConv1d,
    LazyConv2d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyLinear,
    UninitializedParameter,
)
from .layers.linear import Identity, Linear
from .layers.local_response_norm import LocalResponseNorm
from .layers.lp_pool import LPPool1d, LPPool2d
from .layers.mlp import MLP, Perceptron
from .layers.norm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .layers.norm_more import GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm
from .layers.norm_rms import RMSNorm
from .layers.pixel_shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .layers.pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d
from .layers.pooling3d import AdaptiveMaxPool3d, AvgPool3d, MaxPool3d
from .layers.pooling_more import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    MaxPool1d,
)
from .layers.resize import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .layers.rnn import GRU, LSTM, RNN
from .layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from .layers.streaming import StatefulRNN, StreamChunk, stream
from .layers.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .layers.unpool import MaxUnpool1d, MaxUnpool2d
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HalfMSELoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .loss_composed import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    MarginRankingLoss,
    PoissonNLLLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .loss_ctc import CTCLoss
from .loss_margin import (
    HingeEmbeddingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
)
from .module import Buffer, Module, Parameter
from .parallel import DataParallel
from .regularization import L1L2, l1_penalty, l2_penalty, penalized_parameters

__all__ = [
    "init", "modules", "Module", "Parameter", "Buffer", "Sequential", "ModuleList", "ModuleDict",
    "ParameterList", "ParameterDict",
    "Linear", "Identity", "utils",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "ELU", "GELU", "Softplus", "SiLU", "Softmax",
    "LogSoftmax", "Embedding", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "LogSigmoid",
    "Softmin", "PReLU", "SELU", "CELU", "Softsign", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "Flatten", "Unflatten", "Perceptron", "MLP",
    "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "HalfMSELoss",
    "L1Loss", "HuberLoss", "SmoothL1Loss", "KLDivLoss", "CosineEmbeddingLoss",
    "MarginRankingLoss", "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "L1L2", "l1_penalty", "l2_penalty",
    "penalized_parameters",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "StatefulRNN", "StreamChunk",
    "stream", "TemporalAttention", "MultiheadAttention", "record_attention", "Transformer",
    "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder",
    "TransformerDecoderLayer",
    "Conv2d", "Conv1d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool2d",
    "MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "ZeroPad1d", "ZeroPad2d",
    "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
    "DataParallel",
    "PixelShuffle", "PixelUnshuffle", "Bilinear", "LocalResponseNorm", "LPPool1d", "LPPool2d",
    "Threshold", "GLU", "RReLU", "Hardshrink", "Softshrink", "Tanhshrink", "Softmax2d", "RMSNorm",
    "SoftMarginLoss", "MultiLabelSoftMarginLoss", "HingeEmbeddingLoss", "MultiMarginLoss",
    "MaxUnpool1d", "MaxUnpool2d", "Fold", "Unfold", "EmbeddingBag", "BatchNorm3d",
    "InstanceNorm3d", "AdaptiveAvgPool3d", "ZeroPad3d", "ConstantPad3d", "ReflectionPad3d",
    "ReplicationPad3d", "CircularPad3d", "CosineSimilarity", "PairwiseDistance",
    "CTCLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "ChannelShuffle",
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d",
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
    "UninitializedParameter",
]  # fmt: skip

modules.adopt(globals())  # torch.nn.modules: the same layer classes under torch's module names

#: torch.nn classes glassnet does not implement: asking for one says so
_NOT_IMPLEMENTED = frozenset({
    "LPPool3d", "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
    "AdaptiveLogSoftmaxWithLoss", "CrossMapLRN2d", "SyncBatchNorm", "LazyConv3d",
    "LazyConvTranspose3d", "LazyBatchNorm3d", "LazyInstanceNorm3d",
})  # fmt: skip


def __getattr__(name: str) -> object:
    if name in _NOT_IMPLEMENTED:
        raise AttributeError(
            f"glassnet.nn has no {name!r}: torch.nn.{name} is not implemented in glassnet "
            "(docs/nn.md lists the layers there are)"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

