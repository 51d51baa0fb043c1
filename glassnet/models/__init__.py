"""Ready-made models: the seed article's networks and the task models built on them."""

from .registry import (
    LAYOUTS,
    ModelSpec,
    build_model,
    get_model_spec,
    list_models,
    register_model,
    to_layout,
)
from .rnn import LSTMForecaster, RowAttentionClassifier, row_lstm_attention
from .seed_cnn import seed_cnn

__all__ = [
    "build_model", "get_model_spec", "list_models", "register_model", "to_layout", "ModelSpec",
    "LAYOUTS", "seed_cnn", "row_lstm_attention", "RowAttentionClassifier", "LSTMForecaster",
]  # fmt: skip
