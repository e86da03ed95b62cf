"""Memory of the in-memory session store under many distinct session ids.

Feeds N distinct session ids (one realistic two-turn state each) through one
InMemorySessionStore with its default bound and reports the store's size and the
Python memory it holds (tracemalloc), against an unbounded dict of the same states.

    python benchmarks/sessions.py            # 1,000,000 ids
    python benchmarks/sessions.py --quick    # 20,000 ids, for CI: checks that it runs
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

from csbot.sessions import DEFAULT_MAX_SESSIONS, InMemorySessionStore, SessionState, Turn


def state_for(i: int) -> SessionState:
    turns = (
        Turn(f"订单号****{i % 10000:04d} 快递三天没更新了", "shipping", 0.93, 0.1),
        Turn("好的谢谢", "thanks", 0.99, 0.0),
    )
    return SessionState(turns=turns, entities={"order_id": f"2403{i:012d}"})


def measure(n: int, bounded: bool, max_sessions: int) -> tuple[int, float, float]:
    gc.collect()
    tracemalloc.start()
    store: InMemorySessionStore | dict[str, SessionState]
    store = InMemorySessionStore(max_sessions=max_sessions) if bounded else {}
    start = time.perf_counter()
    for i in range(n):
        sid = f"session-{i}"
        if isinstance(store, dict):
            store[sid] = state_for(i)
        else:
            store.put(sid, state_for(i))
    seconds = time.perf_counter() - start
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = len(store)
    del store
    return size, current / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 20_000 if args.quick else 1_000_000
    bound = 5_000 if args.quick else DEFAULT_MAX_SESSIONS
    size, mib, seconds = measure(n, True, bound)
    plain_size, plain_mib, _ = measure(min(n, 4 * bound), False, bound)
    per_session = plain_mib / plain_size
    print(f"{n:,} distinct session ids into InMemorySessionStore(max_sessions={bound:,})")
    print(f"{'store':<28}{'sessions kept':>15}{'memory MiB':>12}{'puts/s':>12}")
    print(f"{'InMemorySessionStore':<28}{size:>15,}{mib:>12.1f}{n / seconds:>12,.0f}")
    print(f"{'unbounded dict (extrapol.)':<28}{n:>15,}{per_session * n:>12.1f}{'':>12}")
    print(f"ratio bounded / unbounded memory: {mib / (per_session * n):.3f}")
    assert size <= bound, "the store grew past its bound"


if __name__ == "__main__":
    main()
