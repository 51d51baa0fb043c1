"""Training: ``fit`` / ``evaluate`` / ``predict``, callbacks, metrics and run folders.

::

    import glassnet.train as gt
    history = gt.fit(model, (x_train, y_train), loss="cross_entropy", optimizer="adam",
                     epochs=5, batch_size=128, validation_data=(x_val, y_val),
                     callbacks=[gt.EarlyStopping(patience=2, restore_best_weights=True)])
    gt.evaluate(model, (x_test, y_test), loss="cross_entropy")   # {"loss": ..., "accuracy": ...}
"""

from .callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    RunLogger,
)
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
from .trainer import DivergenceError, Trainer, evaluate, fit, predict

__all__ = [
    "fit", "evaluate", "predict", "Trainer", "DivergenceError",
    "Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
    "LearningRateScheduler", "ProgressBar", "CSVLogger", "RunLogger", "RunFolder",
    "accuracy", "error_rate", "top_k_accuracy", "confusion_matrix",
    "Metric", "Accuracy", "ErrorRate", "TopKAccuracy", "Mean", "ConfusionMatrix",
    "get_metric", "METRICS",
]  # fmt: skip
