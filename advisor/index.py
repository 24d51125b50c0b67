"""The persistent search index: chunk manifest plus a Chroma collection, updated incrementally."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from .corpus import SUPPORTED_SUFFIXES, Chunk, chunk_document, file_sha256, load_document
from .embeddings import MODEL_NAME, Embedder
from .errors import CorpusError
from .settings import Settings

if TYPE_CHECKING:
    from langchain_chroma import Chroma

log = logging.getLogger(__name__)
MANIFEST_VERSION = 9


class FileEntry(BaseModel):
    """What the index holds for one source file."""

    sha256: str
    chunk_ids: list[str]


class Manifest(BaseModel):
    """Hashes and chunks of every indexed file; the source of truth for BM25 and citations."""

    version: int = MANIFEST_VERSION
    embedding: str = MODEL_NAME
    files: dict[str, FileEntry] = {}
    chunks: dict[str, Chunk] = {}


class SyncReport(BaseModel):
    """What an ingest changed."""

    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    skipped: dict[str, str] = {}
    rebuilt_reason: str | None = None
    chunks: int = 0


def source_files(settings: Settings) -> list[Path]:
    """Built-in articles (corpus/*.md) and the site owner's added documents, sorted by name."""
    files = sorted(settings.corpus_dir.glob("*.md"))
    if settings.docs_dir.exists():
        files += sorted(p for p in settings.docs_dir.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    return files


class Index:
    """Keeps the manifest and the Chroma collection in step with the source files."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.dir = settings.index_dir
        self.manifest_path = self.dir / "manifest.json"

    # -- manifest ---------------------------------------------------------------
    def _read_manifest(self) -> tuple[Manifest, str | None]:
        if not self.manifest_path.exists():
            return Manifest(), "no index yet" if not self.dir.exists() else "the index manifest is missing"
        try:
            manifest = Manifest.model_validate_json(self.manifest_path.read_text())
        except (ValidationError, ValueError, OSError) as exc:
            return Manifest(), f"the index manifest is unreadable ({type(exc).__name__})"
        if manifest.version != MANIFEST_VERSION or manifest.embedding != MODEL_NAME:
            return Manifest(), "the index was built by another version"
        if not self.settings.chroma_url and not (self.dir / "chroma" / "chroma.sqlite3").exists():
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # a cached client would still point at the deleted files
            return Manifest(), "the vector store is missing"
        return manifest, None

    def _write_manifest(self, manifest: Manifest) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(manifest.model_dump_json())
        tmp.replace(self.manifest_path)

    def chunks(self) -> list[Chunk]:
        """All indexed chunks, building the index first when it is missing or corrupt."""
        manifest, problem = self._read_manifest()
        if problem:
            self.sync()
            manifest, _ = self._read_manifest()
        return list(manifest.chunks.values())

    # -- vector store -----------------------------------------------------------
    @cached_property
    def store(self) -> "Chroma":
        """The Chroma collection (embedded on disk, or a server when ADVISOR_CHROMA_URL is set)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self.settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "localhost", port=url.port or 8000, ssl=url.scheme == "https", settings=chroma_settings
            )
        else:
            (self.dir / "chroma").mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)
        return Chroma(
            collection_name=self.settings.collection,
            embedding_function=self.embedder.langchain,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )

    def _reset_store(self) -> None:
        """Drop the collection; if the store itself is damaged, delete its files and Chroma's client cache."""
        try:
            self.store.delete_collection()
        except Exception:  # noqa: BLE001 - a damaged or missing store is replaced below
            if not self.settings.chroma_url:
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
                shutil.rmtree(self.dir / "chroma", ignore_errors=True)
        self.__dict__.pop("store", None)

    def store_count(self) -> int:
        """Number of vectors in the collection."""
        return self.store._collection.count()

    # -- sync -------------------------------------------------------------------
    def sync(self, progress: Callable[[str], None] | None = None) -> SyncReport:
        """Embed new and changed files, drop removed ones; rebuild everything when the index is damaged."""
        manifest, problem = self._read_manifest()
        report = SyncReport()
        if problem is None:
            try:
                if self.store_count() != len(manifest.chunks):
                    problem = "the vector store does not match the manifest"
            except Exception as exc:  # noqa: BLE001 - any store failure means rebuild
                problem = f"the vector store cannot be opened ({type(exc).__name__})"
        if problem:
            if problem != "no index yet":
                log.warning("Rebuilding the search index: %s.", problem)
            report.rebuilt_reason = problem
            self._reset_store()
            manifest = Manifest()
        files = {p.name: p for p in source_files(self.settings)}
        for name in sorted(set(manifest.files) - set(files)):
            self._delete(manifest, name)
            report.removed.append(name)
        for name, path in files.items():
            digest = file_sha256(path)
            entry = manifest.files.get(name)
            if entry and entry.sha256 == digest:
                report.unchanged.append(name)
                continue
            try:
                doc = load_document(path)
                chunks = chunk_document(doc)
            except (CorpusError, OSError) as exc:
                report.skipped[name] = str(exc)
                log.warning("Skipping %s: %s", name, exc)
                continue
            if progress:
                progress(name)
            if entry:
                self._delete(manifest, name)
            self._add(manifest, name, digest, chunks)
            (report.changed if entry else report.added).append(name)
            self._write_manifest(manifest)
        self._write_manifest(manifest)
        report.chunks = len(manifest.chunks)
        return report

    def sync_needed(self) -> bool:
        """True when any file changed since the last sync (cheap: hashes only, no model)."""
        manifest, problem = self._read_manifest()
        if problem:
            return True
        files = {p.name: p for p in source_files(self.settings)}
        if set(files) != set(manifest.files):
            return True
        return any(manifest.files[n].sha256 != file_sha256(p) for n, p in files.items())

    def _delete(self, manifest: Manifest, name: str) -> None:
        entry = manifest.files.pop(name)
        if entry.chunk_ids:
            self.store.delete(ids=entry.chunk_ids)
        for cid in entry.chunk_ids:
            manifest.chunks.pop(cid, None)

    def _add(self, manifest: Manifest, name: str, digest: str, chunks: list[Chunk]) -> None:
        ids = [c.chunk_id for c in chunks]
        if chunks:
            self.store.add_texts(texts=[c.search_text() for c in chunks],
                                 metadatas=[{"source": c.source, "chunk_id": c.chunk_id} for c in chunks], ids=ids)
        manifest.files[name] = FileEntry(sha256=digest, chunk_ids=ids)
        manifest.chunks.update({c.chunk_id: c for c in chunks})

    def add_documents(self, paths: list[Path]) -> list[Path]:
        """Copy a site owner's documents into ADVISOR_HOME/docs (validated first); return the copies."""
        self.settings.docs_dir.mkdir(parents=True, exist_ok=True)
        copied = []
        for path in paths:
            if not path.is_file():
                raise CorpusError(f"{path}: no such file.")
            load_document(path)  # raises a clear CorpusError for unsupported or empty files
            target = self.settings.docs_dir / path.name
            if (self.settings.corpus_dir / path.name).exists():
                raise CorpusError(f"{path.name}: a built-in article has that name; rename your file.")
            shutil.copyfile(path, target)
            copied.append(target)
        return copied
