"""Classification metrics: functions, streaming objects, the registry, inputs as arrays or tensors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.train import metrics as M

SCORES = np.array([[2.0, 1.0, 0.1], [0.2, 0.3, 3.0], [1.0, 4.0, 0.0], [0.0, 0.1, 0.2]])
TARGETS = np.array([0, 2, 0, 1])  # correct, correct, wrong, wrong


@pytest.mark.parametrize("wrap", [np.asarray, gn.tensor, list])
def test_accuracy_and_error_rate_on_scores(wrap):
    out = wrap(SCORES) if wrap is not list else SCORES.tolist()
    tgt = wrap(TARGETS) if wrap is not list else TARGETS.tolist()
    assert M.accuracy(out, tgt) == 0.5
    assert M.error_rate(out, tgt) == 0.5


def test_one_hot_targets_equal_index_targets():
    onehot = np.eye(3)[TARGETS]
    assert M.accuracy(SCORES, onehot) == M.accuracy(SCORES, TARGETS) == 0.5
    assert M.accuracy(gn.tensor(SCORES, requires_grad=True), gn.tensor(onehot)) == 0.5


def test_probabilities_and_logits_give_the_same_argmax():
    probs = np.exp(SCORES) / np.exp(SCORES).sum(1, keepdims=True)
    assert M.accuracy(probs, TARGETS) == M.accuracy(SCORES, TARGETS)


def test_binary_single_column_thresholds_at_one_half():
    p = np.array([[0.9], [0.2], [0.5], [0.49]])
    y = np.array([1, 0, 1, 1])
    assert M.accuracy(p, y) == 0.75
    assert M.accuracy(p.ravel(), y.reshape(-1, 1).astype(np.float32)) == 0.75
    assert M.accuracy(np.array([[2.0], [-1.0]]), np.array([1, 0]), threshold=0.0) == 1.0
    assert M.error_rate(p, y) == 0.25


def test_predicted_labels_and_per_position_outputs():
    assert M.accuracy(np.array([0, 2, 1, 1]), TARGETS) == 0.75
    seg = np.zeros((2, 3, 4))
    seg[:, 1] = 1.0  # predicts class 1 everywhere
    tgt = np.ones((2, 4), dtype=int)
    tgt[0, 0] = 2
    assert M.accuracy(seg, tgt) == 7 / 8


def test_empty_batch_is_nan():
    assert np.isnan(M.accuracy(np.zeros((0, 3)), np.zeros(0, int)))


def test_top_k_accuracy():
    assert M.top_k_accuracy(SCORES, TARGETS, k=1) == M.accuracy(SCORES, TARGETS)
    last = np.array([0, 2, 0, 0])  # row 2: target 2nd best; row 3: target worst
    assert M.top_k_accuracy(SCORES, last, k=2) == 0.75
    assert M.top_k_accuracy(SCORES, last, k=3) == 1.0
    assert M.top_k_accuracy(gn.tensor(SCORES), np.eye(3)[last], k=2) == 0.75
    tied = np.array([[1.0, 1.0, 1.0]])
    assert M.top_k_accuracy(tied, np.array([2]), k=1) == 1.0  # ties count as hits


def test_top_k_against_torch(rng, torch):
    out = rng.standard_normal((50, 10))
    tgt = rng.integers(0, 10, 50)
    top = torch.tensor(out).topk(3, dim=1).indices.numpy()
    expected = (top == tgt[:, None]).any(1).mean()
    assert M.top_k_accuracy(out, tgt, k=3) == pytest.approx(expected)


def test_confusion_matrix():
    cm = M.confusion_matrix(SCORES, TARGETS, 3)
    expected = np.array([[1, 1, 0], [0, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64 and cm.trace() / cm.sum() == M.accuracy(SCORES, TARGETS)
    np.testing.assert_array_equal(M.confusion_matrix(np.array([0, 2, 1, 2]), TARGETS, 3), expected)
    binary = M.confusion_matrix(np.array([[0.9], [0.1], [0.7]]), np.array([1, 1, 0]), 2)
    np.testing.assert_array_equal(binary, [[0, 1], [1, 1]])


def test_confusion_matrix_matches_a_direct_count(rng):
    pred = rng.integers(0, 4, 200)
    true = rng.integers(0, 4, 200)
    cm = M.confusion_matrix(pred, true, 4)
    for i in range(4):
        for j in range(4):
            assert cm[i, j] == np.sum((true == i) & (pred == j))


# ------------------------------------------------------------------ streaming
def test_streaming_accuracy_weights_batches_by_size():
    acc, err = M.Accuracy(), M.ErrorRate()
    for m in (acc, err):
        m.update(SCORES[:1], TARGETS[:1])  # 1/1 correct
        m.update(SCORES[1:], TARGETS[1:])  # 1/3 correct
    assert acc.result() == 0.5 and err.result() == 0.5
    acc.reset()
    assert np.isnan(acc.result())
    acc.update(gn.tensor(SCORES), gn.tensor(TARGETS))
    assert acc.result() == 0.5 and acc.name == "accuracy" and err.name == "error_rate"


def test_streaming_top_k_and_confusion_matrix():
    top = M.TopKAccuracy(k=2)
    top.update(SCORES[:2], TARGETS[:2])
    top.update(SCORES[2:], np.array([0, 0]))
    assert top.result() == 0.75 and top.name == "top2_accuracy"
    cm = M.ConfusionMatrix(3)
    cm.update(SCORES[:2], TARGETS[:2])
    cm.update(SCORES[2:], TARGETS[2:])
    np.testing.assert_array_equal(cm.result(), M.confusion_matrix(SCORES, TARGETS, 3))
    cm.reset()
    assert cm.result().sum() == 0


def test_confusion_matrix_in_evaluate_is_an_array_next_to_float_metrics():
    from glassnet.train import evaluate

    model = gn.nn.Linear(3, 3)
    x = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    y = np.arange(10) % 3
    got = evaluate(model, (x, y), metrics=("accuracy", M.ConfusionMatrix(3)), batch_size=4)
    preds = model(gn.tensor(x)).numpy()
    np.testing.assert_array_equal(got["confusion_matrix"], M.confusion_matrix(preds, y, 3))
    assert got["confusion_matrix"].dtype == np.int64
    assert isinstance(got["accuracy"], float) and got["accuracy"] == M.accuracy(preds, y)


def test_mean_of_batch_losses():
    m = M.Mean("loss")
    m.update(2.0, weight=3)  # a batch of 3 with mean loss 2
    m.update(gn.tensor(4.0), weight=1)
    assert m.result() == pytest.approx((6 + 4) / 4)
    m.update(np.array([1.0, 1.0]))
    assert m.result() == pytest.approx(12 / 6)
    m.reset()
    assert np.isnan(m.result()) and m.name == "loss"


def test_registry():
    assert isinstance(M.get_metric("accuracy"), M.Accuracy)
    assert isinstance(M.get_metric("ACC"), M.Accuracy)
    assert isinstance(M.get_metric("error_rate"), M.ErrorRate)
    assert M.get_metric("top_k_accuracy").k == 5
    assert M.get_metric("top3_accuracy").k == 3 and M.get_metric("top_2").k == 2
    a, b = M.get_metric("accuracy"), M.get_metric("accuracy")
    assert a is not b  # fresh objects


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: M.accuracy(SCORES, TARGETS[:3]), ValueError, r"accuracy: outputs \(4, 3\) and targets \(3,\) hold different numbers of samples"),
        (lambda: M.accuracy(SCORES, np.full(4, 0.5)), ValueError, r"accuracy: floating targets of shape \(4,\) must be whole class labels or one-hot rows of the outputs' shape \(4, 3\)"),
        (lambda: M.accuracy(SCORES, np.zeros((4, 2), int)), ValueError, r"accuracy: targets of shape \(4, 2\) do not match outputs of shape \(4, 3\)"),
        (lambda: M.accuracy(np.float64(1.0), TARGETS), ValueError, r"accuracy: outputs must have a batch axis"),
        (lambda: M.accuracy(SCORES, TARGETS, threshold="0.5"), TypeError, r"accuracy: threshold must be a number, got '0.5'"),
        (lambda: M.accuracy(SCORES, np.array(["a"] * 4)), TypeError, r"accuracy: targets must be numeric"),
        (lambda: M.top_k_accuracy(SCORES, TARGETS, k=4), ValueError, r"top_k_accuracy: k=4 exceeds the number of classes 3"),
        (lambda: M.top_k_accuracy(SCORES, TARGETS, k=0), ValueError, r"top_k_accuracy: k must be a positive int, got 0"),
        (lambda: M.top_k_accuracy(SCORES[:, :1], TARGETS), ValueError, r"top_k_accuracy: outputs must be scores of shape \(N, C\) with C >= 2, got \(4, 1\)"),
        (lambda: M.top_k_accuracy(SCORES, np.array([0, 1, 3, 0]), k=2), ValueError, r"top_k_accuracy: class label 3 is outside \[0, 3\)"),
        (lambda: M.confusion_matrix(SCORES, np.array([0, 5, 0, 0]), 3), ValueError, r"confusion_matrix: class label 5 is outside \[0, 3\)"),
        (lambda: M.confusion_matrix(SCORES, TARGETS, 0), ValueError, r"confusion_matrix: num_classes must be a positive int, got 0"),
        (lambda: M.Mean().update(1.0, weight=-1), ValueError, r"Mean: weight must be a non-negative number, got -1"),
        (lambda: M.ConfusionMatrix(2.0), ValueError, r"ConfusionMatrix: num_classes must be a positive int, got 2.0"),
        (lambda: M.TopKAccuracy(k=-1), ValueError, r"TopKAccuracy: k must be a positive int, got -1"),
        (lambda: M.get_metric("f1"), ValueError, r"get_metric: unknown metric 'f1'; known: acc, accuracy, error, error_rate, top_k_accuracy, topK_accuracy"),
        (lambda: M.get_metric(None), TypeError, r"get_metric: name must be a string, got None"),
    ],
)  # fmt: skip
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
