import json
from pathlib import Path

import pytest

from csbot.cli import main
from csbot.intents.training import TrainingResult


def test_reply_prints_the_reply_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reply", "退款什么时候到账", "--var", "shop_name=小满"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["intent"] == "refund" and data["text"]


def test_validate_reports_problems_and_exit_code(
    tiny_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--data", str(tiny_data), "--min-examples", "5"]) == 0
    assert main(["validate", "--data", str(tiny_data), "--min-examples", "50"]) == 1
    out = capsys.readouterr().out
    assert "intent 'refund' has 12 examples; at least 50 are needed" in out


def test_train_writes_a_model_that_reply_can_use(
    tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "model"
    assert (
        main(["train", "--data", str(tiny_data), "--out", str(out_dir), "--min-examples", "5"]) == 0
    )
    printed = capsys.readouterr().out
    assert "cross-validation" in printed and "macro-F1" in printed
    assert main(["reply", "转人工", "--model", str(out_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["handoff"]["reason"] == "requested"


def test_train_failure_prints_error_and_keeps_old_model(
    tiny_data: Path, tiny_trained: tuple[TrainingResult, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, model_dir = tiny_trained
    before = (model_dir / "model.joblib").read_bytes()
    (tiny_data / "faq.yaml").write_text("version: 1\nintents: [\n", encoding="utf-8")
    assert (
        main(["train", "--data", str(tiny_data), "--out", str(model_dir), "--min-examples", "5"])
        == 2
    )
    assert "faq.yaml:3" in capsys.readouterr().err
    assert (model_dir / "model.joblib").read_bytes() == before


def test_eval_on_a_labelled_file_as_json(
    tmp_path: Path, tiny_trained: tuple[TrainingResult, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tsv = tmp_path / "t.tsv"
    tsv.write_text("shipping\t快递到哪了\nhuman_agent\t转人工\n", encoding="utf-8")
    assert main(["eval", "--data", str(tsv), "--model", str(tiny_trained[1]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == 2 and "macro_f1" in report


def test_demo_and_chat_show_handoffs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    assert "hand-off: reason=" in capsys.readouterr().out
    lines = iter(["转人工", ""])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(lines))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "reason=requested" in out and "summary:" in out


def test_missing_model_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reply", "你好", "--model", str(tmp_path)]) == 2
    assert "no model metadata" in capsys.readouterr().err


def test_eval_cross_validates_a_data_directory(
    tiny_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The tiny data has 12 examples an intent: below the default minimums, so eval refuses it
    # with the validator's message rather than a traceback.
    assert main(["eval", "--data", str(tiny_data)]) == 2
    assert "at least 200 are needed" in capsys.readouterr().err
    assert main(["eval", "--data", str(tiny_data), "--min-examples", "5"]) == 0
    assert "macro-F1" in capsys.readouterr().out
