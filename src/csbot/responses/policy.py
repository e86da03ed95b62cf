"""The conversation policy: answer, ask (which intent, or for an order number) or hand
off. A pure function of the message, the session state and the knowledge base."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Literal

from csbot.entities import Entity
from csbot.intents.classifier import OUT_OF_SCOPE
from csbot.responses.emotion import IRRITATED
from csbot.responses.knowledge_base import SLOTS, FaqEntry, KnowledgeBase, UrgentRule
from csbot.responses.render import placeholders
from csbot.sessions import PendingClarification, PendingSlot, SessionState, Turn, append_turn
from csbot.types import HandoffReason, Prediction, Priority

SLOT_NAMES = frozenset(SLOTS)
# Intents that are not a customer's business question: never offered as clarification options.
NOT_BUSINESS = frozenset({OUT_OF_SCOPE, "greeting", "thanks", "human_agent"})
_PRIORITY_ORDER: tuple[Priority, ...] = ("normal", "high", "urgent")
_CHOICE = re.compile(r"^(?:选|是|要)?第?([12一二])(?:个|种|项|条)?(?:吧|呀|啊|哦|的)?$")
_CHOICE_WORDS = {"前者": 0, "前一个": 0, "前面那个": 0, "后者": 1, "后一个": 1, "后面那个": 1}
# A reply's probability for one option must be this high, and this many times the other's,
# to count as choosing it.
CHOICE_MIN_PROBABILITY = 0.3
CHOICE_RATIO = 2.0

Kind = Literal["answer", "clarify", "ask_slot", "handoff", "fallback", "rating"]
CLOSING_INTENT = "thanks"
_RATING_NUMBER = re.compile(r"^(?:打|给|评)?([1-5一二三四五])(?:分|星|颗星)?(?:好评|吧|的|哦|啊)?$")
_RATING_WORDS = (  # longest first: 非常不满意 before 不满意 before 满意
    ("非常不满意", 1),
    ("很不满意", 1),
    ("很差", 1),
    ("太差", 1),
    ("不满意", 2),
    ("一般般", 3),
    ("一般", 3),
    ("还行", 3),
    ("非常满意", 5),
    ("很满意", 5),
    ("五星好评", 5),
    ("满意", 4),
    ("好评", 5),
)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
Matcher = Callable[[str, str], "FaqEntry | None"]


@dataclass(frozen=True, slots=True)
class Message:
    """One customer message with what the bot has worked out about it."""

    text: str
    masked: str
    normalized: str
    prediction: Prediction
    probabilities: Mapping[str, float]
    emotion: float
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message: which template to render, and whether to hand off."""

    kind: Kind
    intent: str
    confidence: float
    template: str
    state: SessionState
    faq_id: str | None = None
    prefix: str = ""
    suffix: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    handoff: HandoffReason | None = None
    priority: Priority = "normal"
    queue: str = "general"
    rating: int | None = None  # a satisfaction rating the customer just gave


def pick(options: Sequence[str], key: str) -> str:
    """One of `options`, the same one every time for the same `key`."""
    return options[zlib.crc32(key.encode("utf-8", "replace")) % len(options)]


def decide(
    message: Message,
    state: SessionState,
    kb: KnowledgeBase,
    match: Matcher,
    available: frozenset[str] = frozenset(),
) -> Decision:
    """The next move. `match(text, intent)` finds the FAQ entry for a text within an
    intent; `available` names template variables the embedding service supplied."""
    settings = kb.settings
    prediction = message.prediction
    upset = message.emotion >= settings["emotion_threshold"]
    entities: dict[str, str] = {**state.entities, **{e.kind: e.value for e in message.entities}}
    turn = Turn(message.masked, prediction.intent, prediction.confidence, message.emotion)
    pending_slot, pending_clarification = state.pending_slot, state.pending_clarification
    awaiting_rating = state.awaiting_rating
    # every field but `fallbacks` changes: built directly, a third of `replace`'s cost
    state = SessionState(
        turns=append_turn(state.turns, turn),
        entities=entities,
        fallbacks=state.fallbacks,
        negative_turns=state.negative_turns + int(message.emotion >= IRRITATED),
    )
    key = message.normalized

    if awaiting_rating:
        rating = parse_rating(message.normalized)
        if rating is not None:
            return Decision(
                "rating",
                prediction.intent,
                prediction.confidence,
                kb.messages["rating_thanks"],
                state,
                rating=rating,
            )

    rule = _urgent_rule(message.normalized, kb.urgent)
    if rule is not None:
        return Decision(
            "handoff",
            prediction.intent,
            prediction.confidence,
            pick(rule.answers, key),
            replace(state, fallbacks=0),
            handoff="urgent",
            priority="urgent",
            queue=rule.queue,
        )

    if pending_slot is not None:
        given = pending_slot.slot in {e.kind for e in message.entities}
        if given or not _is_question(prediction):
            slot_entry = kb.faq(pending_slot.faq_id)
            return _answer(
                kb,
                state,
                slot_entry.intent,
                prediction.confidence,
                slot_entry,
                key,
                upset,
                available,
            )

    if pending_clarification is not None:
        choice = _resolve_choice(message, pending_clarification.options, kb)
        if choice is not None:
            chosen, by_question = choice
            # A pick by number or name answers the question asked before; a new question
            # about one of the options is itself what to answer.
            asked = message.text if by_question else pending_clarification.question
            chosen_entry = match(asked, chosen)
            return _answer_or_ask(
                kb, state, chosen, prediction.confidence, chosen_entry, key, upset, available
            )
        if not _is_question(prediction) or _ambiguous(prediction, settings):
            return Decision(
                "handoff",
                prediction.intent,
                prediction.confidence,
                kb.messages["clarification_failed"],
                replace(state, fallbacks=0),
                handoff="clarification_failed",
                queue=kb.intent(pending_clarification.options[0]).queue,
            )

    spec = kb.intent(prediction.intent)
    if spec.handoff is None and _ambiguous(prediction, settings) and not upset:
        options = (prediction.ranking[0].intent, prediction.ranking[1].intent)
        return Decision(
            "clarify",
            prediction.intent,
            prediction.confidence,
            kb.messages["clarify"],
            replace(state, pending_clarification=PendingClarification(options, message.masked)),
            values={
                "option_1": kb.intent(options[0]).title,
                "option_2": kb.intent(options[1]).title,
            },
        )

    if prediction.intent == OUT_OF_SCOPE and spec.handoff is None:
        fallbacks = state.fallbacks + 1
        if upset:
            return Decision(
                "handoff",
                OUT_OF_SCOPE,
                prediction.confidence,
                kb.messages["negative_emotion"],
                replace(state, fallbacks=0),
                prefix=kb.messages["calm"],
                handoff="negative_emotion",
                priority="high",
                queue=spec.queue,
            )
        if fallbacks >= settings["fallbacks_before_handoff"]:
            return Decision(
                "handoff",
                OUT_OF_SCOPE,
                prediction.confidence,
                kb.messages["low_confidence"],
                replace(state, fallbacks=0),
                handoff="low_confidence",
                queue=spec.queue,
            )
        return Decision(
            "fallback",
            OUT_OF_SCOPE,
            prediction.confidence,
            pick(spec.default_answers, key),
            replace(state, fallbacks=fallbacks),
        )

    entry = match(message.text, prediction.intent)
    return _answer_or_ask(
        kb, state, prediction.intent, prediction.confidence, entry, key, upset, available
    )


def _answer_or_ask(
    kb: KnowledgeBase,
    state: SessionState,
    intent: str,
    confidence: float,
    entry: FaqEntry | None,
    key: str,
    upset: bool,
    available: frozenset[str],
) -> Decision:
    """Answer, unless the FAQ entry needs a value (e.g. an order number) nobody gave yet."""
    if entry is not None and kb.intent(intent).handoff is None and not upset:
        missing = [s for s in entry.requires if s not in state.entities and s not in available]
        if missing:
            pending = PendingSlot(entry.id, intent, missing[0])
            return Decision(
                "ask_slot",
                intent,
                confidence,
                kb.messages[f"ask_{missing[0]}"],
                replace(state, pending_slot=pending, fallbacks=0),
                faq_id=entry.id,
            )
    return _answer(kb, state, intent, confidence, entry, key, upset, available)


def choose_answer(options: Sequence[str], key: str, known: Set[str]) -> str:
    """One of an answer's variants, the same for the same `key`: one that uses a value the
    customer (or the embedding service) gave, such as the order number, when there is one,
    so that the answer does not ask for it again; otherwise one that needs no slot value
    nobody gave."""
    needs = [set(placeholders(o)) & SLOT_NAMES for o in options]
    using = [o for o, slots in zip(options, needs, strict=True) if slots and slots <= known]
    if using:
        return pick(using, key)
    without = [o for o, slots in zip(options, needs, strict=True) if not slots - known]
    return pick(without or options, key)


def _answer(
    kb: KnowledgeBase,
    state: SessionState,
    intent: str,
    confidence: float,
    entry: FaqEntry | None,
    key: str,
    upset: bool,
    available: frozenset[str],
) -> Decision:
    """The FAQ entry's (or the intent's default) answer, with the intent's hand-off, or a
    calming hand-off when the customer is upset."""
    spec = kb.intent(intent)
    known = available | state.entities.keys()
    template = choose_answer(entry.answers if entry else spec.default_answers, key, known)
    if state.fallbacks:
        state = replace(state, fallbacks=0)
    faq_id = entry.id if entry else None
    if spec.handoff is not None:
        priority = _max_priority(spec.priority, "high" if upset else "normal")
        # Complaint and urgent answers are written to soothe already; a plain request for a
        # person from an upset customer gets the apology first.
        prefix = kb.messages["calm"] if upset and spec.handoff == "requested" else ""
        return Decision(
            "handoff",
            intent,
            confidence,
            template,
            state,
            faq_id,
            prefix=prefix,
            handoff=spec.handoff,
            priority=priority,
            queue=spec.queue,
        )
    if upset:
        return Decision(
            "handoff",
            intent,
            confidence,
            template,
            state,
            faq_id,
            prefix=kb.messages["calm"],
            suffix=kb.messages["negative_emotion"],
            handoff="negative_emotion",
            priority=_max_priority(spec.priority, "high"),
            queue=spec.queue,
        )
    if intent == CLOSING_INTENT and kb.settings["ask_rating"]:
        return Decision(
            "answer",
            intent,
            confidence,
            template,
            replace(state, awaiting_rating=True),
            faq_id,
            suffix=kb.messages["ask_rating"],
        )
    return Decision("answer", intent, confidence, template, state, faq_id)


def _is_question(prediction: Prediction) -> bool:
    """A confidently understood message that is more than a greeting or thanks."""
    return (
        prediction.intent not in NOT_BUSINESS - {"human_agent"} and not prediction.below_threshold
    )


def _ambiguous(prediction: Prediction, settings: Mapping[str, float]) -> bool:
    """The top two intents are both business intents and too close to call."""
    if len(prediction.ranking) < 2:
        return False
    first, second = prediction.ranking[0], prediction.ranking[1]
    return (
        first.intent not in NOT_BUSINESS
        and second.intent not in NOT_BUSINESS
        and first.confidence - second.confidence < settings["clarify_margin"]
        and first.confidence < settings["clarify_below"]
    )


def _resolve_choice(
    message: Message, options: tuple[str, ...], kb: KnowledgeBase
) -> tuple[str, bool] | None:
    """Which option the customer picked, and whether by asking a question that is clearly
    about one of them (rather than by number, 1, 第一个, 后者, or by name)."""
    bare = re.sub(r"[^\w]", "", message.normalized)
    number = _CHOICE.match(bare)
    if number:
        return options[0 if number.group(1) in "1一" else 1], False
    if bare in _CHOICE_WORDS:
        return options[_CHOICE_WORDS[bare]], False
    named = [
        o
        for o in options
        if len(bare) >= 2 and (bare in kb.intent(o).title or kb.intent(o).title in bare)
    ]
    if len(named) == 1:
        return named[0], False
    ranked = sorted(options, key=lambda o: -message.probabilities.get(o, 0.0))
    best, other = (message.probabilities.get(o, 0.0) for o in ranked[:2])
    if best >= CHOICE_MIN_PROBABILITY and best >= CHOICE_RATIO * other:
        return ranked[0], True
    return None


def _urgent_rule(normalized: str, rules: Sequence[UrgentRule]) -> UrgentRule | None:
    for rule in rules:
        if any(keyword in normalized for keyword in rule.keywords):
            return rule
    return None


def _max_priority(a: Priority, b: Priority) -> Priority:
    return max(a, b, key=_PRIORITY_ORDER.index)


def parse_rating(normalized: str) -> int | None:
    """A 1-5 rating from a reply such as 5, 五星, 4分, 非常满意 or 不满意; None otherwise."""
    bare = re.sub(r"[^\w]", "", normalized)
    number = _RATING_NUMBER.match(bare)
    if number:
        digit = number.group(1)
        return _CHINESE_DIGITS.get(digit) or int(digit)
    if len(bare) <= 8:
        for word, rating in _RATING_WORDS:
            if word in bare:
                return rating
    return None
