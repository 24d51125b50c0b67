"""Backends are picked by name, fail with a message that says how to fix them, and an unreachable server costs nothing."""

from __future__ import annotations

import importlib
import json

import pytest
from fastapi.testclient import TestClient

from advisor.backends import BACKENDS, get_backend
from advisor.conversation import Conversation
from advisor.errors import BackendError
from advisor.server import create_app
from advisor.settings import Settings
from tests.conftest import free_port
from tests.conftest import fake, with_model
from tests.test_llm import DEMAND, NO_FACTS


def test_registry_names_and_the_offline_default():
    assert set(BACKENDS) == {"none", "openai", "llamacpp"}
    assert Settings().backend == "none"
    assert get_backend(Settings()).chat_model() is None


@pytest.mark.parametrize("overrides, message", [
    ({"backend": "gpt"}, "set ADVISOR_BACKEND to one of: none, openai, llamacpp"),
    ({"backend": "openai"}, "needs ADVISOR_LLM_MODEL"),
    ({"backend": "llamacpp"}, "needs ADVISOR_LLM_PATH"),
    ({"backend": "llamacpp", "llm_path": "/nonexistent/model.gguf"}, "needs ADVISOR_LLM_PATH"),
])
def test_misconfiguration_says_what_to_set(overrides, message):
    with pytest.raises(BackendError, match=message):
        get_backend(Settings(**overrides)).chat_model()


def test_a_missing_optional_package_names_the_extra(monkeypatch, tmp_path):
    real = importlib.import_module

    def missing(name, *args):
        if name in ("langchain_openai", "llama_cpp"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(BackendError, match=r"pip install 'revenue-advisor\[openai\]'"):
        get_backend(Settings(backend="openai", llm_model="m")).chat_model()
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(BackendError, match=r"pip install 'revenue-advisor\[llamacpp\]'"):
        get_backend(Settings(backend="llamacpp", llm_path=model)).chat_model()


def test_an_unreachable_server_falls_back_at_once(advisor):
    chat = get_backend(Settings(backend="openai", llm_model="any", llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
                                llm_timeout=5)).chat_model()
    offline = advisor.respond(Conversation(), DEMAND)
    adv = with_model(advisor, chat)
    reply = adv.respond(Conversation(), DEMAND)
    assert reply.reply == offline.reply and reply.recommendation.role == offline.recommendation.role
    assert adv.llm.stats.snapshot() == {"extraction: unreachable": 1, "wording: unreachable": 1}


def sse(body: str) -> list[tuple[str, object]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_the_api_streams_model_sentences_and_saves_the_final_wording(advisor, settings, tmp_path):
    text = "You should hire a Fractional CMO [1]. Too few buyers know you, though those who do buy [2]."
    adv = with_model(advisor, fake(NO_FACTS, text))
    client = TestClient(create_app(settings.model_copy(update={"home": tmp_path}), adv, with_ui=False))
    sid = client.post("/api/sessions").json()["session_id"]
    events = sse(client.post(f"/api/sessions/{sid}/messages/stream", json={"text": DEMAND}).text)
    assert [e for e, _ in events] == ["delta", "delta", "delta", "reply"]
    assert events[0][1] == "You should hire a Fractional CMO [1]. "
    final = events[-1][1]
    assert final["wording"] == "model" and final["reply"].startswith(text) and "tail" not in final
    saved = client.get(f"/api/sessions/{sid}").json()["turns"][-1]["reply"]
    assert saved["reply"] == final["reply"]
    assert client.get("/healthz").json()["guard"] == {"extraction: accepted": 1, "wording: accepted": 1}


def test_the_api_replaces_a_stream_that_fails_the_guard(advisor, settings, tmp_path):
    adv = with_model(advisor, fake(NO_FACTS, "Hire a Fractional CMO [1]. Or a <b>VP of Sales</b>."))
    client = TestClient(create_app(settings.model_copy(update={"home": tmp_path}), adv, with_ui=False))
    sid = client.post("/api/sessions").json()["session_id"]
    events = sse(client.post(f"/api/sessions/{sid}/messages/stream", json={"text": DEMAND}).text)
    kinds = [e for e, _ in events]
    assert kinds == ["delta", "replace", "reply"]
    assert events[1][1] == events[2][1]["reply"] and events[2][1]["wording"] == "template"
    assert "<b>" not in client.get(f"/api/sessions/{sid}").text


def test_plain_messages_endpoint_returns_the_worded_reply(advisor, settings, tmp_path):
    adv = with_model(advisor, fake(NO_FACTS, "I recommend a Fractional CMO [1]."))
    client = TestClient(create_app(settings.model_copy(update={"home": tmp_path}), adv, with_ui=False))
    sid = client.post("/api/sessions").json()["session_id"]
    reply = client.post(f"/api/sessions/{sid}/messages", json={"text": DEMAND}).json()
    assert reply["wording"] == "model" and reply["recommendation"]["role"] == "fractional_cmo"

