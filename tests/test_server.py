"""The HTTP API: endpoints, limits, errors, metrics and the atomic admin reload."""

import shutil
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from csbot import Bot
from csbot.intents.training import TrainingResult
from csbot.resources import default_model_dir
from csbot.server import MAX_BODY_BYTES, create_app
from csbot.sessions import InMemorySessionStore


@pytest.fixture
def client(bot: Bot) -> TestClient:
    fresh = Bot(bot.model, sessions=InMemorySessionStore(), featurizer=bot.featurizer)
    return TestClient(create_app(fresh, admin_token=""))


def test_reply_endpoint_answers_within_a_conversation(client: TestClient) -> None:
    first = client.post("/v1/reply", json={"text": "物流三天没更新了", "session_id": "c1"})
    assert first.status_code == 200 and "订单号" in first.json()["text"]
    second = client.post(
        "/v1/reply",
        json={
            "text": "订单号240312-558712093",
            "session_id": "c1",
            "variables": {"shop_name": "小满"},
        },
    )
    body = second.json()
    assert body["faq_id"] == "shipping_tracking_stuck" and "240312-558712093" in body["text"]


def test_reply_shows_the_handoff(client: TestClient) -> None:
    body = client.post("/v1/reply", json={"text": "转人工"}).json()
    assert body["handoff"]["reason"] == "requested"
    assert body["handoff"]["summary"]["text"]


def test_classify_one_or_a_batch(client: TestClient) -> None:
    one = client.post("/v1/classify", json={"text": "退款什么时候到账"}).json()
    assert one["intent"] == "refund" and len(one["ranking"]) == 3
    many = client.post("/v1/classify", json={"texts": ["你好", "转人工"] * 10}).json()
    assert [p["intent"] for p in many["predictions"][:2]] == ["greeting", "human_agent"]
    assert client.post("/v1/classify", json={"texts": ["x"] * 257}).status_code == 422
    assert client.post("/v1/classify", json={}).status_code == 422
    assert client.post("/v1/classify", json={"text": "a", "texts": ["b"]}).status_code == 422


def test_intents_health_readiness_and_openapi(client: TestClient) -> None:
    names = [i["name"] for i in client.get("/v1/intents").json()["intents"]]
    assert "shipping" in names and "out_of_scope" in names
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    schema = client.get("/openapi.json").json()
    assert {"/v1/reply", "/v1/classify", "/v1/intents"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"text": "你" * 2001}, 422, "text"),
        ({"session_id": "s"}, 422, "text"),
        ({"text": 42}, 422, "text"),
        ({"text": "你好", "variables": {"a": ["b"]}}, 422, "variables.a"),
        ({"text": "你好", "unknown": 1}, 422, "unknown"),
    ],
)
def test_bad_requests_get_422_naming_the_field(
    client: TestClient, payload: object, status: int, field: str
) -> None:
    response = client.post("/v1/reply", json=payload)
    assert response.status_code == status
    assert any(p["field"] == field for p in response.json()["problems"]), response.json()


def test_malformed_json_and_oversized_bodies_are_refused(client: TestClient) -> None:
    bad = client.post(
        "/v1/reply", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 422 and bad.json()["error"] == "invalid request"
    big = client.post(
        "/v1/reply",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413 and "bytes" in big.json()["error"]


def test_metrics_count_requests_intents_and_handoffs(client: TestClient) -> None:
    client.post("/v1/reply", json={"text": "转人工"})
    client.post("/v1/reply", json={"text": "我的快递到哪了"})
    text = client.get("/metrics").text
    assert 'csbot_requests_total{endpoint="/v1/reply",status="200"} 2' in text
    assert 'csbot_replies_total{intent="human_agent"} 1' in text
    assert 'csbot_handoffs_total{reason="requested"} 1' in text
    assert 'csbot_request_seconds_count{endpoint="/v1/reply"} 2' in text


def test_admin_reload_is_disabled_without_a_token(client: TestClient) -> None:
    assert client.post("/admin/reload").status_code == 404


def test_admin_reload_swaps_models_with_no_failed_or_mixed_request(
    tiny_trained: tuple[TrainingResult, Path], tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_trained[1], model_dir)
    client = TestClient(create_app(model_path=model_dir, admin_token="s3cret"))
    assert (
        client.post("/admin/reload", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    batch = {"texts": ["我的快递到哪了", "退款什么时候到账", "发票怎么开"]}
    before = client.post("/v1/classify", json=batch).json()
    results: list[tuple[int, object]] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            r = client.post("/v1/classify", json=batch)
            results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    shutil.rmtree(model_dir)
    shutil.copytree(default_model_dir(), model_dir)  # "csbot train" wrote a new model
    reloaded = client.post("/admin/reload", headers={"Authorization": "Bearer s3cret"})
    stop.set()
    for t in threads:
        t.join()
    after = client.post("/v1/classify", json=batch).json()
    assert reloaded.status_code == 200 and reloaded.json()["intents"] == 14
    assert before != after and after["predictions"][2]["intent"] == "invoice"
    assert results and all(status == 200 for status, _ in results)
    assert all(body in (before, after) for _, body in results)  # each wholly from one model


def test_a_failed_reload_keeps_the_previous_model(
    tiny_trained: tuple[TrainingResult, Path], tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_trained[1], model_dir)
    client = TestClient(create_app(model_path=model_dir, admin_token="t"))
    (model_dir / "model.joblib").write_bytes(b"tampered")
    response = client.post("/admin/reload", headers={"Authorization": "Bearer t"})
    assert response.status_code == 409 and "previous one stays" in response.json()["error"]
    assert client.post("/v1/classify", json={"text": "转人工"}).json()["intent"] == "human_agent"


def test_a_reloaded_model_keeps_logging(
    tiny_trained: tuple[TrainingResult, Path], tmp_path: Path
) -> None:
    from csbot.conversation_log import CallbackSink

    events: list[object] = []
    bot = Bot.load(tiny_trained[1], log=CallbackSink(events.append))
    client = TestClient(create_app(bot, model_path=tiny_trained[1], admin_token="t"))
    assert client.post("/admin/reload", headers={"Authorization": "Bearer t"}).status_code == 200
    client.post("/v1/reply", json={"text": "转人工"})
    assert len(events) == 1
