"""Higher-order gradients (``create_graph=True``), each against real torch at run time and
float64 finite differences: the gradient of a gradient for every op with a differentiable
backward, third derivatives, Hessians and Hessian-vector products, a WGAN-GP penalty, a
physics-informed residual, second-order MAML, ``backward(create_graph=True)``, the refusal
for an op without a differentiable backward, and the unchanged first-order path."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn.functional as GF
from glassnet.autograd import higher_order

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
W = RNG.standard_normal((5, 4))
B = RNG.standard_normal(5)
T3 = np.array([0, 3, 1])
P = (RNG.uniform(size=(3, 4)) > 0.5).astype(np.float64)
IMG = RNG.standard_normal((2, 3, 7, 6))
K = RNG.standard_normal((4, 3, 3, 2))
KB = RNG.standard_normal(4)


def _double_grad(lib, F, f):
    """``g = d(sum f^2)/dx`` with create_graph, then ``d(sum sin g)/d(x, w, b)``."""
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (X, W, B))
    out = f(lib, F, x, lib.tensor(Y), w, b)
    (g,) = lib.autograd.grad((out * out).sum(), x, create_graph=True)
    gg = lib.autograd.grad(g.sin().sum(), [x, w, b], allow_unused=True)
    return [None if v is None else v.detach().numpy() for v in (g, *gg)]


# every op with a differentiable backward, as the user calls it (x, w, b require grad)
OPS = {
    "add": lambda L, F, x, y, w, b: x + y * x,
    "sub": lambda L, F, x, y, w, b: x - y * x,
    "rsub": lambda L, F, x, y, w, b: 1 - x * x,
    "mul": lambda L, F, x, y, w, b: x * y * x,
    "div": lambda L, F, x, y, w, b: x / (y.abs() + 1 + x * x),
    "rdiv": lambda L, F, x, y, w, b: 1 / (x * x + 1),
    "neg": lambda L, F, x, y, w, b: -x * x,
    "pow_scalar": lambda L, F, x, y, w, b: x**3,
    "pow_zero": lambda L, F, x, y, w, b: x**0 + x,
    "rpow": lambda L, F, x, y, w, b: 2**x,
    "pow_tensor": lambda L, F, x, y, w, b: (x.abs() + 0.5) ** x,
    "exp": lambda L, F, x, y, w, b: x.exp(),
    "log": lambda L, F, x, y, w, b: (x * x + 1).log(),
    "sqrt": lambda L, F, x, y, w, b: (x * x + 1).sqrt(),
    "abs": lambda L, F, x, y, w, b: x.abs() * x,
    "sin": lambda L, F, x, y, w, b: x.sin(),
    "cos": lambda L, F, x, y, w, b: x.cos(),
    "expm1": lambda L, F, x, y, w, b: x.expm1(),
    "log1p": lambda L, F, x, y, w, b: (x * x).log1p(),
    "tanh": lambda L, F, x, y, w, b: x.tanh(),
    "sigmoid": lambda L, F, x, y, w, b: x.sigmoid(),
    "relu": lambda L, F, x, y, w, b: F.relu(x) * x,
    "leaky_relu": lambda L, F, x, y, w, b: F.leaky_relu(x, 0.1) * x,
    "elu": lambda L, F, x, y, w, b: F.elu(x),
    "gelu": lambda L, F, x, y, w, b: F.gelu(x),
    "gelu_tanh": lambda L, F, x, y, w, b: F.gelu(x, approximate="tanh"),
    "silu": lambda L, F, x, y, w, b: F.silu(x),
    "softplus": lambda L, F, x, y, w, b: F.softplus(x, beta=2.0),
    "erf": lambda L, F, x, y, w, b: L.erf(x),
    "sum": lambda L, F, x, y, w, b: (x * x).sum(),
    "sum_dim_keepdim": lambda L, F, x, y, w, b: (x * x).sum(1, keepdim=True),
    "sum_dim": lambda L, F, x, y, w, b: (x * x).sum(0),
    "mean": lambda L, F, x, y, w, b: (x * x).mean(),
    "mean_dim": lambda L, F, x, y, w, b: (x * x).mean(0),
    "reshape": lambda L, F, x, y, w, b: (x * x).reshape(12),
    "view": lambda L, F, x, y, w, b: (x * x).view(2, 6),
    "flatten": lambda L, F, x, y, w, b: (x * x).flatten(),
    "unsqueeze_squeeze": lambda L, F, x, y, w, b: (x * x).unsqueeze(0).squeeze(0),
    "transpose": lambda L, F, x, y, w, b: (x * x).transpose(0, 1),
    "permute": lambda L, F, x, y, w, b: (x * x).permute(1, 0),
    "t": lambda L, F, x, y, w, b: (x * x).t(),
    "expand": lambda L, F, x, y, w, b: (x * x)[:1].expand(3, 4),
    "broadcast": lambda L, F, x, y, w, b: (x * x)[:, :1] * y + b[:4],
    "getitem_slices": lambda L, F, x, y, w, b: (x * x)[1:, 2],
    "getitem_int": lambda L, F, x, y, w, b: (x * x)[0],
    "cat": lambda L, F, x, y, w, b: L.cat([x * x, y, x]),
    "cat_dim1": lambda L, F, x, y, w, b: L.cat([x * x, y, x], dim=1),
    "stack": lambda L, F, x, y, w, b: L.stack([x * x, y], 1),
    "matmul": lambda L, F, x, y, w, b: (x * x) @ w.t(),
    "mm": lambda L, F, x, y, w, b: L.mm(x * x, w.t()),
    "matrix_vector": lambda L, F, x, y, w, b: (w * w) @ x[0],
    "vector_vector": lambda L, F, x, y, w, b: (x[0] * x[0]) @ x[1],
    "batched_matmul": lambda L, F, x, y, w, b: (x * x).unsqueeze(0).expand(2, 3, 4) @ w.t(),
    "linear": lambda L, F, x, y, w, b: F.linear(x * x, w, b),
    "linear_no_bias": lambda L, F, x, y, w, b: F.linear(x, w * w),
    "linear_3d": lambda L, F, x, y, w, b: F.linear((x * x).reshape(3, 1, 4), w, b),
    "norm": lambda L, F, x, y, w, b: x.norm(),
    "norm_dim": lambda L, F, x, y, w, b: x.norm(dim=1),
    "vector_norm": lambda L, F, x, y, w, b: L.linalg.vector_norm(x, dim=1),
    "clamp": lambda L, F, x, y, w, b: (x * x).clamp(-0.5, 0.5),
    "where": lambda L, F, x, y, w, b: L.where(y > 0, x * x, y),
    "square": lambda L, F, x, y, w, b: x.square(),
    "mse_loss": lambda L, F, x, y, w, b: F.mse_loss(x * x, y),
    "mse_loss_sum": lambda L, F, x, y, w, b: F.mse_loss(y, x * x, reduction="sum"),
    "mse_loss_none": lambda L, F, x, y, w, b: F.mse_loss(x * x, y, reduction="none"),
    "l1_loss": lambda L, F, x, y, w, b: F.l1_loss(x * x, y),
    "huber_loss": lambda L, F, x, y, w, b: F.huber_loss(x * x, y),
    "smooth_l1_loss": lambda L, F, x, y, w, b: F.smooth_l1_loss(x * x, y, beta=0.5),
    "softmax": lambda L, F, x, y, w, b: F.softmax(x, dim=1),
    "log_softmax": lambda L, F, x, y, w, b: F.log_softmax(x, 1),
    "cross_entropy": lambda L, F, x, y, w, b: F.cross_entropy(x * x, L.tensor(T3)),
    "cross_entropy_weight_smoothing": lambda L, F, x, y, w, b: F.cross_entropy(
        x, L.tensor(T3), weight=L.tensor([1.0, 2.0, 0.5, 3.0], dtype=L.float64),
        label_smoothing=0.1,
    ),  # fmt: skip
    "cross_entropy_ignore_sum": lambda L, F, x, y, w, b: F.cross_entropy(
        x, L.tensor([0, -100, 2]), reduction="sum"
    ),
    "cross_entropy_none": lambda L, F, x, y, w, b: F.cross_entropy(
        x, L.tensor(T3), reduction="none"
    ),
    "cross_entropy_3d": lambda L, F, x, y, w, b: F.cross_entropy(
        (x * x).reshape(1, 4, 3), L.tensor([[0, 3, 1]])
    ),
    "nll_loss": lambda L, F, x, y, w, b: F.nll_loss(F.log_softmax(x * x, 1), L.tensor(T3)),
    "bce_with_logits": lambda L, F, x, y, w, b: F.binary_cross_entropy_with_logits(
        x * x, L.tensor(P)
    ),
    "bce_with_logits_weights": lambda L, F, x, y, w, b: F.binary_cross_entropy_with_logits(
        x, L.tensor(P), weight=L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64),
        pos_weight=L.tensor([0.5, 1.0, 2.0, 3.0], dtype=L.float64), reduction="sum",
    ),  # fmt: skip
    "clone_and_casts": lambda L, F, x, y, w, b: (x * x).clone().float().double(),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_grad_of_grad_matches_torch(name, torch):
    ours = _double_grad(gn, GF, OPS[name])
    theirs = _double_grad(torch, torch.nn.functional, OPS[name])
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            tol = 1e-6 if name == "clone_and_casts" else 1e-10
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _sin_of_grad(x_values: np.ndarray, f) -> float:
    """``sum(sin(d(sum f(x)^2)/dx))`` with the first-order engine (for finite differences)."""
    x = gn.tensor(x_values, requires_grad=True)
    out = f(gn, GF, x, gn.tensor(Y), gn.tensor(W), gn.tensor(B))
    (g,) = gn.autograd.grad((out * out).sum(), x)
    return float(np.sin(g.numpy()).sum())


@pytest.mark.parametrize(
    "name", ["div", "pow_tensor", "log", "sqrt", "tanh", "softplus", "gelu", "matmul",
             "linear", "broadcast", "cat", "norm_dim", "log_softmax", "cross_entropy", "mean_dim"],
)  # fmt: skip
def test_grad_of_grad_matches_finite_differences(name):
    (_, gg, _, _) = _double_grad(gn, GF, OPS[name])
    eps = 1e-6
    numeric = np.zeros_like(X)
    for i in np.ndindex(*X.shape):
        up, down = X.copy(), X.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (_sin_of_grad(up, OPS[name]) - _sin_of_grad(down, OPS[name])) / (2 * eps)
    np.testing.assert_allclose(gg, numeric, rtol=1e-5, atol=1e-6)


def _conv_double_grad(lib, F, kwargs):
    x, k, kb = (lib.tensor(a, requires_grad=True) for a in (IMG, K, KB))
    out = F.conv2d(x, k, kb, **kwargs)
    g = lib.autograd.grad((out.tanh() ** 2).sum(), [x, k], create_graph=True)
    gg = lib.autograd.grad(g[0].sin().sum() + (g[1] ** 2).sum(), [x, k, kb])
    return [v.detach().numpy() for v in (*g, *gg)]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding": 1}, {"stride": 2}, {"stride": (2, 3), "padding": (1, 2), "dilation": (1, 2)},
     {"padding": "same"}, {"dilation": 2, "stride": 2, "padding": 2}],
)  # fmt: skip
def test_conv2d_grad_of_grad_matches_torch(kwargs, torch):
    ours = _conv_double_grad(gn, GF, kwargs)
    theirs = _conv_double_grad(torch, torch.nn.functional, kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def _third(lib, values):
    x = lib.tensor(values, requires_grad=True)
    y = (lib.tanh(x.sin() * 1.5) ** 2).sum()
    (d1,) = lib.autograd.grad(y, x, create_graph=True)
    (d2,) = lib.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = lib.autograd.grad(d2.sum(), x)
    return d1.detach().numpy(), d2.detach().numpy(), d3.numpy()


def test_third_derivative_of_tanh_sin_chain(torch):
    values = np.linspace(-2, 2, 9)
    for a, b in zip(_third(gn, values), _third(torch, values)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # and against the closed form for sin: d3/dx3 sin(x) = -cos(x)
    x = gn.tensor(values, requires_grad=True)
    (d1,) = gn.autograd.grad(x.sin().sum(), x, create_graph=True)
    (d2,) = gn.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = gn.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.numpy(), -np.cos(values), rtol=1e-12)


def _mlp_loss(lib):
    x = lib.tensor(RNG_MLP_X)
    target = lib.tensor(RNG_MLP_T)

    def loss(w1, b1, w2):
        h = lib.tanh(x @ w1.t() + b1)
        return ((h @ w2.t() - target) ** 2).mean()

    return loss


RNG_MLP_X = np.random.default_rng(1).standard_normal((6, 3))
RNG_MLP_T = np.random.default_rng(2).standard_normal((6, 1))
MLP_PARAMS = [np.random.default_rng(3).standard_normal(s) for s in ((4, 3), (4,), (1, 4))]


def test_hessian_and_hvp_of_an_mlp_loss_match_torch(torch):
    results = {}
    for lib in (gn, torch):
        params = tuple(lib.tensor(p) for p in MLP_PARAMS)
        vs = tuple(lib.tensor(np.cos(p)) for p in MLP_PARAMS)
        AF = lib.autograd.functional
        hess = AF.hessian(_mlp_loss(lib), params)
        _, hv = AF.hvp(_mlp_loss(lib), params, vs)
        value, vh = AF.vhp(_mlp_loss(lib), params, vs)
        results[lib.__name__] = (
            [h.numpy() for row in hess for h in row]
            + [t.numpy() for t in hv + vh] + [value.numpy()]
        )  # fmt: skip
    for a, b in zip(results["glassnet"], results["torch"]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_hessian_matches_finite_differences_of_the_gradient():
    w = np.random.default_rng(4).standard_normal(5)

    def f(lib):
        return lambda v: (lib.tanh(v) * v.sin()).sum() + (v**2).sum() ** 1.5

    hess = gn.autograd.functional.hessian(f(gn), gn.tensor(w)).numpy()
    eps = 1e-6
    numeric = np.zeros((5, 5))
    for i in range(5):
        up, down = w.copy(), w.copy()
        up[i] += eps
        down[i] -= eps
        gu = gn.autograd.functional.jacobian(f(gn), gn.tensor(up)).numpy()
        gd = gn.autograd.functional.jacobian(f(gn), gn.tensor(down)).numpy()
        numeric[:, i] = (gu - gd) / (2 * eps)
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-12)


def _wgan_penalty_grads(lib, conv: bool):
    rng = np.random.default_rng(5)
    lib.manual_seed(0)
    nn = lib.nn
    if conv:
        critic = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                               nn.Flatten(), nn.Linear(4 * 3 * 3, 1)).double()  # fmt: skip
        shape = (5, 1, 6, 6)
    else:
        critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        shape = (5, 3)
    init = np.random.default_rng(6)
    with lib.no_grad():
        for p in critic.parameters():
            p.copy_(lib.tensor(init.standard_normal(tuple(p.shape)) * 0.5))
    real, fake = lib.tensor(rng.standard_normal(shape)), lib.tensor(rng.standard_normal(shape))
    alpha = lib.tensor(rng.uniform(size=(shape[0],) + (1,) * (len(shape) - 1)))
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    (grads,) = lib.autograd.grad(score, mixed, grad_outputs=lib.ones_like(score),
                                 create_graph=True, retain_graph=True)  # fmt: skip
    penalty = ((grads.reshape(shape[0], -1).norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    loss.backward()
    return [penalty.detach().numpy()] + [p.grad.numpy() for p in critic.parameters()]


@pytest.mark.parametrize("conv", [False, True], ids=["mlp_critic", "conv_critic"])
def test_wgan_gp_penalty_gradients_match_torch(conv, torch):
    for a, b in zip(_wgan_penalty_grads(gn, conv), _wgan_penalty_grads(torch, conv)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _pinn_grads(lib):
    nn = lib.nn
    lib.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                        nn.Linear(8, 1)).double()  # fmt: skip
    init = np.random.default_rng(7)
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(init.standard_normal(tuple(p.shape))))
    x = lib.tensor(np.linspace(0, 1, 7)[:, None], requires_grad=True)
    u = net(x)
    (u_x,) = lib.autograd.grad(u.sum(), x, create_graph=True)
    (u_xx,) = lib.autograd.grad(u_x.sum(), x, create_graph=True)
    residual = u_xx + np.pi**2 * lib.sin(np.pi * x)
    loss = residual.pow(2).mean() + u_x.pow(2).mean() * 0.1 + u[[0, -1]].pow(2).mean()
    grads = lib.autograd.grad(loss, list(net.parameters()))
    return [loss.detach().numpy()] + [g.numpy() for g in grads]


def test_pinn_residual_gradient_matches_torch(torch):
    for a, b in zip(_pinn_grads(gn), _pinn_grads(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _maml_meta_grads(lib):
    nn = lib.nn
    net = nn.Sequential(nn.Linear(1, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    init = np.random.default_rng(8)
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(init.standard_normal(tuple(p.shape))))
    data = np.random.default_rng(9).uniform(-2, 2, size=(2, 5, 1))
    xs, xq = lib.tensor(data[0]), lib.tensor(data[1])
    ys, yq = lib.sin(xs), lib.sin(xq + 0.3)
    params = dict(net.named_parameters())
    support = ((lib.func.functional_call(net, params, (xs,)) - ys) ** 2).mean()
    grads = lib.autograd.grad(support, list(params.values()), create_graph=True)
    fast = {k: p - 0.1 * g for (k, p), g in zip(params.items(), grads)}
    query = ((lib.func.functional_call(net, fast, (xq,)) - yq) ** 2).mean()
    query.backward()
    return [query.detach().numpy()] + [p.grad.numpy() for p in net.parameters()]


def test_second_order_maml_step_matches_torch(torch):
    for a, b in zip(_maml_meta_grads(gn), _maml_meta_grads(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _backward_create_graph(lib):
    w = lib.tensor(W, requires_grad=True)
    x = lib.tensor(X)
    loss = (lib.tanh(x @ w.t()) ** 2).sum()
    loss.backward(create_graph=True)
    first = w.grad
    assert first.requires_grad
    penalty = (first**2).sum()
    (d,) = lib.autograd.grad(penalty, w)
    return first.detach().numpy(), d.numpy()


def test_backward_create_graph_gives_a_differentiable_grad(torch):
    for a, b in zip(_backward_create_graph(gn), _backward_create_graph(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_backward_create_graph_accumulates_into_existing_grad(torch):
    def run(lib):
        w = lib.tensor(W[0], requires_grad=True)
        (w.sin() ** 2).sum().backward(create_graph=True)
        (w.cos() ** 2).sum().backward(create_graph=True)
        (d,) = lib.autograd.grad(w.grad.sum(), w)
        return w.grad.detach().numpy(), d.numpy()

    for a, b in zip(run(gn), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_grad_with_respect_to_an_intermediate_tensor(torch):
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x.tanh()
        y = (h**3).sum()
        (gh,) = lib.autograd.grad(y, h, create_graph=True)
        (gx,) = lib.autograd.grad(gh.sum(), x)
        return gh.detach().numpy(), gx.numpy()

    for a, b in zip(run(gn), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_unused_inputs_and_materialize_grads():
    x = gn.tensor(X, requires_grad=True)
    z = gn.tensor(Y, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        gn.autograd.grad((x**2).sum(), [x, z], create_graph=True)
    gx, gz = gn.autograd.grad((x**2).sum(), [x, z], create_graph=True, allow_unused=True)
    assert gz is None and gx.requires_grad
    gx, gz = gn.autograd.grad((x**2).sum(), [x, z], create_graph=True, materialize_grads=True)
    np.testing.assert_array_equal(gz.numpy(), np.zeros_like(Y))


def test_an_op_without_differentiable_backward_is_refused_by_name():
    x = gn.tensor(IMG, requires_grad=True)
    y = GF.max_pool3d(x, 2).sum()
    with pytest.raises(NotImplementedError) as err:
        gn.autograd.grad(y, x, create_graph=True)
    message = str(err.value)
    assert "grad(create_graph=True): MaxPool3d" in message
    assert "no differentiable backward" in message and "Conv2d" in message  # lists supported
    y = GF.max_pool3d(x, 2).sum()
    with pytest.raises(NotImplementedError, match="backward\\(create_graph=True\\): MaxPool3d"):
        y.backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="MaxPool3d"):
        gn.autograd.functional.hessian(lambda v: GF.max_pool3d(v, 2).sum(), gn.tensor(IMG))


def test_supported_ops_lists_the_core_ops():
    names = set(higher_order.supported_ops())
    assert {"Add", "Mul", "MatMul", "Linear", "Conv2d", "Tanh", "Sum", "GetItem"} <= names


def test_first_order_path_is_unchanged(torch):
    # create_graph=False still runs the array engine: gradients without a graph, and the
    # same values as the differentiable pass and as torch
    def run(lib, create_graph):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in (X, W, B))
        loss = (lib.nn.functional.linear(x, w, b).tanh() ** 2).mean()
        return lib.autograd.grad(loss, [x, w, b], create_graph=create_graph)

    plain = run(gn, False)
    assert all(g.grad_fn is None and not g.requires_grad for g in plain)
    graphed = run(gn, True)
    assert all(g.requires_grad for g in graphed)
    for a, b, c in zip(plain, graphed, run(torch, False)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12)
    x = gn.tensor(X, requires_grad=True)
    (x.exp().sum()).backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_retain_graph_false_frees_the_graph():
    x = gn.tensor(X, requires_grad=True)
    y = (x.sin() * x).sum()
    gn.autograd.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="second time"):
        gn.autograd.grad(y, x)


def test_in_place_change_inside_the_graph_keeps_the_values_the_ops_ran_on():
    # glassnet's first-order rule (an op keeps the array it ran on) holds for the
    # differentiable pass too: sin's backward sees h before h.mul_(2)
    x = gn.tensor(X, requires_grad=True)
    h = x * 1.0
    y = (h.sin() * h).sum()
    h.mul_(2)
    (g,) = gn.autograd.grad(y, x, create_graph=True)
    (gg,) = gn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), np.cos(X) * X + np.sin(X), rtol=1e-12)
    np.testing.assert_allclose(gg.numpy(), 2 * np.cos(X) - X * np.sin(X), rtol=1e-12)


def test_in_place_change_of_a_saved_leaf_is_caught():
    x = gn.tensor(X, requires_grad=True)
    w = gn.tensor(Y, requires_grad=True)
    y = (x * w).sum()
    with gn.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        gn.autograd.grad(y, x, create_graph=True)


def test_tensor_hooks_see_and_replace_graph_gradients(torch):
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x.sin()
        h.register_hook(lambda g: g * h.detach())  # a non-leaf hook scaling its gradient
        x.register_hook(lambda g: g + 1)  # a leaf hook
        (g,) = lib.autograd.grad((h**2).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g.detach().numpy(), gg.numpy()

    for a, b in zip(run(gn), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_torch_func_hessian_matches_torch(torch):
    values = np.array([0.3, -1.2, 2.0])
    ours = gn.func.hessian(lambda v: (v.sin() * v).sum())(gn.tensor(values))
    theirs = torch.func.hessian(lambda v: (v.sin() * v).sum())(torch.tensor(values))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


def test_a_constant_input_changed_in_place_later_keeps_its_old_value():
    # c takes part as a constant; making it require grad by an in-place op afterwards must
    # not change the gradient of the op that ran on its old value
    x = gn.tensor(X, requires_grad=True)
    c = gn.tensor(Y)
    y = (x * c * x).sum()
    c.add_(gn.tensor(W[:3, :4], requires_grad=True))
    (g,) = gn.autograd.grad(y, x, create_graph=True)
    (gg,) = gn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), 2 * X * Y, rtol=1e-12)
    np.testing.assert_allclose(gg.numpy(), 2 * Y, rtol=1e-12)
