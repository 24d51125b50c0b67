"""The corpus keeps each article's words verbatim, and chunks are stable and complete."""

import re
from pathlib import Path

import pytest

from advisor.corpus import chunk_document, load_document, normalize, split_passages
from advisor.errors import CorpusError
from advisor.settings import REPO_ROOT

from .conftest import SEEDS

CORPUS = sorted((REPO_ROOT / "corpus").glob("*.md"))


def test_one_file_per_seed_named_by_number():
    assert [p.name[:3] for p in CORPUS] == ["000", "001", "002", "003", "004"]
    for p in CORPUS:
        doc = load_document(p)
        assert doc.title and doc.publisher


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds not present")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
def test_every_line_is_verbatim_from_its_seed(path: Path):
    doc = load_document(path)
    seed = normalize((SEEDS / load_front_seed(path)).read_text())
    for line in doc.body.splitlines():
        text = re.sub(r"^(#+|-|\d+\.)\s+", "", line.strip())
        cells = [c.strip() for c in text.strip("|").split("|")] if text.startswith("|") else [text]
        for cell in cells:
            if cell and not re.fullmatch(r"-+", cell):
                assert normalize(cell) in seed, f"{path.name}: not in seed: {cell[:80]}"


def load_front_seed(path: Path) -> str:
    import yaml

    return yaml.safe_load(path.read_text().split("---\n")[1])["seed"]


@pytest.mark.parametrize("debris", ["Skip to content", "Was this helpful?", "franchise in 2027", "Related Articles", "vote this up"])
def test_web_debris_removed(debris):
    for p in CORPUS:
        assert debris not in p.read_text()


def test_table_rows_are_chunks_with_their_header():
    for name, header, row in [("001", "| Dimension | Fractional CMO | Fractional CRO |", "| Time horizon |"),
                              ("004", "| Function | VP of Sales | Full-Time CRO | Fractional CRO |", "| Time to Impact | 3–6 months | 6–9 months | 4–8 weeks |")]:
        path = next(p for p in CORPUS if p.name.startswith(name))
        rows = [c for c in chunk_document(load_document(path)) if c.context == header]
        assert len(rows) == 7
        hit = [c for c in rows if c.text.startswith(row)]
        assert len(hit) == 1
        assert header.split("|")[2].strip() in hit[0].search_text()


def test_chunk_ids_are_stable_and_unique():
    for p in CORPUS:
        a = chunk_document(load_document(p))
        b = chunk_document(load_document(p))
        assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
        assert len({c.chunk_id for c in a}) == len(a)
        for c in a:
            assert normalize(c.text) in normalize(load_document(p).body)


def test_passages_never_cut_sentences():
    units = split_passages("First sentence here. Second one — with a dash.\n- A list item.\n| a | b |")
    assert units == ["First sentence here.", "Second one — with a dash.", "A list item.", "| a | b |"]


def test_html_and_text_documents(tmp_path):
    html = tmp_path / "guide.html"
    html.write_text("<html><head><title>Guide</title><script>alert(1)</script></head><body><nav>menu</nav><h2>When</h2><p>Hire a CRO when revenue is flat.</p></body></html>")
    doc = load_document(html)
    assert doc.title == "Guide" and "alert" not in doc.body and "menu" not in doc.body and "Hire a CRO" in doc.body
    empty = tmp_path / "empty.txt"
    empty.write_text("   ")
    with pytest.raises(CorpusError, match="no text"):
        load_document(empty)
    with pytest.raises(CorpusError, match="unsupported"):
        load_document(tmp_path / "x.pdf")
