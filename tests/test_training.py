from pathlib import Path

import numpy as np
import pytest

from csbot import DataError
from csbot.intents.training import TrainingResult, train
from tests.conftest import NO_MINIMUMS, TINY_DATA


def test_training_is_deterministic(tiny_trained: tuple[TrainingResult, Path]) -> None:
    first, _ = tiny_trained
    second = train(TINY_DATA, minimums=NO_MINIMUMS)
    a, b = first.model.classifier, second.model.classifier
    assert a.vocabulary == b.vocabulary and a.threshold == b.threshold
    np.testing.assert_array_equal(a.weights, b.weights)
    assert first.metadata["data_sha256"] == second.metadata["data_sha256"]


def test_training_reports_cross_validation(tiny_trained: tuple[TrainingResult, Path]) -> None:
    result, _ = tiny_trained
    report = result.cross_validation
    assert report.examples == 48
    assert {s.intent for s in report.per_intent} == {
        "shipping",
        "refund",
        "human_agent",
        "out_of_scope",
    }
    assert report.macro_f1 > 0.5  # 12 examples an intent are enough to beat chance (0.25) clearly


def test_training_refuses_invalid_data_and_names_the_problem(tiny_data: Path) -> None:
    (tiny_data / "training" / "refund.yaml").write_text(
        "intent: refund\nexamples: nope\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"refund.yaml:2.*non-empty list"):
        train(tiny_data, minimums=NO_MINIMUMS)


def test_training_enforces_minimum_counts_by_default(tiny_data: Path) -> None:
    with pytest.raises(DataError, match="at least 200 are needed"):
        train(tiny_data)
