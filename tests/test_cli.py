"""The `advisor chat --json` contract, through a real subprocess."""

import json
import os
import subprocess
import sys

import pytest

KEYS = {"reply", "question", "recommendation", "citations", "profile"}


def chat(home, data: bytes, timeout=240):
    env = {**os.environ, "ADVISOR_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "advisor", "chat", "--json"], input=data, capture_output=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    lines = proc.stdout.decode().splitlines()
    return [json.loads(line) for line in lines], proc.stderr.decode()


@pytest.fixture(scope="module")
def transcript(advisor, settings):
    messages = [
        "Leads come in but revenue is flat, and our forecast is a guess",
        "$10–30M",
        "what does a fractional CRO cost?",
        "",
        "x" * 50_000,
        "caf\xe9 \xff\xfe invalid utf-8 here",
        "\x1b[31mred\x1b[0m control characters",
        "/new",
        "We're a consumer brand launching into a new market on a tight budget",
    ]
    data = b"\n".join(m.encode("latin-1") if "\xff" in m else m.encode() for m in messages) + b"\n"
    return messages, *chat(settings.home, data)


def test_one_json_object_per_line(transcript):
    messages, out, _ = transcript
    assert len(out) == len(messages)
    for obj in out:
        assert KEYS <= set(obj)
        assert isinstance(obj["reply"], str) and obj["reply"]


def test_recommendation_shape(transcript):
    _, out, _ = transcript
    rec = next(o["recommendation"] for o in out if o["recommendation"])
    assert {"role", "title", "confidence", "reasons", "citations", "runner_up", "what_would_change"} <= set(rec)
    assert rec["role"] == "fractional_cro"
    for c in rec["citations"]:
        assert set(c) >= {"source", "chunk_id", "quote"} and c["source"].endswith(".md")


def test_question_shape_and_profile(transcript):
    _, out, _ = transcript
    q = out[0]["question"]
    assert q and {"id", "text", "options"} == set(q) and "Not sure" in q["options"]
    assert out[0]["profile"]["revenue_stalled"]["value"] is True
    assert out[0]["profile"]["revenue_stalled"]["source_text"]


def test_bad_input_lines(transcript):
    _, out, stderr = transcript
    assert out[3]["kind"] == "error" and "didn't receive any text" in out[3]["reply"]
    assert out[4]["kind"] in ("off_topic", "question", "recommendation", "answer")
    assert "Traceback" not in stderr


def test_new_conversation_resets(transcript):
    _, out, _ = transcript
    assert out[7]["kind"] == "greeting" and out[7]["profile"] == {}
    assert out[8]["profile"]["business_model"]["value"] == "consumer"
