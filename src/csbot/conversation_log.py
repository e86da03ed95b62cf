"""The conversation log: every reply (and every satisfaction rating) as an event, masked,
in an embedded SQLite database or any sink the embedding service provides."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

SCHEMA_VERSION = 2
# Each step upgrades the database from the version before it; a new database runs them all.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        session_id TEXT,
        text TEXT NOT NULL,
        intent TEXT NOT NULL,
        confidence REAL NOT NULL,
        faq_id TEXT,
        handoff_reason TEXT
    );
    CREATE INDEX replies_time ON replies (time);
    """,
    """
    ALTER TABLE replies ADD COLUMN emotion REAL NOT NULL DEFAULT 0;
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        session_id TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5)
    );
    CREATE INDEX ratings_session ON ratings (session_id);
    """,
)


@dataclass(frozen=True, slots=True)
class ReplyEvent:
    """One answered message. `text` is already masked: no phone, order or address in it."""

    time: float
    session_id: str | None
    text: str
    intent: str
    confidence: float
    faq_id: str | None
    handoff_reason: str | None
    emotion: float = 0.0


@dataclass(frozen=True, slots=True)
class RatingEvent:
    """A customer's 1-5 satisfaction rating of a conversation."""

    time: float
    session_id: str
    rating: int


@runtime_checkable
class EventSink(Protocol):
    """Where the bot sends its events; implement it to send them to your own logging."""

    def record(self, event: ReplyEvent | RatingEvent) -> None: ...


class CallbackSink:
    """Calls a function with every event (e.g. to write JSON lines to the service's log)."""

    def __init__(self, callback: Callable[[ReplyEvent | RatingEvent], None]) -> None:
        self.callback = callback

    def record(self, event: ReplyEvent | RatingEvent) -> None:
        self.callback(event)


class SQLiteLog:
    """Events in a SQLite file in WAL mode: safe for several threads (one connection each)
    and several processes; the schema carries its version and upgrades itself on open."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            _upgrade(db)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def record(self, event: ReplyEvent | RatingEvent) -> None:
        if isinstance(event, RatingEvent):
            self._db().execute(
                "INSERT INTO ratings (time, session_id, rating) VALUES (?, ?, ?)",
                (event.time, event.session_id, event.rating),
            )
        else:
            self._db().execute(
                "INSERT INTO replies (time, session_id, text, intent, confidence, faq_id,"
                " handoff_reason, emotion) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event.time, event.session_id, event.text, event.intent, event.confidence,
                 event.faq_id, event.handoff_reason, event.emotion),
            )  # fmt: skip

    def replies(self, since: float = 0.0, until: float | None = None) -> Iterator[ReplyEvent]:
        until = time.time() + 1 if until is None else until
        rows = self._db().execute(
            "SELECT time, session_id, text, intent, confidence, faq_id, handoff_reason, emotion"
            " FROM replies WHERE time >= ? AND time < ? ORDER BY time, id",
            (since, until),
        )
        for row in rows:
            yield ReplyEvent(*row)

    def ratings(self, since: float = 0.0, until: float | None = None) -> Iterator[RatingEvent]:
        until = time.time() + 1 if until is None else until
        rows = self._db().execute(
            "SELECT time, session_id, rating FROM ratings WHERE time >= ? AND time < ?"
            " ORDER BY time, id",
            (since, until),
        )
        for row in rows:
            yield RatingEvent(*row)

    def schema_version(self) -> int:
        return int(self._db().execute("PRAGMA user_version").fetchone()[0])


def _upgrade(db: sqlite3.Connection) -> None:
    """Run the missing migrations, one transaction each; the version is read inside the
    transaction so that two processes opening a new file at once do not both migrate."""
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ValueError(
                    f"log schema {version} is newer than this csbot reads ({SCHEMA_VERSION})"
                )
            if version == SCHEMA_VERSION:
                db.execute("COMMIT")
                return
            for statement in _MIGRATIONS[version].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version={version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
