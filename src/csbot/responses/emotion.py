"""How angry or distressed a customer sounds, as a score in [0, 1].

Two views, the larger wins: a transparent lexicon (each cue adds evidence, noisy-or) and a
logistic regression on character n-grams and words trained from `data/emotion.yaml`.
Earlier irritated turns in the conversation raise the score, as repeated complaints
would with a person, and so does asking the same thing again."""

from __future__ import annotations

import re
from collections.abc import Sequence

from csbot.intents.features import FeatureCounter, feature_strings
from csbot.intents.text import fold

# (pattern, weight): a weight is how sure one cue alone makes us that the customer is upset.
_CUES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), weight)
    for pattern, weight in (
        # insults and swearing
        (
            r"垃圾|破店|黑店|奸商|骗子|骗人|骗钱|坑爹|坑人|坑钱|无良|缺德|恶心|垃圾店|什么玩意|"
            r"妈的|他妈|tmd|尼玛|卧槽|我靠|^靠|靠!|滚|傻逼|sb|脑残|有病|去死|wtf|shit|混蛋|王八|老子|"
            r"屁|土匪|强盗|眼瞎|瞎了|抢钱|吞我的钱|耍猴|骗鬼|骗谁|当我死|死哪|装死|会死吗|造孽|"
            r"破(玩意|东西|耳机|手机|质量|快递|平台|客服|系统|烂)",
            0.75,
        ),
        # anger and disbelief
        (
            r"气死|太气人|气人|火大|生气|愤怒|无语|离谱|过分|太过分|欺人太甚|欺负人|忍无可忍|"
            r"什么态度|态度差|态度恶劣|耍我|玩我|当我傻|糊弄|敷衍|踢皮球|推卸|不要脸|良心|"
            r"还好意思|凭什么|搞什么|什么鬼|就这么做生意|这么做生意|打发叫花子|打发要饭|说话不算话|"
            r"失望透顶|烦死|烦人|服了|受气|好欺负|听不懂(人话)?|推三阻四|摆设|筛子|复读机|好自为之|"
            r"避雷|全网|仲裁|谁负责|你们赔|赔我|损失.{0,4}赔|别跟我说|不要再跟我说|出来说话|"
            r"你们(可)?真行|真是绝了|诚信|靠谱点|谁在骗|骗我|什么意思[?？]|差十万八千里",
            0.6,
        ),
        # distress
        (r"急死|要哭|哭了|崩溃|绝望|受不了|没法过|疯了|心累|太难了|气哭|睡不着", 0.55),
        # threats and escalation
        (
            r"12315|消协|消费者协会|工商|市场监管|起诉|律师|法院|报警|黑猫|曝光|发微博|发抖音|"
            r"小红书.{0,4}(发|曝)|媒体|维权|等着吧|走着瞧|给差评|打差评|差评预定|必须差评|一星",
            0.55,
        ),
        (r"投诉|举报", 0.3),
        # repeated asking and waiting
        (
            r"到底|究竟|几次了|多少次|说了.{0,3}遍|第[二三四五六七八九十几]次|还要等多久|等了.{0,4}(天|周|星期|个月)|"
            r"一直没人|没人管|没人理|不回复|已读不回",
            0.3,
        ),
        # emoji and WeChat faces of anger or tears
        (r"[😡🤬💢😤😠👿]|\[(发怒|怒|抓狂|鄙视|骷髅|炸弹|大哭|流泪|撇嘴)\]", 0.5),
        (r"[😭😩😫]", 0.3),
        (r"\[微笑\]|呵呵", 0.35),
        # shouting: runs of ? and !
        (r"[?？!！]{3,}", 0.4),
        (r"[?？!！]{2}", 0.2),
    )
)
# Phrases that say the customer is NOT upset although a cue word appears.
_CALM = re.compile(
    r"不是要投诉|不投诉|没别的意思|不生气|没生气|别误会|开玩笑|哈哈|谢谢|辛苦了|规则|流程|怎么给|"
    r"了解一下|不着急|不急|先问清楚"
)
_CALM_FACTOR = 0.4
HISTORY_WEIGHT = 0.15  # each earlier irritated turn in the session
IRRITATED = 0.2  # a score from which a turn counts as irritated for later turns
NEGATIVE, NEUTRAL = "negative", "neutral"
_RUNS = re.compile(r"(.)\1{3,}")
# One question mark asks a question; only doubled ones (?? ?! ...) carry impatience.
_LONE_QUESTION_MARK = re.compile(r"(?<![?!])\?(?![?!])")


def _light(text: str) -> str:
    return _LONE_QUESTION_MARK.sub(" ", _RUNS.sub(r"\1\1\1", fold(text)))


def _words(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t != "?"]  # question marks count in the characters only


def emotion_features(text: str, tokens: Sequence[str]) -> list[str]:
    """Features of the emotion model: character 1-3-grams of the text as typed (width and
    case folded, runs of ！？ kept up to three, a lone question mark dropped) and the
    message's jieba words."""
    return feature_strings(_words(tokens), [_light(text)], bigrams=False)


def emotion_counts(counter: FeatureCounter, text: str, tokens: Sequence[str]) -> dict[int, int]:
    """`count_strings(counter.vocabulary, emotion_features(text, tokens))`, computed directly."""
    return counter.count(_words(tokens), [_light(text)], bigrams=False)


def lexicon_score(text: str) -> float:
    """The lexicon's view alone: 0 when no cue of anger or distress is found."""
    text = fold(text)
    calm_probability = 1.0
    for pattern, weight in _CUES:
        if pattern.search(text):
            calm_probability *= 1.0 - weight
    score = 1.0 - calm_probability
    if score and _CALM.search(text):
        score *= _CALM_FACTOR
    return score


def repeats(text: str, earlier: str) -> bool:
    """Whether a message says the customer's previous one again (case, punctuation, spaces
    and emoji aside): asking the same thing twice is impatience, however calm the words."""
    key = "".join(ch for ch in fold(text) if ch.isalnum())
    return bool(key) and key == "".join(ch for ch in fold(earlier) if ch.isalnum())


def emotion_score(
    text: str, model_probability: float = 0.0, earlier_irritated_turns: int = 0
) -> float:
    """0 for a calm message, near 1 for an angry or desperate one: the larger of the
    lexicon's score and the model's probability, raised by earlier irritated turns."""
    score = max(lexicon_score(text), model_probability)
    if earlier_irritated_turns and score >= IRRITATED / 2:
        score = 1.0 - (1.0 - score) * (1.0 - HISTORY_WEIGHT) ** earlier_irritated_turns
    return round(min(max(score, 0.0), 1.0), 4)
