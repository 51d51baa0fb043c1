"""Callbacks for :func:`glassnet.train.fit` (Keras's protocol), one per file."""

from .base import Callback, CallbackList
from .csv_logger import CSVLogger
from .diagnostics import LayerDiagnostics
from .early_stopping import EarlyStopping
from .health import TrainingHealth, TrainingHealthWarning
from .history import History
from .lr_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .progress_bar import ProgressBar
from .run_logger import RunLogger
from .tensorboard import TensorBoard

__all__ = [
    "Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
    "LearningRateScheduler", "ProgressBar", "CSVLogger", "RunLogger", "TrainingHealth",
    "TrainingHealthWarning", "LayerDiagnostics", "TensorBoard",
]  # fmt: skip
