"""The guard: checks every language-model output before it is shown or used, and counts what it decided."""

from __future__ import annotations

import re
import threading
from collections import Counter

from .rulebook import Rulebook

MAX_REPLY_CHARS = 2500
_MARKER = re.compile(r"\[(\d{1,2})\]")
_BRACKETED_REF = re.compile(r"\[\^?[^\]]*\d[^\]]*\]|【[^】]*】")  # [source 3], [^1], 【1】: citation-like but not [n]
_LINK = re.compile(r"https?://|www\.|\]\(|mailto:|javascript:|\b[\w-]+\.(?:com|io|net|org|ai|co|dev|app)\b", re.I)
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")
_RECOMMEND = re.compile(r"\b(?:recommend\w*|suggest\w*|advise|advice|should (?:hire|bring|get|go|choose|pick|start)|you need|go with|"
                        r"best (?:fit|choice|option|move)|right (?:fit|choice|hire)|hire an?|bring in|start with|choose|pick)\b", re.I)
_NEGATED = re.compile(r"(?:\bnot|n't|\bno|\bnever)\s+(?:\w+\s+)?$", re.I)  # "don't need", "would not recommend"
_CONTRAST = re.compile(r"\b(?:not|no|never|nor|without|rather than|instead of|versus|vs|unlike|than)\b|n't\b", re.I)
_HYPOTHETICAL = re.compile(r"\b(?:if|unless|would change|runner-up|alternative|once|until|later|eventually|when you)\b", re.I)
# Categories of fallback, counted and reported.
REASONS = ("wrong role", "missing role", "bad citation", "link or HTML", "unsupported figure", "too long", "empty",
           "malformed output", "timeout", "unreachable", "error")


class Rejected(Exception):
    """A model output failed a check; `reason` is one of REASONS, `detail` says what exactly."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown guard reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


class GuardStats:
    """Thread-safe counts of guard decisions: accepted outputs and fallbacks by reason."""

    def __init__(self) -> None:
        self._counts: Counter = Counter()
        self._lock = threading.Lock()

    def count(self, use: str, outcome: str) -> None:
        with self._lock:
            self._counts[f"{use}: {outcome}"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


class Guard:
    """Checks model text against the engine's decision and the passages it was given."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.patterns = {r.id: re.compile("|".join([re.escape(r.title), *r.aliases]), re.I) for r in rulebook.roles}

    def roles_named(self, text: str, first: str | None = None) -> list[str]:
        """Roles the text names; `first`'s names are removed before looking for the others (they overlap)."""
        found = []
        order = sorted(self.patterns, key=lambda rid: rid != first)
        for rid in order:
            if self.patterns[rid].search(text):
                found.append(rid)
                text = self.patterns[rid].sub(" ", text)
        return found

    def first_role(self, text: str) -> str | None:
        """The role named first in the text (the longest name wins where two start together)."""
        best: tuple[int, int, str] | None = None
        for rid, pattern in self.patterns.items():
            if m := pattern.search(text):
                key = (m.start(), -len(m.group(0)), rid)
                best = key if best is None or key < best else best
        return best[2] if best else None

    def recommended(self, sentence: str) -> list[str]:
        """Roles a sentence recommends: the first role named after each recommending phrase that is not negated."""
        if _HYPOTHETICAL.search(sentence):
            return []
        out = []
        for cue in _RECOMMEND.finditer(sentence):
            if _NEGATED.search(sentence[: cue.start()]):
                continue
            if (rid := self.first_role(sentence[cue.end():])) and rid not in out:
                out.append(rid)
        return out

    def check_sentence(self, sentence: str, role: str | None, markers: int, sources: str, recommending: bool = False) -> None:
        """Raise Rejected when one sentence of a reply breaks a rule.

        In a recommendation, another role may only be named in contrast ("not", "rather than"…) or hypothetically
        ("if", "runner-up"…); anywhere, a recommending phrase ("I recommend", "hire a"…) must lead to the decided role.
        """
        if _LINK.search(sentence):
            raise Rejected("link or HTML", sentence[:80])
        from bs4 import BeautifulSoup  # any element at all, as an HTML parser reads it

        if BeautifulSoup(sentence, "html.parser").find() is not None:
            raise Rejected("link or HTML", sentence[:80])
        for m in _MARKER.finditer(sentence):
            if not 1 <= int(m.group(1)) <= markers:
                raise Rejected("bad citation", f"marker {m.group(0)} but {markers} passage(s) were given")
        if _BRACKETED_REF.search(_MARKER.sub(" ", sentence)):
            raise Rejected("bad citation", sentence[:80])
        known = {f.replace(",", "").rstrip(".") for f in _FIGURE.findall(sources)}
        for figure in _FIGURE.findall(_MARKER.sub(" ", sentence)):
            if figure.replace(",", "").rstrip(".") not in known:
                raise Rejected("unsupported figure", f"{figure} is not in the passages")
        if others := [r for r in self.recommended(sentence) if r != role]:
            raise Rejected("wrong role", f"recommends {others[0]} where the advice is {role or 'not given yet'}")
        if recommending and not _CONTRAST.search(sentence) and not _HYPOTHETICAL.search(sentence):
            if others := [r for r in self.roles_named(sentence, first=role) if r != role]:
                raise Rejected("wrong role", f"names {others[0]} without contrast where the advice is {role}")

    def check_reply(self, text: str, role: str | None, recommending: bool, cited: bool = True) -> None:
        """Raise Rejected when the whole reply breaks a rule (each sentence is checked as it streams)."""
        if not text.strip():
            raise Rejected("empty")
        if cited and not _MARKER.search(text):
            raise Rejected("bad citation", "no passage is cited")
        if len(text) > MAX_REPLY_CHARS:
            raise Rejected("too long", f"{len(text)} characters")
        if recommending and role and role not in self.roles_named(text, first=role):
            raise Rejected("missing role", f"the reply never names {role}")
