"""Pictures of explanations: image overlays, feature bars, series, attention maps.

matplotlib is optional (``pip install glassnet[plot]``) and imported only
when a picture is drawn. Every function writes a PNG atomically (a reader
never sees half a file) and returns its path. No global pyplot state is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._fileio import atomic_write
from .base import as_array

__all__ = [
    "plot_image_attribution",
    "plot_feature_attribution",
    "plot_time_attribution",
    "plot_attention",
    "plot_panels",
    "plot_image_grid",
    "plot_randomization",
]


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "glassnet.explain.plots needs matplotlib: pip install 'glassnet[plot]'"
        ) from None
    return Figure(figsize=(width, height), dpi=100)


def _save(fig: Any, path: str | os.PathLike) -> str:
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(
            f"plots: the picture is written as PNG; path must end in .png, got {path!r}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", bbox_inches="tight")
    return path


def _grey(image: Any) -> np.ndarray:
    """An image ``(H, W)``, ``(C, H, W)``, ``(H, W, C)`` or ``(1, C, H, W)`` as grey ``(H, W)`` in [0, 1]."""
    img = as_array(image).astype(np.float64)
    while img.ndim > 2 and img.shape[0] == 1:
        img = img[0]
    if img.ndim == 3:
        img = img.mean(axis=0) if img.shape[0] <= 4 else img.mean(axis=-1)
    if img.ndim != 2:
        raise ValueError(f"plots: expected an image (H, W) or (C, H, W), got shape {img.shape}")
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def _map2d(attribution: Any, shape: tuple[int, int]) -> np.ndarray:
    """Attributions ``(H, W)``, ``(C, H, W)`` or ``(1, C, H, W)`` summed over channels."""
    a = as_array(attribution).astype(np.float64)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3:
        a = a.sum(axis=0)
    if a.shape != shape:
        raise ValueError(
            f"plots: attribution of shape {as_array(attribution).shape} does not match the "
            f"image's {shape}"
        )
    return a


def _draw_overlay(ax: Any, grey: np.ndarray, amap: np.ndarray, signed: bool | None) -> Any:
    """Grey image, then the map in colour with opacity growing with |attribution| (so the
    image shows through where the attribution is small); returns a mappable for a colour bar."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    signed = bool(np.any(amap < 0)) if signed is None else signed
    ax.imshow(grey, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    top = float(np.percentile(np.abs(amap), 99.5)) or float(np.abs(amap).max()) or 1.0
    norm = Normalize(-top, top) if signed else Normalize(0.0, top)
    cmap = colormaps["RdBu_r" if signed else "inferno"]
    rgba = cmap(norm(amap))
    rgba[..., 3] = 0.9 * np.clip(np.abs(amap) / top, 0.0, 1.0) ** 0.7
    ax.imshow(rgba, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return ScalarMappable(norm=norm, cmap=cmap)


def plot_image_attribution(
    image: Any,
    attribution: Any,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    signed: bool | None = None,
) -> str:
    """The image in grey with the attribution laid over it as a heat map.

    Parameters
    ----------
    image : array, shape (H, W) or (C, H, W)
    attribution : array, shape (H, W), (C, H, W) or (1, H, W)
        Channels are summed.
    path : str or PathLike
        Where the PNG goes (its folder is created).
    title : str, optional
    signed : bool, optional
        Diverging colours (red positive, blue negative) around 0; default:
        when the attribution has negative values.

    Returns
    -------
    str
        ``path``.
    """
    grey = _grey(image)
    amap = _map2d(attribution, grey.shape)
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    im = _draw_overlay(ax, grey, amap, signed)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_feature_attribution(
    attribution: Any,
    path: str | os.PathLike,
    *,
    feature_names: Sequence[str] | None = None,
    top_k: int | None = 20,
    title: str | None = None,
) -> str:
    """Horizontal bars of per-feature attributions, largest magnitude first.

    Parameters
    ----------
    attribution : array, shape (F,)
        One example's attributions (flattened when it has more axes).
    path : str or PathLike
    feature_names : sequence of str, optional
        Default ``x0, x1, ...``.
    top_k : int or None, default 20
        Show only the ``top_k`` largest magnitudes.
    title : str, optional

    Returns
    -------
    str
    """
    a = as_array(attribution).astype(np.float64).reshape(-1)
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(a.size)]
    if len(names) != a.size:
        raise ValueError(
            f"plot_feature_attribution: {len(names)} feature_names for {a.size} attributions"
        )
    order = np.argsort(-np.abs(a), kind="stable")[: top_k or a.size][::-1]
    fig = _figure(6.0, 0.9 + 0.28 * len(order))
    ax = fig.add_subplot(1, 1, 1)
    colors = ["#c0392b" if a[i] > 0 else "#2e6da4" for i in order]
    ax.barh(range(len(order)), a[order], color=colors)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([names[i] for i in order])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("attribution")
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_time_attribution(
    series: Any,
    attribution: Any,
    path: str | os.PathLike,
    *,
    feature_names: Sequence[str] | None = None,
    title: str | None = None,
) -> str:
    """A series over time with its attributions: lines on top, a heat strip per feature below.

    Parameters
    ----------
    series : array, shape (T,) or (T, F)
    attribution : array, same shape as ``series``
    path : str or PathLike
    feature_names : sequence of str, optional
    title : str, optional

    Returns
    -------
    str
    """
    s = as_array(series).astype(np.float64)
    a = as_array(attribution).astype(np.float64)
    if s.ndim == 1:
        s, a = s[:, None], a.reshape(-1, 1) if a.ndim == 1 else a
    if s.ndim != 2 or a.shape != s.shape:
        raise ValueError(
            f"plot_time_attribution: expected series (T,) or (T, F) and attribution of the same "
            f"shape, got {as_array(series).shape} and {as_array(attribution).shape}"
        )
    t, f = s.shape
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(f)]
    fig = _figure(7.0, 2.4 + 0.25 * f)
    ax1 = fig.add_subplot(2, 1, 1)
    for j in range(min(f, 12)):
        ax1.plot(np.arange(t), s[:, j], linewidth=1.0, label=names[j])
    if f <= 12 and feature_names is not None:
        ax1.legend(fontsize=7, loc="upper right")
    ax1.set_xlim(-0.5, t - 0.5)
    ax1.set_ylabel("value")
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
    top = float(np.abs(a).max()) or 1.0
    im = ax2.imshow(a.T, aspect="auto", cmap="RdBu_r", vmin=-top, vmax=top, interpolation="nearest")
    ax2.set_yticks(range(f) if f <= 12 else [])
    if f <= 12:
        ax2.set_yticklabels(names)
    ax2.set_xlabel("time step")
    fig.colorbar(im, ax=[ax1, ax2], fraction=0.03, pad=0.02, label="attribution")
    if title:
        ax1.set_title(title)
    return _save(fig, path)


def plot_attention(
    weights: Any,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    xlabel: str = "step attended to",
    ylabel: str = "query",
) -> str:
    """Attention weights as a heat map (rows: queries or examples, columns: time steps).

    Parameters
    ----------
    weights : array, shape (T,), (R, T), or (heads, R, T)
        Heads are averaged.
    path : str or PathLike
    title, xlabel, ylabel : str, optional

    Returns
    -------
    str
    """
    w = as_array(weights).astype(np.float64)
    while w.ndim > 2 and w.shape[0] == 1:
        w = w[0]
    if w.ndim == 3:
        w = w.mean(axis=0)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2:
        raise ValueError(
            f"plot_attention: expected weights (T,), (R, T) or (heads, R, T), got {as_array(weights).shape}"
        )
    r, t = w.shape
    fig = _figure(min(2.0 + 0.22 * t, 12.0), min(1.2 + 0.22 * r, 10.0))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(w, aspect="auto", cmap="viridis", vmin=0.0, interpolation="nearest")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if r == 1:
        ax.set_yticks([])
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def _panel_colorbar(fig: Any, ax: Any, scale: Any) -> None:
    """A small horizontal colour bar under one panel, labelled with what its colours mean."""
    from matplotlib.ticker import MaxNLocator

    bar = fig.colorbar(scale, ax=ax, orientation="horizontal", fraction=0.06, pad=0.04)
    signed = scale.norm.vmin < 0
    bar.set_label("- against | for +" if signed else "importance", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    bar.ax.xaxis.set_major_locator(MaxNLocator(3))


def plot_panels(
    image: Any,
    maps: Mapping[str, Any],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    signed: bool | None = None,
) -> str:
    """The image, then one overlay per method side by side (``{method name: attribution}``),
    each with a colour bar below it.

    Parameters
    ----------
    image : array, shape (H, W) or (C, H, W)
    maps : mapping of str to array
        Each attribution of shape (H, W), (C, H, W) or (1, H, W).
    path : str or PathLike
    title : str, optional
    signed : bool, optional
        As in :func:`plot_image_attribution` (default: per map).

    Returns
    -------
    str
    """
    grey = _grey(image)
    n = len(maps) + 1
    fig = _figure(2.3 * n, 3.3)
    ax = fig.add_subplot(1, n, 1)
    ax.imshow(grey, cmap="gray", interpolation="nearest")
    ax.set_title("input", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    for k, (name, attribution) in enumerate(maps.items(), start=2):
        ax = fig.add_subplot(1, n, k)
        scale = _draw_overlay(ax, grey, _map2d(attribution, grey.shape), signed)
        ax.set_title(name, fontsize=9)
        _panel_colorbar(fig, ax, scale)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_image_grid(
    images: Any,
    attributions: Any,
    path: str | os.PathLike,
    *,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    signed: bool | None = None,
    columns: int = 6,
) -> str:
    """One method on several images: a grid of overlays.

    Parameters
    ----------
    images : array, shape (N, 1, H, W) or (N, H, W)
    attributions : array, shape (N, 1, H, W), (N, C, H, W) or (N, H, W)
    path : str or PathLike
    titles : sequence of str, optional
        One caption per image.
    title : str, optional
    signed : bool, optional
        As in :func:`plot_image_attribution`; default: signed colours for every
        image when any map has a negative value, so the grid shares one scheme.
    columns : int, default 6

    Returns
    -------
    str
    """
    imgs = as_array(images)
    maps = as_array(attributions)
    if imgs.ndim == 3:
        imgs = imgs[:, None]
    if maps.shape[0] != imgs.shape[0]:
        raise ValueError(
            f"plot_image_grid: {imgs.shape[0]} images but {maps.shape[0]} attributions"
        )
    if titles is not None and len(titles) != imgs.shape[0]:
        raise ValueError(f"plot_image_grid: {len(titles)} titles for {imgs.shape[0]} images")
    n = imgs.shape[0]
    if signed is None:
        signed = bool(np.any(maps < 0))
    cols = max(1, min(int(columns), n))
    rows = -(-n // cols)
    fig = _figure(2.2 * cols, 2.4 * rows + (0.4 if title else 0.0))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        grey = _grey(imgs[i])
        _draw_overlay(ax, grey, _map2d(maps[i], grey.shape), signed)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_randomization(
    results: Mapping[str, Sequence[tuple[str, float]]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    threshold: float | None = 0.5,
) -> str:
    """Lines of :func:`glassnet.explain.sanity.cascading_randomization` results, one per method.

    Parameters
    ----------
    results : mapping of str to list of (str, float)
        Method name -> ``[('trained', 1.0), (layer, correlation), ...]``.
    path : str or PathLike
    title : str, optional
    threshold : float or None, default 0.5
        A dashed reference line.

    Returns
    -------
    str
    """
    if not results:
        raise ValueError("plot_randomization: results is empty")
    fig = _figure(6.0, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    labels: list[str] = []
    for name, rows in results.items():
        labels = [layer for layer, _ in rows]
        ax.plot(range(len(rows)), [c for _, c in rows], marker="o", label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_xlabel("layers randomised, from the output down to")
    ax.set_ylabel("Spearman correlation with the trained map")
    ax.set_ylim(-1.05, 1.05)
    if threshold is not None:
        ax.axhline(threshold, color="grey", linestyle="--", linewidth=0.8)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _save(fig, path)
