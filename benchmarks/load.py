"""Load test: `csbot serve` with 2 workers on loopback, driven at concurrency 32, beside
in-process `bot.reply` measured in the same run.

    python benchmarks/load.py            # 30 s of load
    python benchmarks/load.py --quick    # 5 s, for CI: checks that it runs (no figure asserted)

Only 127.0.0.1 is ever contacted; the request loop is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from csbot import Bot

MESSAGES = [
    line.split("\t", 1)[1]
    for line in (Path(__file__).resolve().parent.parent / "data" / "heldout.tsv")
    .read_text(encoding="utf-8")
    .splitlines()
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def drive(url: str, seconds: float, concurrency: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def user(n: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        i = n
        while time.perf_counter() < deadline:
            text = MESSAGES[i % len(MESSAGES)]
            start = time.perf_counter()
            try:
                response = await client.post(
                    url, json={"text": text, "session_id": f"load-{n}-{i // 7}"}
                )
                failure = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                failure = f"{type(error).__name__}: {error}"
            latencies.append(time.perf_counter() - start)
            if failure is not None:
                errors += 1
                print(f"request failed: {failure} (text {text!r})", file=sys.stderr)
            i += concurrency

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(user(n, client) for n in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


def in_process(seconds: float) -> tuple[list[float], float]:
    bot = Bot.load(Path(__file__).resolve().parent.parent / "models")
    for text in MESSAGES:
        bot.reply(text)
    latencies = []
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    i = 0
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        bot.reply(MESSAGES[i % len(MESSAGES)], session_id=f"p-{i // 7}")
        latencies.append(time.perf_counter() - t)
        i += 1
    return latencies, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 30.0)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "csbot.cli", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # each of the two workers must be ready: ask until both have answered
                if all(httpx.get(base + "/readyz").status_code == 200 for _ in range(4)):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        latencies, errors, elapsed = asyncio.run(
            drive(base + "/v1/reply", seconds, args.concurrency)
        )
    finally:
        server.terminate()
        server.wait(timeout=15)
    local, local_elapsed = in_process(seconds)
    print(f"{seconds:.0f} s, concurrency {args.concurrency}, `csbot serve --workers 2` on 127.0.0.1 "
          f"({os.cpu_count()} cores; the load generator shares them)")  # fmt: skip
    print("| where | requests | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    print(f"| HTTP /v1/reply | {len(latencies)} | {len(latencies) / elapsed:,.0f} | "
          f"{percentile(latencies, 0.5) * 1e3:.2f} | {percentile(latencies, 0.99) * 1e3:.2f} | {errors} |")  # fmt: skip
    print(f"| in-process bot.reply (1 thread) | {len(local)} | {len(local) / local_elapsed:,.0f} | "
          f"{statistics.median(local) * 1e3:.2f} | {percentile(local, 0.99) * 1e3:.2f} | 0 |")  # fmt: skip
    if errors:
        raise SystemExit(f"{errors} request(s) failed")


if __name__ == "__main__":
    main()
