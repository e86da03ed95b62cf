"""Emotion detection, measured on tests/data/emotion_test.tsv: written apart from
data/emotion.yaml, never trained on, and never used to tune the lexicon (that was
emotion_dev.tsv)."""

from pathlib import Path

import pytest

from csbot import Bot
from csbot.intents.evaluate import read_labelled_file
from csbot.intents.text import normalize
from csbot.responses.emotion import emotion_score, lexicon_score, repeats

DATA = Path(__file__).parent / "data"


def _score(bot: Bot, text: str) -> float:
    tokens = bot.featurizer.tokenizer.tokenize(normalize(text))
    return emotion_score(text, bot.model.negative_probability(text, tokens))


def test_precision_and_recall_on_the_held_out_emotion_set(bot: Bot) -> None:
    threshold = bot.model.knowledge_base.settings["emotion_threshold"]
    pairs = read_labelled_file(DATA / "emotion_test.tsv")
    flagged = [(label, _score(bot, text) >= threshold) for label, text in pairs]
    true_positive = sum(1 for label, hit in flagged if hit and label == "negative")
    precision = true_positive / sum(1 for _, hit in flagged if hit)
    recall = true_positive / sum(1 for label, _ in flagged if label == "negative")
    assert precision >= 0.95, precision
    assert recall >= 0.85, recall


def test_ordinary_customer_questions_rarely_count_as_upset(bot: Bot) -> None:
    """The independently written intent test set, complaints left out: neutral by design."""
    threshold = bot.model.knowledge_base.settings["emotion_threshold"]
    pairs = [
        p
        for p in read_labelled_file(DATA.parent.parent / "data" / "heldout.tsv")
        if p[0] != "complaint"
    ]
    flagged = sum(_score(bot, text) >= threshold for _, text in pairs)
    assert flagged / len(pairs) <= 0.05, flagged


@pytest.mark.parametrize(
    "text",
    ["什么破店 垃圾", "气死我了！！！", "再不退款我就去12315", "你们这些骗子😡", "急死了 要哭了"],
)
def test_lexicon_cues_alone_mark_anger(text: str) -> None:
    assert lexicon_score(text) >= 0.5


@pytest.mark.parametrize("text", ["你好", "快递到哪了", "谢谢亲", "投诉流程是怎样的 了解一下", ""])
def test_calm_messages_score_low(text: str) -> None:
    assert lexicon_score(text) < 0.2


def test_earlier_irritated_turns_raise_the_score() -> None:
    assert emotion_score("还没到吗？？", 0.0, 3) > emotion_score("还没到吗？？", 0.0, 0)
    assert emotion_score("你好", 0.0, 5) == emotion_score("你好", 0.0, 0)


def test_a_message_repeats_the_last_one_despite_punctuation_case_and_emoji() -> None:
    assert repeats("我的快递呢？？", "我的快递呢")
    assert repeats("KD 到哪了 😭", "kd到哪了")
    assert not repeats("我的快递呢", "我的退款呢")
    assert not repeats("？？", "！！")  # nothing said: not a repeated question


def test_asking_the_same_thing_again_raises_the_score_like_an_irritated_turn(bot: Bot) -> None:
    fresh = Bot(bot.model, featurizer=bot.featurizer)
    first = fresh.reply("我的快递呢", session_id="a")
    again = fresh.reply("我的 快递呢", session_id="a")
    other = fresh.reply("那退款呢", session_id="a")
    state = fresh.sessions.get("a")
    assert state is not None
    scores = [t.emotion for t in state.turns]
    assert scores[1] > scores[0] and first.handoff is again.handoff is None
    assert other.intent == "refund"
