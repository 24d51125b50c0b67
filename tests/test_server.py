"""The HTTP API: every endpoint, origin checks, rate limits, size caps and restart persistence."""

import json

import pytest
from fastapi.testclient import TestClient

from advisor.server import create_app
from advisor.settings import Settings

SITE = "https://consultancy.example"


@pytest.fixture
def make_client(advisor, tmp_path):
    def make(**overrides) -> TestClient:
        settings = Settings(home=tmp_path / "home", allowed_origins=[SITE], **overrides)
        return TestClient(create_app(settings, advisor, with_ui=False))
    return make


def test_conversation_over_the_api(make_client):
    client = make_client()
    assert client.get("/healthz").json() == {"status": "ok", "backend": "none", "guard": {}}
    sid = client.post("/api/sessions").json()["session_id"]
    assert len(sid) >= 30
    reply = client.post(f"/api/sessions/{sid}/messages", json={"text": "Leads come in but revenue is flat"}).json()
    assert {"reply", "question", "recommendation", "citations", "profile"} <= set(reply)
    assert reply["profile"]["revenue_stalled"]["value"] is True
    turns = client.get(f"/api/sessions/{sid}").json()["turns"]
    assert [t["user"] for t in turns] == ["Leads come in but revenue is flat"]
    assert client.get("/api/sessions/nope").status_code == 404
    assert client.post("/api/sessions/nope/messages", json={"text": "hi"}).status_code == 404


def test_streaming_reply(make_client):
    client = make_client()
    sid = client.post("/api/sessions").json()["session_id"]
    with client.stream("POST", f"/api/sessions/{sid}/messages/stream", json={"text": "Nobody knows we exist"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [block for block in body.split("\n\n") if block]
    assert events[0].startswith("event: delta") and events[-1].startswith("event: reply")
    final = json.loads(events[-1].split("data: ", 1)[1])
    deltas = "".join(json.loads(e.split("data: ", 1)[1]) for e in events[:-1])
    assert deltas.strip() == final["reply"].strip()


def test_openapi_schema_lists_the_api(make_client):
    paths = make_client().get("/openapi.json").json()["paths"]
    assert {"/api/sessions", "/api/sessions/{session_id}/messages", "/api/sessions/{session_id}/messages/stream", "/api/sessions/{session_id}"} <= set(paths)


def test_origins(make_client):
    client = make_client()
    ok = client.options("/api/sessions", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == SITE
    bad = client.options("/api/sessions", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in bad.headers
    plain = client.post("/api/sessions", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers
    assert plain.headers["content-security-policy"] == f"frame-ancestors 'self' {SITE}"


def test_rate_limits(make_client):
    client = make_client(client_rate="3/minute")
    codes = [client.post("/api/sessions").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/api/sessions")
    assert int(limited.headers["retry-after"]) >= 1 and "try again" in limited.json()["detail"]

    client = make_client(session_rate="2/minute")
    sid = client.post("/api/sessions").json()["session_id"]
    codes = [client.post(f"/api/sessions/{sid}/messages", json={"text": "hello"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_size_caps_and_bad_bodies(make_client):
    client = make_client(max_message_chars=500)
    sid = client.post("/api/sessions").json()["session_id"]
    too_long = client.post(f"/api/sessions/{sid}/messages", json={"text": "x" * 501})
    assert too_long.status_code == 413 and "500" in too_long.json()["detail"]
    huge = client.post(f"/api/sessions/{sid}/messages", content=b'{"text": "' + b"y" * 300_000 + b'"}', headers={"content-type": "application/json"})
    assert huge.status_code == 413
    assert client.post(f"/api/sessions/{sid}/messages", json={"text": ""}).status_code == 422
    assert client.post(f"/api/sessions/{sid}/messages", json={}).status_code == 422
    assert client.post(f"/api/sessions/{sid}/messages", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 422
    assert client.get(f"/api/sessions/{sid}").json()["turns"] == []


def test_restart_keeps_conversations(advisor, tmp_path):
    settings = Settings(home=tmp_path / "home")
    first = TestClient(create_app(settings, advisor, with_ui=False))
    sid = first.post("/api/sessions").json()["session_id"]
    first.post(f"/api/sessions/{sid}/messages", json={"text": "Nobody knows we exist and the pipeline is empty"})
    second = TestClient(create_app(settings, advisor, with_ui=False))
    assert len(second.get(f"/api/sessions/{sid}").json()["turns"]) == 1
    reply = second.post(f"/api/sessions/{sid}/messages", json={"text": "just tell me"}).json()
    assert reply["recommendation"]["role"] == "fractional_cmo"


def test_feedback_is_saved_with_the_transcript(advisor, tmp_path):
    settings = Settings(home=tmp_path / "home")
    client = TestClient(create_app(settings, advisor, with_ui=False))
    sid = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{sid}/messages", json={"text": "Nobody knows we exist"})
    client.app.state.store.feedback(sid, 2, "down")  # chat index 2: the advisor's first answer after the greeting
    assert client.get(f"/api/sessions/{sid}").json()["turns"][0]["feedback"] == "down"
