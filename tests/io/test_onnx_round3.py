"""Round 3 of hostile ONNX export tests: in-place ops, assignment, boolean masks, indices.

Each model is exported at batch 2 and run in onnxruntime at batch 2 and 3 (the exported
batch axis is dynamic), and compared with glassnet's own forward on the same inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from tests.nn.onnx_check import Fn, flat_outputs

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _normal(shape, rng):
    return rng.standard_normal(shape).astype(np.float32)


def _check(model, shapes, *, make=_normal, batch_axes=None, dynamic=True):
    """Export at the first shapes, run at batch 2 and 3 in onnxruntime, compare with glassnet."""
    rng = np.random.default_rng(0)
    model.eval()
    names = tuple(f"in{i}" for i in range(len(shapes)))
    args = tuple(gn.tensor(make(s, rng)) for s in shapes)
    with gn.no_grad():
        n_out = len(flat_outputs(model(*(gn.tensor(a.numpy()) for a in args))))
    proto = gio.build_onnx_model(
        model, args, input_names=names, output_names=tuple(f"out{i}" for i in range(n_out)),
        batch_axes=batch_axes, dynamic_batch=dynamic,
    )  # fmt: skip
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    axes = batch_axes if batch_axes is not None else [0] * len(shapes)
    for n in (2, 3) if dynamic else (2,):
        xs = [make(tuple(n if i == ax else d for i, d in enumerate(s)), rng)
              for s, ax in zip(shapes, axes)]  # fmt: skip
        got = sess.run(None, dict(zip(names, xs)))
        with gn.no_grad():  # fresh tensors: the model may change its inputs in place
            want = [w.numpy() for w in flat_outputs(model(*(gn.tensor(x.copy()) for x in xs)))]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ in-place ops
class BasicBlock(nn.Module):
    """torchvision's ResNet basic block: ``out += identity`` and in-place ReLUs."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


def test_resnet_blocks_with_in_place_residual_add_export():
    rng = np.random.default_rng(1)
    model = nn.Sequential(BasicBlock(3, 3, 1), BasicBlock(3, 6, 2), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(6, 4))  # fmt: skip
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.data[...] = rng.standard_normal(m.running_mean.shape)
            m.running_var.data[...] = rng.random(m.running_var.shape) + 0.5
    _check(model, [(2, 3, 8, 8)])


def _in_place_chain(m, x):
    h = m.fc(x)
    h.relu_()
    h.clamp_(max=0.5)
    h.masked_fill_(h < 0.1, 0.1)
    h.mul_(h)
    h.add_(x, alpha=2)
    x.sub_(1)  # the model's input itself, changed in place
    return h * x


def test_in_place_methods_and_an_input_changed_in_place_export():
    _check(Fn(_in_place_chain, fc=nn.Linear(4, 4)), [(2, 3, 4)])


def _assign(m, x):
    y = x * 1
    y[:, 0] = 0
    y[..., 1:3] = -1.0
    y[y > 1] = 5
    y[:, 2, ::2] = gn.tensor(3.0)
    return y


def test_assignment_of_numbers_at_slices_and_masks_exports():
    _check(Fn(_assign), [(2, 3, 4)])


def _assign_tensors(m, x):
    y = x * 1
    y[:, 0] = x[:, 1]
    y[:, 1:3, 2] = x[:, 0, :1] * 5
    y[..., -1] = gn.ones(3)
    return y


def _fill_steps(m, x):  # a decoder loop filling a preallocated output
    y = gn.zeros(x.shape[0], 5, 4)
    for t in range(5):
        y[:, t] = m.fc(x[:, t])
    return y


def test_assignment_of_tensors_at_slices_exports():
    _check(Fn(_assign_tensors), [(2, 3, 4)])
    _check(Fn(_fill_steps, fc=nn.Linear(4, 4)), [(2, 5, 4)])


def test_assignment_of_a_tensor_at_a_strided_slice_is_refused_while_exporting():
    def forward(m, x):
        y = x * 1
        y[:, ::2] = x[:, 1::2]
        return y

    x = gn.tensor(np.ones((2, 4, 3), np.float32))
    with pytest.raises(TypeError, match="__setitem__ while exporting.*value of shape \\(2, 2, 3\\)"):
        gio.build_onnx_model(Fn(forward), x)


def test_an_in_place_change_seen_through_a_view_is_refused():
    def forward(m, x):
        h = x * 2
        v = h.reshape(-1)
        h.add_(1)  # glassnet's forward changes v too
        return v * 3

    x = gn.tensor(np.ones((2, 3), np.float32))
    with pytest.raises(RuntimeError, match="add_ in module '\\(model\\)' changes a tensor of shape \\(2, 3\\)"):
        gio.build_onnx_model(Fn(forward), x)


# ------------------------------------------------------------------ boolean masks
MASKED = {
    "whole_mask": lambda m, x: x[x > 0],
    "mask_reduced": lambda m, x: x[x > 0].sum() + x,
    "leading_mask": lambda m, x: x[x.sum(-1) > 0],
    "middle_mask": lambda m, x: x[:, x[0, :, 0] > 0],
    "trailing_2d_mask": lambda m, x: x[:, x[0] > 0],
    "ellipsis_mask": lambda m, x: x[..., x[0, 0] > 0],
    "masked_select": lambda m, x: gn.masked_select(x, x > 0),
    "masked_select_broadcast": lambda m, x: x.masked_select(x[:, :, :1] > 0),
    "nonzero": lambda m, x: gn.nonzero(x > 0),
    "nonzero_as_tuple": lambda m, x: (x > 0).nonzero(as_tuple=True),
    "where_of_a_condition": lambda m, x: gn.where(x > 0.5),
    "count_nonzero": lambda m, x: gn.count_nonzero(x > 0, dim=1),
}


@pytest.mark.parametrize("name", sorted(MASKED))
def test_boolean_masks_and_nonzero_export(name):
    _check(Fn(MASKED[name]), [(2, 3, 5)])


# ------------------------------------------------------------------ integer division
def _ints(shape, rng):
    return rng.integers(-20, 20, shape)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_div_with_a_rounding_mode_on_integers_exports(mode, dtype):
    divisor = np.array([3, -4, 5, 2, -7], dtype=dtype)

    def forward(m, x):
        return gn.div(x, gn.tensor(divisor), rounding_mode=mode), x.div(-3, rounding_mode=mode)

    _check(Fn(forward), [(2, 5)], make=lambda s, rng: _ints(s, rng).astype(dtype))


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_with_a_rounding_mode_matches_torch_on_integers(mode):
    torch = pytest.importorskip("torch")
    a = np.array([-(2**62) - 1, -7, -6, 7, 2**62 + 3, 5], dtype=np.int64)
    b = np.array([3, 2, -4, -2, 7, 5], dtype=np.int64)
    want = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode).numpy()
    np.testing.assert_array_equal(gn.div(gn.tensor(a), gn.tensor(b), rounding_mode=mode).numpy(), want)


# ------------------------------------------------------------------ batch-dependent attributes
@pytest.mark.parametrize(
    "forward",
    [lambda m, x: x[: x.shape[0] - 1] * 2, lambda m, x: x[: x.shape[0] // 2] * 2,
     lambda m, x: x.narrow(0, 0, x.shape[0] - 1), lambda m, x: gn.nn.functional.pad(x, (0, x.shape[0]))],
    ids=["slice", "half", "narrow", "pad"],
)  # fmt: skip
def test_an_attribute_computed_from_the_batch_size_is_refused(forward):
    x = gn.tensor(np.ones((4, 4), np.float32))  # n // 2 is the same at 4 and 5
    with pytest.raises(ValueError, match="here but .* on a batch of another size"):
        gio.build_onnx_model(Fn(forward), x)
    gio.build_onnx_model(Fn(forward), x, dynamic_batch=False)


def test_a_positional_table_sliced_to_a_dynamic_sequence_axis_is_refused():
    model = Fn(lambda m, x: x + m.pos[:, : x.shape[1]], pos=nn.Parameter(gn.randn(1, 10, 4)))
    x = gn.tensor(np.ones((2, 5, 4), np.float32))
    with pytest.raises(ValueError, match="GetItem \\(run by module '\\(model\\)'\\) takes index="):
        gio.build_onnx_model(model, x, batch_axes=[1])


# ------------------------------------------------------------------ torch.onnx.export's signature
def test_torch_style_export_with_dynamic_axes_runs_on_other_batches(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    x = gn.tensor(np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32))
    path = tmp_path / "m.onnx"
    gn.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"],
                   dynamic_axes={"input": {0: "batch_size"}, "logits": {0: "batch_size"}},
                   opset_version=18, do_constant_folding=True, dynamo=False)  # fmt: skip
    proto = onnx.load(str(path))
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (*proto.graph.input, *proto.graph.output)]  # fmt: skip
    assert dims == [["batch_size", 4], ["batch_size", 3]]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    z = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    (got,) = sess.run(["logits"], {"input": z})
    np.testing.assert_allclose(got, model(gn.tensor(z)).numpy(), rtol=1e-5, atol=1e-6)


def test_torch_style_export_without_dynamic_axes_fixes_every_shape():
    import io

    onnx = pytest.importorskip("onnx")
    buf = io.BytesIO()
    gn.onnx.export(nn.Linear(4, 3), gn.zeros(2, 4), buf)  # one tensor, a file object
    proto = onnx.load_from_string(buf.getvalue())
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 4]


@pytest.mark.parametrize(
    "options, error, message",
    [({"dynamic_axes": {"input": {0: "n", 1: "f"}}}, NotImplementedError, "dynamic axes \\[0, 1\\]"),
     ({"dynamic_axes": {"input": [0], "output": [1]}}, NotImplementedError, "axis 1 of output"),
     ({"dynamic_axes": {"nope": [0]}}, ValueError, "'nope', which is neither"),
     ({"training": True}, NotImplementedError, "evaluation mode only"),
     ({"export_params": False}, NotImplementedError, "export_params=False"),
     ({"foo": 1}, TypeError, "unexpected keyword argument 'foo'")],
)  # fmt: skip
def test_torch_style_export_refuses_what_it_cannot_honour(tmp_path, options, error, message):
    path = tmp_path / "m.onnx"
    with pytest.raises(error, match=message):
        gn.onnx.export(nn.Linear(4, 3), (gn.zeros(2, 4),), path, **options)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_torch_onnx_under_the_torch_alias_is_glassnet_onnx():
    from glassnet.cli.torch_alias import torch_aliases

    with torch_aliases():
        import torch.onnx

        assert torch.onnx.export is gn.onnx.export
        assert not torch.onnx.is_in_onnx_export()


def test_an_error_inside_a_child_module_names_its_path():
    class Strided(nn.Module):
        def forward(self, x):
            y = x * 1
            y[:, ::2] = x[:, 1::2]
            return y

    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Strided()))
    with pytest.raises(TypeError, match="__setitem__ while exporting") as info:
        gio.build_onnx_model(model, gn.tensor(np.ones((2, 4, 3), np.float32)))
    assert info.value.__notes__ == ["(raised while tracing module '1.1' (Strided) for export)"]


@pytest.mark.parametrize("name", ["unique", "bincount"])
def test_ops_computed_outside_the_trace_are_refused_by_name(name):
    x = gn.tensor(np.arange(6).reshape(2, 3))
    with pytest.raises(TypeError, match=f"export_onnx: {name} has no ONNX export"):
        gio.build_onnx_model(Fn(lambda m, x: getattr(x.reshape(-1), name)() * 2), x)


# ------------------------------------------------------------------ sizes along the batch axis
ALONG_BATCH = {
    "var_over_the_batch": lambda m, x: x - x.var(0),
    "std_of_everything": lambda m, x: x - x.std(),
    "flip_of_the_batch": lambda m, x: x.flip(0),
    "all_but_the_first_sample": lambda m, x: x[1:],
    "the_last_sample": lambda m, x: x[-1],
    "all_but_the_last_reversed": lambda m, x: x[-2::-1],
    "index_select_by_a_computed_index": lambda m, x: x.index_select(1, x[0].argmax().reshape(1)),
    "scatter_add_at_a_computed_index": lambda m, x: gn.zeros(x.shape[0], 4).scatter_add(
        1, x.argmax(1, keepdim=True), x[:, :1]),
    "detach": lambda m, x: (x * 3).detach() * 2,
    "clamp_to_tensor_bounds": lambda m, x: gn.clamp(x, min=x.mean(1, keepdim=True),
                                                    max=x.max() - 0.5),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ALONG_BATCH))
def test_ops_along_the_batch_axis_follow_it(name):
    _check(Fn(ALONG_BATCH[name]), [(2, 4)])  # run at batch 3 too: past the example's


def test_cumprod_along_the_batch_axis_is_refused():
    x = gn.tensor(np.ones((3, 4), np.float32))
    with pytest.raises(ValueError, match="cumprod along axis 0, which follows the batch"):
        gio.build_onnx_model(Fn(lambda m, x: x.cumprod(0)), x)
    _check(Fn(lambda m, x: x.cumprod(0)), [(2, 4)], dynamic=False)


def test_embedding_with_max_norm_looks_up_renormalized_rows_for_any_ids():
    rng = np.random.default_rng(0)
    model = nn.Embedding(10, 4, max_norm=1.0)
    model.weight.data[...] = rng.standard_normal((10, 4)) * 3  # most rows longer than 1
    x = gn.tensor(np.array([[1, 2, 3], [1, 4, 5]]))  # rows 0, 6..9 not seen while exporting
    proto = gio.build_onnx_model(model, x)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    ids = np.array([[0, 6, 7], [8, 9, 1], [2, 2, 0]])
    (got,) = sess.run(None, {"input": ids})
    np.testing.assert_allclose(got, model(gn.tensor(ids)).numpy(), rtol=1e-5, atol=1e-6)


def test_a_dict_of_outputs_is_flattened_in_order():
    _check(Fn(lambda m, x: {"double": x * 2, "pair": (x + 1, x.sum(1))}), [(2, 3)])
