"""`csbot eval --faq`: whole replies scored against the FAQ entry a message calls for."""

import json
from pathlib import Path

import pytest

from csbot import Bot
from csbot.cli import main
from csbot.errors import DataError
from csbot.intents.training import TrainingResult
from csbot.responses.faq_evaluation import evaluate_faq, read_faq_file

FAQ_HELDOUT = Path(__file__).parent / "data" / "faq_heldout.tsv"

LINES = (
    "shipping_where\t快递到哪了 帮我查一下物流\n"  # the expected answer
    "shipping_not_shipped\t怎么还没发货啊\n"  # the expected answer
    "shipping_stuck\t快递到哪了 帮我查一下物流\n"  # another shipping entry's answer
    "refund_progress\t怎么还没发货啊\n"  # another intent
)


def test_replies_are_counted_by_outcome_and_misses_kept(tiny_bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "faq.tsv"
    path.write_text(LINES, encoding="utf-8")
    report = evaluate_faq(tiny_bot, read_faq_file(path, tiny_bot.model.knowledge_base))
    assert (report.examples, report.right, report.other_entry, report.other_intent) == (4, 2, 1, 1)
    assert report.default_answer == 0 and report.accuracy == 0.5
    assert [(m.expected, m.faq_id, m.intent) for m in report.misses] == [
        ("shipping_stuck", "shipping_where", "shipping"),
        ("refund_progress", "shipping_not_shipped", "shipping"),
    ]
    assert "shipping_stuck -> shipping · shipping_where: 快递到哪了" in report.format()


def test_an_unknown_faq_id_is_named_with_file_and_line(tiny_bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "faq.tsv"
    path.write_text("shipping_where\t快递到哪了\n# a comment\nshiping_stuck\t物流不动了\n")
    with pytest.raises(DataError) as caught:
        read_faq_file(path, tiny_bot.model.knowledge_base)
    message = str(caught.value)
    assert f"{path}:3: field 'label': unknown FAQ id 'shiping_stuck'" in message
    assert "did you mean 'shipping_stuck'" in message


def test_the_command_prints_the_report_as_text_and_json(
    tiny_trained: tuple[TrainingResult, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "faq.tsv"
    path.write_text(LINES, encoding="utf-8")
    model = str(tiny_trained[1])
    assert main(["eval", "--faq", str(path), "--model", model]) == 0
    assert "the expected answer       2   50.0%" in capsys.readouterr().out
    assert main(["eval", "--faq", str(path), "--model", model, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["accuracy"] == 0.5 and len(printed["misses"]) == 2
    with pytest.raises(SystemExit, match="separate evaluations"):
        main(["eval", "--faq", str(path), "--data", str(path)])


@pytest.mark.parametrize(
    ("name", "least_right", "most_wrong"),
    [("faq_heldout.tsv", 0.88, 0.08), ("faq_heldout2.tsv", 0.83, 0.11)],
)
def test_the_bundled_knowledge_base_answers_independently_written_questions(
    bot: Bot, name: str, least_right: float, most_wrong: float
) -> None:
    """Messages for each of the 65 FAQ entries by writers who saw the entries' answers but
    not their example questions: faq_heldout.tsv (4 an entry; its misses were read) and
    faq_heldout2.tsv (written after the last questions were added, never looked into; lines
    equal to an example question or a line of the first set dropped)."""
    path = FAQ_HELDOUT.parent / name
    report = evaluate_faq(bot, read_faq_file(path, bot.model.knowledge_base))
    assert report.accuracy >= least_right, report.format()
    wrong = (report.other_entry + report.other_intent) / report.examples
    assert wrong <= most_wrong, report.format()
