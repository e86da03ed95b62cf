"""csbot as an HTTP service (FastAPI): `create_app(bot)` returns the ASGI app to run with
uvicorn (`csbot serve`) or to mount in an existing FastAPI or Starlette application.

Needs the `server` extra: `pip install csbot[server]`.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from csbot.bot import MAX_TEXT_CHARS, Bot
from csbot.errors import CsbotError
from csbot.metrics import Metrics
from csbot.sessions import SessionStore, session_store_from_url

MAX_BODY_BYTES = 64 * 1024
MAX_BATCH = 256
ADMIN_TOKEN_ENV = "CSBOT_ADMIN_TOKEN"
CHAT_PAGE = Path(__file__).with_name("static") / "chat.html"


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="the customer's message")
    session_id: str | None = Field(default=None, min_length=1, max_length=200)
    variables: dict[str, str] = Field(default_factory=dict, max_length=50)


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    texts: list[str] | None = Field(default=None, max_length=MAX_BATCH)


class _Holder:
    """The bot in service; `/admin/reload` replaces it in one assignment, and each request
    takes the reference once, so no request sees two models."""

    def __init__(self, bot: Bot, model_path: Path | None) -> None:
        self.bot = bot
        self.model_path = model_path
        self.lock = threading.Lock()


def create_app(
    bot: Bot | None = None,
    *,
    model_path: str | Path | None = None,
    sessions: SessionStore | None = None,
    admin_token: str | None = None,
) -> FastAPI:
    """The ASGI app. Without `bot`, loads `model_path` (or the bundled model) with
    `sessions`. `admin_token` (default: $CSBOT_ADMIN_TOKEN) enables `/admin/reload`."""
    path = Path(model_path) if model_path is not None else None
    holder = _Holder(bot if bot is not None else Bot.load(path, sessions=sessions), path)
    # An empty token disables the admin endpoints like a missing one: never accept "".
    token = (admin_token if admin_token is not None else os.environ.get(ADMIN_TOKEN_ENV)) or None
    metrics = Metrics()
    app = FastAPI(
        title="csbot",
        summary="Answers Chinese e-commerce customer-service messages and hands off to people.",
        version=__import__("csbot").__version__,
    )
    app.state.csbot = holder
    app.state.metrics = metrics

    @app.middleware("http")
    async def limit_and_measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response: Response = _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        else:
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:
                response = _error(413, f"request body over {MAX_BODY_BYTES} bytes")
            else:
                try:
                    response = await call_next(request)
                except Exception:  # never leak a traceback; the log has it
                    response = _error(500, "internal error")
        route = request.scope.get("route")
        endpoint = getattr(route, "path", "unmatched")
        metrics.observe(endpoint, response.status_code, time.perf_counter() - start)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
             "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]  # fmt: skip
        return JSONResponse({"error": "invalid request", "problems": problems}, status_code=422)

    @app.post("/v1/reply")
    def reply(body: ReplyRequest) -> dict[str, Any]:
        """The bot's reply to one message, within its conversation when `session_id` is given."""
        result = holder.bot.reply(body.text, session_id=body.session_id, **body.variables)
        metrics.reply(result.intent, result.handoff.reason if result.handoff else None)
        return result.to_dict()

    @app.post("/v1/classify", response_model=None)
    def classify(body: ClassifyRequest) -> dict[str, Any] | JSONResponse:
        """The intent of one text (`text`) or of up to 256 (`texts`)."""
        if (body.text is None) == (body.texts is None):
            return _error(422, "give exactly one of 'text' and 'texts'")
        current = holder.bot
        if body.text is not None:
            return current.classify(body.text).to_dict()
        assert body.texts is not None
        if any(len(t) > MAX_TEXT_CHARS for t in body.texts):
            return _error(422, f"each of 'texts' must have at most {MAX_TEXT_CHARS} characters")
        return {"predictions": [p.to_dict() for p in current.classify_many(body.texts)]}

    @app.get("/v1/intents")
    def intents() -> dict[str, Any]:
        """The intents the model knows, with how each is handled."""
        kb = holder.bot.model.knowledge_base
        return {
            "intents": [
                {"name": s.name, "title": s.title, "description": s.description,
                 "handoff": s.handoff, "queue": s.queue, "faqs": len(s.faqs)}
                for s in kb.intents
            ]
        }  # fmt: skip

    page = CHAT_PAGE.read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def chat_page() -> str:
        """A page to try the bot and see what an agent would see on a hand-off."""
        return page

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    def readyz() -> dict[str, str] | JSONResponse:
        store = holder.bot.sessions
        ping = getattr(store, "ping", None)
        if ping is not None and not ping():
            return _error(503, "session store unreachable")
        holder.bot.classify("你好")  # the tokenizer is loaded before traffic arrives
        return {"status": "ready"}

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics_text() -> str:
        return metrics.render()

    @app.post("/admin/reload", response_model=None)
    def reload(request: Request) -> dict[str, Any] | JSONResponse:
        """Load the model directory again (after `csbot train`) and swap it in at once."""
        if token is None:
            return _error(404, f"admin endpoints are disabled: set {ADMIN_TOKEN_ENV}")
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _error(401, "missing or wrong admin token")
        with holder.lock:
            old = holder.bot
            try:
                new = Bot.load(holder.model_path, sessions=old.sessions, log=old.log)
            except CsbotError as exc:
                return _error(409, f"model not reloaded, the previous one stays: {exc}")
            new.classify("你好")  # warm up before the swap
            holder.bot = new
        return {"status": "reloaded", "intents": len(new.model.classifier.classes)}

    return app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def app_from_env() -> FastAPI:
    """The app `csbot serve` runs in each worker: model, sessions and log from the
    environment (CSBOT_MODEL, CSBOT_SESSIONS, CSBOT_LOG)."""
    from csbot.conversation_log import SQLiteLog

    log_path = os.environ.get("CSBOT_LOG")
    bot = Bot.load(
        os.environ.get("CSBOT_MODEL") or None,
        sessions=session_store_from_url(os.environ.get("CSBOT_SESSIONS")),
        log=SQLiteLog(log_path) if log_path else None,
    )
    return create_app(bot, model_path=os.environ.get("CSBOT_MODEL") or None)
