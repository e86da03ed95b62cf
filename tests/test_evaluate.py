from pathlib import Path

import pytest

from csbot import DataError
from csbot.intents.evaluate import evaluate, read_labelled_file


def test_metrics_on_a_known_example() -> None:
    expected = ["a", "a", "b", "b", "out_of_scope"]
    predicted = ["a", "b", "b", "b", "a"]
    report = evaluate(expected, predicted)
    scores = {s.intent: s for s in report.per_intent}
    assert report.accuracy == pytest.approx(3 / 5)
    assert scores["a"].precision == pytest.approx(1 / 2) and scores["a"].recall == pytest.approx(
        1 / 2
    )
    assert scores["b"].precision == pytest.approx(2 / 3) and scores["b"].recall == 1.0
    assert report.out_of_scope_recall == 0.0
    assert report.macro_f1 == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert report.confusions[0].count == 1
    assert "macro-F1" in report.format()


def test_reads_tsv_and_jsonl(tmp_path: Path) -> None:
    tsv = tmp_path / "a.tsv"
    tsv.write_text("# comment\nshipping\t快递到哪了\n\nrefund\t退款\n", encoding="utf-8")
    assert read_labelled_file(tsv) == [("shipping", "快递到哪了"), ("refund", "退款")]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        '{"intent": "shipping", "text": "快递"}\n{"label": "refund", "text": "退款"}\n',
        encoding="utf-8",
    )
    assert read_labelled_file(jsonl) == [("shipping", "快递"), ("refund", "退款")]


def test_bad_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("shipping\t快递\nno tab here\nrefund\ta\tb\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_labelled_file(tsv)
    assert f"{tsv}:2" in str(info.value) and f"{tsv}:3" in str(info.value)
