"""Loss functions as fused, numerically stable ops (one graph node each).

Cross-entropy works from a stable log-softmax inside one op and returns
``softmax - target`` style gradients directly; the binary losses work from
``softplus`` so no ``log(0)`` or ``exp`` overflow occurs. Every function
follows ``torch.nn.functional``: same names, arguments, reductions and values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import OutOfRangeError, ShapeError
from .._validate import is_int, is_number, one_of
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module, is_cupy_array
from ..tensor import Tensor
from .activation import Sigmoid, Softmax
from .arithmetic import sub, where

__all__ = [
    "cross_entropy", "nll_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy",
    "mse_loss", "half_mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "kl_div",
]  # fmt: skip

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------- helpers
def _reduce(xp: Any, loss: Any, reduction: str, denom: Any) -> Any:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            total = total / denom
    return xp.asarray(total, dtype=loss.dtype)


def _scale(g: Any, reduction: str, denom: Any) -> Any:
    """The upstream gradient per loss element: ``g / denom`` (mean), ``g`` (sum, none)."""
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return g / denom
    return g


def _scale_valid(xp: Any, g: Any, reduction: str, denom: Any, valid: Any) -> Any:
    """:func:`_scale` at the targets that count and 0 at ignored ones, as PyTorch: with every
    target ignored (``denom`` 0) the mean is NaN, but the gradient stays 0, not NaN."""
    sc = _scale(g, reduction, denom)
    return xp.where(valid, sc, xp.zeros((), dtype=getattr(sc, "dtype", g.dtype)))


def _class_axis(a: Any) -> Any:
    """Insert the class axis (axis 1) into a per-sample array ``(N, d1, ...)``."""
    return a[:, None] if getattr(a, "ndim", 0) else a


def _gather(xp: Any, a: Any, t: Any) -> Any:
    """``a[n, t[n, ...], ...]`` for ``a`` of shape ``(N, C, ...)`` and ``t`` of shape ``(N, ...)``."""
    if a.ndim == 2:
        return a[xp.arange(a.shape[0]), t]
    return xp.take_along_axis(a, t[:, None], axis=1)[:, 0]


def _sub_at(xp: Any, grad: Any, t: Any, vals: Any) -> None:
    """``grad[n, t[n, ...], ...] -= vals[n, ...]`` in place (one class per position)."""
    if grad.ndim == 2:
        grad[xp.arange(grad.shape[0]), t] -= vals
    else:
        classes = xp.arange(grad.shape[1]).reshape((1, -1) + (1,) * (grad.ndim - 2))
        grad -= (classes == t[:, None]) * _class_axis(vals)


def _one_hot(xp: Any, t: Any, shape: tuple, dtype: Any) -> Any:
    """``1`` at ``[n, t[n, ...], ...]`` of an array of ``shape`` ``(N, C, ...)``, else ``0``."""
    classes = xp.arange(shape[1]).reshape((1, -1) + (1,) * (len(shape) - 2))
    return (classes == t[:, None]).astype(dtype)


def _scale_valid_graph(g: Tensor, reduction: str, denom: Any, valid: Any) -> Tensor:
    """:func:`_scale_valid` on a gradient Tensor, as recorded ops (``create_graph=True``)."""
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            g = g / denom
    return where(valid, g, 0.0)


def _weight_column(w: Any, ndim: int) -> Any:
    return w.reshape((1, -1) + (1,) * (ndim - 2))


def _class_sum(xp: Any, a: Any, w: Any = None) -> Any:
    """``sum_c w[c] * a[:, c, ...]`` (``w`` = ones when None); a BLAS product for 2-D ``a``."""
    if a.ndim == 2:
        return a @ (xp.ones(a.shape[1], dtype=a.dtype) if w is None else w)
    return (a if w is None else a * _weight_column(w, a.ndim)).sum(axis=1)


def _class_dot(xp: Any, q: Any, a: Any) -> Any:
    """``sum_c q[:, c, ...] * a[:, c, ...]``."""
    if a.ndim == 2:
        return xp.einsum("ij,ij->i", q, a)
    return (q * a).sum(axis=1)


#: Smallest row sum of ``exp(x - max(x))`` accepted with the global max as the shift.
_TINY = 1e-20


def _stable_exp(xp: Any, x: Any, before_exp: Any) -> tuple[Any, Any, Any]:
    """``z = exp(x - shift)`` and its sums ``s`` over the class axis, for a stable softmax.

    The shift is the global maximum (one cheap reduction instead of a
    per-row one); only when some row's sum falls below ``_TINY`` (a row far
    below the others, whose exponentials would lose precision) is it redone
    with per-row maxima. ``before_exp(x - shift)`` runs before the in-place
    exp, for gathers that need the shifted logits; its result is returned.
    """
    # on a GPU the per-row shift costs little, and testing the global one would read a
    # value back to the host (a device synchronisation) on every call
    shifts = ("row",) if x.size == 0 or xp is not np else ("global", "row")
    for kind in shifts:
        shift = x.max() if kind == "global" else x.max(axis=1, keepdims=True)
        z = x - shift
        pre = before_exp(z)
        xp.exp(z, out=z)
        s = _class_sum(xp, z)
        if kind == "row" or bool(s.min() >= _TINY):
            return z, s, pre
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------ functions
class CrossEntropy(Function):
    """Cross-entropy from logits ``(N, C, ...)`` and class indices ``(N, ...)``.

    With ``z = exp(x - shift)`` and ``s = sum_c z``: ``logp = x - shift - log s``,
    so the loss needs ``log s`` and the shifted logit at the target only, and
    the gradient ``softmax * coef - target terms`` is ``z * (coef / s)`` in one pass.
    """

    def forward(
        self,
        x: Any,
        t: Any,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> Any:
        xp = get_array_module(x)
        n_classes = x.shape[1]
        valid = t != ignore_index
        safe_t = xp.where(valid, t, 0)
        w_t = valid.astype(x.dtype) if weight is None else weight[safe_t] * valid
        eps = label_smoothing

        def before_exp(z: Any) -> tuple:
            return _gather(xp, z, safe_t), (_class_sum(xp, z, weight) if eps else None)

        z, s, (picked, lin) = _stable_exp(xp, x, before_exp)
        log_s = xp.log(s)
        loss = (log_s - picked) * w_t  # -weight[t] * logp[t]
        wsum = n_classes if weight is None else weight.sum()
        if eps:  # -sum_c weight[c] * logp[c], spread over the classes
            loss = (1 - eps) * loss + (eps / n_classes) * ((wsum * log_s - lin) * valid)
        loss = loss.astype(x.dtype, copy=False)
        denom = w_t.sum() if reduction == "mean" else None
        if self.requires_grad:
            self.z, self.s, self.t, self.valid, self.w_t = z, s, safe_t, valid, w_t
            self.weight, self.wsum, self.eps = weight, wsum, eps
            self.reduction, self.denom = reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        z, eps = self.z, self.eps
        sc = _scale_valid(xp, g, self.reduction, self.denom, self.valid)
        at_target = (1 - eps) * self.w_t * sc
        coef = at_target
        if eps:
            smooth = (eps / z.shape[1]) * self.valid * sc
            coef = at_target + smooth * self.wsum
        grad = (z * _class_axis(coef / self.s)).astype(z.dtype, copy=False)
        if eps:
            w = 1 if self.weight is None else _weight_column(self.weight, z.ndim)
            grad -= _class_axis(smooth) * w
        if at_target.shape != self.t.shape:
            at_target = xp.broadcast_to(at_target, self.t.shape)
        _sub_at(xp, grad, self.t, at_target)
        return grad, None

    def backward_graph(self, g: Any) -> tuple:
        x = self.inputs[0]
        xp = get_array_module(self.z)
        eps = self.eps
        sc = _scale_valid_graph(g, self.reduction, self.denom, self.valid)
        at_target = sc * ((1 - eps) * self.w_t)
        grad = Softmax.apply(x, axis=1)
        if eps:
            smooth = sc * ((eps / self.z.shape[1]) * self.valid)
            grad = grad * (at_target + smooth * self.wsum).unsqueeze(1)
            w = 1 if self.weight is None else _weight_column(self.weight, self.z.ndim)
            grad = grad - smooth.unsqueeze(1) * w
        else:
            grad = grad * at_target.unsqueeze(1)
        return grad - _one_hot(xp, self.t, self.z.shape, self.z.dtype) * at_target.unsqueeze(1), None


class SoftCrossEntropy(Function):
    """Cross-entropy from logits and class probabilities of the same shape ``(N, C, ...)``."""

    def forward(
        self,
        x: Any,
        t: Any,
        weight: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> Any:
        xp = get_array_module(x)
        n_classes = x.shape[1]
        eps = label_smoothing
        q = t * (1 - eps) + eps / n_classes if eps else t
        wcol = None if weight is None else _weight_column(weight, x.ndim)
        if wcol is not None:
            q = q * wcol
        keep_logits = self.requires_grad and self.needs_input_grad[1]

        def before_exp(z: Any) -> tuple:
            return _class_dot(xp, q, z), (z.copy() if keep_logits else None)

        z, s, (qz, shifted) = _stable_exp(xp, x, before_exp)
        log_s = xp.log(s)
        qsum = q.sum(axis=1)
        loss = (qsum * log_s - qz).astype(x.dtype, copy=False)  # -sum_c q[c] * logp[c]
        denom = loss.size if reduction == "mean" else None
        if self.requires_grad:
            self.z, self.s, self.q, self.qsum, self.wcol, self.eps = z, s, q, qsum, wcol, eps
            self.logp = shifted - _class_axis(log_s) if keep_logits else None
            self.reduction, self.denom = reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        sc = _scale(g, self.reduction, self.denom)
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = self.z * _class_axis(self.qsum * sc / self.s) - self.q * _class_axis(sc)
            gx = gx.astype(self.z.dtype, copy=False)
        if self.needs_input_grad[1]:
            d = self.logp if self.wcol is None else self.logp * self.wcol
            gt = -(1 - self.eps) * d * _class_axis(sc)
        return gx, gt


class NLLLoss(Function):
    """Negative log-likelihood from log-probabilities ``(N, C, ...)`` and indices ``(N, ...)``."""

    def forward(
        self,
        logp: Any,
        t: Any,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
    ) -> Any:
        xp = get_array_module(logp)
        valid = t != ignore_index
        safe_t = xp.where(valid, t, 0)
        w_t = valid.astype(logp.dtype) if weight is None else weight[safe_t] * valid
        loss = -_gather(xp, logp, safe_t) * w_t
        denom = w_t.sum() if reduction == "mean" else None
        if self.requires_grad:
            self.shape, self.dtype, self.t, self.w_t = logp.shape, logp.dtype, safe_t, w_t
            self.valid, self.reduction, self.denom = valid, reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        grad = xp.zeros(self.shape, dtype=self.dtype)
        vals = self.w_t * _scale_valid(xp, g, self.reduction, self.denom, self.valid)
        _sub_at(xp, grad, self.t, xp.broadcast_to(vals, self.t.shape))
        return grad, None

    def backward_graph(self, g: Any) -> tuple:
        xp = get_array_module(self.w_t)
        vals = _scale_valid_graph(g, self.reduction, self.denom, self.valid) * self.w_t
        return -_one_hot(xp, self.t, self.shape, self.dtype) * vals.unsqueeze(1), None


class BCEWithLogits(Function):
    """``-w [pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))]`` via softplus."""

    def forward(
        self, x: Any, t: Any, weight: Any = None, pos_weight: Any = None, reduction: str = "mean"
    ) -> Any:
        xp = get_array_module(x, t)
        sp_neg = xp.logaddexp(0, -x)  # -log(sigmoid(x)), stable for any x
        sp_pos = sp_neg + x  # -log(1 - sigmoid(x))
        pos = t if pos_weight is None else pos_weight * t
        loss = (1 - t) * sp_pos + pos * sp_neg
        if weight is not None:
            loss = loss * weight
        denom = loss.size
        if self.requires_grad:
            self.sp_neg, self.sp_pos, self.t, self.pos = sp_neg, sp_pos, t, pos
            self.weight, self.pos_weight = weight, pos_weight
            self.reduction, self.denom = reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        sc = _scale(g, self.reduction, self.denom)
        if self.weight is not None:
            sc = sc * self.weight
        nx, nt = self.needs_input_grad
        gx = gt = None
        if nx:
            sig = xp.exp(-self.sp_neg)  # sigmoid(x)
            if self.pos_weight is None:
                gx = (sig - self.t) * sc
            else:
                gx = ((1 - self.t) * sig - self.pos * xp.exp(-self.sp_pos)) * sc
        if nt:
            pw = 1 if self.pos_weight is None else self.pos_weight
            gt = (pw * self.sp_neg - self.sp_pos) * sc
        return gx, gt

    def backward_graph(self, g: Any) -> tuple:
        nx, nt = self.needs_input_grad
        if nt:
            raise NotImplementedError(
                "create_graph=True: BCEWithLogits (binary_cross_entropy_with_logits) has no "
                "differentiable backward for its target yet, only for its input; detach the target"
            )
        sc = g / self.denom if self.reduction == "mean" else g
        if self.weight is not None:
            sc = sc * self.weight
        sig, t = Sigmoid.apply(self.inputs[0]), self.operand(1)
        if self.pos_weight is None:
            return (sig - t) * sc, None
        return ((1 - t) * sig - (1 - sig) * self.pos) * sc, None


class BCE(Function):
    """Binary cross-entropy on probabilities, logs clamped at -100 (as PyTorch)."""

    def forward(self, p: Any, t: Any, weight: Any = None, reduction: str = "mean") -> Any:
        xp = get_array_module(p, t)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_q = xp.maximum(xp.log(1 - p), -100)
        loss = -(t * log_p + (1 - t) * log_q)
        if weight is not None:
            loss = loss * weight
        denom = loss.size
        if self.requires_grad:
            self.p, self.t, self.weight = p, t, weight
            self.log_p = log_p if self.needs_input_grad[1] else None
            self.log_q = log_q if self.needs_input_grad[1] else None
            self.reduction, self.denom = reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        sc = _scale(g, self.reduction, self.denom)
        if self.weight is not None:
            sc = sc * self.weight
        gx = gt = None
        if self.needs_input_grad[0]:
            p = self.p
            gx = (p - self.t) / xp.maximum(p * (1 - p), 1e-12) * sc
        if self.needs_input_grad[1]:
            gt = (self.log_q - self.log_p) * sc
        return gx, gt


class Regression(Function):
    """Pointwise regression losses of ``d = x - t``: ``mse``, ``l1``, ``huber``, ``smooth_l1``, ``half_mse``."""

    def forward(
        self, x: Any, t: Any, kind: str = "mse", reduction: str = "mean", param: float = 1.0
    ) -> Any:
        xp = get_array_module(x, t)
        d = x - t
        if kind == "mse":
            loss = d * d
        elif kind == "half_mse":  # 0.5 * squared error summed over each sample's outputs
            loss = 0.5 * (d * d)
            if loss.ndim > 1:
                loss = loss.reshape(loss.shape[0], -1).sum(axis=1)
        elif kind == "l1":
            loss = xp.abs(d)
        else:
            ad = xp.abs(d)
            quad = ad < param
            if kind == "huber":
                loss = xp.where(quad, 0.5 * d * d, param * (ad - 0.5 * param))
            else:  # smooth_l1 with beta = param > 0
                loss = xp.where(quad, (0.5 / param) * d * d, ad - 0.5 * param)
        loss = loss.astype(d.dtype, copy=False)
        denom = loss.size
        if self.requires_grad:
            self.d, self.kind, self.param = d, kind, param
            self.reduction, self.denom = reduction, denom
        return _reduce(xp, loss, reduction, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        d, kind, c = self.d, self.kind, self.param
        sc = _scale(g, self.reduction, self.denom)
        if kind == "mse":
            grad = (2 * d) * sc
        elif kind == "half_mse":
            if getattr(sc, "ndim", 0):
                sc = sc.reshape(sc.shape + (1,) * (d.ndim - 1))
            grad = d * sc
        elif kind == "l1":
            grad = xp.sign(d) * sc
        elif kind == "huber":
            grad = xp.clip(d, -c, c) * sc
        else:
            grad = xp.clip(d / c, -1, 1) * sc
        grad = grad.astype(d.dtype, copy=False)
        nx, nt = self.needs_input_grad
        return (grad if nx else None), (-grad if nt else None)

    def backward_graph(self, g: Any) -> tuple:
        kind, c = self.kind, self.param
        if kind == "half_mse":
            raise NotImplementedError(
                "create_graph=True: Regression (from half_mse_loss) has no differentiable "
                "backward yet; use mse_loss(...) / 2"
            )
        d = sub(self.operand(0), self.operand(1))
        sc = g / self.denom if self.reduction == "mean" else g
        if kind == "mse":
            grad = d * 2 * sc
        elif kind == "l1":
            grad = sc * get_array_module(self.d).sign(self.d)
        elif kind == "huber":
            grad = d.clamp(-c, c) * sc
        else:
            grad = (d / c).clamp(-1, 1) * sc
        nx, nt = self.needs_input_grad
        return (grad if nx else None), (-grad if nt else None)


class KLDiv(Function):
    """``t * (log t - x)`` pointwise, with ``x`` (and optionally ``t``) given as log-probabilities."""

    def forward(self, x: Any, t: Any, reduction: str = "mean", log_target: bool = False) -> Any:
        xp = get_array_module(x, t)
        if log_target:
            et = xp.exp(t)
            loss = et * (t - x)
        else:
            et = t
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = xp.where(t > 0, t * xp.log(xp.where(t > 0, t, 1)), 0) - t * x
        loss = loss.astype(x.dtype, copy=False)
        denom = {"mean": loss.size, "batchmean": loss.shape[0] if loss.ndim else 1}.get(reduction)
        if self.requires_grad:
            self.x, self.t, self.et, self.log_target = x, t, et, log_target
            self.reduction, self.denom = reduction, denom
        red = "mean" if reduction == "batchmean" else reduction
        return _reduce(xp, loss, red, denom)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        red = "mean" if self.reduction == "batchmean" else self.reduction
        sc = _scale(g, red, self.denom)
        gx = -self.et * sc if self.needs_input_grad[0] else None
        gt = None
        if self.needs_input_grad[1]:
            x, t = self.x, self.t
            if self.log_target:
                gt = self.et * (t - x + 1) * sc
            else:
                safe = xp.where(t > 0, t, 1)
                gt = xp.where(t > 0, xp.log(safe) + 1 - x, 0) * sc
        return gx, gt


# ------------------------------------------------------------------ validation
def _check_reduction(who: str, reduction: Any, allowed: tuple[str, ...] = _REDUCTIONS) -> str:
    return one_of(who, "reduction", reduction, allowed)


def _check_input(who: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating point, got dtype {x.dtype}")
    return x


def _check_device(who: str, name: str, a: Any, x: Tensor) -> None:
    """A ``ValueError`` when tensor ``a`` lives on another device than the input ``x``."""
    if isinstance(a, Tensor) and (is_cupy_array(a.array) or is_cupy_array(x.array)):
        if a.device != x.device:
            raise ValueError(
                f"{who}: input is on {x.device} but {name} is on {a.device}; "
                f"move it first: {name}.to({str(x.device)!r})"
            )


def _raw(a: Any, xp: Any) -> Any:
    a = a.array if isinstance(a, Tensor) else a
    return xp.asarray(a)


def _float_operand(who: str, name: str, a: Any, x: Tensor) -> Any:
    """A float target of the input's shape: the Tensor itself (may be differentiated) or an array."""
    _check_device(who, name, a, x)
    if isinstance(a, Tensor) and a.dtype.kind == "f":
        out = a if a.dtype == x.dtype else a.astype(x.dtype)
    else:
        arr = _raw(a, x.xp)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: {name} must be numeric, got dtype {arr.dtype}")
        out = arr.astype(x.dtype, copy=False)
    if tuple(out.shape) != x.shape:
        raise ShapeError(
            f"{who}: {name} has shape {tuple(out.shape)}, expected the input's shape {x.shape} "
            "(reshape one of them; broadcasting here is a common bug)"
        )
    return out


def _no_grad_wanted(who: str, name: str, a: Any) -> None:
    """A ``ValueError`` for a weight that requires grad: it is a constant here, and PyTorch
    refuses it too (rather than dropping its gradient silently)."""
    if isinstance(a, Tensor) and a.requires_grad and is_grad_enabled():
        raise ValueError(
            f"{who}: {name} requires grad, but the loss is not differentiable with respect to "
            f"it (as in PyTorch); pass {name}.detach()"
        )


def _broadcast_const(who: str, name: str, a: Any, x: Tensor) -> Any:
    """A constant (not differentiated) array of the input's dtype that broadcasts to its shape."""
    if a is None:
        return None
    _no_grad_wanted(who, name, a)
    arr = _raw(a, x.xp).astype(x.dtype, copy=False)
    try:
        ok = np.broadcast_shapes(arr.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{who}: {name} of shape {tuple(arr.shape)} does not broadcast to the input's "
            f"shape {x.shape}"
        )
    return arr


def _class_weight(who: str, weight: Any, x: Tensor, n_classes: int) -> Any:
    if weight is None:
        return None
    _no_grad_wanted(who, "weight", weight)
    w = _raw(weight, x.xp).astype(x.dtype, copy=False)
    if w.shape != (n_classes,):
        raise ValueError(
            f"{who}: weight must have one entry per class, shape ({n_classes},), got {tuple(w.shape)}"
        )
    return w


def _index_target(who: str, t: Any, x: Tensor, ignore_index: int) -> Any:
    """Validate class indices ``(N, d1, ...)`` against logits ``(N, C, d1, ...)``."""
    n_classes = x.shape[1]
    expected = x.shape[:1] + x.shape[2:]
    if t.shape != expected:
        raise ValueError(
            f"{who}: class-index target must have shape {expected} for input of shape "
            f"{x.shape}, got {tuple(t.shape)}"
        )
    if t.size == 0:
        return t
    on_host = get_array_module(t) is np
    if on_host and t.min() >= 0 and t.max() < n_classes:
        return t
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():  # on a GPU the only read-back of a valid target
        value = int(t[bad].reshape(-1)[0])
        raise OutOfRangeError(
            f"{who}: target holds class index {value}, outside [0, {n_classes}) for "
            f"{n_classes} classes (ignore_index={ignore_index})"
        )
    return t


def _check_ignore_index(who: str, ignore_index: Any) -> int:
    if not is_int(ignore_index):
        raise TypeError(f"{who}: ignore_index must be an int, got {ignore_index!r}")
    return int(ignore_index)


# ------------------------------------------------------------------ public API
def cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Computes a stable ``log_softmax`` over the class axis (axis 1) inside one
    op; the gradient is ``softmax(input) - target`` (weighted, smoothed).
    Matches ``torch.nn.functional.cross_entropy`` in every mode.

    Parameters
    ----------
    input : Tensor, shape (N, C), (N, C, d1, ...) or (C,)
        Unnormalised scores (logits).
    target : Tensor or array-like
        Class indices (integer), shape ``(N,)``, ``(N, d1, ...)`` or ``()``,
        values in ``[0, C)`` or ``ignore_index``; **or** class probabilities
        / one-hot labels (floating), the input's shape (TensorFlow's
        ``softmax_cross_entropy_with_logits`` labels).
    weight : array-like, shape (C,), optional
        Per-class rescaling (a constant).
    ignore_index : int, default -100
        Index targets equal to it contribute nothing (index targets only).
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` divides by the summed weights of the non-ignored targets
        (by the number of samples for probability targets); ``'none'`` gives
        shape ``(N, d1, ...)``.
    label_smoothing : float in [0, 1]
        Mix the target with the uniform distribution: ``(1 - s) * t + s / C``.

    Returns
    -------
    Tensor
        A scalar, or the per-sample losses for ``reduction='none'``.
    """
    who = "cross_entropy"
    _check_input(who, input)
    _check_reduction(who, reduction)
    ignore_index = _check_ignore_index(who, ignore_index)
    if isinstance(label_smoothing, bool) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{who}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if input.ndim == 0:
        raise ValueError(f"{who}: input must have shape (N, C, ...) or (C,), got a scalar")
    unbatched = input.ndim == 1
    x = input.reshape(1, -1) if unbatched else input
    _check_device(who, "target", target, x)
    traw = target.array if isinstance(target, Tensor) else x.xp.asarray(target)
    kind = traw.dtype.kind
    if kind == "b" or kind not in "iuf":
        raise TypeError(
            f"{who}: target must hold integer class indices or floating class probabilities, "
            f"got dtype {traw.dtype}"
        )
    w = _class_weight(who, weight, x, x.shape[1])
    kw = {"weight": w, "reduction": reduction, "label_smoothing": float(label_smoothing)}
    if kind in "iu":
        t = traw.reshape(1) if unbatched and traw.ndim == 0 else traw
        t = _index_target(who, t, x, ignore_index)
        out = CrossEntropy.apply(x, t, ignore_index=ignore_index, **kw)
    else:
        if traw.shape != input.shape:
            hint = ""
            if traw.shape == input.shape[:1] + input.shape[2:]:
                hint = "; for class indices pass an integer array (e.g. target.astype(int))"
            raise ValueError(
                f"{who}: class-probability target must have the input's shape {input.shape}, "
                f"got {tuple(traw.shape)}{hint}"
            )
        if ignore_index != -100:  # PyTorch refuses it too: no class index to ignore
            raise ValueError(
                f"{who}: ignore_index={ignore_index} is only for class-index targets, got "
                f"class probabilities (dtype {traw.dtype}); leave ignore_index at -100"
            )
        t = _float_operand(who, "target", target, input)
        if unbatched:
            t = t.reshape(1, -1)
        out = SoftCrossEntropy.apply(x, t, **kw)
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood ``-weight[t] * input[n, t]`` of log-probabilities.

    Use after :func:`~glassnet.functional.log_softmax`;
    ``nll_loss(log_softmax(x, 1), t) == cross_entropy(x, t)``.

    Parameters
    ----------
    input : Tensor, shape (N, C), (N, C, d1, ...) or (C,)
        Log-probabilities.
    target : array-like of int, shape (N,), (N, d1, ...) or ()
    weight : array-like, shape (C,), optional
    ignore_index : int, default -100
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` divides by the summed weights of the non-ignored targets.

    Returns
    -------
    Tensor
    """
    who = "nll_loss"
    _check_input(who, input)
    _check_reduction(who, reduction)
    ignore_index = _check_ignore_index(who, ignore_index)
    if input.ndim == 0:
        raise ValueError(f"{who}: input must have shape (N, C, ...) or (C,), got a scalar")
    unbatched = input.ndim == 1
    x = input.reshape(1, -1) if unbatched else input
    _check_device(who, "target", target, x)
    t = target.array if isinstance(target, Tensor) else x.xp.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{who}: target must hold integer class indices, got dtype {t.dtype}")
    if unbatched and t.ndim == 0:
        t = t.reshape(1)
    _index_target(who, t, x, ignore_index)
    w = _class_weight(who, weight, x, x.shape[1])
    out = NLLLoss.apply(x, t, weight=w, ignore_index=ignore_index, reduction=reduction)
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    weight: Any = None,
    pos_weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op.

    ``loss = -weight * [pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))]``,
    computed with ``softplus`` so it is finite for any logit.

    Parameters
    ----------
    input : Tensor, shape (*)
        Logits.
    target : Tensor or array-like, shape (*)
        Targets in ``[0, 1]``, the input's shape (integer or boolean labels
        are converted). Differentiable when a Tensor that requires grad.
    weight : array-like, optional
        Rescales each element; broadcasts to the input's shape (a constant).
    pos_weight : array-like, optional
        Weight of the positive term, e.g. shape ``(C,)`` for ``(N, C)``
        multi-label input: ``n_negative / n_positive`` balances classes.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    who = "binary_cross_entropy_with_logits"
    _check_input(who, input)
    _check_reduction(who, reduction)
    t = _float_operand(who, "target", target, input)
    w = _broadcast_const(who, "weight", weight, input)
    pw = _broadcast_const(who, "pos_weight", pos_weight, input)
    return BCEWithLogits.apply(input, t, weight=w, pos_weight=pw, reduction=reduction)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities (e.g. the perceptron's sigmoid output).

    ``loss = -weight * [t * log(p) + (1 - t) * log(1 - p)]`` with each log
    clamped at ``-100`` as in PyTorch, so ``p`` of exactly 0 or 1 gives a
    finite loss. Prefer :func:`binary_cross_entropy_with_logits` on logits.

    Parameters
    ----------
    input : Tensor, shape (*)
        Probabilities in ``[0, 1]``.
    target : Tensor or array-like, shape (*)
    weight : array-like, optional
        Broadcasts to the input's shape.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        When an input or target value lies outside ``[0, 1]`` (the message shows it).
    """
    who = "binary_cross_entropy"
    _check_input(who, input)
    _check_reduction(who, reduction)
    t = _float_operand(who, "target", target, input)
    xp = input.xp
    outside = (input.array < 0) | (input.array > 1) | xp.isnan(input.array)
    if outside.any():
        value = float(input.array[outside].reshape(-1)[0])
        raise ValueError(
            f"{who}: input must hold probabilities in [0, 1], got {value} "
            "(use binary_cross_entropy_with_logits on logits)"
        )
    t_arr = t.array if isinstance(t, Tensor) else xp.asarray(t)
    bad = (t_arr < 0) | (t_arr > 1)
    if bad.any():  # PyTorch refuses such targets too
        value = float(t_arr[bad].reshape(-1)[0])
        raise ValueError(f"{who}: target must hold probabilities in [0, 1], got {value}")
    w = _broadcast_const(who, "weight", weight, input)
    return BCE.apply(input, t, weight=w, reduction=reduction)


def _regression(who: str, kind: str, input: Tensor, target: Any, reduction: str, param: float = 1.0) -> Tensor:  # fmt: skip
    _check_input(who, input)
    _check_reduction(who, reduction)
    t = _float_operand(who, "target", target, input)
    return Regression.apply(input, t, kind=kind, reduction=reduction, param=param)


def mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error ``(input - target)^2``, reduced by ``reduction``.

    Parameters
    ----------
    input : Tensor, shape (*)
    target : Tensor or array-like, shape (*)
        The input's shape exactly (no silent broadcasting of ``(N, 1)``
        against ``(N,)``).
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    return _regression("mse_loss", "mse", input, target, reduction)


def half_mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Half squared error summed over each sample's outputs, averaged over the batch.

    The seed's loss: for input of shape ``(N, *)``,
    ``loss = (1 / N) * sum_n sum_j (input[n, j] - target[n, j])^2 / 2``,
    where ``j`` runs over all non-batch elements of sample ``n``; its
    gradient w.r.t. ``input`` is ``(input - target) / N``. For 1-D input each
    sample has one output. It differs from :func:`mse_loss`, which divides by
    every element and has no ``1/2``.

    Parameters
    ----------
    input : Tensor, shape (N, *)
    target : Tensor or array-like, shape (N, *)
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` averages over the batch axis, ``'sum'`` adds the samples'
        half squared errors, ``'none'`` returns them with shape ``(N,)``.

    Returns
    -------
    Tensor
    """
    if isinstance(input, Tensor) and input.ndim == 0:
        raise ValueError("half_mse_loss: input must have a batch axis, shape (N, *), got a scalar")
    return _regression("half_mse_loss", "half_mse", input, target, reduction)


def l1_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error ``|input - target|`` (gradient ``sign``, 0 at 0).

    Parameters
    ----------
    input : Tensor, shape (*)
    target : Tensor or array-like, shape (*)
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    return _regression("l1_loss", "l1", input, target, reduction)


def _positive(who: str, name: str, value: Any, allow_zero: bool = False) -> float:
    ok = is_number(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{who}: {name} must be a {'non-negative' if allow_zero else 'positive'} number, got {value!r}")  # fmt: skip
    return float(value)


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    delta: float = 1.0,
) -> Tensor:
    """Huber loss: ``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, ``d = input - target``.

    Parameters
    ----------
    input : Tensor, shape (*)
    target : Tensor or array-like, shape (*)
    reduction : {'mean', 'sum', 'none'}
    delta : float > 0

    Returns
    -------
    Tensor
    """
    delta = _positive("huber_loss", "delta", delta)
    return _regression("huber_loss", "huber", input, target, reduction, delta)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1: ``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``.

    Equals ``huber_loss(delta=beta) / beta``; ``beta=0`` is :func:`l1_loss`.

    Parameters
    ----------
    input : Tensor, shape (*)
    target : Tensor or array-like, shape (*)
    reduction : {'mean', 'sum', 'none'}
    beta : float >= 0

    Returns
    -------
    Tensor
    """
    beta = _positive("smooth_l1_loss", "beta", beta, allow_zero=True)
    if beta == 0:
        return _regression("smooth_l1_loss", "l1", input, target, reduction)
    return _regression("smooth_l1_loss", "smooth_l1", input, target, reduction, beta)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``sum target * (log(target) - input)``.

    Parameters
    ----------
    input : Tensor, shape (N, *)
        Log-probabilities (e.g. from ``log_softmax``).
    target : Tensor or array-like, shape (N, *)
        Probabilities, or log-probabilities when ``log_target`` is true.
        Zero probabilities contribute 0.
    reduction : {'mean', 'batchmean', 'sum', 'none'}
        ``'batchmean'`` (sum / N) is the mathematical KL divergence;
        ``'mean'`` divides by the number of elements, as in PyTorch.
    log_target : bool, default False

    Returns
    -------
    Tensor
    """
    who = "kl_div"
    _check_input(who, input)
    _check_reduction(who, reduction, ("mean", "batchmean", "sum", "none"))
    t = _float_operand(who, "target", target, input)
    return KLDiv.apply(input, t, reduction=reduction, log_target=bool(log_target))
