"""Shared fixtures: one advisor over a temporary ADVISOR_HOME, built once per session."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture
def conv() -> Conversation:
    return Conversation()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus folder that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", dst)
    return dst
