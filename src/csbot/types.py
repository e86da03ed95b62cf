"""Values that cross module borders: predictions, replies and hand-offs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


def _plain(value: Any) -> Any:
    """Tuples become lists, recursively, so `to_dict()` equals its JSON round trip."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


HandoffReason = Literal[
    "requested", "urgent", "complaint", "negative_emotion", "low_confidence", "clarification_failed"
]
Priority = Literal["urgent", "high", "normal"]


@dataclass(frozen=True, slots=True)
class ScoredIntent:
    """One intent with the model's probability for it."""

    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the classifier thinks a message is about.

    `intent` is `out_of_scope` either because the model says so or because the top
    probability fell below the model's threshold (`below_threshold` tells which);
    `confidence` is then still the top probability, and `ranking` the model's top 3.
    """

    intent: str
    confidence: float
    ranking: tuple[ScoredIntent, ...]
    below_threshold: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class HandoffSummary:
    """What a human agent needs to continue without asking again; personal data masked."""

    text: str  # one line of Chinese for the agent
    intents: tuple[str, ...]  # intents seen in the conversation, oldest first
    entities: tuple[tuple[str, str], ...]  # (kind, masked value), e.g. ("order_id", "****2093")
    messages: tuple[str, ...]  # the customer's last messages, masked
    emotion: float  # the latest emotion score, 0 calm to 1 angry

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Handoff:
    """A signal to pass the conversation to a human agent: why, how urgent, which team."""

    reason: HandoffReason
    priority: Priority
    queue: str
    summary: HandoffSummary

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Reply:
    """The bot's answer to one message."""

    intent: str
    confidence: float
    text: str
    faq_id: str | None
    handoff: Handoff | None
    alternatives: tuple[ScoredIntent, ...]
    truncated: bool = False  # the message was longer than the bot reads and was cut

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (plain str, float, None, lists and dicts only)."""
        return _plain(asdict(self))  # type: ignore[no-any-return]
