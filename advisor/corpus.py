"""Corpus documents: reading Markdown/text/HTML files and splitting them into cited chunks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from .errors import CorpusError

SUPPORTED_SUFFIXES = (".md", ".txt", ".html", ".htm")
CHUNK_SIZE = 900
_WS = re.compile(r"\s+")


class Document(BaseModel):
    """One source file: its name, front-matter title and body text."""

    model_config = ConfigDict(extra="forbid")
    source: str
    title: str
    author: str | None = None
    publisher: str | None = None
    body: str
    sha256: str


class Chunk(BaseModel):
    """A retrievable passage: verbatim text from `source`, with a stable id."""

    model_config = ConfigDict(extra="forbid")
    chunk_id: str
    source: str
    title: str
    section: str
    text: str
    context: str | None = None  # for a table row: the table's header row

    def search_text(self, with_title: bool = False) -> str:
        """Text to index: (title,) section heading and passage, a table row read out with its header."""
        body = linearize_table(f"{self.context}\n{self.text}") if self.context else self.text
        head = " — ".join(x for x in (self.title if with_title else "", self.section) if x)
        return f"{head}\n{body}" if head else body


def normalize(text: str) -> str:
    """Collapse runs of white space, so quotes can be compared across line breaks."""
    return _WS.sub(" ", text).strip()


def file_sha256(path: Path) -> str:
    """Content hash of a file, used for incremental ingest."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    try:
        _, head, body = text.split("---\n", 2)
        meta = yaml.safe_load(head) or {}
    except (ValueError, yaml.YAMLError) as exc:
        raise CorpusError(f"Front matter is not valid YAML: {exc}. Fix the block between the '---' lines.") from exc
    if not isinstance(meta, dict):
        raise CorpusError("Front matter must be a YAML mapping (title: ..., author: ...).")
    return meta, body


def _html_to_text(html: str) -> tuple[str | None, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form", "aside"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    blocks = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "th", "blockquote", "pre"]):
        if el.find(["p", "li", "h1", "h2", "h3", "h4"]):
            continue
        txt = normalize(el.get_text(" "))
        if not txt:
            continue
        prefix = {"h1": "# ", "h2": "## ", "h3": "### ", "h4": "### ", "li": "- "}.get(el.name, "")
        blocks.append(prefix + txt)
    return title, "\n\n".join(blocks)


def load_document(path: Path) -> Document:
    """Read a .md (with optional YAML front matter), .txt or .html file into a Document."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{path.name}: unsupported file type '{suffix}'. Use .md, .txt or .html.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\x00", "").replace("\u00a0", " ")
    meta: dict = {}
    if suffix == ".md":
        meta, body = _split_front_matter(text)
    elif suffix in (".html", ".htm"):
        title, body = _html_to_text(text)
        meta = {"title": title} if title else {}
    else:
        body = text
    if not body.strip():
        raise CorpusError(f"{path.name}: the file has no text to index.")
    title = str(meta.get("title") or _first_heading(body) or path.stem.replace("-", " ").replace("_", " "))
    return Document(
        source=path.name,
        title=title,
        author=meta.get("author"),
        publisher=meta.get("publisher"),
        body=body,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None


def linearize_table(table: str) -> str:
    """A Markdown table as sentences ('Time to Impact: VP of Sales 3–6 months; …') so it embeds well."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()]
    rows = [r for r in rows if not all(re.fullmatch(r"[-: ]*", c) for c in r)]
    if len(rows) < 2:
        return table
    header = rows[0]
    return "\n".join(f"{r[0]}: " + "; ".join(f"{h} {c}" for h, c in zip(header[1:], r[1:])) + "." for r in rows[1:])


def _table_rows(block: str) -> list[tuple[str, str]]:
    """(header row, body row) for every body row of a Markdown table: each row is its own chunk."""
    lines = [ln.strip() for ln in block.strip().splitlines()]
    header = lines[0]
    return [(header, ln) for ln in lines[1:] if not re.fullmatch(r"\|[\s\-|:]+\|?", ln)]


def _is_table(block: str) -> bool:
    lines = block.strip().splitlines()
    return len(lines) >= 2 and all(line.strip().startswith("|") for line in lines)


def chunk_document(doc: Document) -> list[Chunk]:
    """Split a document by Markdown sections, then paragraphs; tables stay whole."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    headers = [("#", "h1"), ("##", "h2"), ("###", "h3")]
    sections = MarkdownHeaderTextSplitter(headers, strip_headers=True).split_text(doc.body)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=0, separators=["\n\n", "\n", ". ", " "], keep_separator="end"
    )
    stem = Path(doc.source).stem
    chunks: list[Chunk] = []
    for section in sections:
        text = section.page_content.replace("  \n", "\n\n")
        heading = " › ".join(v for k, v in section.metadata.items() if k != "h1")
        pending: list[str] = []
        pieces: list[str] = []
        for block in text.split("\n\n"):
            if _is_table(block):
                if pending:
                    pieces += splitter.split_text("\n\n".join(pending))
                    pending = []
                pieces += [(row, header) for header, row in _table_rows(block)]
            else:
                pending.append(block)
        if pending:
            pieces += splitter.split_text("\n\n".join(pending))
        for piece in pieces:
            text, context = piece if isinstance(piece, tuple) else (piece, None)
            if text.strip():
                chunks.append(Chunk(chunk_id=f"{stem}#{len(chunks):03d}", source=doc.source, title=doc.title, section=heading,
                                    text=text.strip(), context=context))
    return chunks


def split_passages(text: str) -> list[str]:
    """Split chunk text into quotable units: sentences, list items and table rows (never headings)."""
    units: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.fullmatch(r"\|?[\s\-|:]+\|?", line):
            continue
        if line.startswith("|"):
            units.append(line)
            continue
        line = re.sub(r"^(?:[-•*]|\d+\.)\s+", "", line)
        units += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", line) if len(s.strip()) > 2]
    return units
