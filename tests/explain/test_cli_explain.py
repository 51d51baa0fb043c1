"""``glassnet explain`` end to end on a small model saved in a run folder, and its errors."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn

pytest.importorskip("matplotlib")
main_mod = pytest.importorskip("glassnet.cli.main")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from glassnet.models.registry import build_model
    from glassnet.train.runs import RunFolder

    gn.manual_seed(0)
    config = {"model": "mlp", "data": "fashion-mnist-sample", "hidden": [16], "dropout": 0.0}
    run = RunFolder.create(tmp_path_factory.mktemp("runs"), "tiny")
    run.write_config(config)
    model = build_model("mlp", num_classes=10, hidden=[16], dropout=0.0)
    run.save_checkpoint("best", model=model, epoch=1, config=config)
    return run.path


@pytest.mark.parametrize("method", ["ig", "saliency", "smoothgrad", "occlusion", "lime"])
def test_writes_png(method, run_dir, tmp_path):
    from glassnet.cli.explain import explain_example

    out = tmp_path / f"{method}.png"
    buf = io.StringIO()
    path = explain_example(run_dir=run_dir, method=method, index=3, out_path=str(out), out=buf)
    assert path == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Explained test image 3 of fashion-mnist-sample" in buf.getvalue()
    assert f"with {method} -> {out}" in buf.getvalue()


def test_command_line(run_dir, tmp_path, capsys):
    out = tmp_path / "e.png"
    rc = main_mod.main(["explain", "--run", run_dir, "--method", "saliency", "--index", "17",
                        "--target", "2", "--out", str(out)])  # fmt: skip
    assert rc == 0
    assert out.exists()
    assert "for class Pullover with saliency" in capsys.readouterr().out


def test_checkpoint_file_works_alone(run_dir, tmp_path):
    from glassnet.cli.explain import explain_example

    out = tmp_path / "c.png"
    explain_example(
        checkpoint=f"{run_dir}/best.safetensors", method="ig", out_path=str(out), out=io.StringIO()
    )
    assert out.exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--method", "shap"], "invalid choice: 'shap'"),
        (["--index", "5000"], "--index: the test split has 1000 images (0..999), got 5000"),
        (["--index", "x"], "--index: expected an int, got 'x'"),
        (["--seed", "-1"], "--seed: expected an int >= 0, got -1"),
        (["--target", "10"], "--target: expected a class 0..9, got 10"),
        (["--method", "gradcam"], "has no conv layer"),
        (["--method", "attention"], "has no attention layer"),
    ],
)
def test_errors(argv, message, run_dir, tmp_path, capsys):
    try:
        rc = main_mod.main(["explain", "--run", run_dir, "--out", str(tmp_path / "x.png"), *argv])
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc != 0
    assert message in capsys.readouterr().err


def test_missing_run_folder(tmp_path, capsys):
    rc = main_mod.main(["explain", "--run", str(tmp_path / "nope")])
    assert rc == 2  # a run folder named by the user is a usage error (exit 2)
    assert "does not exist" in capsys.readouterr().err


def test_demo_explanations(tmp_path):
    from glassnet.data import FASHION_MNIST_CLASSES, fashion_mnist
    from glassnet.explain import demo_explanations
    from glassnet.models import seed_cnn

    x, y = fashion_mnist("test", sample=True)
    model = seed_cnn()
    model.train()
    paths = demo_explanations(model, x[:2], y[:2], tmp_path / "explain", FASHION_MNIST_CLASSES)
    assert len(paths) == 2
    assert paths[0].endswith(
        f"explain_00_{FASHION_MNIST_CLASSES[y[0]].lower().replace('/', '-')}.png"
    )
    for p in paths:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert model.training
    np.testing.assert_array_equal(x.shape[1:], (1, 28, 28))


def test_checkpoint_without_config_and_missing_files(run_dir, tmp_path, capsys):
    from glassnet.io.checkpoint import save_checkpoint
    from glassnet.models.registry import build_model

    bare = tmp_path / "bare.safetensors"
    save_checkpoint(bare, model=build_model("mlp", num_classes=10, hidden=[16], dropout=0.0))
    assert main_mod.main(["explain", "--checkpoint", str(bare)]) == 2
    assert "does not say which model it holds" in capsys.readouterr().err
    assert main_mod.main(["explain", "--checkpoint", str(tmp_path / "none.safetensors")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main_mod.main(["explain", "--run", run_dir, "--which", "last"]) == 2
    assert "has no last.safetensors" in capsys.readouterr().err


def test_default_target_is_the_predicted_class_and_says_so(run_dir, tmp_path, capsys):
    """Issue 17 item 10: the library refuses target=None; the CLI keeps the predicted class
    as its default and says so in its output and its help."""
    from glassnet.cli.explain import explain_example
    from glassnet.cli.pipeline import load_split, load_trained
    from glassnet.explain import Saliency
    from glassnet.explain.gallery import explain_images, image_logits

    buf = io.StringIO()
    out = tmp_path / "p.png"
    explain_example(run_dir=run_dir, method="saliency", index=5, out_path=str(out), out=buf)
    assert "(the predicted class; --target picks another) with saliency" in buf.getvalue()
    t = load_trained("explain", run_dir=run_dir)
    x, _ = load_split(t.data, "test")
    image = x[5:6]
    pred = image_logits(t.model, image, layout=t.layout).argmax(axis=1)
    np.testing.assert_array_equal(
        explain_images(t.model, image, "saliency", layout=t.layout),
        explain_images(t.model, image, "saliency", layout=t.layout, target=pred),
    )
    with pytest.raises(ValueError, match="pass target="):
        Saliency(t.model).attribute(image.reshape(1, -1))
    assert main_mod.main(["explain", "--help"]) == 0
    assert "default: the class the model predicts" in " ".join(capsys.readouterr().out.split())
