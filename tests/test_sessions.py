import threading

import pytest

from csbot.sessions import (
    InMemorySessionStore,
    PendingClarification,
    PendingSlot,
    SessionState,
    SessionStore,
    Turn,
    append_turn,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


STATE = SessionState(turns=(Turn("你好", "greeting", 0.9, 0.0),))


def test_in_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(InMemorySessionStore(), SessionStore)


def test_sessions_expire_after_the_ttl_without_messages() -> None:
    clock = Clock()
    store = InMemorySessionStore(ttl_seconds=1800, clock=clock)
    store.put("a", STATE)
    clock.now += 1799
    assert store.get("a") == STATE
    clock.now += 1801
    assert store.get("a") is None
    assert len(store) == 0


def test_a_message_refreshes_the_ttl() -> None:
    clock = Clock()
    store = InMemorySessionStore(ttl_seconds=100, clock=clock)
    store.put("a", STATE)
    for _ in range(5):
        clock.now += 90
        store.put("a", store.get("a") or SessionState())
    assert store.get("a") == STATE


def test_least_recently_used_session_is_evicted_beyond_the_bound() -> None:
    store = InMemorySessionStore(max_sessions=2, clock=Clock())
    store.put("a", STATE)
    store.put("b", STATE)
    store.put("a", STATE)  # a is now the most recent
    store.put("c", STATE)
    assert store.get("b") is None
    assert store.get("a") == STATE and store.get("c") == STATE
    assert len(store) == 2


def test_expired_sessions_are_dropped_on_write() -> None:
    clock = Clock()
    store = InMemorySessionStore(ttl_seconds=10, clock=clock)
    for i in range(100):
        store.put(str(i), STATE)
    clock.now += 11
    store.put("new", STATE)
    assert len(store) == 1


def test_store_stays_bounded_and_consistent_under_threads() -> None:
    store = InMemorySessionStore(max_sessions=500)

    def work(offset: int) -> None:
        for i in range(2000):
            sid = f"{offset}-{i}"
            store.put(sid, STATE)
            store.get(sid)
            if i % 7 == 0:
                store.delete(sid)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 500


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        InMemorySessionStore(ttl_seconds=0)


def test_state_round_trips_through_a_plain_dict() -> None:
    state = SessionState(
        turns=(Turn("物流不动了", "shipping", 0.9, 0.1),),
        entities={"order_id": "240312-558712093"},
        fallbacks=1,
        negative_turns=2,
        pending_slot=PendingSlot("shipping_stuck", "shipping", "order_id"),
        pending_clarification=PendingClarification(("shipping", "refund"), "快递还是退款", 1),
    )
    assert SessionState.from_dict(state.to_dict()) == state


def test_only_the_last_turns_are_kept() -> None:
    turns: tuple[Turn, ...] = ()
    for i in range(25):
        turns = append_turn(turns, Turn(str(i), "shipping", 0.9, 0.0))
    assert len(turns) == 10 and turns[-1].text == "24"
