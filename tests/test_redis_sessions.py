"""Sessions shared through a real redis-server, started by these tests."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from csbot.sessions import RedisSessionStore, SessionState, Turn, session_store_from_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError("service did not come up")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait(lambda: redis.Redis.from_url(url).ping())
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


STATE = SessionState(
    turns=(Turn("物流不动了", "shipping", 0.9, 0.1),), entities={"order_id": "240312-558712093"}
)


def test_state_round_trips_through_redis_with_prefix_and_ttl(redis_url: str) -> None:
    store = RedisSessionStore(redis_url, prefix="test:", ttl_seconds=120)
    store.put("a", STATE)
    assert store.get("a") == STATE
    client = redis.Redis.from_url(redis_url)
    assert client.exists("test:a") and 0 < client.ttl("test:a") <= 120
    store.delete("a")
    assert store.get("a") is None and store.ping()


def test_sessions_expire_in_redis(redis_url: str) -> None:
    store = RedisSessionStore(redis_url, prefix="ttl:", ttl_seconds=1)
    store.put("b", STATE)
    time.sleep(2.1)
    assert store.get("b") is None


def test_an_unreadable_value_starts_afresh(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).set("bad:c", b"{not json")
    assert RedisSessionStore(redis_url, prefix="bad:").get("c") is None


def test_store_is_chosen_by_url(redis_url: str) -> None:
    assert isinstance(session_store_from_url(redis_url), RedisSessionStore)
    with pytest.raises(ValueError, match="memory"):
        session_store_from_url("mongodb://x")


def test_a_conversation_continues_across_two_server_processes(
    redis_url: str, tmp_path: Path
) -> None:
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "csbot.cli",
                "serve",
                "--port",
                str(port),
                "--sessions",
                redis_url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _wait(lambda p=port: httpx.get(f"http://127.0.0.1:{p}/readyz").status_code == 200, 60)
        first = httpx.post(
            f"http://127.0.0.1:{ports[0]}/v1/reply",
            json={"text": "物流三天没更新了", "session_id": "x1"},
        ).json()
        assert "订单号" in first["text"]
        second = httpx.post(
            f"http://127.0.0.1:{ports[1]}/v1/reply",
            json={"text": "订单号240312-558712093", "session_id": "x1"},
        ).json()
        assert second["faq_id"] == "shipping_tracking_stuck"
        assert "240312-558712093" in second["text"]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
