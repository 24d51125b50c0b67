"""Answers to direct questions, quoted from retrieved passages, and mapping of quotes to chunks."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from .corpus import Chunk, normalize, split_passages
from .embeddings import Embedder
from .retrieval import Retriever
from .rulebook import Quote, Rulebook
from .schema import Citation

# Answer types: when the question asks for one, passages that carry that kind of answer are preferred.
_ANSWER_TYPES = [
    (re.compile(r"\b(cost|costs|price|pricing|pay|charge|salary|retainer|expensive|afford|how much|fee)\b", re.I),
     re.compile(r"[$€£]\d|\b(cost|costs|retainer|salary|priced|fee|expensive|part-time \()", re.I)),
    (re.compile(r"\b(cost|costs|price|pricing|pay|charge|salary|retainer|how much|fee)\b", re.I), re.compile(r"[$€£]\d", re.I)),
    (re.compile(r"\b(how fast|how long|how soon|how quickly|time to impact|timeline|when will|ramp up|learning curve|engage for)\b", re.I),
     re.compile(r"\b(\d+\s?[–-]\s?\d+\s(weeks|months)|weeks?|months?|quarters?|time to impact|immediate)\b", re.I)),
    (re.compile(r"\b(stage|revenue band|size|how big|what revenue)\b", re.I), re.compile(r"\$\d+[–-]?\d*M|\bstage\b", re.I)),
    (re.compile(r"\b(measured|kpis?|metrics?|accountable for|judged)\b", re.I), re.compile(r"\b(measured|kpis?|metrics?|accountable)\b", re.I)),
]
_STOP = frozenset("a an the of to in on for and or is are does do what how much when why who which should i we my our it that this with be".split())


def _terms(text: str) -> set[str]:
    """Content words, crudely stemmed (plural s removed)."""
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9$]+", text.lower()) if w not in _STOP and len(w) > 2}


ANSWER_POOL = 8  # answers rerank sentences from this many retrieved chunks (deeper than the top 5 shown in evals)


class Passage(BaseModel):
    """A quotable unit of a chunk."""

    chunk_id: str
    source: str
    title: str
    quote: str
    context: str | None = None
    section: str = ""


class Quoter:
    """Finds the chunk behind any quote and the best sentences to answer a question."""

    def __init__(self, retriever: Retriever, embedder: Embedder, cache_dir: Path | None) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.cache_dir = cache_dir

    @cached_property
    def _normalized(self) -> list[tuple[Chunk, str]]:
        return [(c, normalize(c.text)) for c in self.retriever.chunks.values()]

    def citation(self, quote: Quote) -> Citation:
        """The citation (with chunk id) for a rulebook quote."""
        needle = normalize(quote.text)
        for chunk, text in self._normalized:
            if chunk.source == quote.source and needle in text:
                return Citation(source=quote.source, chunk_id=chunk.chunk_id, quote=quote.text, title=chunk.title)
        head = needle[:60]
        chunk = next((c for c, t in self._normalized if c.source == quote.source and head in t), None)
        title = chunk.title if chunk else quote.source
        return Citation(source=quote.source, chunk_id=chunk.chunk_id if chunk else f"{Path(quote.source).stem}#?", quote=quote.text, title=title)

    @cached_property
    def passages(self) -> list[Passage]:
        """Every quotable unit of every chunk; table rows carry their header row as context."""
        out = []
        for c in self.retriever.chunks.values():
            for unit in split_passages(c.text):
                out.append(Passage(chunk_id=c.chunk_id, source=c.source, title=c.title, quote=unit, context=c.context, section=c.section))
        return out

    @cached_property
    def passage_matrix(self) -> np.ndarray:
        texts = [p.quote if not p.context else f"{p.context} {p.quote}" for p in self.passages]
        return self.embedder.encode_cached(texts, self.cache_dir, "passages")

    def answer(self, question: str, k: int = 5, limit: int = 3) -> list[Passage]:
        """The best passages to answer a question, drawn from the top-k retrieved chunks."""
        hits = self.retriever.search(question, k=max(k, ANSWER_POOL))
        if not hits:
            return []
        rank = {h.chunk_id: i for i, h in enumerate(hits)}
        wanted = [ans for ask, ans in _ANSWER_TYPES if ask.search(question)]
        q = self.embedder.encode([question])[0]
        q_terms = _terms(question)
        sims = self.passage_matrix @ q
        scored = []
        for i, p in enumerate(self.passages):
            if p.chunk_id not in rank or (p.context is None and p.quote.startswith("|")):
                continue
            text = f"{p.section} {p.context or ''} {p.quote}"
            score = 0.6 * float(sims[i]) + 0.1 / (1 + rank[p.chunk_id]) + 0.05 * len(q_terms & _terms(text))
            for answer_type in wanted:
                score += 0.3 if answer_type.search(p.quote) else -0.1
            scored.append((score, p))
        scored.sort(key=lambda sp: -sp[0])
        chosen: list[Passage] = []
        per_chunk: dict[str, int] = {}
        for score, p in scored:
            if score < 0.2 or per_chunk.get(p.chunk_id, 0) >= 2:
                continue
            chosen.append(p)
            per_chunk[p.chunk_id] = per_chunk.get(p.chunk_id, 0) + 1
            if len(chosen) == limit:
                break
        return chosen


def disagreements_for(rulebook: Rulebook, text: str = "", facts: set[str] | None = None, roles: set[str] | None = None) -> list:
    """Disagreements whose keywords appear in the text, or whose facts/roles are involved."""
    low = text.lower()
    out = []
    for d in rulebook.disagreements:
        by_text = any(re.search(k, low) for k in d.keywords)
        by_fact = bool(facts and set(d.facts) & facts)
        by_role = bool(roles and set(d.roles) & roles)
        if by_text or by_fact or by_role:
            out.append(d)
    return out
