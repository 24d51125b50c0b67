"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank fusion."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .corpus import Chunk

if TYPE_CHECKING:
    from .index import Index

RRF_K = 60


class Hit(BaseModel):
    """A retrieved passage with its source file, chunk id and fused score."""

    chunk_id: str
    source: str
    title: str
    section: str
    text: str
    score: float


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several ranked id lists (Cormack et al., 2009)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class Retriever:
    """Searches the indexed chunks three ways: dense, BM25 and fused."""

    def __init__(self, index: "Index") -> None:
        self.index = index

    @cached_property
    def chunks(self) -> dict[str, Chunk]:
        """Indexed chunks by id."""
        return {c.chunk_id: c for c in self.index.chunks()}

    @cached_property
    def _stemmer(self):
        import Stemmer

        return Stemmer.Stemmer("english")

    @cached_property
    def _bm25(self):
        import bm25s

        ids = list(self.chunks)
        model = bm25s.BM25()
        model.index(bm25s.tokenize([self.chunks[i].search_text(with_title=True) for i in ids], stopwords="en", stemmer=self._stemmer, show_progress=False), show_progress=False)
        return model, ids

    def bm25(self, query: str, k: int) -> list[str]:
        """Chunk ids ranked by BM25."""
        import bm25s

        model, ids = self._bm25
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = model.retrieve(tokens, k=min(k, len(ids)), show_progress=False)
        return [ids[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0]

    def dense(self, query: str, k: int) -> list[str]:
        """Chunk ids ranked by cosine similarity in the Chroma collection."""
        docs = self.index.store.similarity_search(query, k=min(k, len(self.chunks)))
        return [d.metadata["chunk_id"] for d in docs if d.metadata.get("chunk_id") in self.chunks]

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """Top-k passages for a query; mode is 'hybrid', 'dense' or 'bm25'."""
        if not query.strip() or not self.chunks:
            return []
        depth = max(k * 4, 20)
        if mode == "dense":
            ranked = [(cid, 1.0 / (i + 1)) for i, cid in enumerate(self.dense(query, k))]
        elif mode == "bm25":
            ranked = [(cid, 1.0 / (i + 1)) for i, cid in enumerate(self.bm25(query, k))]
        else:
            ranked = rrf([self.dense(query, depth), self.bm25(query, depth)])
        hits = []
        for cid, score in ranked[:k]:
            c = self.chunks[cid]
            hits.append(Hit(chunk_id=cid, source=c.source, title=c.title, section=c.section, text=c.text, score=score))
        return hits
