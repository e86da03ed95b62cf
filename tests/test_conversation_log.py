"""The conversation log, ratings, the report, the review queue and safe retraining."""

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from csbot import Bot, DataError, ModelError
from csbot.conversation_log import SCHEMA_VERSION, CallbackSink, RatingEvent, ReplyEvent, SQLiteLog
from csbot.intents.training import TrainingResult, train_and_save
from csbot.persist import ARTIFACT_FILE, previous_dir, rollback
from csbot.report import build_report, format_html, format_text, parse_period
from csbot.responses.policy import parse_rating
from csbot.review import export_for_review, import_reviewed
from csbot.sessions import InMemorySessionStore
from tests.conftest import NO_MINIMUMS


def _logged_bot(bot: Bot, log: object) -> Bot:
    return Bot(bot.model, sessions=InMemorySessionStore(), log=log, featurizer=bot.featurizer)  # type: ignore[arg-type]


def test_replies_are_logged_masked(bot: Bot, tmp_path: Path) -> None:
    log = SQLiteLog(tmp_path / "log.db")
    _logged_bot(bot, log).reply(
        "我电话13812345678 订单号240312558712093 快递到哪了", session_id="s"
    )
    (event,) = log.replies()
    assert event.intent == "shipping" and event.session_id == "s"
    assert "13812345678" not in event.text and "558712093" not in event.text
    raw = (tmp_path / "log.db").read_bytes() + (tmp_path / "log.db-wal").read_bytes()
    assert b"13812345678" not in raw


def test_log_is_wal_versioned_and_upgrades_an_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE replies (id INTEGER PRIMARY KEY, time REAL NOT NULL, session_id TEXT,"
        " text TEXT NOT NULL, intent TEXT NOT NULL, confidence REAL NOT NULL, faq_id TEXT,"
        " handoff_reason TEXT);"
        "INSERT INTO replies VALUES (1, 1.0, 's', '你好', 'greeting', 0.9, NULL, NULL);"
        "PRAGMA user_version=1;"
    )
    old.close()
    log = SQLiteLog(path)
    assert log.schema_version() == SCHEMA_VERSION
    assert [e.emotion for e in log.replies()] == [0.0]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_log_takes_writes_from_many_threads(tmp_path: Path) -> None:
    log = SQLiteLog(tmp_path / "log.db")

    def write(n: int) -> None:
        for i in range(50):
            log.record(ReplyEvent(time.time(), f"s{n}", f"消息{i}", "shipping", 0.9, None, None))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list(log.replies())) == 300


def test_a_callback_sink_receives_the_same_events(bot: Bot) -> None:
    events: list[object] = []
    _logged_bot(bot, CallbackSink(events.append)).reply("转人工", session_id="c")
    assert isinstance(events[0], ReplyEvent) and events[0].handoff_reason == "requested"


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5),
        ("4分", 4),
        ("五星", 5),
        ("给3星", 3),
        ("非常满意", 5),
        ("满意", 4),
        ("不满意", 2),
        ("很差", 1),
        ("一般", 3),
    ],
)
def test_ratings_are_parsed(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize("text", ["6", "我还有个问题", "快递到哪了", "12"])
def test_other_messages_are_not_ratings(text: str) -> None:
    assert parse_rating(text) is None


def test_closing_asks_for_a_rating_and_the_next_message_is_logged_as_one(
    bot: Bot, tmp_path: Path
) -> None:
    log = SQLiteLog(tmp_path / "log.db")
    b = _logged_bot(bot, log)
    b.reply("快递到哪了", session_id="r")
    closing = b.reply("好的谢谢", session_id="r")
    assert "1-5" in closing.text
    thanks = b.reply("5分", session_id="r")
    assert "评价" in thanks.text
    assert [(r.session_id, r.rating) for r in log.ratings()] == [("r", 5)]
    b.reply("快递到哪了", session_id="q")
    assert b.end_conversation("q") is not None  # silence reported by the service
    b.reply("不满意", session_id="q")
    assert sorted(r.rating for r in log.ratings()) == [2, 5]
    assert b.end_conversation("nobody") is None


def _fill(log: SQLiteLog, now: float) -> None:
    week = 7 * 86400
    for i in range(20):  # the previous week: shipping questions
        log.record(
            ReplyEvent(now - week - 1000 - i, f"old{i}", "快递到哪了", "shipping", 0.9, None, None)
        )
    for i in range(10):  # this week: a wave of coupon trouble and a few hand-offs
        log.record(
            ReplyEvent(now - 1000 - i, f"new{i}", "百亿补贴的券用不了", "coupon", 0.8, None, None)
        )
        log.record(ReplyEvent(now - 900 - i, f"new{i}", "快递到哪了", "shipping", 0.9, None, None))
    log.record(ReplyEvent(now - 500, "h", "转人工", "human_agent", 0.95, None, "requested"))
    log.record(ReplyEvent(now - 400, "u", "嗯嗯啊", "out_of_scope", 0.2, None, None))
    log.record(RatingEvent(now - 300, "new1", 5))
    log.record(RatingEvent(now - 300, "h", 2))


def test_report_shows_volume_handoffs_hot_issues_and_satisfaction(tmp_path: Path) -> None:
    log = SQLiteLog(tmp_path / "log.db")
    now = time.time()
    _fill(log, now)
    report = build_report(log, parse_period("7d"), now=now)
    assert report.messages == 22
    assert dict(report.by_intent)["coupon"] == 10
    assert report.handoff_reasons == [("requested", 1)]
    assert report.least_confident[0].text == "嗯嗯啊"
    assert [r.name for r in report.hot_intents] == ["coupon"]
    assert "百亿补贴" in [r.name for r in report.hot_terms]
    assert report.satisfaction_answered.average == 5 and report.satisfaction_handed_off.average == 2
    text = format_text(report)
    assert "hot issues" in text and "coupon" in text
    page = format_html(report)
    assert "<svg" in page and "http" not in page.replace("http-equiv", "")


def test_periods_are_parsed_and_bad_ones_refused() -> None:
    assert parse_period("24h") == 86400 and parse_period("2w") == 14 * 86400
    with pytest.raises(ValueError, match="7d"):
        parse_period("yesterday")


def test_review_export_and_import_without_duplicates(tmp_path: Path, tiny_data: Path) -> None:
    log = SQLiteLog(tmp_path / "log.db")
    now = time.time()
    for text, intent, conf, why in [
        ("驿站取件码是多少", "out_of_scope", 0.3, None),
        ("驿站取件码是多少！", "out_of_scope", 0.3, None),
        ("转人工", "human_agent", 0.95, "requested"),
        ("快递到哪了", "shipping", 0.95, None),
    ]:
        log.record(ReplyEvent(now, "s", text, intent, conf, None, why))
    queue = tmp_path / "review.tsv"
    assert (
        export_for_review(log, queue) == 2
    )  # the confident answer is not exported, the near copy once
    lines = queue.read_text(encoding="utf-8").splitlines()
    labelled = [("shipping" + line if "驿站" in line else line) for line in lines]
    queue.write_text("\n".join(labelled) + "\n", encoding="utf-8")
    result = import_reviewed(queue, tiny_data)
    assert result.added == {"shipping": 1} and result.skipped == 1
    assert "驿站取件码是多少" in (tiny_data / "training" / "shipping.yaml").read_text(
        encoding="utf-8"
    )
    again = import_reviewed(queue, tiny_data)
    assert again.added == {} and again.duplicates == 1


def test_review_import_names_bad_labels_and_changes_nothing(
    tmp_path: Path, tiny_data: Path
) -> None:
    before = (tiny_data / "training" / "refund.yaml").read_bytes()
    queue = tmp_path / "review.tsv"
    queue.write_text(
        "refunds\t我要退钱\trefund\t0.4\tunsure\nrefund\t新的一句退款\trefund\t0.4\tunsure\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"review.tsv:1: field 'label'.*did you mean 'refund'"):
        import_reviewed(queue, tiny_data)
    assert (tiny_data / "training" / "refund.yaml").read_bytes() == before


def test_retraining_refuses_a_worse_model_unless_forced_and_can_roll_back(
    tiny_data: Path, tiny_trained: tuple[TrainingResult, Path], tmp_path: Path
) -> None:
    out = tmp_path / "model"
    train_and_save(tiny_data, out, minimums=NO_MINIMUMS)
    first = (out / ARTIFACT_FILE).read_bytes()
    # Mislabel the shipping examples as refunds: the held-out score must drop.
    path = tiny_data / "training" / "shipping.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("intent: shipping", "intent: refund"),
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="kept the current model"):
        train_and_save(tiny_data, out, minimums=NO_MINIMUMS)
    assert (out / ARTIFACT_FILE).read_bytes() == first
    train_and_save(tiny_data, out, minimums=NO_MINIMUMS, force=True)
    assert (out / ARTIFACT_FILE).read_bytes() != first
    assert (previous_dir(out) / ARTIFACT_FILE).read_bytes() == first
    rollback(out)
    assert (out / ARTIFACT_FILE).read_bytes() == first
    assert json.loads((out / "model.json").read_text())["artifact_sha256"]
    Bot.load(out)


def test_log_takes_writes_from_several_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "log.db"
    code = (
        "import sys, time\n"
        "from csbot.conversation_log import SQLiteLog, ReplyEvent\n"
        "log = SQLiteLog(sys.argv[1])\n"
        "for i in range(100):\n"
        "    log.record(ReplyEvent(time.time(), sys.argv[2], '你好', 'greeting', 0.9, None,"
        " None))\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", code, str(db), f"p{n}"]) for n in range(3)]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0]
    assert len(list(SQLiteLog(db).replies())) == 300
