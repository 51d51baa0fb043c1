"""Forecast the Mauna Loa CO2 series with an LSTM and compare it with the naive forecasts.

The monthly CO2 series (March 1958 - December 2001, 526 months, a rising trend
and a 12-month season) is split by time: the first 75% for training, the next
10% for validation (early stopping, choices), the last 15% (June 1995 -
December 2001, 79 months) for the test. From each forecast origin the model
sees the last ``input_len`` months and predicts the next 12 at once; the
table gives the mean absolute error (ppm) on the test months 1 and 12 steps
ahead (and averaged over 1..12) for:

- persistence: the last value seen;
- seasonal naive: the value 12 months before the target (for 12 steps ahead
  it is the last value seen, the same forecast as persistence);
- seasonal naive + drift: seasonal naive moved by the last 12-month change
  (a stronger reference; not required to beat, reported for honesty);
- ``LSTMForecaster`` on seasonal differences ``y[t] - y[t-12]`` (normalised
  with training-set statistics), turned back into levels by adding the value
  12 months earlier.

``--target diff`` (first differences) and ``--target level`` (the raw level,
which fails once the trend leaves the training range) are there to compare.
``--series sunspots`` runs the same on monthly sunspot numbers (season 132
months, the ~11-year cycle; default target ``level``).

Run it::

    python examples/forecast_co2.py                       # seed 0
    python examples/forecast_co2.py --seeds 0 1 2         # stability over seeds
    python examples/forecast_co2.py --target diff

Writes ``forecast.png`` (test stretch: actual vs forecasts; needs matplotlib)
and ``forecasts.csv`` into ``--out`` (default ``runs/forecast-SERIES-DATE-TIME``),
and explains the last test forecast (``horizon`` steps ahead) with integrated
gradients over the input window: ``explain_over_time.png`` (the window and its
attribution per month) and ``explain_months.png`` (the months that mattered
most, as bars). The baseline is the all-zero window: on normalised targets that
is the training set's average seasonal change, so the attributions say how each
month moved the forecast away from "an average year everywhere".
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import optim
from glassnet.data.datasets import co2, sunspots
from glassnet.explain import IntegratedGradients
from glassnet.models import LSTMForecaster
from glassnet.train import EarlyStopping, fit, predict
from glassnet.train.forecast_metrics import (
    forecast_targets,
    horizon_mae,
    persistence_forecast,
    seasonal_drift_forecast,
    seasonal_naive_forecast,
)

#: series name -> (loader returning (dates, values), season, unit, default target)
SERIES = {
    "co2": (lambda: co2(frequency="monthly", return_dates=True), 12, "ppm", "seasonal"),
    "sunspots": (lambda: sunspots(frequency="monthly", return_dates=True), 132, "", "level"),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--series", choices=sorted(SERIES), default="co2")
    p.add_argument("--target", choices=("seasonal", "diff", "level"), default=None,
                   help="what the LSTM predicts (default: seasonal for co2, level for sunspots)")  # fmt: skip
    p.add_argument("--horizon", type=int, default=12, help="steps predicted from each origin")
    p.add_argument("--report", type=int, nargs="+", default=[1, 12], help="horizons in the table")
    p.add_argument("--input-len", type=int, default=48, help="steps the LSTM sees")
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--epochs", type=int, default=300, help="at most (early stopping on val_loss)")
    p.add_argument("--patience", type=int, default=40)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--val", type=float, default=0.10, help="validation fraction (by time)")
    p.add_argument("--test", type=float, default=0.15, help="test fraction (the final stretch)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--out", default=None, help="output folder")
    args = p.parse_args(argv)
    if args.target is None:
        args.target = SERIES[args.series][3]
    if args.horizon < 1 or min(args.report) < 1 or max(args.report) > args.horizon:
        p.error(f"--report horizons must lie in [1, --horizon={args.horizon}], got {args.report}")
    return args


@dataclass
class Encoding:
    """How the series is shown to the LSTM and how its outputs become levels again.

    ``z`` is the transformed series (``NaN`` before ``lag``), normalised with the
    mean and standard deviation of its training part.
    """

    y: np.ndarray
    mode: str
    season: int
    n_train: int

    def __post_init__(self) -> None:
        y, self.lag = self.y, {"level": 0, "diff": 1, "seasonal": self.season}[self.mode]
        raw = np.full(len(y), np.nan)
        raw[self.lag :] = y[self.lag :] - y[: len(y) - self.lag] if self.lag else y
        train = raw[self.lag : self.n_train]
        self.mu, self.sd = float(train.mean()), float(train.std())
        self.z = (raw - self.mu) / self.sd

    def inputs(self, origins: np.ndarray, input_len: int) -> np.ndarray:
        """Windows ``(n, input_len, 1)`` ending at each origin."""
        idx = origins[:, None] + np.arange(1 - input_len, 1)
        return self.z[idx][..., None].astype(np.float32)

    def targets(self, origins: np.ndarray, horizon: int) -> np.ndarray:
        """What the LSTM learns to output: ``(n, horizon, 1)``."""
        k = np.arange(1, horizon + 1)
        if self.mode == "diff":  # the change since the origin, trend removed, in units of sd
            t = (self.y[origins[:, None] + k] - self.y[origins][:, None] - k * self.mu) / self.sd
        else:
            t = self.z[origins[:, None] + k]
        return t[..., None].astype(np.float32)

    def decode(self, out: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """LSTM outputs ``(n, horizon, 1)`` -> forecasts of the level ``(n, horizon)``."""
        out = np.asarray(out, dtype=np.float64)[..., 0]
        h = out.shape[1]
        k = np.arange(1, h + 1)
        if self.mode == "level":
            return out * self.sd + self.mu
        if self.mode == "diff":
            return self.y[origins][:, None] + out * self.sd + k * self.mu
        change = out * self.sd + self.mu  # predicted y[t] - y[t - season]
        level = np.empty_like(change)
        for j in range(h):  # the base a season back is known up to k = season, forecast beyond
            back = j - self.season
            level[:, j] = (
                self.y[origins + j + 1 - self.season] if back < 0 else level[:, back]
            ) + change[:, j]
        return level


def split_sizes(t: int, val: float, test: float) -> tuple[int, int, int]:
    n_test, n_val = int(round(test * t)), int(round(val * t))
    return t - n_val - n_test, n_val, n_test


def evaluation_origins(start: int, stop: int, h: int) -> np.ndarray:
    """Origins whose ``h``-step-ahead target falls in ``[start, stop)``."""
    return np.arange(start - h, stop - h)


def train_one(args: argparse.Namespace, enc: Encoding, n_train: int, n_val: int, seed: int) -> Any:
    """Fit an LSTMForecaster on windows whose targets lie in the training part."""
    gn.manual_seed(seed)
    first = enc.lag + args.input_len - 1
    tr = np.arange(first, n_train - args.horizon)
    va = np.arange(max(first, n_train - 1), n_train + n_val - args.horizon)
    if len(tr) < 1 or len(va) < 1:
        raise SystemExit(
            f"forecast_co2: too few steps for input_len={args.input_len} and horizon="
            f"{args.horizon} ({len(tr)} training and {len(va)} validation windows)"
        )
    model = LSTMForecaster(1, args.hidden, args.horizon, num_layers=args.layers)
    stop = EarlyStopping("val_loss", patience=args.patience, restore_best_weights=True)
    history = fit(
        model, (enc.inputs(tr, args.input_len), enc.targets(tr, args.horizon)),
        loss="mse", optimizer=optim.Adam(model.parameters(), lr=args.lr), epochs=args.epochs,
        batch_size=args.batch_size, metrics=(), verbose=0, seed=seed, callbacks=[stop],
        validation_data=(enc.inputs(va, args.input_len), enc.targets(va, args.horizon)),
    )  # fmt: skip
    return model, len(history.epoch), stop.best_epoch


def lstm_forecast(model: Any, enc: Encoding, origins: np.ndarray, input_len: int) -> np.ndarray:
    return enc.decode(predict(model, enc.inputs(origins, input_len)), origins)


def per_horizon(
    forecaster: Any, y: np.ndarray, start: int, stop: int, horizons: Sequence[int]
) -> dict[int, float]:
    """MAE ``h`` steps ahead on the targets in ``[start, stop)``; ``forecaster(origins, h)`` -> ``(n, >= h)``."""
    out = {}
    for h in horizons:
        o = evaluation_origins(start, stop, h)
        out[h] = float(horizon_mae(forecaster(o, h)[:, :h], forecast_targets(y, o, h))[h - 1])
    return out


def write_outputs(
    folder: str, dates: Any, y: np.ndarray, start: int, forecasts: dict, label: str
) -> str | None:
    """``forecasts.csv`` and ``forecast.png`` (None without matplotlib)."""
    os.makedirs(folder, exist_ok=True)
    names = list(forecasts)
    with open(os.path.join(folder, "forecasts.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "actual", *names])
        for i in range(start, len(y)):
            values = (f"{forecasts[n][i - start]:.3f}" for n in names)
            w.writerow([str(dates[i]), f"{y[i]:.3f}", *values])
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=(9, 4), dpi=100)
    ax = fig.subplots()
    days = dates.astype("datetime64[D]").astype("O")
    before = slice(max(0, start - 36), start + 1)
    ax.plot(days[before], y[before], color="0.6", lw=1.2, label="before the test stretch")
    ax.plot(days[start:], y[start:], color="black", lw=1.6, label="actual")
    for n, c in zip(names, ["tab:red", "tab:blue", "tab:green", "tab:orange"]):
        ax.plot(days[start:], forecasts[n], color=c, lw=1.0, ls="--", label=n)
    ax.set_ylabel(label)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"{label}: forecasts vs actual on the test stretch")
    path = os.path.join(folder, "forecast.png")
    fig.savefig(path, format="png", bbox_inches="tight")
    return path


def explain_last_forecast(
    folder: str, model: Any, enc: Encoding, dates: Any, origin: int, input_len: int, horizon: int
) -> tuple[list[str], float]:
    """Integrated gradients of the ``horizon``-step forecast from ``origin`` over its window.

    Returns the PNG paths written (none without matplotlib) and the convergence delta
    relative to ``|F(x) - F(baseline)|``.
    """
    x = enc.inputs(np.array([origin]), input_len)  # (1, input_len, 1)
    last = lambda t: model(t)[:, horizon - 1, 0]  # noqa: E731  one output per window
    attr, delta = IntegratedGradients(last).attribute(
        x, method="gausslegendre", n_steps=256, return_convergence_delta=True
    )
    ends = predict(model, np.concatenate([x, np.zeros_like(x)]))[:, horizon - 1, 0]
    span = abs(float(ends[0] - ends[1])) or 1.0
    months = [str(d)[:7] for d in dates[origin - input_len + 1 : origin + 1]]
    try:
        from glassnet.explain import plots
    except ImportError:  # matplotlib missing
        return [], abs(float(delta[0])) / span
    when = f"{horizon} steps ahead of {months[-1]} (target {str(dates[origin + horizon])[:7]})"
    paths = [
        plots.plot_time_attribution(
            x[0], attr[0], os.path.join(folder, "explain_over_time.png"),
            feature_names=[f"input ({enc.mode}, normalised)"],
            title=f"integrated gradients of the forecast {when}",
        ),
        plots.plot_feature_attribution(
            attr[0, :, 0], os.path.join(folder, "explain_months.png"), feature_names=months,
            top_k=12, title=f"the input months that moved the forecast {when} most",
        ),
    ]  # fmt: skip
    return paths, abs(float(delta[0])) / span


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the comparison; return the table as a dict (also for the tests)."""
    args = parse_args(argv)
    load, season, unit, _ = SERIES[args.series]
    dates, y = load()
    y = np.asarray(y, dtype=np.float64)
    n_train, n_val, n_test = split_sizes(len(y), args.val, args.test)
    start = n_train + n_val
    enc = Encoding(y, args.target, season, n_train)
    print(
        f"{args.series}: {len(y)} steps ({dates[0]} .. {dates[-1]}); train {n_train}, validation "
        f"{n_val} (from {dates[n_train]}), test {n_test} (from {dates[start]}); season {season}; "
        f"LSTM on '{args.target}' targets, window {args.input_len}, horizon {args.horizon}",
        flush=True,
    )
    H, rep = args.horizon, sorted(set(args.report))
    cols = [*rep, "mean"]
    horizons = sorted(set(rep) | set(range(1, H + 1)))

    def row(forecaster: Any, a: int, b: int) -> dict:
        per = per_horizon(forecaster, y, a, b, horizons)
        return {
            **{h: per[h] for h in rep},
            "mean": float(np.mean([per[h] for h in range(1, H + 1)])),
        }

    baselines = {
        "persistence (last value)": lambda o, h: persistence_forecast(y, o, h),
        f"seasonal naive ({season} back)": lambda o, h: seasonal_naive_forecast(y, o, h, season),
        "seasonal naive + drift": lambda o, h: seasonal_drift_forecast(y, o, h, season),
    }
    table = {name: row(f, start, len(y)) for name, f in baselines.items()}
    val_table = {name: row(f, n_train, start) for name, f in baselines.items()}
    lstm_rows, started = [], time.perf_counter()
    model0 = None
    for seed in args.seeds:
        model, epochs, best = train_one(args, enc, n_train, n_val, seed)
        f = lambda o, h, m=model: lstm_forecast(m, enc, o, args.input_len)  # noqa: E731
        name = f"LSTM seed {seed}"
        table[name] = row(f, start, len(y))
        val_table[name] = row(f, n_train, start)
        lstm_rows.append(name)
        print(f"  {name}: {epochs} epochs, best val_loss at epoch {best}", flush=True)
        if model0 is None:
            model0 = model
    wall = time.perf_counter() - started
    if len(lstm_rows) > 1:
        for t in (table, val_table):
            stack = {c: [t[n][c] for n in lstm_rows] for c in cols}
            t["LSTM mean"] = {c: float(np.mean(v)) for c, v in stack.items()}
            t["LSTM std"] = {c: float(np.std(v)) for c, v in stack.items()}
    head = "".join(f"{('h=' + str(c)) if c != 'mean' else 'mean 1..' + str(H):>12}" for c in cols)
    print(f"\nMAE{' (' + unit + ')' if unit else ''} on the test stretch ({n_test} steps):")
    print(f"{'forecaster':<28}{head}{'   (validation)':>18}")
    for name, r in table.items():
        v = val_table.get(name)
        extra = f"   val {'/'.join(f'{v[c]:.3f}' for c in cols)}" if v else ""
        print(f"{name:<28}" + "".join(f"{r[c]:>12.3f}" for c in cols) + extra)
    best_baseline = {c: min(table[n][c] for n in list(baselines)[:2]) for c in cols}
    lstm_key = "LSTM mean" if len(lstm_rows) > 1 else lstm_rows[0]
    beats = all(table[lstm_key][c] < best_baseline[c] for c in cols)
    print(
        f"LSTM beats persistence and seasonal naive on every column: {beats}  ({wall:.0f} s training)"
    )

    o1 = evaluation_origins(start, len(y), 1)
    oH = evaluation_origins(start, len(y), H)
    forecasts = {
        f"LSTM (seed {args.seeds[0]}) 1 step ahead": lstm_forecast(model0, enc, o1, args.input_len)[
            :, 0
        ],
        f"LSTM (seed {args.seeds[0]}) {H} steps ahead": lstm_forecast(
            model0, enc, oH, args.input_len
        )[:, H - 1],
        f"seasonal naive ({season} back)": seasonal_naive_forecast(y, o1, 1, season)[:, 0],
    }
    folder = args.out or os.path.join(
        "runs", f"forecast-{args.series}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    label = f"{args.series} ({unit})" if unit else args.series
    png = write_outputs(folder, dates, y, start, forecasts, label)
    print(
        f"Wrote {os.path.join(folder, 'forecasts.csv')}"
        + (f" and {png}" if png else " (no PNG: matplotlib not installed)")
    )
    explained, rel_delta = explain_last_forecast(
        folder, model0, enc, dates, len(y) - 1 - H, args.input_len, H
    )
    print(
        f"Explained the last test forecast with integrated gradients (|delta| = {rel_delta:.2%} of "
        f"|F(x) - F(baseline)|)" + (": " + ", ".join(explained) if explained else "")
    )
    return {
        "table": table,
        "validation": val_table,
        "beats_baselines": beats,
        "folder": folder,
        "png": png,
        "explained": explained,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
