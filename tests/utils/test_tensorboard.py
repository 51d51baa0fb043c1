"""SummaryWriter and the TensorBoard callback, read back with tensorboard's own EventAccumulator."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.utils.tensorboard import SummaryWriter, encode_png

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(folder):
    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.TENSORS: 0, event_accumulator.IMAGES: 0}
    )
    acc.Reload()
    return acc


def test_scalars_histograms_images_and_text_read_back(tmp_path):
    img = np.zeros((3, 4, 5), dtype=np.float32)
    img[0, 1, 2] = 1.0
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_scalar("t", gn.tensor([2.5]), 7)
        w.add_histogram("weights", np.arange(100.0), 1)
        w.add_image("img", img, 2)
        w.add_image("grey", np.full((4, 5), 128, dtype=np.uint8), 2, dataformats="HW")
        w.add_text("note", "hello **tb**", 0)
    acc = _read(tmp_path)
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in loss], [1.0, 0.5, 1 / 3], rtol=1e-6)
    assert acc.Scalars("t")[0].value == 2.5 and acc.Scalars("t")[0].step == 7
    histo = acc.Histograms("weights")[0].histogram_value
    assert histo.num == 100 and histo.min == 0 and histo.max == 99
    assert sum(histo.bucket) == 100 and histo.sum == pytest.approx(4950)
    image = acc.Images("img")[0]
    assert (image.height, image.width, image.step) == (4, 5, 2)
    assert image.encoded_image_string.startswith(b"\x89PNG")
    text = acc.Tensors("note")[0]
    assert text.tensor_proto.string_val[0] == b"hello **tb**"


def test_png_decodes_to_the_pixels():
    pil = pytest.importorskip("PIL.Image")
    import io

    rgb = np.random.default_rng(0).integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
    back = np.asarray(pil.open(io.BytesIO(encode_png(rgb))))
    np.testing.assert_array_equal(back, rgb)


def test_add_scalars_writes_one_run_per_tag(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalars("loss", {"train": 1.0, "val": 2.0}, 3)
    assert _read(tmp_path / "loss_val").Scalars("loss")[0].value == 2.0


def test_refusals_and_errors(tmp_path):
    w = SummaryWriter(tmp_path)
    with pytest.raises(NotImplementedError, match="export_onnx"):
        w.add_graph(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="one number"):
        w.add_scalar("x", np.zeros(3))
    with pytest.raises(ValueError, match="dataformats"):
        w.add_image("x", np.zeros((2, 3, 4, 5)))
    w.close()
    w.close()
    with pytest.raises(RuntimeError, match="closed"):
        w.add_scalar("x", 1.0)


def test_callback_logs_epochs_batches_and_histograms(tmp_path):
    from glassnet.train import TensorBoard, fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    cb = TensorBoard(tmp_path, update_freq=2, histogram_freq=1)
    fit(model, (x, y), loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16,
        validation_data=(x, y), callbacks=[cb], verbose=0)  # fmt: skip
    acc = _read(tmp_path)
    tags = acc.Tags()
    assert {"epoch/loss", "epoch/val_accuracy", "batch/loss"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("epoch/loss")] == [1, 2]
    assert [e.step for e in acc.Scalars("batch/loss")] == [2, 4, 6, 8]
    assert "0.weight" in tags["histograms"] and "0.weight.grad" in tags["histograms"]
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(tmp_path, update_freq=0)
