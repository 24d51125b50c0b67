"""The HTTP API: conversations over JSON (and server-sent events), stored durably, with origin and rate limits."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field

from .conversation import Advisor, Conversation
from .schema import Reply
from .settings import REPO_ROOT, Settings
from .store import SessionStore

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024


class NewSession(BaseModel):
    session_id: str


class Message(BaseModel):
    text: str = Field(min_length=1, description="What the founder typed.")


class Transcript(BaseModel):
    session_id: str
    turns: list[dict]


class RateLimits:
    """Per-client and per-session limits (moving window, the `limits` library)."""

    def __init__(self, settings: Settings) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.client = parse(settings.client_rate)
        self.session = parse(settings.session_rate)

    def check(self, item, key: str) -> None:
        """Raise 429 with Retry-After when the key is over its limit."""
        if not self.limiter.hit(item, key):
            reset = self.limiter.get_window_stats(item, key).reset_time
            retry = max(1, int(reset - time.time()) + 1)
            raise HTTPException(429, detail=f"Too many requests; try again in {retry} s.", headers={"Retry-After": str(retry)})


WIDGET_DIR = REPO_ROOT / "ui" / "widget"


def create_app(settings: Settings, advisor: Advisor | None = None, with_ui: bool = True) -> FastAPI:
    """The FastAPI app over one Advisor and one session store; the Gradio app is mounted at / unless with_ui is False."""
    advisor = advisor or Advisor(settings)
    store = SessionStore(settings.db_path)
    limits = RateLimits(settings)
    turn_lock = threading.Lock()  # one turn at a time: the model and caches are shared
    app = FastAPI(title="Revenue-leader advisor", version="0.1.0",
                  description="Which revenue leader should a founder hire? Cited, offline advice.")
    app.state.advisor, app.state.store = advisor, store
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], allow_credentials=False)
    ancestors = " ".join(["'self'", *settings.allowed_origins])

    @app.middleware("http")
    async def guard(request: Request, call_next):
        size = request.headers.get("content-length")
        if size and size.isdigit() and int(size) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"Request body too large (limit {MAX_BODY_BYTES // 1024} KiB)."}, status_code=413)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def client_limit(request: Request) -> None:
        limits.check(limits.client, f"client:{request.client.host if request.client else 'unknown'}")

    def conversation(session_id: str):
        conv = store.load(session_id)
        if conv is None:
            raise HTTPException(404, detail="No such conversation; start one with POST /api/sessions.")
        return conv

    def turn(session_id: str, text: str) -> tuple[Conversation, Reply]:
        """The offline turn, saved at once (so a dropped stream loses nothing)."""
        if len(text) > settings.max_message_chars:
            raise HTTPException(413, detail=f"Message too long: {len(text):,} characters (limit {settings.max_message_chars:,}).")
        limits.check(limits.session, f"session:{session_id}")
        with turn_lock:
            conv = conversation(session_id)
            reply = advisor.turn(conv, text)
            if reply.kind != "error":
                store.save_turn(session_id, conv, text, reply.model_dump(mode="json"))
        return conv, reply

    def worded(session_id: str, conv: Conversation, reply: Reply, text: str) -> Iterator[tuple[str, Any]]:
        """The turn's text as it is worded (by the guarded model, if one is configured); the saved reply follows."""
        for event, value in advisor.word(conv, reply, text):
            if event == "reply" and value.wording == "model":
                store.replace_last_reply(session_id, value.model_dump(mode="json"))
            yield event, value

    @app.get("/healthz")
    def healthz() -> dict:
        llm = advisor.llm
        return {"status": "ok", "backend": settings.backend if llm else "none", "guard": llm.stats.snapshot() if llm else {}}

    @app.post("/api/sessions", response_model=NewSession, dependencies=[Depends(client_limit)])
    def new_session() -> NewSession:
        return NewSession(session_id=store.create())

    @app.post("/api/sessions/{session_id}/messages", response_model=Reply, dependencies=[Depends(client_limit)])
    def post_message(session_id: str, message: Message) -> Reply:
        conv, reply = turn(session_id, message.text)
        for event, value in worded(session_id, conv, reply, message.text):
            if event == "reply":
                reply = value
        return reply

    @app.post("/api/sessions/{session_id}/messages/stream", dependencies=[Depends(client_limit)],
              responses={200: {"content": {"text/event-stream": {}}}})
    def stream_message(session_id: str, message: Message) -> StreamingResponse:
        """Server-sent events: `delta` (text to append), `replace` (the model failed a check: show this text instead),
        then `reply` (the whole reply object)."""
        conv, reply = turn(session_id, message.text)

        def events() -> Iterator[str]:
            for event, value in worded(session_id, conv, reply, message.text):
                data = value.model_dump_json() if event == "reply" else json.dumps(value)
                yield f"event: {event}\ndata: {data}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/api/sessions/{session_id}", response_model=Transcript, dependencies=[Depends(client_limit)])
    def get_session(session_id: str) -> Transcript:
        conversation(session_id)
        return Transcript(session_id=session_id, turns=store.transcript(session_id))

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(WIDGET_DIR / "widget.js", media_type="application/javascript")

    @app.get("/demo", include_in_schema=False)
    def demo() -> FileResponse:
        return FileResponse(WIDGET_DIR / "demo.html", media_type="text/html")

    if with_ui:
        import gradio as gr

        from ui.gradio_app import create_app as create_ui

        app = gr.mount_gradio_app(app, create_ui(advisor, store), path="/")
    return app
