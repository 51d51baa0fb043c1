"""Round 3 of hostile PyTorch scripts (``tests/torch_scripts/more/``): what they hit, each
as a fast regression test compared with torch where torch is installed."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn


def _pair(a: np.ndarray, requires_grad: bool = False):
    """The same float64 values as a torch tensor and a glassnet tensor."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)
    g = gn.tensor(a, dtype=gn.float64, requires_grad=requires_grad)
    return torch, t, g


# ---------------------------------------------------------------- 0-d tensors into NumPy
def test_a_list_of_0d_tensors_becomes_a_tensor():
    # actor-critic: ``torch.tensor([R])`` with R one entry of a normalised returns tensor
    returns = gn.tensor([1.0, 2.0, 4.0])
    returns = (returns - returns.mean()) / (returns.std() + 1e-7)
    made = gn.tensor([returns[0]])
    np.testing.assert_allclose(made.numpy(), [returns[0].item()])
    assert made.dtype == gn.float32 and made.shape == (1,)
    assert np.array(returns.mean()).shape == () and np.asarray(returns.sum()).ndim == 0
    stacked = gn.tensor([returns[0], returns[2]])
    np.testing.assert_allclose(stacked.numpy(), returns.numpy()[[0, 2]])


# ------------------------------------------------------------------ repeat_interleave
@pytest.mark.parametrize(
    ("shape", "repeats", "dim"),
    [((3,), [1, 2, 3], None), ((3, 2), [1, 0, 2], 0), ((2, 3), [2], 1), ((2, 2), 3, None)],
)
def test_repeat_interleave_takes_a_tensor_of_counts(shape, repeats, dim):
    torch = pytest.importorskip("torch")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    rt = torch.tensor(repeats) if isinstance(repeats, list) else repeats
    rg = gn.tensor(repeats) if isinstance(repeats, list) else repeats
    want = torch.tensor(a).repeat_interleave(rt, dim=dim)
    got = gn.tensor(a).repeat_interleave(rg, dim=dim)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if isinstance(repeats, list):  # the one-argument form repeats arange(len(counts))
        np.testing.assert_array_equal(
            gn.repeat_interleave(rg).numpy(), torch.repeat_interleave(rt).numpy()
        )


def test_repeat_interleave_is_differentiable_and_checks_its_counts():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.repeat_interleave(gn.tensor([0, 1, 3])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 3.0])
    with pytest.raises(RuntimeError, match="same size as input"):
        x.repeat_interleave(gn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="negative"):
        x.repeat_interleave(gn.tensor([1, -1, 2]))


# ------------------------------------------------------------- x[index] = v in the graph
def test_seq2seq_outputs_filled_step_by_step_get_torchs_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, xs = rng.standard_normal((2, 3)), rng.standard_normal((5, 3))
    results = []
    for lib in (torch, gn):
        weight = lib.tensor(w, requires_grad=True)
        outputs = lib.zeros(4, 5, 2, dtype=lib.float64)
        x = lib.tensor(xs)
        for t in range(1, 4):
            outputs[t] = (x * t) @ weight.T
        (outputs**2).sum().backward()
        results.append((outputs.detach().numpy(), weight.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0])
    np.testing.assert_allclose(results[1][1], results[0][1])


@pytest.mark.parametrize(
    ("index", "value_shape"),
    [
        ((slice(None), 0), (3,)),  # a column from a vector
        ((slice(1, 3),), (1, 4)),  # rows from a broadcast row
        (("mask",), ()),  # a boolean mask from a 0-d value
        ((np.array([2, 0]), slice(None)), (2, 4)),  # integer rows
        ((Ellipsis, np.array([1, 3])), (1, 1, 2)),  # extra leading 1-dims on the value
    ],
)
def test_setitem_gradients_match_torch(index, value_shape):
    rng = np.random.default_rng(1)
    a, v = rng.standard_normal((3, 4)), rng.standard_normal(value_shape)
    torch, ta, ga = _pair(a, requires_grad=True)
    _, tv, gv = _pair(v, requires_grad=True)
    grads = []
    for lib, base, val in ((torch, ta, tv), (gn, ga, gv)):
        idx = tuple(
            lib.tensor(i) if isinstance(i, np.ndarray) else (base.detach() > 0) if i == "mask" else i
            for i in index
        )
        x = base * 2.0  # not a leaf: assignable
        x[idx] = val * 3.0
        (x * lib.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        grads.append((x.detach().numpy(), base.grad.numpy(), val.grad.numpy()))
    for got, want in zip(grads[1], grads[0]):
        np.testing.assert_allclose(got, want)


def test_setitem_into_a_leaf_that_requires_grad_is_refused_as_in_torch():
    w = nn.Parameter(gn.zeros(3))
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = gn.tensor(1.0)
    with gn.no_grad():
        w[0] = 2.0
    assert w.tolist() == [2.0, 0.0, 0.0]


def test_setitem_after_mul_saved_the_input_gives_the_programs_gradient():
    # torch raises at backward (mul saved b2, then b2 changed). glassnet's in-graph change
    # gives b2 a new array and mul keeps the one it saw, so its gradient is that of the
    # same program with b2 cloned before the change, which torch computes
    # (tests/torch_dialect/test_views_fuzz.py checks this on random programs).
    torch = pytest.importorskip("torch")

    def run(lib, clone):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b2 = a * 1.0
        y = b2 * b2  # mul saved b2
        b2 = b2.clone() if clone else b2
        b2[0] = a[1]
        (y.sum() + (b2 * 3).sum()).backward()
        return a.grad.numpy()

    with pytest.raises(RuntimeError, match="inplace"):
        run(torch, False)
    np.testing.assert_allclose(run(gn, False), run(torch, True), rtol=1e-12)


# ------------------------------------------------------- methods tutorials reach for
_X = np.array([[-2.5, 0.0, 1.5, np.nan], [3.7, np.inf, -np.inf, 0.25]])
_P = np.array([0.05, 0.2, 0.7, 0.95])


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x, p: x.clamp_min(0.5),
        lambda L, x, p: L.clamp_max(x, 0.5),
        lambda L, x, p: x.clone().clamp_min_(1.0),
        lambda L, x, p: L.nan_to_num(x),
        lambda L, x, p: x.nan_to_num(nan=-1.0, posinf=9.0, neginf=-9.0),
        lambda L, x, p: L.logit(p),
        lambda L, x, p: p.logit(eps=0.1),
        lambda L, x, p: L.xlogy(L.tensor([0.0, 2.0, 0.0, 1.0]), p),
        lambda L, x, p: L.fmod(L.tensor([-3.0, 3.0, 5.5]), 2),
        lambda L, x, p: L.fmod(L.tensor([-7, 7]), 3),
        lambda L, x, p: L.tensor([-2.5, 1.25]).frac(),
        lambda L, x, p: L.logical_and(L.tensor([1, 0, 2]), L.tensor([True, True, False])),
        lambda L, x, p: L.tensor([0.0, 1.0]).logical_or(L.tensor([0.0, 0.0])),
        lambda L, x, p: L.logical_xor(L.tensor([True, False]), L.tensor([True, True])),
        lambda L, x, p: x.nansum(dim=1),
        lambda L, x, p: L.tensor([[1.0, float("nan")], [3.0, 4.0]]).nanmean(dim=0),
        lambda L, x, p: L.aminmax(p.view(2, 2), dim=1).max,
        lambda L, x, p: L.argwhere(L.tensor([[0, 1], [2, 0]])),
        lambda L, x, p: L.arange(12.0).view(3, 4).index_fill(1, L.tensor([0, 2]), -1.0),
        lambda L, x, p: L.arange(12.0).view(3, 4).index_fill_(0, L.tensor([1]), 7),
        lambda L, x, p: L.triu_indices(3, 4, 1),
        lambda L, x, p: L.tril_indices(4, 3, -1),
        lambda L, x, p: L.std_mean(p.view(2, 2), 1, keepdim=True)[0],
        lambda L, x, p: L.var_mean(p.view(2, 2), dim=0, correction=0)[1],
        lambda L, x, p: L.addmm(p[:2], p.view(2, 2), p.view(2, 2), beta=0.5, alpha=2),
        lambda L, x, p: L.baddbmm(L.zeros(1, 2, 2, dtype=L.float64), p.view(1, 2, 2), p.view(1, 2, 2)),
    ],
)
def test_new_tensor_functions_give_torchs_values(call):
    torch, tx, gx = _pair(_X)
    _, tp, gp = _pair(_P)
    want, got = call(torch, tx, tp), call(gn, gx, gp)
    np.testing.assert_allclose(np.asarray(got.numpy(), float), want.numpy().astype(float))
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")


def test_new_tensor_functions_give_torchs_gradients():
    torch, tp, gp = _pair(np.array([-3.5, 0.2, 0.5, 2.0]), requires_grad=True)
    for lib, a in ((torch, tp), (gn, gp)):
        w = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)
        y = a.clamp_min(0.0) + a.clamp_max(1.0) + a.frac() + lib.fmod(a, 1.5)
        y = y + lib.xlogy(a, a.abs() + 1) + a.clamp(0.1, 0.9).logit()
        y = y + a.index_fill(0, lib.tensor([1]), 0.0) + a.nan_to_num()
        (y * w).sum().backward()
    np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy())


# ----------------------------------------------------------------------- einsum's '...'
@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
        ("...ij,...jk->...ik", [(2, 3, 4), (1, 4, 3)]),
        ("b...d,b...d->b...", [(2, 3, 4), (2, 3, 4)]),
        ("...ij,jk", [(2, 3, 4), (4, 5)]),
        ("...d,...de->...e", [(2, 3, 4), (2, 1, 4, 2)]),
        ("bhqd,bhkd", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ],
)
def test_einsum_with_an_ellipsis_gives_torchs_values_and_gradients(equation, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [gn.tensor(a, dtype=gn.float64, requires_grad=True) for a in arrays]
    want, got = torch.einsum(equation, *ts), gn.einsum(equation, gs)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
    want.sum().backward()
    got.sum().backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# -------------------------------------------------------------- torch.FloatTensor & co
def test_legacy_typed_tensor_constructors_behave_as_torchs():
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "LongTensor", "DoubleTensor", "BoolTensor", "ByteTensor"):
        theirs, ours = getattr(torch, name), getattr(gn, name)
        for args in ([[1, 0, 2]], [np.array([1.5, 2.0])]):
            want, got = theirs(*args), ours(*args)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
            assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        assert ours(2, 3).shape == tuple(theirs(2, 3).shape) and ours().shape == (0,)
        assert isinstance(ours([1]), ours) and not isinstance(gn.tensor([1], dtype=gn.int8), ours)
    cast = gn.tensor([1, 2]).type(gn.FloatTensor)
    assert cast.dtype == gn.float32 and isinstance(cast, gn.FloatTensor)
    with pytest.raises(TypeError, match="FloatTensor"):
        gn.FloatTensor(2, [1])


# ------------------------------------------------------------ optimizers and schedulers
def _trajectory(lib, make_opt, make_sched=None, steps=8):
    """Losses, lrs and final weights of a few steps on a fixed quartic."""
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    b = lib.nn.Parameter(lib.tensor([0.3]))
    opt = make_opt(lib, [w, b])
    sched = make_sched(lib, opt) if make_sched else None
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((w * lib.tensor([1.0, 2.0, 3.0]) - 1) ** 2).sum() + (b**2).sum() * 3
        (loss + (w**4).sum() * 0.1).backward()
        opt.step()
        if sched is not None:
            sched.step()
        out += [loss.item(), opt.param_groups[0]["lr"]]
    return np.array(out), w.detach().numpy().copy()


def _sgd(lib, params):
    return lib.optim.SGD(params, lr=0.1)


@pytest.mark.parametrize(
    ("make_opt", "make_sched"),
    [
        (lambda L, p: L.optim.Rprop(p, lr=0.01), None),
        (lambda L, p: L.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True), None),
        (_sgd, lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3)),
        (_sgd, lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=6, power=2.0)),
        (_sgd, lambda L, o: L.optim.lr_scheduler.SequentialLR(
            o, [L.optim.lr_scheduler.ConstantLR(o, 0.25, total_iters=2),
                L.optim.lr_scheduler.PolynomialLR(o, total_iters=4)], milestones=[3])),
        (_sgd, lambda L, o: L.optim.lr_scheduler.ChainedScheduler(
            [L.optim.lr_scheduler.ConstantLR(o, 0.5, total_iters=3),
             L.optim.lr_scheduler.ExponentialLR(o, 0.9)])),
    ],
)  # fmt: skip
def test_rprop_constantlr_polynomiallr_follow_torch(make_opt, make_sched):
    torch = pytest.importorskip("torch")
    want, want_w = _trajectory(torch, make_opt, make_sched)
    got, got_w = _trajectory(gn, make_opt, make_sched)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-7)


def test_rprop_and_the_new_schedulers_check_their_arguments():
    p = [nn.Parameter(gn.zeros(2))]
    with pytest.raises(ValueError, match="etas"):
        gn.optim.Rprop(p, etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="factor"):
        gn.optim.lr_scheduler.ConstantLR(gn.optim.SGD(p, lr=0.1), factor=2.0)
    with pytest.raises(ValueError, match="total_iters"):
        gn.optim.lr_scheduler.PolynomialLR(gn.optim.SGD(p, lr=0.1), total_iters=0)


# ------------------------------------------------------------- integer inputs, dtypes
def test_sigmoid_and_tanh_of_integers_give_floats_as_in_torch():
    torch = pytest.importorskip("torch")
    ti, gi = torch.tensor([1, 2, -3]), gn.tensor([1, 2, -3])
    for name in ("sigmoid", "tanh"):
        for want, got in (
            (getattr(ti, name)(), getattr(gi, name)()),
            (getattr(torch, name)(ti), getattr(gn, name)(gi)),
            (getattr(torch.nn, name.capitalize())()(ti), getattr(nn, name.capitalize())()(gi)),
        ):
            assert str(got.dtype) == str(want.dtype).replace("torch.", "")
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["silu", "gelu", "elu", "softplus", "leaky_relu", "softmax", "log_softmax"])
def test_float_only_activations_refuse_integers_as_torch_does(name):
    torch = pytest.importorskip("torch")
    kwargs = {"dim": 0} if "softmax" in name else {}
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.tensor([1, 2]), **kwargs)
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for integer"):
        getattr(nn.functional, name)(gn.tensor([1, 2]), **kwargs)


def test_sums_of_unsigned_and_clamps_of_ints_take_torchs_dtypes():
    torch = pytest.importorskip("torch")
    tu, gu = torch.tensor([250, 7], dtype=torch.uint8), gn.tensor([250, 7], dtype=gn.uint8)
    for want, got in ((tu.sum(), gu.sum()), (tu.prod(), gu.prod()), (tu.cumsum(0), gu.cumsum(0))):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    ti, gi = torch.tensor([1, 2, 3]), gn.tensor([1, 2, 3])
    for args in ((0.5, 2.5), (1, 2)):
        want, got = ti.clamp(*args), gi.clamp(*args)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")


@pytest.mark.parametrize("name", ["log2", "log10", "tan", "atan", "asin", "acos", "sinh", "cosh"])
def test_more_elementwise_functions_give_torchs_values_and_gradients(name):
    x = np.array([-0.9, -0.3, 1e-5, 0.4, 0.8])
    if name.startswith("log"):
        x = np.abs(x) + 0.1
    torch, tx, gx = _pair(x, requires_grad=True)
    want, got = getattr(torch, name)(tx), getattr(gn, name)(gx)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-15)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    ti = torch.tensor([1, 2]) if name != "acos" and name != "asin" else torch.tensor([0, 1])
    gi = gn.tensor(ti.numpy())
    np.testing.assert_allclose(getattr(gi, name)().numpy(), getattr(ti, name)().numpy(), rtol=1e-6)
    assert getattr(gi, name)().dtype == gn.float32


# ------------------------------------------------------ an optimizer written in a script
class _TensorStateSGD(gn.optim.Optimizer):
    """A script's optimizer: its state holds Tensors, updated with Tensor methods."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @gn.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if len(state) == 0:
                    state["buf"] = gn.zeros_like(p)
                    state["step"] = 0
                state["step"] += 1
                state["buf"].mul_(0.9).add_(p.grad)
                p.add_(state["buf"], alpha=-group["lr"])


def test_a_script_optimizers_tensor_state_survives_state_dict_and_save(tmp_path):
    w = nn.Parameter(gn.tensor([1.0, -2.0]))
    opt = _TensorStateSGD([w])
    for _ in range(2):
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    path = str(tmp_path / "opt.pt")
    gn.save(opt.state_dict(), path)
    for sd in (opt.state_dict(), gn.load(path)):
        opt2 = _TensorStateSGD([w], lr=1.0)
        opt2.load_state_dict(sd)
        buf = opt2.state[w]["buf"]
        assert isinstance(buf, gn.Tensor) and buf.dtype == gn.float32
        np.testing.assert_allclose(buf.numpy(), opt.state[w]["buf"].numpy())
        assert opt2.state[w]["step"] == 2 and buf is not opt.state[w]["buf"]
        opt2.zero_grad()
        (w**2).sum().backward()
        opt2.step()  # Tensor methods on the loaded state


def test_assigning_a_function_of_the_same_tensor_gives_torchs_gradients(torch):
    # ``x[:, 0] = x[:, 0].sigmoid()``: the slice records a second tensor of x's node
    # (glassnet/_views.py), so rebinding x by the assignment leaves it valid
    def run(lib):
        w = lib.tensor(np.array([[1.0, 2.0], [3.0, -1.0]]), requires_grad=True)
        x = lib.ones(3, 2, dtype=lib.float64) @ w
        x[:, 0] = x[:, 0].sigmoid()
        (x * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        return x.detach().numpy(), w.grad.numpy()

    for a, b in zip(run(gn), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ------------------------------------------------------------------- Module.to, loading
def test_module_to_takes_torchs_forms():
    torch = pytest.importorskip("torch")
    for lib in (torch, gn):
        m = lib.nn.Linear(2, 2)
        assert m.to("cpu", non_blocking=True) is m
        assert m.to(lib.float64).weight.dtype == lib.float64
        assert m.to("cpu", lib.float32).bias.dtype == lib.float32
        assert m.to(dtype=lib.float64).weight.dtype == lib.float64
        assert m.to(lib.zeros(1, dtype=lib.float32)).weight.dtype == lib.float32


def test_a_strict_load_with_wrong_keys_is_the_runtime_error_scripts_catch():
    torch = pytest.importorskip("torch")
    for lib in (torch, gn):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError, match="bias"):
            m.load_state_dict({"weight": lib.zeros(2, 2)})
        assert m.load_state_dict({"weight": lib.zeros(2, 2)}, strict=False).missing_keys == ["bias"]
    with pytest.raises(KeyError):  # and still the KeyError glassnet raised before
        gn.nn.Linear(2, 2).load_state_dict({})


# ------------------------------------------------------------------ torch.utils.data
def _shape_of(batch):
    """Containers, dtypes and shapes of a batch, library-neutral."""
    if hasattr(batch, "shape") and hasattr(batch, "dtype"):
        return ("T", str(batch.dtype).replace("torch.", ""), tuple(batch.shape))
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [_shape_of(b) for b in batch])
    if isinstance(batch, dict):
        return {k: _shape_of(v) for k, v in batch.items()}
    return (type(batch).__name__, batch)


def test_tensor_dataset_items_are_tensors_and_batches_are_torchs_containers():
    torch = pytest.importorskip("torch")
    from glassnet.utils import data as tud

    x, y = np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5)
    results = []
    for lib, data in ((torch, torch.utils.data), (gn, tud)):
        ds = data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
        first, rows, picked = ds[1], ds[1:3], ds[lib.tensor([4, 0])]
        assert all(isinstance(t, lib.Tensor) for t in (*first, *rows, *picked, *ds.tensors))
        loader = data.DataLoader(ds, batch_size=4)
        results.append([_shape_of(first), _shape_of(rows), _shape_of(picked), _shape_of(list(loader))])
        np.testing.assert_array_equal(picked[1].numpy(), [4, 0])
    assert results[1] == results[0]


def test_default_collate_gives_torchs_lists_and_tuples():
    torch = pytest.importorskip("torch")
    from glassnet.utils import data as tud

    class Mixed:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i, f"s{i}", (float(i), [i, i]), {"name": "n", "v": np.full(2, i)}

    results = [
        _shape_of(next(iter(data.DataLoader(Mixed(), batch_size=3))))
        for data in (torch.utils.data, tud)
    ]
    assert results[1] == results[0]
