"""ADVISOR_CHROMA_URL: the index and retrieval work against a Chroma server on loopback."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.index import Index
from advisor.retrieval import Retriever
from advisor.settings import REPO_ROOT, Settings

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("chroma CLI not installed")
    port = free_port()
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


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
