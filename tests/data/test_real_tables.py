"""Real tables: text columns one-hot encoded, missing values filled or dropped, ID columns left out.

The expected features are computed here from the values the tests write (not
read back from glassnet), so a wrong encoding, fill value or row order fails.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from glassnet.data import DataError, load_table, open_data
from glassnet.data.sources import DataSpec, holdout_split, read_inputs
from glassnet.data.tables import MISSING_MARKERS, TableEncoding, read_raw_table
from glassnet.io.tomlconf import dump_config
from tests.data.test_sources import write_csv

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    tomllib = None


def write_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def titanic_rows(n=200, seed=0):
    """Titanic-like rows: an ID, a quoted name with a comma, text and integer-coded columns,
    empty cells; survival follows sex and class (learnable)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sex = ["male", "female"][int(rng.integers(2))]
        pclass = int(rng.integers(1, 4))
        age = "" if rng.random() < 0.2 else f"{rng.uniform(1, 70):.1f}"
        embarked = ["S", "C", "Q", ""][int(rng.integers(4))]
        survived = int(sex == "female" and pclass < 3)
        rows.append([i + 1, survived, pclass, f"Doe, Mr. John {i}", sex, age, f"{10 + pclass * 7:.2f}", embarked])
    header = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "Fare", "Embarked"]
    return header, rows


# ---------------------------------------------------------------- the default stays
def test_text_feature_is_still_an_error_that_suggests_the_flags(tmp_path):
    path = write_csv(tmp_path / "t.csv", "sex,age,y\nmale,3,a\nfemale,4,b\n")
    with pytest.raises(DataError, match=r"line 2, column 'sex': expected a number, got 'male' "
                       r"\(a text column\? --categorical sex one-hot encodes it, --ignore sex"):  # fmt: skip
        open_data(path, target="y")


@pytest.mark.parametrize("marker", ["", "NA", "N/A", "?", "nan", "null", "na", "NULL", " ? "])
def test_missing_markers_are_an_error_by_default_that_suggests_missing(tmp_path, marker):
    path = write_csv(tmp_path / "t.csv", f"a,b,y\n1,2,p\n3,{marker},q\n")
    with pytest.raises(DataError, match=r"line 3, column 'b': .*--missing mean fills it"):
        open_data(path, target="y")


def test_a_missing_label_suggests_drop(tmp_path):
    path = write_csv(tmp_path / "t.csv", "a,y\n1,p\n2,\n3,q\n")
    with pytest.raises(DataError, match=r"line 3, column 'y': missing class label \(--missing drop"):
        open_data(path, target="y")


# ---------------------------------------------------------------- one-hot encoding
def test_categorical_auto_one_hot_encodes_text_columns_with_training_vocabulary(tmp_path):
    header, rows = titanic_rows()
    path = write_rows(tmp_path / "titanic.csv", header, rows)
    data = open_data(path, target="Survived", categorical="auto", missing="mean",
                     ignore=["PassengerId", "Name"])  # fmt: skip
    spec = data.spec
    assert spec.columns == ["Pclass", "Sex", "Age", "Fare", "Embarked"]
    assert spec.categories == {"Sex": ["female", "male"], "Embarked": ["C", "Q", "S"]}
    assert spec.feature_names == [
        "Pclass", "Sex=female", "Sex=male", "Age", "Fare", "Embarked=C", "Embarked=Q", "Embarked=S"
    ]  # fmt: skip
    assert spec.input_shape == [8]

    # the expected features, from the rows written, in the held-out order
    n = len(rows)
    order = np.random.default_rng(0).permutation(n)
    k = round(n * 0.2)
    train, test = np.sort(order[k:]), np.sort(order[:k])
    ages = np.array([np.nan if r[5] == "" else float(r[5]) for r in rows])
    emb = np.array([[float(r[7] == v) if r[7] else np.nan for v in "CQS"] for r in rows])
    raw = np.column_stack([
        [r[2] for r in rows], [r[4] == "female" for r in rows], [r[4] == "male" for r in rows],
        ages, [float(r[6]) for r in rows], emb,
    ]).astype(np.float64)  # fmt: skip
    fill = np.nanmean(raw[train], axis=0)
    np.testing.assert_allclose(spec.fill, fill, rtol=1e-12)
    filled = np.where(np.isnan(raw), fill, raw)
    mean, std = filled[train].mean(axis=0), filled[train].std(axis=0)
    expected = ((filled - mean) / std).astype(np.float32)
    np.testing.assert_allclose(data.train[0], expected[train], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data.test[0], expected[test], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(data.train[1], [r[1] for r in np.array(rows, dtype=object)[train]])


def test_a_category_unseen_in_training_gives_all_zeros(tmp_path):
    path = write_csv(tmp_path / "t.csv", "colour,size,y\nred,1,a\nblue,2,b\nred,3,a\nblue,4,b\n")
    raw = read_raw_table(path, "y")
    enc = TableEncoding.fit(raw, [0, 1, 2, 3], categorical=["colour"])
    new = write_csv(tmp_path / "new.csv", "size,colour\n5,green\n6,red\n")
    x = load_table(new, None, encoding=enc).x
    np.testing.assert_array_equal(x, [[0, 0, 5], [0, 1, 6]])  # colour=blue, colour=red, size


def test_named_categorical_columns_encode_integer_codes_and_refuse_unknown_names(tmp_path):
    path = write_csv(tmp_path / "t.csv", "pclass,fare,y\n" + "1,7.5,a\n3,8,b\n2,9,a\n3,1,b\n" * 4)
    data = open_data(path, target="y", categorical=["pclass"])
    assert data.spec.feature_names == ["pclass=1", "pclass=2", "pclass=3", "fare"]
    with pytest.raises(DataError, match=r"no feature column 'y' to one-hot encode \(--categorical\) "
                       r"\(it is the target\); feature columns: pclass, fare"):  # fmt: skip
        open_data(path, target="y", categorical=["y"])
    with pytest.raises(DataError, match=r"no column 'id' to ignore \(--ignore\); columns: pclass, fare, y"):
        open_data(path, target="y", ignore=["id"])
    with pytest.raises(DataError, match=r"column 'y' is the target \(--target\)"):
        open_data(path, target="y", ignore=["y"])


def test_auto_refuses_an_id_like_text_column_and_names_the_fix(tmp_path):
    header, rows = titanic_rows(60)
    path = write_rows(tmp_path / "titanic.csv", header, rows)
    with pytest.raises(DataError, match=r"column 'Name' holds 48 different texts in 48 training "
                       r"rows, like an ID.*--ignore Name"):  # fmt: skip
        open_data(path, target="Survived", categorical="auto", missing="mean")


def test_adult_style_spaces_and_question_marks(tmp_path):
    path = write_csv(
        tmp_path / "adult.csv",
        "age, workclass, hours, income\n"
        "39, State-gov, 40, <=50K\n50, ?, 13, >50K\n38, Private, ?, <=50K\n53, Private, 40, >50K\n",
    )
    data = open_data(path, target="income", categorical="auto", missing="mean")
    assert data.spec.categories == {"workclass": ["Private", "State-gov"]}
    assert data.spec.classes == ["<=50K", ">50K"]


# ---------------------------------------------------------------- missing values
def test_every_missing_marker_is_filled_with_the_training_mean(tmp_path):
    markers = [m for m in MISSING_MARKERS] + ["NaN", "NULL", "n/a"]
    rows = [[float(i), "1" if i % 2 else "0"] for i in range(len(markers) + 10)]
    for i, m in enumerate(markers):
        rows[i][0] = m
    path = write_rows(tmp_path / "t.csv", ["v", "y"], rows)
    raw = read_raw_table(path, "y")
    enc = TableEncoding.fit(raw, range(len(rows)), missing="mean")
    known = [r[0] for r in rows if not isinstance(r[0], str)]
    assert enc.fill == [pytest.approx(np.mean(known))]
    x = enc.encode(raw)
    np.testing.assert_allclose(x[: len(markers), 0], np.mean(known), rtol=1e-6)
    np.testing.assert_array_equal(x[len(markers) :, 0], known)


def test_drop_leaves_incomplete_rows_out_and_the_holdout_is_read_back_alike(tmp_path):
    header, rows = titanic_rows(120)
    path = write_rows(tmp_path / "titanic.csv", header, rows)
    data = open_data(path, target="Survived", categorical=["Sex", "Embarked"], missing="drop",
                     ignore=["PassengerId", "Name"])  # fmt: skip
    complete = [r for r in rows if r[5] != "" and r[7] != ""]
    assert len(data.train[0]) + len(data.test[0]) == len(complete)
    assert data.spec.fill == [] and data.spec.missing == "drop"
    x, y = holdout_split(data.spec.to_dict())  # as evaluate reads the run's test split
    np.testing.assert_array_equal(x, data.test[0])
    np.testing.assert_array_equal(y, data.test[1])
    # a table to predict on keeps every row: a missing value there cannot be dropped
    with pytest.raises(DataError, match=r"missing value; the model was trained with --missing drop"):
        read_inputs(path, data.spec, labels=False)


def test_mean_with_a_column_empty_in_training_is_an_error(tmp_path):
    path = write_csv(tmp_path / "t.csv", "a,b,y\n1,,p\n2,NA,q\n3,?,p\n4,,q\n")
    with pytest.raises(DataError, match=r"column 'b' has no values in the training split"):
        open_data(path, target="y", missing="mean")


# ---------------------------------------------------------------- new inputs, the run record
def test_predict_inputs_use_the_saved_encoding_in_any_column_order(tmp_path):
    header, rows = titanic_rows()
    path = write_rows(tmp_path / "titanic.csv", header, rows)
    data = open_data(path, target="Survived", categorical="auto", missing="mean",
                     ignore=["PassengerId", "Name"])  # fmt: skip
    # the spec as config.toml keeps it, read back
    text = dump_config({"dataset": data.spec.to_dict()})
    if tomllib is not None:
        assert tomllib.loads(text)["dataset"]["categories"] == data.spec.categories
    spec = DataSpec.from_dict(data.spec.to_dict())
    shuffled = [header[::-1]] + [r[::-1] for r in rows[:30]]
    new = write_rows(tmp_path / "new.csv", shuffled[0], shuffled[1:])
    x, y = read_inputs(new, spec, labels=False)
    assert y is None
    n = len(rows)
    order = np.random.default_rng(0).permutation(n)
    train = np.sort(order[round(n * 0.2) :])
    both = np.empty((n, 8), np.float32)
    both[train] = data.train[0]
    both[np.sort(order[: round(n * 0.2)])] = data.test[0]
    np.testing.assert_allclose(x, both[:30], rtol=1e-6, atol=1e-6)


def test_options_that_do_not_apply_are_refused(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 2), np.float32), y=[0, 1, 0, 1])
    with pytest.raises(DataError, match=r"categorical='auto' \(--categorical\) applies to the columns of a \.csv"):
        open_data(str(tmp_path / "d.npz"), categorical="auto")
    assert open_data(str(tmp_path / "d.npz"), missing="error").spec.kind == "table"
    with pytest.raises(ValueError, match=r"open_data: missing must be one of error, mean, drop, got 'zero'"):
        open_data(str(tmp_path / "d.npz"), missing="zero")
