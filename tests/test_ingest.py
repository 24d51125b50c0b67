"""Incremental ingest: unchanged files are not embedded again; changes touch only their chunks; damage is repaired."""

import shutil

import pytest

from advisor.errors import CorpusError
from advisor.index import Index
from advisor.settings import REPO_ROOT, Settings


class CountingEmbedder:
    """Wraps the real embedder and counts how many texts were embedded."""

    def __init__(self, real):
        self.real = real
        self.count = 0

    @property
    def langchain(self):
        outer = self


        emb = self.real.langchain

        class Wrapper:
            def embed_documents(self, texts):
                outer.count += len(texts)
                return emb.embed_documents(texts)

            def embed_query(self, text):
                return emb.embed_query(text)

        return Wrapper()


@pytest.fixture
def small_corpus(tmp_path):
    src = tmp_path / "corpus"
    src.mkdir()
    for name in ("001-fractional-cro-vs-fractional-cmo.md", "003-what-a-fractional-cro-does.md"):
        shutil.copy(REPO_ROOT / "corpus" / name, src / name)
    return src


def test_incremental_sync(advisor, tmp_path, small_corpus):
    settings = Settings(home=tmp_path / "home", corpus_dir=small_corpus)
    emb = CountingEmbedder(advisor.embedder)
    index = Index(settings, emb)
    first = index.sync()
    assert sorted(first.added) == sorted(p.name for p in small_corpus.iterdir())
    n_first = emb.count
    assert n_first == first.chunks == index.store_count()

    again = Index(settings, emb).sync()
    assert emb.count == n_first and len(again.unchanged) == 2 and not again.added

    f3 = small_corpus / "003-what-a-fractional-cro-does.md"
    f3.write_text(f3.read_text() + "\nA new closing paragraph about fractional revenue leadership.\n")
    changed = Index(settings, emb).sync()
    assert changed.changed == [f3.name]
    n3 = len([c for c in Index(settings, emb).chunks() if c.source == f3.name])
    assert emb.count == n_first + n3

    (small_corpus / "001-fractional-cro-vs-fractional-cmo.md").unlink()
    removed = Index(settings, emb).sync()
    assert removed.removed == ["001-fractional-cro-vs-fractional-cmo.md"]
    idx = Index(settings, emb)
    assert idx.store_count() == removed.chunks == n3
    assert all(c.source == f3.name for c in idx.chunks())


def test_user_documents_and_bad_files(advisor, tmp_path, small_corpus):
    settings = Settings(home=tmp_path / "home", corpus_dir=small_corpus)
    index = Index(settings, advisor.embedder)
    doc = tmp_path / "our-playbook.txt"
    doc.write_text("Our consultancy recommends a revenue audit in the first two weeks of any engagement.")
    index.add_documents([doc])
    report = index.sync()
    assert "our-playbook.txt" in report.added
    assert any(c.source == "our-playbook.txt" for c in index.chunks())
    with pytest.raises(CorpusError, match="unsupported"):
        index.add_documents([tmp_path / "x.docx"]) if (tmp_path / "x.docx").write_text("x") else None
    with pytest.raises(CorpusError, match="no such file"):
        index.add_documents([tmp_path / "missing.md"])


def test_corrupt_index_is_rebuilt(advisor, tmp_path, small_corpus, caplog):
    settings = Settings(home=tmp_path / "home", corpus_dir=small_corpus)
    Index(settings, advisor.embedder).sync()
    (settings.index_dir / "manifest.json").write_text("{not json")
    report = Index(settings, advisor.embedder).sync()
    assert report.rebuilt_reason and "unreadable" in report.rebuilt_reason
    assert "Rebuilding the search index" in caplog.text
    shutil.rmtree(settings.index_dir / "chroma")
    report = Index(settings, advisor.embedder).sync()
    assert report.rebuilt_reason == "the vector store is missing"
    idx = Index(settings, advisor.embedder)
    assert idx.store_count() == report.chunks > 0
