"""TrainConfig: the options of ``glassnet train`` as one typed object built from TRAIN_OPTIONS."""

from __future__ import annotations

import ast
import dataclasses
import inspect

import pytest

from glassnet.cli import pipeline, train_steps
from glassnet.cli.options import TRAIN_OPTIONS, TrainConfig, UsageError, resolve_config
from glassnet.train import fit


def test_one_field_per_option_with_its_default():
    fields = dataclasses.fields(TrainConfig)
    assert [f.name for f in fields] == [o.key for o in TRAIN_OPTIONS]
    assert {f.name: f.default for f in fields} == {o.key: o.default for o in TRAIN_OPTIONS}
    assert resolve_config({}) == TrainConfig()
    types = {f.name: f.type for f in fields}
    assert types["epochs"] == "int" and types["hidden"] == "list[int] | None"


def test_values_go_through_the_option_validators():
    config = TrainConfig(epochs="3", hidden="8,4", lr=0.5)
    assert (config.epochs, config.hidden, config["lr"]) == (3, [8, 4], 0.5)
    with pytest.raises(UsageError, match="--epochs: must be a positive integer, got 0"):
        TrainConfig(epochs=0)
    with pytest.raises(UsageError, match="--lr: must be a positive number"):
        config.replace(lr=-1.0)
    with pytest.raises(KeyError):
        config["nope"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 4


def test_the_flag_and_the_config_key_give_the_same_message(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("batch_size = 0\n")
    with pytest.raises(UsageError) as from_file:
        resolve_config({}, str(path))
    with pytest.raises(UsageError) as from_flag:
        resolve_config({"batch_size": 0})
    assert str(from_flag.value).split(": ", 1)[1] in str(from_file.value)


def test_to_dict_is_what_config_toml_holds():
    stored = TrainConfig(seed=3).to_dict()
    assert stored["seed"] == 3 and "hidden" not in stored and "name" not in stored
    assert list(stored) == [o.key for o in TRAIN_OPTIONS if o.key in stored]
    assert TrainConfig(**stored) == TrainConfig(seed=3)


def test_fit_options_are_keywords_of_fit():
    options = TrainConfig(epochs=2, checkpoint_every=0, clip_grad_norm=1.5).fit_options()
    assert set(options) <= set(inspect.signature(fit).parameters)
    assert options["checkpoint_every"] is None  # 0 on the command line: at epoch ends only
    assert options["epochs"] == 2 and options["clip_grad_norm"] == 1.5


def test_complete_config_fills_the_model_defaults_seed_and_name():
    config = pipeline.complete_config(TrainConfig(model="mlp"))
    assert config.hidden and config.seed is not None and config.name.startswith("mlp-")
    with pytest.raises(UsageError, match="--hidden: model 'seed-cnn' does not take it"):
        pipeline.complete_config(TrainConfig(model="seed-cnn", hidden=[4]))


@pytest.mark.parametrize("module", [pipeline, train_steps], ids=lambda m: m.__name__)
def test_the_training_steps_state_no_defaults_of_their_own(module):
    """Defaults live in TRAIN_OPTIONS: no ``config.get(key, default)`` in the steps."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "config"
        ):
            assert len(node.args) < 2, f"line {node.lineno}: a default stated again"


def test_it_reads_as_the_mapping_a_configuration_was():
    config = TrainConfig(epochs=2)
    assert dict(config)["epochs"] == 2 and len(dict(config)) == len(TRAIN_OPTIONS)
    assert config.get("seed") is None and config.get("not_an_option", 5) == 5
    record = {**config.to_dict(), "run": {"command": "train"}}  # a run's config.toml
    assert TrainConfig.from_mapping(record) == config
    assert pipeline.complete_config(record).epochs == 2
