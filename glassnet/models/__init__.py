"""Ready-made models: the seed article's networks and the task models built on them."""

from .registry import build_model, get_model_spec, list_models, register_model
from .rnn import LSTMForecaster, RowAttentionClassifier, row_lstm_attention
from .seed_cnn import seed_cnn
