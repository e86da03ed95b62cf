"""Per-conversation state and the stores that keep it between messages."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
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


def append_turn(turns: tuple[Turn, ...], turn: Turn) -> tuple[Turn, ...]:
    """`turns` with `turn` added, the oldest dropped beyond MAX_TURNS."""
    return (*turns, turn)[-MAX_TURNS:]


@dataclass(frozen=True, slots=True)
class SessionState:
    """What the bot remembers of one conversation. Immutable: each turn makes a new one."""

    turns: tuple[Turn, ...] = ()
    entities: Mapping[str, str] = field(default_factory=dict)  # kind -> latest value
    fallbacks: int = 0  # consecutive messages the bot could not understand
    negative_turns: int = 0  # messages in which the customer sounded irritated
    pending_slot: PendingSlot | None = None
    pending_clarification: PendingClarification | None = None
    awaiting_rating: bool = False  # the bot asked for a 1-5 rating of the conversation

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
            awaiting_rating=bool(data.get("awaiting_rating", False)),
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


class RedisSessionStore:
    """Sessions in Redis, so that any worker or machine can continue a conversation.

    Each session is one JSON value under `prefix + session_id` with a TTL that every write
    renews; Redis's own expiry and memory policy bound what is kept. Needs the `redis`
    package (`pip install csbot[server]`).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "csbot:session:",
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        client: Any = None,
    ) -> None:
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.url = url
        self.prefix = prefix
        self.ttl_seconds = int(ttl_seconds)
        self._client = client

    def get(self, session_id: str) -> SessionState | None:
        raw = self._client.get(self.prefix + session_id)
        if raw is None:
            return None
        try:
            return SessionState.from_dict(json.loads(raw))
        except (ValueError, TypeError, KeyError):
            return None  # a value this version cannot read: start the conversation afresh

    def put(self, session_id: str, state: SessionState) -> None:
        value = json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"))
        self._client.set(self.prefix + session_id, value.encode("utf-8"), ex=self.ttl_seconds)

    def delete(self, session_id: str) -> None:
        self._client.delete(self.prefix + session_id)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except Exception:
            return False


def session_store_from_url(url: str | None) -> SessionStore:
    """`memory` (or nothing) for the in-process store, `redis://...` for Redis."""
    if url is None or url == "memory":
        return InMemorySessionStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisSessionStore(url)
    raise ValueError(f"sessions must be 'memory' or a redis:// URL, not {url!r}")
