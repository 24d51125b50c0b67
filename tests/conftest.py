"""Shared fixtures: one advisor over a temporary ADVISOR_HOME, built once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from advisor.conversation import Advisor, Conversation  # noqa: E402
from advisor.settings import REPO_ROOT, Settings  # noqa: E402

SEEDS = REPO_ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("advisor-home")


@pytest.fixture(scope="session")
def settings(home) -> Settings:
    return Settings(home=home)


@pytest.fixture(scope="session")
def advisor(settings) -> Advisor:
    a = Advisor(settings)
    a.index.sync()
    a.warm_up()
    return a


def fake(*replies: str):
    """langchain-core's fake chat model: each call gets the next queued reply (streamed word by word)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(r) for r in replies]))


def with_model(advisor: Advisor, chat) -> Advisor:
    """A copy of the session advisor (same loaded data and index) that talks to the chat model `chat`."""
    clone = Advisor(advisor.settings, chat_model=chat)
    clone.__dict__.update({k: v for k, v in advisor.__dict__.items() if k not in ("llm", "_chat_model")})
    return clone


@pytest.fixture
def conv() -> Conversation:
    return Conversation()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus folder that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", dst)
    return dst


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float) -> bool:
    """Whether something accepts connections on the loopback port within the timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.3)
    return False


def start_server(cmd: list[str], port: int, env: dict | None = None, timeout: float = 120) -> subprocess.Popen:
    """Start a server process and wait until it accepts connections on loopback (fail the test otherwise)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, timeout):
        proc.kill()
        pytest.fail(f"{cmd[0]} did not start within {timeout:.0f} s")
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
