"""Round 4 of pytorch/examples scripts run unchanged: what they hit, each as a fast test."""

from __future__ import annotations

import importlib

import pytest

import glassnet as gn
from glassnet.cli.torch_alias import TorchModuleMissing, torch_aliases


def _names(module) -> tuple[list[str], list[str]]:
    return [n for n, _ in module.named_children()], [n for n, _ in module.named_parameters()]


def test_replacing_a_child_or_parameter_keeps_its_place_as_in_torch():
    # siamese_network: ``resnet.conv1 = nn.Conv2d(1, ...)`` then ``list(resnet.children())[:-1]``
    torch = pytest.importorskip("torch")

    def build(nn, param):
        m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        lin = m[0]
        m.add_module("0", nn.Linear(2, 3))  # replace the first child by name
        setattr(m, "1", nn.Tanh())
        lin.weight = param(lin.weight.detach().clone())  # replace a parameter
        return m, lin

    gm, glin = build(gn.nn, gn.nn.Parameter)
    tm, tlin = build(torch.nn, torch.nn.Parameter)
    assert _names(gm) == _names(tm)
    assert _names(glin) == _names(tlin) == ([], ["weight", "bias"])
    assert [type(c).__name__ for c in gm.children()] == [type(c).__name__ for c in tm.children()]


def test_a_reassigned_child_stays_first_in_a_resnet():
    tv = pytest.importorskip("glassnet.vision.models")
    net = tv.resnet18(weights=None)
    net.conv1 = gn.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    body = gn.nn.Sequential(*list(net.children())[:-1])
    assert body(gn.zeros(2, 1, 28, 28)).shape == (2, 512, 1, 1)


def test_torch_nn_parallel_imports_and_multiprocessing_is_refused_by_name():
    # dcgan imports torch.nn.parallel at the top; mnist_hogwild imports torch.multiprocessing
    with torch_aliases():
        par = importlib.import_module("torch.nn.parallel")
        assert par.DataParallel is gn.nn.DataParallel
        with pytest.raises(TorchModuleMissing, match="torch.multiprocessing"):
            importlib.import_module("torch.multiprocessing")
    assert issubclass(TorchModuleMissing, NotImplementedError)


def test_fake_data_gives_fixed_items_of_the_asked_shape():
    from glassnet.vision import datasets, transforms

    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, transform=transforms.ToTensor())
    assert len(ds) == 5
    img, target = ds[2]
    assert img.shape == (3, 8, 6) and img.dtype == gn.float32
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
    assert 0 <= int(target) < 4 and target.dtype == gn.int64
    again, t2 = ds[2]
    assert gn.equal(img, again) and int(t2) == int(target)
    assert not gn.equal(img, ds[3][0])
    with pytest.raises(IndexError, match="out of range"):
        ds[5]


def test_is_xpu_and_is_mps_are_false_on_cpu():
    # dcgan: ``if (input.is_cuda or input.is_xpu) and self.ngpu > 1``
    torch = pytest.importorskip("torch")
    x, t = gn.zeros(2), torch.zeros(2)
    assert (x.is_cuda, x.is_xpu, x.is_mps) == (t.is_cuda, t.is_xpu, t.is_mps)


def test_save_and_load_take_binary_file_objects(tmp_path):
    # time_sequence_prediction: ``torch.save(data, open('traindata.pt', 'wb'))``
    import io

    import numpy as np

    data = {"a": np.arange(6.0).reshape(2, 3), "t": gn.tensor([1.5, -2.0]), "n": 3}
    with open(tmp_path / "x.pt", "wb") as fh:
        gn.save(data, fh)
    buf = io.BytesIO()
    gn.save(data, buf)
    assert buf.getvalue() and (tmp_path / "x.pt").read_bytes()[:8] == buf.getvalue()[:8]
    for back in (gn.load(tmp_path / "x.pt"), gn.load(io.BytesIO(buf.getvalue()))):
        assert isinstance(back["a"], np.ndarray) and np.array_equal(back["a"], data["a"])
        assert back["t"].tolist() == [1.5, -2.0] and back["n"] == 3
    with open(tmp_path / "x.pt") as text, pytest.raises(TypeError, match="binary mode"):
        gn.load(text)


def test_log_of_zero_and_negative_is_silent_as_in_torch():
    # word_language_model's Transformer: ``torch.log(torch.tril(torch.ones(sz, sz)))`` as a mask
    import warnings

    torch = pytest.importorskip("torch")
    x = [[1.0, 0.0], [-1.0, 4.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gn.log(gn.tensor(x)).tolist()
    want = torch.log(torch.tensor(x)).tolist()
    assert str(got) == str(want)  # -inf and nan where torch has them


@pytest.mark.parametrize(
    "args, kwargs",
    [((10,), {"size": (3,)}), ((5, 10), {"size": (2,)}), ((), {"low": 2, "high": 4, "size": (2,)}),
     ((), {"high": 3, "size": [2, 2]}), ((3, (2,)), {}), ((1, 4, (5,)), {})],
)  # fmt: skip
def test_randint_takes_low_high_and_size_by_keyword_as_torch(args, kwargs):
    # mnist_forward_forward: ``torch.randint(len(allowed_indices), size=(1,))``
    torch = pytest.importorskip("torch")
    got, want = gn.randint(*args, **kwargs), torch.randint(*args, **kwargs)
    assert got.shape == tuple(want.shape) and str(got.dtype) == str(want.dtype).replace("torch.", "")
    assert got.numel() == 0 or (int(got.min()) >= 0 and int(got.max()) < 10)
    with pytest.raises(TypeError, match="randint: expected"):
        gn.randint(3)


def test_saving_a_whole_module_is_refused_as_not_implemented(tmp_path):
    # word_language_model / super_resolution: ``torch.save(model, f)``
    import io

    model = gn.nn.Linear(2, 1)
    for target in (tmp_path / "m.pt", io.BytesIO()):
        with pytest.raises(NotImplementedError, match="whole Linear.*state_dict"):
            gn.save(model, target)
    with pytest.raises(TypeError, match="SGD object.*state_dict"):  # still a TypeError too
        gn.save(gn.optim.SGD(model.parameters(), lr=0.1), tmp_path / "o.pt")
