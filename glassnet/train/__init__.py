"""Training: ``fit`` / ``evaluate`` / ``predict``, callbacks, metrics and run folders.

::

    import glassnet.train as gt
    history = gt.fit(model, (x_train, y_train), loss="cross_entropy", optimizer="adam",
                     epochs=5, batch_size=128, validation_data=(x_val, y_val),
                     callbacks=[gt.EarlyStopping(patience=2, restore_best_weights=True)])
    gt.evaluate(model, (x_test, y_test), loss="cross_entropy")   # {"loss": ..., "accuracy": ...}

Runs that lose nothing: ``RunLogger`` checkpoints hold the trainer's state, so
``fit(..., resume_from=run)`` continues a crashed or interrupted run with the
weights an uninterrupted run reaches; Ctrl-C stops at the end of a step after a
checkpoint (:class:`TrainingInterrupted`). ``fit(..., distributed=True)``
trains data-parallel over MPI ranks.
"""

from .callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LayerDiagnostics,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    RunLogger,
    TensorBoard,
)
from .evaluation import evaluate, predict
from .fitting import fit
from .interrupt import TrainingInterrupted
from .lr_finder import LRFindResult, LRFindWarning, lr_find
from .metrics import (
    METRICS,
    Accuracy,
    ConfusionMatrix,
    ErrorRate,
    Mean,
    Metric,
    TopKAccuracy,
    accuracy,
    confusion_matrix,
    error_rate,
    get_metric,
    top_k_accuracy,
)
from .runs import RunFolder
from .trainer import DivergenceError, Trainer

__all__ = [
    "fit", "evaluate", "predict", "Trainer", "DivergenceError", "TrainingInterrupted",
    "Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
    "LearningRateScheduler", "ProgressBar", "CSVLogger", "RunLogger", "RunFolder",
    "LayerDiagnostics", "TensorBoard",
    "accuracy", "error_rate", "top_k_accuracy", "confusion_matrix",
    "Metric", "Accuracy", "ErrorRate", "TopKAccuracy", "Mean", "ConfusionMatrix",
    "get_metric", "METRICS", "lr_find", "LRFindResult", "LRFindWarning",
]  # fmt: skip
