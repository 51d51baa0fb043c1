"""In-place operations: PyTorch's semantics, the version counter, ``.data`` and buffers."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn


def _torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------ outside the graph
def test_manual_sgd_in_no_grad_updates_the_parameters_themselves():
    m = nn.Linear(3, 2)
    m(gn.randn(4, 3)).sum().backward()
    before = {k: np.array(v) for k, v in m.state_dict().items()}
    arrays = [p.array for p in m.parameters()]
    with gn.no_grad():
        for p in m.parameters():
            p -= 0.1 * p.grad
    for (name, p), a in zip(m.named_parameters(), arrays):
        assert p.array is a  # the same memory, changed
        np.testing.assert_allclose(p.numpy(), before[name] - 0.1 * p.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "method, args, expect",
    [
        ("add_", (2.0,), lambda a: a + 2),
        ("sub_", (2.0,), lambda a: a - 2),
        ("mul_", (3.0,), lambda a: a * 3),
        ("div_", (4.0,), lambda a: a / 4),
        ("pow_", (2,), lambda a: a**2),
        ("clamp_", (-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
        ("abs_", (), np.abs),
        ("neg_", (), lambda a: -a),
        ("zero_", (), np.zeros_like),
        ("fill_", (7.0,), lambda a: np.full_like(a, 7)),
        ("relu_", (), lambda a: np.maximum(a, 0)),
        ("tanh_", (), np.tanh),
    ],
)
def test_each_in_place_method_changes_the_array_it_holds(method, args, expect):
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    t = gn.Tensor(a.copy())
    held = t.array
    out = getattr(t, method)(*args)
    assert out is t and t.array is held and t._version == 1
    np.testing.assert_allclose(t.numpy(), expect(a), rtol=1e-6, atol=1e-7)


def test_add_with_alpha_and_addcmul_match_torch():
    torch = _torch()
    a, b, c = (np.random.default_rng(i).standard_normal((2, 3)).astype(np.float32) for i in range(3))
    g, t = gn.tensor(a), torch.tensor(a)
    g.add_(gn.tensor(b), alpha=0.5).addcmul_(gn.tensor(b), gn.tensor(c), value=2.0)
    t.add_(torch.tensor(b), alpha=0.5).addcmul_(torch.tensor(b), torch.tensor(c), value=2.0)
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)


def test_data_is_a_tensor_sharing_memory_and_untracked():
    p = nn.Parameter(gn.ones(2, 2))
    d = p.data
    assert isinstance(d, gn.Tensor) and not d.requires_grad and d.array is p.array
    d.mul_(3)  # allowed outside no_grad: .data is not the leaf
    np.testing.assert_array_equal(p.numpy(), np.full((2, 2), 3.0))
    p.data = gn.zeros(2, 2)
    np.testing.assert_array_equal(p.numpy(), np.zeros((2, 2)))


def test_random_fills_follow_the_global_seed():
    gn.manual_seed(3)
    a = gn.zeros(5).normal_(1.0, 2.0).uniform_(-1, 1).numpy().copy()
    gn.manual_seed(3)
    b = gn.zeros(5).normal_(1.0, 2.0).uniform_(-1, 1).numpy()
    np.testing.assert_array_equal(a, b)
    assert np.all((-1 <= b) & (b < 1))


def test_copy_broadcasts_and_casts_like_torch():
    t = gn.zeros(2, 3)
    t.copy_(gn.tensor([1, 2, 3]))
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [1, 2, 3]])
    assert t.dtype == np.float32
    with pytest.raises(RuntimeError, match="copy_"):
        t.copy_(gn.ones(4))


def test_masked_fill_in_place():
    t = gn.tensor([1.0, -2.0, 3.0])
    t.masked_fill_(t < 0, 0.0)
    np.testing.assert_array_equal(t.numpy(), [1.0, 0.0, 3.0])


# ------------------------------------------------------------------- refusals
def test_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = gn.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.normal_()):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            change()
    with pytest.raises(RuntimeError, match="leaf tensor"):
        w += 1
    with gn.no_grad():
        w += 1
    np.testing.assert_array_equal(w.numpy(), [2, 2, 2])


def test_a_float_result_is_not_silently_truncated_into_an_int_tensor():
    i = gn.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 1.5
    i += 2
    np.testing.assert_array_equal(i.numpy(), [3, 4])


def test_a_result_bigger_than_the_tensor_is_refused():
    t = gn.zeros(3)
    with pytest.raises(RuntimeError, match="shape"):
        t.add_(gn.ones(2, 3))


# ----------------------------------------------------------------- in the graph
def test_in_place_on_a_non_leaf_is_recorded_like_torch():
    torch = _torch()
    a = np.random.default_rng(1).standard_normal(4).astype(np.float32)
    ga = gn.tensor(a, requires_grad=True)
    ta = torch.tensor(a, requires_grad=True)
    for x in (ga, ta):
        y = x * 2
        y += x  # y = 3x
        y.mul_(x)  # y = 3x^2
        y.relu_()
        y.sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-6)


def test_residual_add_in_place_keeps_earlier_gradients_right():
    x = gn.randn(2, 3, requires_grad=True)
    out = x.sigmoid()  # sigmoid keeps its output for backward
    identity = x * 1
    out = out * 1  # as a block does: out is a fresh non-leaf
    out += identity
    out.sum().backward()
    s = 1 / (1 + np.exp(-x.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) + 1, rtol=1e-5)


def test_changing_a_saved_input_raises_torchs_error_instead_of_a_wrong_gradient():
    w = gn.randn(3, requires_grad=True)
    x = gn.randn(3)
    y = (w * x).sum()  # mul keeps x for w's gradient
    x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_changing_a_saved_output_in_no_grad_raises():
    x = gn.randn(3, requires_grad=True)
    y = x.exp()  # exp keeps its output
    z = y.sum()
    with gn.no_grad():
        y.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_detach_in_place_makes_a_leaf():
    x = gn.randn(3, requires_grad=True)
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad


# -------------------------------------------------------------------- modules
class _Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("running", gn.zeros(3))

    def forward(self, x):
        self.running += 1
        return x


def test_a_buffer_updated_with_plus_equals_stays_a_buffer():
    m = _Counter()
    m(gn.ones(1))
    m(gn.ones(1))
    assert "running" in dict(m.named_buffers())
    np.testing.assert_array_equal(m.state_dict()["running"], [2, 2, 2])


def test_assigning_a_tensor_to_a_buffer_name_keeps_it_a_buffer():
    m = _Counter()
    m.running = gn.full((3,), 5.0)
    np.testing.assert_array_equal(m.state_dict()["running"], [5, 5, 5])


def test_assigning_a_plain_tensor_to_a_parameter_name_is_refused():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        m.weight = gn.zeros(2, 2)
    assert "weight" in m.state_dict()


def test_size_is_a_method_as_in_torch():
    t = gn.zeros(4, 3)
    assert t.size() == (4, 3) and isinstance(t.size(), gn.Size)
    assert t.size(1) == 3 and t.size(-1) == 3 and t.numel() == 12 and t.dim() == 2


@pytest.mark.parametrize("change", ["mul_", "setitem", "view_setitem"])
def test_a_base_changed_after_an_op_ran_on_its_view_is_refused_as_torch(change):
    # the view's saved memory changed: backward would have used the new w without a word
    torch = _torch()

    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        w = lib.arange(12.0).reshape(4, 3)
        y = x @ w.t()
        if change == "mul_":
            w.mul_(2)
        elif change == "setitem":
            w[0] = 1.0
        else:
            w.view(12)[0] = 5.0  # a sibling view's change reaches the base and its views
        try:
            y.sum().backward()
        except RuntimeError as e:
            return "modified by an inplace operation" in str(e)
        return False

    assert run(torch) is True
    assert run(gn) is True


def test_changing_a_base_after_backward_is_allowed():
    x = gn.ones(2, 3, requires_grad=True)
    w = gn.arange(12.0).reshape(4, 3)
    (x @ w.t()).sum().backward()
    w.mul_(2)
    (x @ w.t()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(w.numpy().sum(0) * 1.5, (2, 1)))
