from pathlib import Path

import pytest

from csbot.datadir import data_fingerprint, validate_data
from csbot.intents.dataset import Dataset, Example, check_dataset

NO_MINIMUMS: dict[str, int] = {}


def _messages(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [str(p) for p in problems]


def test_tiny_data_is_valid(tiny_data: Path) -> None:
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    assert data is not None
    assert [p for p in problems if p.severity == "error"] == []
    assert data.dataset.counts()["shipping"] == 12


def test_unknown_intent_is_reported_with_a_suggestion(tiny_data: Path) -> None:
    (tiny_data / "training" / "refunds.yaml").write_text(
        "intent: refunds\nexamples:\n  - 我要退钱\n", encoding="utf-8"
    )
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    assert data is None
    assert any("refunds.yaml:3" in m and "did you mean 'refund'" in m for m in _messages(problems))


def test_same_utterance_under_two_intents_is_an_error_naming_both_places(tiny_data: Path) -> None:
    path = tiny_data / "training" / "refund.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - 我的快递到哪了！\n", encoding="utf-8")
    _, problems = validate_data(tiny_data, NO_MINIMUMS)
    errors = [m for m in _messages(problems) if "error" in m]
    assert any("refund.yaml:15" in m and "shipping.yaml:3" in m for m in errors), errors


def test_exact_near_and_one_edit_duplicates_are_found() -> None:
    examples = (
        Example("我的快递到哪了", "shipping", "a:1"),
        Example("我的快递到哪了", "shipping", "a:2"),
        Example("我的 快递到哪了!!", "shipping", "a:3"),
        Example("退款什么时候能到账啊", "refund", "b:1"),
        Example("退款什么时候能到账呀", "refund", "b:2"),
    )
    problems = check_dataset(Dataset(examples), {"shipping", "refund"}, NO_MINIMUMS)
    text = _messages(problems)
    assert any(m.startswith("a:2: error: duplicate of a:1") for m in text)
    assert any(m.startswith("a:3: warning: near duplicate of a:1") for m in text)
    assert any(m.startswith("b:2: warning: near duplicate of b:1") for m in text)


def test_too_few_examples_is_an_error() -> None:
    examples = tuple(Example(f"问题{i}号", "shipping", f"a:{i}") for i in range(3))
    problems = check_dataset(Dataset(examples), {"shipping"}, {"shipping": 5})
    assert _messages(problems) == [
        "shipping: error: intent 'shipping' has 3 examples; at least 5 are needed"
    ]


def test_default_minimums_follow_the_intent_kind() -> None:
    problems = check_dataset(Dataset(()), {"shipping", "greeting", "out_of_scope"})
    text = " ".join(_messages(problems))
    assert "at least 200" in text and "at least 80" in text and "at least 400" in text


def test_schema_errors_are_all_collected_with_lines(tiny_data: Path) -> None:
    (tiny_data / "training" / "bad.yaml").write_text(
        "intent: shipping\nexampels: []\n", encoding="utf-8"
    )
    (tiny_data / "training" / "worse.yaml").write_text(
        "intent: refund\nexamples:\n  - 12315\n  - ''\n", encoding="utf-8"
    )
    _, problems = validate_data(tiny_data, NO_MINIMUMS)
    text = _messages(problems)
    assert any(
        "bad.yaml:2" in m and "unknown field 'exampels'" in m and "'examples'" in m for m in text
    )
    assert any("worse.yaml:3" in m and "int 12315" in m for m in text)
    assert any("worse.yaml:4" in m and "empty" in m for m in text)


def test_knowledge_base_errors_name_line_and_field(tiny_data: Path) -> None:
    faq = tiny_data / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    text = text.replace("handoff: requested", "handoff: maybe")
    text = text.replace('"亲，退款会原路退回。"', '"亲，{refund_dayz}内退回 {"')
    faq.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    handoff_line = 1 + next(i for i, line in enumerate(lines) if "handoff: maybe" in line)
    answer_line = 1 + next(i for i, line in enumerate(lines) if "refund_dayz" in line)
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    messages = _messages(problems)
    assert data is None
    assert any(
        f"faq.yaml:{handoff_line}" in m and "intents.human_agent.handoff" in m for m in messages
    ), messages
    assert any(
        f"faq.yaml:{answer_line}" in m and "unknown variable {refund_dayz}" in m for m in messages
    ), messages
    assert any(f"faq.yaml:{answer_line}" in m and "brace" in m for m in messages), messages


def test_fingerprint_changes_with_any_data_file(tiny_data: Path) -> None:
    before = data_fingerprint(tiny_data)
    path = tiny_data / "training" / "refund.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - 新的一句\n", encoding="utf-8")
    assert data_fingerprint(tiny_data) != before


def test_emotion_file_errors_name_line_and_field(tiny_data: Path) -> None:
    negatives = "".join(f"  - 生气了{i}\n" for i in range(25))
    (tiny_data / "emotion.yaml").write_text(
        f"negative:\n{negatives}neutral:\n  - 你好\n  - 42\nangry: []\n", encoding="utf-8"
    )
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    messages = _messages(problems)
    assert data is None
    assert any("emotion.yaml:28" in m and "at least 20" in m for m in messages), messages
    assert any("unknown field 'angry'" in m for m in messages), messages


def test_a_valid_emotion_file_is_read(tiny_data: Path) -> None:
    negatives = "".join(f"  - 生气了{i}\n" for i in range(20))
    neutrals = "".join(f"  - 你好{i}\n" for i in range(20))
    (tiny_data / "emotion.yaml").write_text(
        f"negative:\n{negatives}neutral:\n{neutrals}", encoding="utf-8"
    )
    data, _ = validate_data(tiny_data, NO_MINIMUMS)
    assert data is not None and data.emotion.counts() == {"negative": 20, "neutral": 20}


def test_missing_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "training").mkdir()
    data, problems = validate_data(tmp_path, NO_MINIMUMS)
    messages = _messages(problems)
    assert data is None
    assert any(f"{tmp_path / 'faq.yaml'}: error: " in m and "file not found" in m for m in messages)
    assert any("no training files" in m for m in messages)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("- just\n- a list\n", "expected a mapping"),
        ("intent: shipping\nexamples: []\n", "non-empty list"),
        ("intent: 42\nexamples: [a]\n", "non-empty string"),
        ("intent: shipping\nexamples:\n  - [nested]\n", "not a string"),
        ("\x00\x01binary", "malformed YAML"),
    ],
)
def test_malformed_training_files_are_reported(tiny_data: Path, content: str, words: str) -> None:
    (tiny_data / "training" / "zzz.yaml").write_text(content, encoding="utf-8")
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    assert data is None
    assert any("zzz.yaml" in m and words in m for m in _messages(problems)), _messages(problems)
