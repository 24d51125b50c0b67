"""ADVISOR_CHROMA_URL: the index and retrieval work against a Chroma server on loopback."""

import shutil
import sys
from pathlib import Path

import pytest

from advisor.index import Index
from advisor.retrieval import Retriever
from advisor.settings import REPO_ROOT, Settings

from .conftest import free_port, start_server, stop_server

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("chroma CLI not installed")
    port = free_port()
    proc = start_server([str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host", "127.0.0.1", "--port", str(port)],
                        port, timeout=60)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def test_sync_and_search_against_server(advisor, tmp_path, chroma_url):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO_ROOT / "corpus" / "004-fractional-vs-fulltime-cro-vs-vp-sales.md", corpus)
    settings = Settings(home=tmp_path / "home", corpus_dir=corpus, chroma_url=chroma_url, collection="server-test")
    report = Index(settings, advisor.embedder).sync()
    assert report.added and report.chunks > 0
    index = Index(settings, advisor.embedder)
    assert index.store_count() == report.chunks
    assert not Index(settings, advisor.embedder).sync().added
    hits = Retriever(index).search("how fast does a fractional CRO show impact", k=3, mode="dense")
    assert hits and hits[0].source.startswith("004")
