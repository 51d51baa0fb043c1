"""The shared argument checks (glassnet/_validate.py): what passes, what comes back, what the message says."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import _validate as v


@pytest.mark.parametrize("value", [1, 3, np.int64(2)])
def test_positive_int_returns_a_python_int(value):
    out = v.positive_int("Linear", "in_features", value)
    assert out == value and type(out) is int


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3", None])
def test_positive_int_names_who_and_echoes_the_value(value):
    with pytest.raises(ValueError, match=rf"^Linear: in_features must be a positive int, got {value!r}$"):  # fmt: skip
        v.positive_int("Linear", "in_features", value)


def test_int_at_least_states_the_bound():
    assert v.int_at_least("f", "n", 0, 0) == 0
    with pytest.raises(ValueError, match=r"^f: n must be an int >= 2, got 1$"):
        v.int_at_least("f", "n", 1, 2)
    with pytest.raises(ValueError, match=r"got False"):
        v.int_at_least("f", "n", False, 0)


def test_int_pair():
    assert v.int_pair("Conv2d", "stride", 2) == (2, 2)
    assert v.int_pair("Conv2d", "padding", [0, 1], minimum=0) == (0, 1)
    with pytest.raises(ValueError, match=r"^Conv2d: kernel_size must be a positive int or pair of ints, got 0$"):  # fmt: skip
        v.int_pair("Conv2d", "kernel_size", 0)
    with pytest.raises(ValueError, match=r"non-negative int or pair of ints, got \(1, -1\)"):
        v.int_pair("Conv2d", "padding", (1, -1), minimum=0)
    with pytest.raises(ValueError, match=r"got \(1, 2, 3\)"):
        v.int_pair("Conv2d", "stride", (1, 2, 3))


def test_numbers():
    assert v.positive_number("StepLR", "gamma", np.float32(0.5)) == 0.5
    assert v.nonnegative_number("SGD", "lr", 0) == 0.0
    assert v.finite_number("SGD", "momentum", -1) == -1.0
    with pytest.raises(ValueError, match=r"^StepLR: gamma must be a finite number > 0, got 0$"):
        v.positive_number("StepLR", "gamma", 0)
    with pytest.raises(ValueError, match=r"^SGD: lr must be a finite number >= 0, got nan$"):
        v.nonnegative_number("SGD", "lr", float("nan"))
    with pytest.raises(ValueError, match=r"^SGD: momentum must be a finite number, got inf$"):
        v.finite_number("SGD", "momentum", float("inf"))
    with pytest.raises(ValueError, match=r"finite number >= 0, got True"):
        v.nonnegative_number("SGD", "lr", True)


def test_number_in_and_probability():
    assert v.number_in("Adam", "beta1", 0.9, 0, 1, closed=False) == 0.9
    with pytest.raises(ValueError, match=r"^Adam: beta1 must be a number in \[0, 1\), got 1$"):
        v.number_in("Adam", "beta1", 1, 0, 1, closed=False)
    assert v.number_in("f", "x", 1, 0, 1, closed=True) == 1.0
    assert v.probability("Dropout", "p", 0) == 0.0
    with pytest.raises(
        ValueError, match=r"^Dropout: p must be a probability in \[0, 1\), got 1.0$"
    ):
        v.probability("Dropout", "p", 1.0)


def test_flag_is_strict_and_raises_type_error():
    assert v.flag("SGD", "nesterov", np.bool_(True)) is True
    for bad in (1, 0, "yes", None):
        with pytest.raises(TypeError, match=rf"^SGD: nesterov must be True or False, got {bad!r}$"):
            v.flag("SGD", "nesterov", bad)


def test_one_of():
    assert v.one_of("mse_loss", "reduction", "sum", ("mean", "sum")) == "sum"
    with pytest.raises(ValueError, match=r"^mse_loss: reduction must be one of 'mean', 'sum', got 'max'$"):  # fmt: skip
        v.one_of("mse_loss", "reduction", "max", ("mean", "sum"))
    with pytest.raises(ValueError, match=r"got 1"):
        v.one_of("f", "x", 1, (True, False))


def test_predicates_leave_bools_out():
    assert v.is_int(np.int32(3)) and not v.is_int(True) and not v.is_int(3.0)
    assert v.is_number(2.5) and v.is_number(np.float32(1)) and not v.is_number(np.bool_(True))
