"""metrics: how fit and evaluate decide that a prediction is right."""

import pytest

from autograd_tiny import Value, is_grad_enabled, losses, nn
from autograd_tiny.train.judges import argmax, evaluate, judge_for


def test_labels_plus_minus_one_are_judged_by_sign() -> None:
    judge = judge_for([1, -1], losses.hinge, "auto")
    assert judge is not None
    assert [judge(0.1, 1), judge(-0.1, -1), judge(0.1, -1), judge(0.0, 1)] == [
        True,
        True,
        False,
        False,
    ]


def test_labels_zero_one_use_the_logit_or_the_probability_threshold() -> None:
    logit = judge_for([0, 1], losses.binary_cross_entropy, "auto")
    probability = judge_for([0.0, 1.0], losses.squared_error, "auto")
    assert logit is not None and probability is not None
    assert (logit(0.2, 1), probability(0.2, 1), probability(0.7, 1)) == (True, False, True)


def test_classes_are_judged_by_the_largest_output() -> None:
    by_index = judge_for([0, 2, 1], losses.cross_entropy, "auto")
    one_hot = judge_for([[1, 0], [0, 1]], losses.mse, "auto")
    assert by_index is not None and one_hot is not None
    assert by_index([0.1, 0.2, 0.9], 2) and not by_index([0.1, 0.2, 0.9], 0)
    assert one_hot([0.9, 0.1], [1, 0]) and not one_hot([0.9, 0.1], [0, 1])
    assert argmax([3.0, 3.0, 1.0]) == 0  # the first of a tie


def test_regression_targets_and_none_measure_no_accuracy() -> None:
    assert judge_for([0.5, 2.0, -1.0], losses.mse, "auto") is None
    assert judge_for([1], losses.mse, "auto") is None  # one class alone is not a classification
    assert judge_for([1, -1], losses.hinge, None) is None
    mine = lambda out, t: abs(out - t) < 0.1
    assert judge_for([0.5], losses.mse, mine) is mine
    with pytest.raises(ValueError, match="accuracy must be"):
        judge_for([1, -1], losses.hinge, "sign")


def test_evaluate_measures_loss_and_accuracy_without_recording_a_graph() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [1, -1]
    seen: list[bool] = []

    def watched(x: list[float]) -> Value:
        seen.append(is_grad_enabled())
        return model(x)  # type: ignore[no-any-return]

    loss, accuracy = evaluate(watched, X, y, loss=losses.hinge)
    assert seen == [False, False]
    assert loss == pytest.approx(losses.hinge([model(x) for x in X], y).data)
    assert accuracy == sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y, strict=True)) / 2
    with pytest.raises(ValueError, match="as long"):
        evaluate(model, X, [1])
