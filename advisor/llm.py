"""The optional language model: reads facts from free text and words replies, every output checked by the guard."""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, ValidationError

from .corpus import normalize
from .facts import FactBook
from .guard import Guard, GuardStats, Rejected
from .profile import Profile
from .prompts import Prompts, as_data

log = logging.getLogger(__name__)
MAX_SENTENCES = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class ModelFact(BaseModel):
    """One fact as the model reports it."""

    model_config = ConfigDict(extra="forbid")
    fact: str
    value: bool | float | str
    quote: str


class ModelFacts(BaseModel):
    """The structured output the extraction prompt asks for."""

    model_config = ConfigDict(extra="forbid")
    facts: list[ModelFact]


def parse_json(raw: str) -> Any:
    """The first JSON object in a model reply (models often wrap it in prose or code fences)."""
    start = raw.find("{")
    if start < 0:
        raise Rejected("malformed output", "no JSON object in the reply")
    try:
        return json.JSONDecoder().raw_decode(raw[start:])[0]
    except json.JSONDecodeError as exc:
        raise Rejected("malformed output", str(exc)) from exc


def failure(exc: Exception) -> Rejected:
    """A model call's exception as a guard decision (timeout, unreachable server, or other error)."""
    if isinstance(exc, Rejected):
        return exc
    name = type(exc).__name__
    if isinstance(exc, (TimeoutError, FutureTimeout)) or "Timeout" in name:
        return Rejected("timeout", name)
    if "Connect" in name or isinstance(exc, ConnectionError):
        return Rejected("unreachable", str(exc)[:120])
    return Rejected("error", f"{name}: {str(exc)[:120]}")


class LLM:
    """A chat model put to two uses — fact extraction and reply wording — behind the guard."""

    def __init__(self, model: BaseChatModel, prompts: Prompts, guard: Guard, facts: FactBook, timeout: float, name: str = "") -> None:
        self.model, self.prompts, self.guard, self.facts = model, prompts, guard, facts
        self.timeout = timeout
        self.name = name or getattr(model, "model_name", None) or type(model).__name__
        self.stats = GuardStats()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="llm")

    def _messages(self, prompt: str, **context: Any) -> list[BaseMessage]:
        return [SystemMessage(self.prompts.render("llm_system")), HumanMessage(self.prompts.render(prompt, **context))]

    def _invoke(self, messages: list[BaseMessage]) -> str:
        """The model's whole reply, or Rejected on timeout or error."""
        try:
            out = self._pool.submit(self.model.invoke, messages).result(timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 — any model failure falls back to the offline path
            raise failure(exc) from exc
        return out.content if isinstance(out.content, str) else str(out.content)

    # -- understanding -------------------------------------------------------------
    def extract(self, text: str, asked: str | None = None) -> list[ModelFact]:
        """Facts the model reads in a message: only known facts, valid values, and quotes found in the message."""
        facts = [{"id": f, "label": spec.label, "allowed": self._values(f)} for f, spec in self.facts.facts.items() if f != "revenue_musd"]
        try:
            raw = self._invoke(self._messages("llm_extract", facts=facts, message=as_data(text), asked=asked))
            parsed = ModelFacts.model_validate(parse_json(raw))
        except (Rejected, ValidationError) as exc:
            rejected = exc if isinstance(exc, Rejected) else Rejected("malformed output", str(exc).splitlines()[0])
            self.stats.count("extraction", rejected.reason)
            log.warning("Model extraction not used (%s)", rejected)
            return []
        kept = []
        said = normalize(text).lower()
        for f in parsed.facts:
            quote = normalize(f.quote).lower()
            if f.fact not in self.facts.facts or f.fact == "revenue_musd":
                self.stats.count("extraction fact", "unknown fact")
            elif len(quote) < 4 or quote not in said:
                self.stats.count("extraction fact", "ungrounded quote")
            elif (value := self._coerce(f.fact, f.value)) is None:
                self.stats.count("extraction fact", "invalid value")
            else:
                kept.append(ModelFact(fact=f.fact, value=value, quote=f.quote))
                self.stats.count("extraction fact", "accepted")
        self.stats.count("extraction", "accepted")
        return kept

    def _values(self, fact: str) -> str:
        kind = Profile.fact_kind(fact)
        if kind == "choice":
            return " | ".join(self.facts.facts[fact].examples)
        return "true | false" if kind == "bool" else "number"

    def _coerce(self, fact: str, value: Any) -> Any:
        kind = Profile.fact_kind(fact)
        if kind == "bool":
            return value if isinstance(value, bool) else None
        if kind == "choice":
            return value if isinstance(value, str) and value in self.facts.facts[fact].examples else None
        return None

    # -- wording -------------------------------------------------------------------
    def word(self, prompt: str, role: str | None, recommending: bool, passages: list[Any], **context: Any) -> Iterator[str]:
        """Stream a reply sentence by sentence; each sentence is checked before it is yielded. Raises Rejected."""
        sources = " ".join([context.get("draft", ""), *(f"{p.quote} {getattr(p, 'context', '') or ''}" for p in passages)])
        messages = self._messages(prompt, passages=passages, max_sentences=MAX_SENTENCES, **context)
        deadline = time.monotonic() + self.timeout
        shown: list[str] = []
        buffer = ""
        try:
            for chunk in self.model.stream(messages):
                if time.monotonic() > deadline:
                    raise Rejected("timeout", f"no complete reply within {self.timeout:g} s")
                buffer += chunk.content if isinstance(chunk.content, str) else ""
                *done, buffer = _SENTENCE_END.split(buffer)
                for sentence in filter(None, (s.strip() for s in done)):
                    self.guard.check_sentence(sentence, role, len(passages), sources, recommending)
                    shown.append(sentence)
                    yield sentence + " "
            if buffer.strip():
                self.guard.check_sentence(buffer.strip(), role, len(passages), sources, recommending)
                shown.append(buffer.strip())
                yield buffer.strip()
            self.guard.check_reply(" ".join(shown), role, recommending, cited=bool(passages))
        except Exception as exc:  # noqa: BLE001 — every failure becomes a counted fallback
            rejected = failure(exc)
            self.stats.count("wording", rejected.reason)
            log.warning("Model reply replaced by the offline reply (%s)", rejected)
            raise rejected from exc
        self.stats.count("wording", "accepted")
