"""The checklist: torch calls written once, as functions of the framework module ``T``.

Each entry runs with ``T = torch`` and with ``T = glassnet``; the test compares
the results (values, dtypes, shapes; ``(values, indices)`` pairs field by field).
Entries in ``SHAPE_ONLY`` draw random numbers: only shapes and dtypes must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_R = np.random.default_rng(13)
A = _R.standard_normal((3, 4)).astype(np.float32)  # no ties, no zeros
B = _R.standard_normal((3, 4)).astype(np.float32)
C = _R.standard_normal((4, 5)).astype(np.float32)
D3 = _R.standard_normal((2, 3, 4)).astype(np.float32)
P = (np.abs(A) + 0.5).astype(np.float32)  # positive
V = _R.standard_normal(5).astype(np.float32)
I = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int64)  # noqa: E741
IDX = np.array([[0, 2], [1, 0], [3, 3]], dtype=np.int64)
IDX_UNIQUE = np.array([[0, 2], [1, 0], [3, 1]], dtype=np.int64)  # scatter: no repeats in a row
MASK = A > 0


def a(T: Any) -> Any:
    return T.tensor(A)


def b(T: Any) -> Any:
    return T.tensor(B)


def d3(T: Any) -> Any:
    return T.tensor(D3)


def _grads(T: Any, f: Callable[..., Any], *arrays: np.ndarray) -> list:
    xs = [T.tensor(x, requires_grad=True) for x in arrays]
    f(T, *xs).backward()
    return [x.grad for x in xs]


def _inplace(x: Any, *calls: Callable[[Any], Any]) -> Any:
    for c in calls:
        c(x)
    return x


def _sgd_step(T: Any) -> Any:
    w = T.tensor(A, requires_grad=True)
    (w * w).sum().backward()
    with T.no_grad():
        w -= 0.1 * w.grad
    return w.detach()


def _iadd(x: Any, y: Any) -> Any:
    x += y
    return x


def _imul(x: Any, y: Any) -> Any:
    x *= y
    return x


CALLS: dict[str, Callable[[Any], Any]] = {
    # ------------------------------------------------------------- creation
    "tensor_float_list": lambda T: T.tensor([1.0, 2.0]),
    "tensor_int_list": lambda T: T.tensor([1, 2, 3]),
    "tensor_bool_list": lambda T: T.tensor([True, False]),
    "tensor_scalar": lambda T: T.tensor(3.5),
    "tensor_dtype": lambda T: T.tensor([1, 2], dtype=T.float32),
    "tensor_float64_array": lambda T: T.tensor(A.astype(np.float64)),
    "zeros": lambda T: T.zeros(2, 3),
    "zeros_tuple": lambda T: T.zeros((2, 3)),
    "zeros_dtype": lambda T: T.zeros(2, dtype=T.long),
    "ones": lambda T: T.ones(3),
    "ones_int": lambda T: T.ones(2, 2, dtype=T.int32),
    "full_float": lambda T: T.full((2, 2), 1.5),
    "full_int": lambda T: T.full((2,), 3),
    "full_bool": lambda T: T.full((2,), True),
    "zeros_like": lambda T: T.zeros_like(a(T)),
    "ones_like_dtype": lambda T: T.ones_like(a(T), dtype=T.float64),
    "full_like": lambda T: T.full_like(a(T), 7.0),
    "empty_shape": lambda T: T.empty(2, 3).shape,
    "eye": lambda T: T.eye(3),
    "eye_rect": lambda T: T.eye(2, 3),
    "arange_int": lambda T: T.arange(5),
    "arange_start_stop": lambda T: T.arange(2, 7),
    "arange_float_step": lambda T: T.arange(0, 1, 0.25),
    "arange_float_stop": lambda T: T.arange(3.0),
    "arange_dtype": lambda T: T.arange(4, dtype=T.float64),
    "linspace": lambda T: T.linspace(0, 1, 5),
    "logspace": lambda T: T.logspace(0, 2, 3),
    "from_numpy": lambda T: T.from_numpy(A.astype(np.float64)),
    "as_tensor": lambda T: T.as_tensor([1.0, 2.0]),
    "tril": lambda T: T.tril(T.tensor(C)),
    "triu_diag": lambda T: T.triu(T.tensor(C), 1),
    "diag_vector": lambda T: T.diag(T.tensor(V)),
    "diag_matrix": lambda T: T.diag(T.tensor(C)),
    "meshgrid_ij": lambda T: T.meshgrid(T.arange(3), T.arange(2), indexing="ij"),
    "meshgrid_xy": lambda T: T.meshgrid(T.arange(3), T.arange(2), indexing="xy"),
    "new_zeros": lambda T: a(T).new_zeros(2, 2),
    "new_ones": lambda T: a(T).new_ones((3,)),
    "new_full": lambda T: a(T).new_full((2,), 4.0),
    "new_tensor": lambda T: a(T).new_tensor([1, 2]),
    # ------------------------------------------------------------ dtypes
    "dtype_eq_float32": lambda T: a(T).dtype == T.float32,
    "dtype_eq_float": lambda T: a(T).dtype == T.float,
    "float_to_long": lambda T: a(T).long(),
    "to_int": lambda T: a(T).int(),
    "to_double": lambda T: a(T).double(),
    "to_bool": lambda T: a(T).bool(),
    "long_to_float": lambda T: T.tensor([1, 2]).float(),
    "to_dtype": lambda T: a(T).to(T.float64),
    "to_dtype_kw": lambda T: a(T).to(dtype=T.int64),
    "to_device_dtype": lambda T: a(T).to("cpu", T.float64),
    "to_other_tensor": lambda T: a(T).to(T.tensor([1], dtype=T.int32)),
    "type_dtype": lambda T: a(T).type(T.int64),
    "type_as": lambda T: T.tensor([1, 2]).type_as(a(T)),
    "is_floating_point": lambda T: (a(T).is_floating_point(), T.tensor([1]).is_floating_point()),
    "element_size": lambda T: (a(T).element_size(), T.tensor([1]).element_size()),
    "int_div_int": lambda T: T.tensor([1, 2, 3]) / 2,
    "int_times_float": lambda T: T.tensor([1, 2]) * 0.5,
    "int_plus_float_tensor": lambda T: T.tensor([1, 2]) + T.tensor([0.5, 0.25]),
    "float32_plus_float64_scalar": lambda T: a(T) + np.float64(1.0).item(),
    "float32_times_numpy_scalar": lambda T: (a(T) * np.float64(2.0), np.float32(3.0) - a(T)),
    "int_tensor_times_numpy_float": lambda T: T.tensor([1, 2]) * np.float64(0.5),
    "sum_bool": lambda T: (a(T) > 0).sum(),
    "mean_dtype": lambda T: T.tensor([1, 2, 4]).mean(dtype=T.float64),
    "get_default_dtype": lambda T: T.get_default_dtype() == T.float32,
    "finfo_eps": lambda T: T.finfo(T.float32).eps,
    "iinfo_max": lambda T: T.iinfo(T.int32).max,
    # ------------------------------------------------------------- shape
    "size": lambda T: tuple(a(T).size()),
    "size_dim": lambda T: a(T).size(1),
    "shape": lambda T: tuple(d3(T).shape),
    "numel": lambda T: d3(T).numel(),
    "dim": lambda T: d3(T).dim(),
    "view": lambda T: a(T).view(4, 3),
    "view_infer": lambda T: a(T).view(-1),
    "view_as": lambda T: a(T).view_as(T.zeros(2, 6)),
    "reshape": lambda T: d3(T).reshape(6, -1),
    "flatten": lambda T: d3(T).flatten(1),
    "torch_flatten": lambda T: T.flatten(d3(T), start_dim=0, end_dim=1),
    "t": lambda T: a(T).t(),
    "transpose": lambda T: d3(T).transpose(0, 2),
    "permute": lambda T: d3(T).permute(2, 0, 1),
    "squeeze": lambda T: T.zeros(2, 1, 3).squeeze(),
    "squeeze_dim": lambda T: T.zeros(2, 1, 3).squeeze(1),
    "unsqueeze": lambda T: a(T).unsqueeze(1),
    "unsqueeze_neg": lambda T: a(T).unsqueeze(-1),
    "expand": lambda T: T.tensor([[1.0], [2.0]]).expand(2, 3),
    "expand_as": lambda T: T.tensor([[1.0], [2.0], [3.0]]).expand_as(a(T)),
    "repeat": lambda T: a(T).repeat(2, 1),
    "repeat_more_dims": lambda T: T.tensor([1, 2]).repeat(2, 2),
    "contiguous": lambda T: a(T).t().contiguous(),
    "cat": lambda T: T.cat([a(T), b(T)], dim=1),
    "cat_default": lambda T: T.cat([a(T), b(T)]),
    "stack": lambda T: T.stack([a(T), b(T)], dim=2),
    "chunk": lambda T: a(T).chunk(2, dim=1),
    "chunk_uneven": lambda T: T.arange(5).chunk(2),
    "split_size": lambda T: T.arange(7).split(3),
    "split_sizes": lambda T: a(T).split([1, 3], dim=1),
    "torch_split": lambda T: T.split(a(T), 2),
    "unbind": lambda T: a(T).unbind(1),
    "flip": lambda T: a(T).flip(0),
    "flip_dims": lambda T: d3(T).flip([0, 2]),
    "roll": lambda T: a(T).roll(1, 1),
    "roll_flat": lambda T: a(T).roll(2),
    "broadcast_to": lambda T: T.broadcast_to(T.tensor([1.0, 2.0]), (3, 2)),
    # ---------------------------------------------------------- indexing
    "index_int": lambda T: a(T)[1],
    "index_slice": lambda T: a(T)[:, 1:3],
    "index_step": lambda T: a(T)[::2, 1::2],
    "index_none": lambda T: a(T)[None, :, 0],
    "index_ellipsis": lambda T: d3(T)[..., 1],
    "index_bool_mask": lambda T: a(T)[a(T) > 0],
    "index_long": lambda T: a(T)[T.tensor([2, 0])],
    "index_pairs": lambda T: a(T)[T.tensor([0, 2]), T.tensor([1, 3])],
    "gather": lambda T: a(T).gather(1, T.tensor(IDX)),
    "torch_gather": lambda T: T.gather(a(T), 0, T.tensor([[2, 1, 0, 0]])),
    "scatter": lambda T: T.zeros(3, 4).scatter(1, T.tensor(IDX[:, :1]), b(T)),
    "scatter_value": lambda T: a(T).scatter(0, T.tensor([[0, 1, 2, 0]]), 9.0),
    "scatter_add": lambda T: a(T).scatter_add(1, T.tensor(IDX), b(T)),
    "index_add": lambda T: a(T).index_add(0, T.tensor([2, 0, 2]), b(T), alpha=2.0),
    "torch_scatter_add": lambda T: T.scatter_add(T.zeros(3, 4), 0, T.tensor([[0, 1, 1, 0]]), b(T)),
    "grad_scatter_add": lambda T: _grads(
        T, lambda T, x, s: (x.scatter_add(1, T.tensor(IDX), s) ** 2).sum(), A, B[:, :2]
    ),
    "index_select": lambda T: a(T).index_select(1, T.tensor([3, 0])),
    "masked_fill": lambda T: a(T).masked_fill(a(T) < 0, 0.0),
    "masked_select": lambda T: T.masked_select(a(T), T.tensor(MASK)),
    "narrow": lambda T: a(T).narrow(1, 1, 2),
    "where": lambda T: T.where(a(T) > 0, a(T), b(T)),
    "where_scalar": lambda T: T.where(a(T) > 0, a(T), 0.0),
    "nonzero": lambda T: T.tensor([[0, 1], [2, 0]]).nonzero(),
    "unique": lambda T: T.tensor([3, 1, 3, 2, 1]).unique(),
    "unique_inverse_counts": lambda T: T.unique(
        T.tensor([[3, 1], [3, 2]]), return_inverse=True, return_counts=True
    ),
    "bincount": lambda T: T.tensor([0, 2, 2, 5]).bincount(),
    "item": lambda T: a(T)[1, 2].item(),
    "tolist": lambda T: T.tensor([[1, 2], [3, 4]]).tolist(),
    # -------------------------------------------------------- reductions
    "sum": lambda T: a(T).sum(),
    "sum_dim": lambda T: a(T).sum(dim=1),
    "sum_dim_keepdim": lambda T: a(T).sum(0, keepdim=True),
    "sum_axis_alias": lambda T: a(T).sum(axis=1),
    "sum_dims": lambda T: d3(T).sum((0, 2)),
    "mean": lambda T: a(T).mean(),
    "mean_dim": lambda T: d3(T).mean(-1, keepdim=True),
    "torch_sum": lambda T: T.sum(a(T), 1),
    "torch_mean": lambda T: T.mean(a(T), dim=0),
    "max": lambda T: a(T).max(),
    "max_dim": lambda T: a(T).max(1),
    "max_dim_keepdim": lambda T: a(T).max(dim=0, keepdim=True),
    "max_unpack": lambda T: tuple(a(T).max(1)),
    "max_other": lambda T: a(T).max(b(T)),
    "min_dim": lambda T: a(T).min(0),
    "torch_max_dim": lambda T: T.max(a(T), 1),
    "torch_min": lambda T: T.min(a(T)),
    "torch_max_other": lambda T: T.max(a(T), b(T)),
    "amax": lambda T: d3(T).amax((0, 1)),
    "argmax": lambda T: a(T).argmax(),
    "argmax_dim": lambda T: a(T).argmax(dim=1),
    "argmin_keepdim": lambda T: a(T).argmin(0, keepdim=True),
    "torch_argmax": lambda T: T.argmax(a(T), 1),
    "var": lambda T: a(T).var(),
    "var_dim_unbiased_false": lambda T: a(T).var(1, unbiased=False),
    "var_correction": lambda T: a(T).var(dim=0, correction=0),
    "std": lambda T: a(T).std(1),
    "torch_std_keepdim": lambda T: T.std(a(T), 0, keepdim=True),
    "prod": lambda T: T.tensor(P).prod(),
    "prod_dim": lambda T: T.tensor(P).prod(1),
    "cumsum": lambda T: a(T).cumsum(1),
    "torch_cumsum": lambda T: T.cumsum(a(T), dim=0),
    "logsumexp": lambda T: a(T).logsumexp(1),
    "norm": lambda T: a(T).norm(),
    "norm_dim": lambda T: a(T).norm(dim=1),
    "norm_p1": lambda T: a(T).norm(p=1),
    "torch_norm": lambda T: T.norm(a(T), dim=0, keepdim=True),
    "all_any": lambda T: ((a(T) > -10).all(), (a(T) > 10).any()),
    "any_dim": lambda T: (a(T) > 1).any(dim=1),
    "sort": lambda T: a(T).sort(),
    "sort_desc_dim": lambda T: a(T).sort(dim=0, descending=True),
    "torch_sort": lambda T: T.sort(a(T), 1),
    "argsort": lambda T: a(T).argsort(dim=1),
    "argsort_desc": lambda T: T.argsort(a(T), dim=0, descending=True),
    "topk": lambda T: a(T).topk(2),
    "topk_smallest": lambda T: a(T).topk(2, dim=0, largest=False),
    "torch_topk": lambda T: T.topk(T.tensor(V), 3),
    "kthvalue": lambda T: a(T).kthvalue(2, 1),
    "median": lambda T: a(T).median(),
    "median_dim": lambda T: a(T).median(1),
    # ------------------------------------------------------- elementwise
    "add_alpha": lambda T: a(T).add(b(T), alpha=2),
    "sub_method": lambda T: a(T).sub(b(T)),
    "mul_method": lambda T: a(T).mul(2.0),
    "div_method": lambda T: a(T).div(T.tensor(P)),
    "div_floor": lambda T: a(T).div(0.3, rounding_mode="floor"),
    "div_trunc_int": lambda T: T.tensor([7, -7]).div(2, rounding_mode="trunc"),
    "floordiv_int": lambda T: T.tensor([7, -7]) // 2,
    "remainder": lambda T: T.tensor([7.0, -7.0]) % 3,
    "pow_method": lambda T: a(T).pow(2),
    "torch_pow": lambda T: T.pow(T.tensor(P), 0.5),
    "rpow": lambda T: 2 ** a(T),
    "eq": lambda T: a(T).eq(b(T)),
    "ne_scalar": lambda T: T.tensor([1, 2]).ne(2),
    "lt_le_gt_ge": lambda T: (a(T).lt(b(T)), a(T).le(0), a(T).gt(b(T)), a(T).ge(0)),
    "operators_compare": lambda T: (a(T) == b(T), a(T) != 0, a(T) < b(T)),
    "logical": lambda T: ((a(T) > 0) & (b(T) > 0), (a(T) > 0) | (b(T) > 0), ~(a(T) > 0)),
    "exp_log": lambda T: (T.exp(a(T)), T.log(T.tensor(P))),
    "exp_of_int": lambda T: T.tensor([0, 1]).exp(),
    "sqrt_abs": lambda T: (T.sqrt(T.tensor(P)), T.abs(a(T))),
    "sin_cos": lambda T: (a(T).sin(), T.cos(a(T))),
    "clamp": lambda T: a(T).clamp(-0.5, 0.5),
    "clamp_min": lambda T: T.clamp(a(T), min=0.0),
    "clip": lambda T: a(T).clip(max=0.1),
    "sigmoid_tanh_relu": lambda T: (T.sigmoid(a(T)), T.tanh(a(T)), T.relu(a(T))),
    "torch_softmax": lambda T: T.softmax(a(T), dim=1),
    "method_log_softmax": lambda T: a(T).log_softmax(dim=0),
    "rounding": lambda T: (a(T).floor(), a(T).ceil(), (a(T) * 3).round(), a(T).trunc()),
    "sign": lambda T: T.sign(a(T)),
    "reciprocal_rsqrt_square": lambda T: (
        T.tensor(P).reciprocal(),
        T.tensor(P).rsqrt(),
        a(T).square(),
    ),
    "isnan_isinf_isfinite": lambda T: (
        T.tensor([1.0, float("nan"), float("inf")]).isnan(),
        T.tensor([1.0, float("nan"), float("inf")]).isinf(),
        T.tensor([1.0, float("nan"), float("inf")]).isfinite(),
    ),
    "maximum_minimum": lambda T: (T.maximum(a(T), b(T)), T.minimum(a(T), b(T))),
    "matmul": lambda T: T.matmul(a(T), T.tensor(C)),
    "mm": lambda T: a(T).mm(T.tensor(C)),
    "bmm": lambda T: T.bmm(d3(T), d3(T).transpose(1, 2)),
    "matmul_operator": lambda T: a(T) @ T.tensor(C),
    "outer_dot": lambda T: (T.outer(T.tensor(V), T.tensor(V)), T.dot(T.tensor(V), T.tensor(V))),
    "allclose_equal": lambda T: (
        T.allclose(a(T), a(T) + 1e-9),
        T.equal(a(T), a(T)),
        T.equal(a(T), b(T)),
    ),
    "isclose": lambda T: T.isclose(a(T), a(T) + 1e-3),
    "is_tensor": lambda T: (T.is_tensor(a(T)), T.is_tensor(A)),
    "clone_detach": lambda T: (a(T).clone(), a(T).detach()),
    # ---------------------------------------------------------- in-place
    "add_": lambda T: _inplace(a(T), lambda x: x.add_(1.0)),
    "add_alpha_": lambda T: _inplace(a(T), lambda x: x.add_(b(T), alpha=-0.5)),
    "mul_": lambda T: _inplace(a(T), lambda x: x.mul_(b(T))),
    "zero_": lambda T: _inplace(a(T), lambda x: x.zero_()),
    "fill_": lambda T: _inplace(a(T), lambda x: x.fill_(2.5)),
    "copy_": lambda T: _inplace(a(T), lambda x: x.copy_(b(T))),
    "clamp_": lambda T: _inplace(a(T), lambda x: x.clamp_(min=0)),
    "iadd": lambda T: _iadd(a(T), b(T)),
    "imul_scalar": lambda T: _imul(a(T), 3.0),
    "sgd_step_no_grad": _sgd_step,
    "data_shares_memory": lambda T: _inplace(a(T), lambda x: x.data.mul_(2)),
    "view_shares_memory": lambda T: _inplace(a(T), lambda x: x[0].zero_()),
    "from_numpy_shares": lambda T: (lambda n: (T.from_numpy(n).add_(1), T.tensor(n))[1])(A.copy()),
    # ---------------------------------------------------------- autograd
    "grad_sum_square": lambda T: _grads(T, lambda T, x: (x * x).sum(), A),
    "grad_mean_matmul": lambda T: _grads(T, lambda T, x, w: (x @ w).mean(), A, C),
    "grad_max_dim": lambda T: _grads(T, lambda T, x: x.max(1).values.sum(), A),
    "grad_gather": lambda T: _grads(T, lambda T, x: x.gather(1, T.tensor(IDX)).sum(), A),
    "grad_sort_topk": lambda T: _grads(
        T, lambda T, x: (x.sort(1).values[:, 0] * 2 + x.topk(2).values.sum(1)).sum(), A
    ),
    "grad_cumsum_prod": lambda T: _grads(
        T, lambda T, x: (x.cumsum(1) * 0.5).sum() + x.prod(1).sum(), P
    ),
    "grad_masked_fill": lambda T: _grads(T, lambda T, x: x.masked_fill(x < 0, 0.0).pow(2).sum(), A),
    "grad_norm_std": lambda T: _grads(T, lambda T, x: x.norm() + x.std(0).sum(), A),
    "grad_repeat_flip_roll": lambda T: _grads(
        T, lambda T, x: (x.repeat(2, 1).flip(0).roll(1, 1) * T.arange(4.0)).sum(), A
    ),
    "grad_scatter": lambda T: _grads(
        T, lambda T, x, s: (x.scatter(1, T.tensor(IDX_UNIQUE), s[:, :2]) ** 2).sum(), A, B
    ),
    "grad_where_clamp": lambda T: _grads(
        T, lambda T, x: T.where(x > 0, x * 2, x.clamp(-0.5, 0.5)).sum(), A
    ),
    "grad_sin_cos": lambda T: _grads(T, lambda T, x: (x.sin() * x.cos()).sum(), A),
    "grad_floor_zero": lambda T: _grads(T, lambda T, x: (x.floor() + x.round() + x).sum(), A),
    "requires_grad_flags": lambda T: (
        lambda x: (x.requires_grad, (x * 2).requires_grad, x.detach().requires_grad, x.is_leaf)
    )(T.tensor(A, requires_grad=True)),
    "no_grad_flag": lambda T: (lambda x: _no_grad_result(T, x))(T.tensor(A, requires_grad=True)),
    # ---------------------------------------------------- nn.functional
    "F_relu": lambda T: T.nn.functional.relu(a(T)),
    "F_relu_inplace": lambda T: (lambda x: (T.nn.functional.relu(x, inplace=True), x)[1])(a(T)),
    "F_leaky_relu": lambda T: T.nn.functional.leaky_relu(a(T), 0.2),
    "F_elu_gelu_silu": lambda T: (
        T.nn.functional.elu(a(T)),
        T.nn.functional.gelu(a(T)),
        T.nn.functional.silu(a(T)),
    ),
    "F_softmax": lambda T: T.nn.functional.softmax(a(T), dim=1),
    "F_log_softmax": lambda T: T.nn.functional.log_softmax(d3(T), dim=-1),
    "F_softmax_dtype": lambda T: T.nn.functional.softmax(a(T), dim=0, dtype=T.float64),
    "F_sigmoid_tanh": lambda T: (T.nn.functional.sigmoid(a(T)), T.nn.functional.tanh(a(T))),
    "F_mse_loss": lambda T: T.nn.functional.mse_loss(a(T), b(T)),
    "F_cross_entropy": lambda T: T.nn.functional.cross_entropy(a(T), T.tensor([0, 3, 1])),
    "F_nll_loss": lambda T: T.nn.functional.nll_loss(
        T.nn.functional.log_softmax(a(T), dim=1), T.tensor([2, 1, 0])
    ),
    "F_binary_cross_entropy": lambda T: T.nn.functional.binary_cross_entropy(
        T.sigmoid(a(T)), (b(T) > 0).float()
    ),
    "F_l1_loss": lambda T: T.nn.functional.l1_loss(a(T), b(T), reduction="sum"),
    "F_linear": lambda T: T.nn.functional.linear(a(T), T.tensor(C.T)),
    "F_dropout_eval": lambda T: T.nn.functional.dropout(a(T), 0.5, training=False),
    "F_one_hot": lambda T: T.nn.functional.one_hot(T.tensor([0, 2, 1]), 3),
    "F_pad": lambda T: T.nn.functional.pad(a(T), (1, 2)),
    "F_normalize": lambda T: T.nn.functional.normalize(a(T), dim=1),
    "F_max_pool2d": lambda T: T.nn.functional.max_pool2d(d3(T).reshape(1, 2, 3, 4), 2),
    "F_avg_pool2d": lambda T: T.nn.functional.avg_pool2d(d3(T).reshape(1, 2, 3, 4), (1, 2)),
    "F_conv2d": lambda T: T.nn.functional.conv2d(d3(T).reshape(1, 2, 3, 4), T.ones(3, 2, 2, 2)),
    "F_cosine_similarity": lambda T: T.nn.functional.cosine_similarity(a(T), b(T)),
    "F_cosine_similarity_dim0": lambda T: T.nn.functional.cosine_similarity(a(T), b(T), dim=0),
    "grad_cosine_similarity": lambda T: _grads(
        T, lambda T, x, y: T.nn.functional.cosine_similarity(x, y).sum(), A, B
    ),
    "einsum": lambda T: T.einsum("ij,kj->ik", a(T), b(T)),
    "grad_einsum": lambda T: _grads(T, lambda T, x, y: T.einsum("ij,ij->i", x, y).sum(), A, B),
    "F_embedding": lambda T: T.nn.functional.embedding(T.tensor([1, 0]), a(T)),
}


def _no_grad_result(T: Any, x: Any) -> Any:
    with T.no_grad():
        y = x * 2
    return y.requires_grad, y


#: Calls whose values are random: shapes and dtypes are compared.
SHAPE_ONLY: dict[str, Callable[[Any], Any]] = {
    "rand": lambda T: T.rand(2, 3),
    "randn": lambda T: T.randn(4),
    "randn_dtype": lambda T: T.randn(2, dtype=T.float64),
    "rand_like": lambda T: T.rand_like(a(T)),
    "randn_like": lambda T: T.randn_like(a(T).double()),
    "randint": lambda T: T.randint(0, 10, (3, 2)),
    "randint_high": lambda T: T.randint(5, (4,)),
    "randperm": lambda T: T.randperm(6),
    "normal": lambda T: T.normal(0.0, 1.0, size=(2, 2)),
    "normal_tensors": lambda T: T.normal(a(T), 1.0),
    "manual_seed_then_rand": lambda T: (T.manual_seed(1), T.rand(3))[1],
    "dropout_train": lambda T: T.nn.functional.dropout(a(T), 0.5),
    "uniform_": lambda T: T.empty(3).uniform_(-1, 1),
    "normal_": lambda T: T.zeros(2, 2).normal_(),
    "bernoulli": lambda T: T.bernoulli(T.full((3,), 0.5)),
}
