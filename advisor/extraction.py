"""Offline fact extraction: revenue figures by pattern, everything else by matching clauses to example phrasings."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from .embeddings import Embedder
from .facts import FactBook
from .profile import Profile

MATCH_THRESHOLD = 0.56
PREFER_MARGIN = 0.03  # how much closer another fact must be to beat the fact of the question just asked
CHOICE_THRESHOLD = 0.75  # choice facts (business model) also have keywords; their phrasings alone must match closely
NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|nobody|nothing|none|without|cannot)\b|n['’]t\b", re.I)
_CONTRACTIONS = [(r"\bcan['’]t\b", "can"), (r"\bwon['’]t\b", "will"), (r"\bcannot\b", "can"), (r"n['’]t\b", ""), (r"\b(?:not|never|neither|nor|no)\b", "")]
# "X isn't the problem", "that's not where we struggle": the symptom is denied whatever it matched.
_DENIAL = re.compile(r"\b(?:is|are|was|were|it['’]?s|that['’]?s)\s*(?:n['’]t|not)\b.{0,30}\b(?:problem|issue|bottleneck|concern|struggle|worries)|\bnot (?:a|an|the|our) (?:problem|issue)\b|\bnot where we struggle\b", re.I)
# State words: what a clause says about its fact when the embedding only tells which fact it is about.
_GOOD = frozenset("""fine good great strong healthy solid plenty lots enough steady reliable accurate trust trusted clear sharp well easy easily
    quickly fast stable booming pouring busy full consistent consistently works working proven repeatable aligned together collaborate sync
    productive smooth win winning wins known recognized afford funded plentiful systematic structured documented close closes closing
    convert converts converting""".split())
_BAD = frozenset("""poor bad terrible awful weak thin empty starved scarce dry trickle few little hardly barely flat stuck stalled stagnant plateaued
    plateau lumpy unpredictable unreliable guess wrong broken mess messy chaos chaotic lose losing lost loses invisible unknown struggle struggles
    struggling slow slowly forever junk garbage confusing confuses confused unclear ghost miss misses missing blame blames silos siloed fail fails
    failing lack lacking shortage nowhere worse worst cliff tight limited constrained bootstrapped shoestring cancel cancelling canceling leave
    leaving quit ad hoc improvised suffering suffer suffers hurting declining decline worse idle waiting wait churn churning zero nil refuses refused""".split())
_UP = frozenset("rising rise rises climbing climb increasing increase increases growing grows up higher high more".split())
_DOWN = frozenset("falling fall falls dropping drop drops down decreasing decrease lower low less fewer slipping shrinking".split())
# "closing isn't the problem, lead generation is" → "… isn't the problem; lead generation is the problem"
_CONTRAST = re.compile(r"([\w' ]+?)\s+(isn['’]t|is not|aren['’]t|are not)\s+(?:the|our)\s+(?:problem|issue)\s*[,;]\s*([\w' ]+?)\s+(?:is|are)\b(?!\s+\w)", re.I)
_INTERJECTION = re.compile(r"^\s*(?:yes|yeah|yep|no|nope|nah)\b(?:\s*[,.!:;-]+\s*|\s*$)", re.I)
_MONEY = re.compile(
    r"(?P<cur>\$|usd\s?|€|£)?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<unit>billion|bn|b|million|mm|m|thousand|k)?\b(?!\s?%)",
    re.I,
)
_REVENUE_WORDS = re.compile(r"\b(revenue|arr|mrr|sales|turnover|run[- ]rate|top[- ]line|bookings|a year|per year|annual|annually|doing|we'?re at|we are at)\b", re.I)
_NOT_REVENUE = re.compile(r"\b(retainer|salary|salaries|spent|spend|burn(?:ed|t)?|budget|raised?|raising|funding|valuation|per month|a month|monthly|cost|costs|price|pay|paid|loan|debt|employees|people|staff|reps|customers|leads)\b", re.I)
_KEYWORDS = {
    "business_model": [
        (re.compile(r"\b(saas|subscription software|software[- ]as[- ]a[- ]service)\b", re.I), "saas"),
        (re.compile(r"\b(b2c|consumer brand|consumers?|retail|fmcg|cpg|dtc|d2c|direct[- ]to[- ]consumer|e-?commerce)\b", re.I), "consumer"),
    ],
    "pe_or_ma": [(re.compile(r"\b(private equity|m&a|an acquisition|being acquired|acquire us|exit|sell the (?:company|business)|sale of the (?:company|business))\b", re.I), True)],
}


class Extracted(BaseModel):
    """One fact found in a message, with the words it came from."""

    fact: str
    value: Any
    text: str
    score: float


def clauses(text: str) -> list[str]:
    """Sentences and their sub-clauses (split at 'but', 'and', commas), each at least three words."""
    out: list[str] = []
    text = _CONTRAST.sub(lambda m: f"{m.group(1)} {m.group(2)} the problem; {m.group(3)} is the problem", text)
    for sentence in re.split(r"[.!?;\n]+|\s[-–—]\s", text):
        sentence = sentence.strip(" ,:")
        if not sentence:
            continue
        pieces = re.split(r"(,?\s+\b(?:but|however|yet|although|though|while|whereas|because|so|and on top of that|on top of that)\b,?\s+|,\s+(?:and\s+)?|\s+and\s+(?=(?:an?|the)\s+\w+\s+(?:problem|issue)\b)|\s+and\s+(?=(?:we|i|i'm|i'd|it|it's|they|our|my|nobody|no one|everyone|there)\b|(?:\S+\s+){0,4}(?:is|are|was|were|keep|keeps|have|has|had|can|can't|cannot|don't|doesn't|do|does|did|will|won't|isn't|aren't|never|still|just)\b)|\s+(?:with|since|plus)\s+(?=\S+\s+\S+)|\s+on an?\s+(?=\S+)|\s+as\s+(?=(?:our|we|the|my|i|it|they|there|nobody|no one|every|new|revenue|leads|churn|customers|need|needs|want|have|has|are|is|can|do|does|keep|lose|get|struggle|a|an|tight|little|limited|no|not|zero)\b))", sentence, flags=re.I)
        parts, carry = [], ""
        for part, sep in zip(pieces[::2], pieces[1::2] + [""]):
            if len(part.split()) < 3 and sep.strip().lower() == "and":
                carry += part + sep  # "Our sales and marketing people…": too short to stand alone
            else:
                parts.append(carry + part)
                carry = ""
        parts = [p.strip(" ,") for p in parts + [carry] if p and len(p.split()) >= 2]
        if len(parts) > 1:
            out += parts
        elif len(sentence.split()) <= 30:
            out.append(sentence)
    seen: set[str] = set()
    return [c for c in out if not (c.lower() in seen or seen.add(c.lower()))][:40]


def negations(text: str) -> int:
    """Number of negation cues in a text."""
    return len(NEGATION.findall(text))


def strip_negation(text: str) -> str:
    """The text with 'not', 'never' and n't removed, for polarity-free matching."""
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def parse_revenue(text: str, expecting: bool = False) -> tuple[float, str] | None:
    """Annual revenue in $M from phrases like '$12M', '12 million in ARR', '60M' (None when absent)."""
    for m in _MONEY.finditer(text):
        raw, unit = m.group("num").replace(",", ""), (m.group("unit") or "").lower()
        value = float(raw)
        window = text[max(0, m.start() - 40): m.end() + 40]
        if _NOT_REVENUE.search(window) and not re.search(r"\b(revenue|arr)\b", window, re.I):
            continue
        if unit in ("billion", "bn", "b"):
            value *= 1000
        elif unit in ("thousand", "k"):
            value /= 1000
        elif unit in ("million", "mm", "m"):
            pass
        elif m.group("cur") and value >= 100_000:
            value /= 1_000_000
        else:
            continue
        if not (unit or m.group("cur") or expecting):
            continue
        if unit in ("million", "mm", "m", "billion", "bn", "b") or _REVENUE_WORDS.search(window) or expecting:
            if 0 < value < 1_000_000:
                return round(value, 3), m.group(0).strip()
    return None


class Extractor:
    """Finds profile facts in free text without any network or language model."""

    def __init__(self, facts: FactBook, embedder: Embedder, cache_dir: Path | None = None) -> None:
        self.facts = facts
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.examples = [(f, v, p, negations(p)) for f, v, p in facts.examples()]

    @cached_property
    def matrix(self) -> np.ndarray:
        """Embeddings of the (negation-stripped) example phrasings, cached on disk by content hash."""
        return self.embedder.encode_cached([p for _, _, p, _ in self.examples], self.cache_dir, "examples")

    def extract(self, text: str, expecting_revenue: bool = False, prefer: frozenset[str] = frozenset()) -> list[Extracted]:
        """Facts stated in the text, at most one value per fact (the best-matching clause wins).

        `prefer` names the facts of the question just asked: a clause about one of them wins a near tie.
        """
        found: dict[str, Extracted] = {}
        revenue = parse_revenue(text, expecting_revenue)
        if revenue:
            found["revenue_musd"] = Extracted(fact="revenue_musd", value=revenue[0], text=revenue[1], score=1.0)
        parts = clauses(text)
        for fact, patterns in _KEYWORDS.items():
            for pattern, value in patterns:
                if m := pattern.search(text):
                    sentence = next((c for c in parts if m.group(0).lower() in c.lower()), m.group(0))
                    if isinstance(value, bool) and negations(sentence) % 2:
                        value = not value
                    found.setdefault(fact, Extracted(fact=fact, value=value, text=sentence, score=0.99))
                    break
        cands = [c for c in parts if len(c) >= 6]
        if not cands:
            return list(found.values())
        sims = self.embedder.encode([_INTERJECTION.sub("", c) or c for c in cands]) @ self.matrix.T
        for i, cand in enumerate(cands):
            order = [int(k) for k in np.argsort(-sims[i])]
            # the best example whose fact accepts it (choice facts need a closer match than yes/no facts)
            j = next((k for k in order[:5] if Profile.fact_kind(self.examples[k][0]) != "choice" or sims[i, k] >= CHOICE_THRESHOLD), order[0])
            j = next((k for k in order[:5] if self.examples[k][0] in prefer and sims[i, k] >= sims[i, j] - PREFER_MARGIN), j)
            score = float(sims[i, j])
            fact = self.examples[j][0]
            if score < (CHOICE_THRESHOLD if Profile.fact_kind(fact) == "choice" else MATCH_THRESHOLD):
                if not (_DENIAL.search(cand) and score >= 0.5):
                    continue
            if revenue and revenue[1] in cand and score < 0.8:
                continue  # a clause stating a figure is about size, not about a symptom
            value = self.examples[j][1]
            if Profile.fact_kind(fact) == "bool":
                value = self._polarity(fact, cand)
            if isinstance(value, bool) and _DENIAL.search(cand):
                value = False
            prev = found.get(fact)
            if prev is None or (prev.score < score and prev.score < 0.99):
                found[fact] = Extracted(fact=fact, value=value, text=cand, score=round(score, 3))
        return list(found.values())

    @cached_property
    def stripped_matrix(self) -> np.ndarray:
        """Embeddings of the example phrasings with negations removed."""
        return self.embedder.encode_cached([strip_negation(p) for _, _, p, _ in self.examples], self.cache_dir, "examples-stripped")

    def _state(self, fact: str, text: str) -> int:
        """Lexicon score of a text for a fact: > 0 reads as a good state, < 0 as a bad one (before negation)."""
        words = re.findall(r"[a-z]+", re.sub(r"\b(?:close|closing|win|conversion)\s+rates?\b|\bclose to\b", "rate", text.lower()))
        spec = self.facts.facts[fact]
        rising = spec.rising_means
        if rising and any(w.rstrip("s") in spec.inverse_subjects for w in words):
            rising = "fails" if rising == "holds" else "holds"
        score = -2 if re.search(r"\b(?:need|needs|want|wants)\b[\w\s]{0,30}?\b(?:more|better)\b", text, re.I) else 0
        for w in words:
            if w in _GOOD:
                score += 1
            elif w in _BAD:
                score -= 1
            elif rising and (w in _UP or w in _DOWN):
                up_is_bad = rising == "holds"
                score += (-1 if up_is_bad else 1) * (1 if w in _UP else -1)
        return score

    @cached_property
    def holds_is_bad(self) -> dict[str, bool]:
        """Per yes/no fact: whether its `holds` phrasings describe a bad state (learned from the examples' words)."""
        out = {}
        for fact, spec in self.facts.facts.items():
            if spec.holds:
                h = sum(self._state(fact, p) * (-1 if negations(p) % 2 else 1) for p in spec.holds) / len(spec.holds)
                f = sum(self._state(fact, p) * (-1 if negations(p) % 2 else 1) for p in spec.fails) / max(len(spec.fails), 1)
                out[fact] = h <= f
        return out

    def sure_polarity(self, fact: str, text: str) -> bool | None:
        """Whether the text says a yes/no fact holds, when its state words make that clear (None when they don't)."""
        text = _INTERJECTION.sub("", text) or text
        state = self._state(fact, strip_negation(text)) if self.facts.facts[fact].state_words else 0
        if not state:
            return None
        return ((state < 0) ^ bool(negations(text) % 2)) == self.holds_is_bad[fact]

    def relevance(self, fact: str, text: str) -> float:
        """How close the text is to the fact's example phrasings (cosine similarity to the nearest one)."""
        sims = self.embedder.encode([text])[0] @ self.matrix.T
        return max((float(sims[k]) for k, ex in enumerate(self.examples) if ex[0] == fact), default=0.0)

    def _polarity(self, fact: str, cand: str) -> bool:
        """Whether the clause says the fact holds: state words decide (flipped per negation); else the nearest example."""
        sure = self.sure_polarity(fact, cand)
        return self._negated_polarity(fact, cand) if sure is None else sure

    def _negated_polarity(self, fact: str, cand: str) -> bool:
        """Polarity from the nearest example with negations removed on both sides, flipped once per negation."""
        sims = self.embedder.encode([strip_negation(_INTERJECTION.sub("", cand)) or cand])[0] @ self.stripped_matrix.T
        k = max((k for k, ex in enumerate(self.examples) if ex[0] == fact), key=lambda k: sims[k])
        _, value, _, ex_neg = self.examples[k]
        return bool(value) ^ bool((negations(_INTERJECTION.sub("", cand)) + ex_neg) % 2)
