"""Per-conversation state and the stores that keep it between messages."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

MAX_TURNS = 10
DEFAULT_TTL_SECONDS = 30 * 60
DEFAULT_MAX_SESSIONS = 100_000


@dataclass(frozen=True, slots=True)
class Turn:
    """One customer message as remembered: masked text, intent and emotion score."""

    text: str
    intent: str
    confidence: float
    emotion: float


@dataclass(frozen=True, slots=True)
class PendingSlot:
    """The bot asked for a value (e.g. an order number) to answer an FAQ entry."""

    faq_id: str
    intent: str
    slot: str


@dataclass(frozen=True, slots=True)
class PendingClarification:
    """The bot asked which of two intents the customer meant."""

    options: tuple[str, ...]
    question: str  # the (masked) message that was unclear
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class SessionState:
    """What the bot remembers of one conversation. Immutable: each turn makes a new one."""

    turns: tuple[Turn, ...] = ()
    entities: Mapping[str, str] = field(default_factory=dict)  # kind -> latest value
    fallbacks: int = 0  # consecutive messages the bot could not understand
    negative_turns: int = 0  # messages in which the customer sounded irritated
    pending_slot: PendingSlot | None = None
    pending_clarification: PendingClarification | None = None

    def with_turn(self, turn: Turn) -> SessionState:
        return replace(self, turns=(*self.turns, turn)[-MAX_TURNS:])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionState:
        slot = data.get("pending_slot")
        clarification = data.get("pending_clarification")
        return cls(
            turns=tuple(Turn(**t) for t in data.get("turns", ())),
            entities=dict(data.get("entities", {})),
            fallbacks=int(data.get("fallbacks", 0)),
            negative_turns=int(data.get("negative_turns", 0)),
            pending_slot=PendingSlot(**slot) if slot else None,
            pending_clarification=(
                PendingClarification(
                    tuple(clarification["options"]),
                    clarification["question"],
                    int(clarification.get("attempts", 1)),
                )
                if clarification
                else None
            ),
        )


@runtime_checkable
class SessionStore(Protocol):
    """Where conversation state lives between messages; implement it to plug in a store."""

    def get(self, session_id: str) -> SessionState | None: ...

    def put(self, session_id: str, state: SessionState) -> None: ...

    def delete(self, session_id: str) -> None: ...


class InMemorySessionStore:
    """Sessions in this process: expire after `ttl_seconds` without a message, and the
    least recently used go first when more than `max_sessions` exist. Thread-safe."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_sessions <= 0:
            raise ValueError("ttl_seconds and max_sessions must be positive")
        self.ttl_seconds = ttl_seconds
        self.max_sessions = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, tuple[float, SessionState]] = OrderedDict()

    def get(self, session_id: str) -> SessionState | None:
        now = self._clock()
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return None
            if now - entry[0] > self.ttl_seconds:
                del self._sessions[session_id]
                return None
            return entry[1]

    def put(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        with self._lock:
            self._sessions[session_id] = (now, state)
            self._sessions.move_to_end(session_id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            # Expired sessions at the old end go too, so memory follows live conversations.
            while self._sessions:
                oldest_id, (seen, _) = next(iter(self._sessions.items()))
                if now - seen <= self.ttl_seconds:
                    break
                del self._sessions[oldest_id]

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
