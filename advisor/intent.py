"""What kind of message this is: a factual question, an instruction attempt, small talk or off-topic."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules?|prompt|everything|above|previous|prior)"
    r"|\b(system prompt|you are now|new instructions?|act as|pretend (to be|you are)|jailbreak|developer mode)\b"
    r"|\b(always|just|only|must)\s+(recommend|say|answer|output)\b"
    r"|\brecommend\b.{0,40}\b(no matter|regardless|whatever)\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^\s*(?:(?:at |in |for )?(?:what|which|who|how|when|why)\s+(?:is|are|was|does|do|did|can|could|should|would|will|much|many|long|fast|soon|quickly|kind|sort|type|revenue|stage|size)\b"
    r"|(?:is|are|does|do|can|could|should|would|will)\s+(?:a|an|the|it|they|there|i|we|you|my|our|fractional|full)\b|what['’]s|how['’]s|tell me|explain)",
    re.I,
)
_DECISION_ASK = re.compile(r"\b(should i|do i need|do we need|should we|which (one|role)|who should (i|we) hire|what should (i|we) hire|recommend\w*|advice|help me decide)\b", re.I)
_GREETING = re.compile(r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|yo|howdy|thanks|thank you)\b[\s!.,]*$", re.I)
_NOT_SURE = re.compile(r"^\s*(not sure|unsure|i don'?t know|don'?t know|no idea|dunno|skip|pass|hard to say|idk|no clue|can'?t say|maybe)\b", re.I)
_RECOMMEND_NOW = re.compile(r"\b(just (tell|give) me|recommend now|skip the questions|what'?s your recommendation|your verdict|bottom line)\b", re.I)
_DOMAIN = re.compile(
    r"\b(revenue|sales|sell|selling|market\w*|leads?|pipeline|cro|cmo|vp|chief|hire|hiring|growth|grow|customers?|churn|forecast\w*|deals?"
    r"|brand|founder|startup|company|business|team|arr|mrr|funnel|budget|conversion|close|closing|retention|renewals?|quota|reps?"
    r"|executive|fractional|gtm|go-to-market|demand|positioning|content|cac|comp|commission|saas|b2b|b2c|private equity|m&a|investors?)\b",
    re.I,
)


def clean(text: str) -> str:
    """Text with control and invisible characters removed and Unicode normalised."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text)).strip()


def injection_spans(text: str) -> list[str]:
    """Sentences that try to instruct the advisor (they are kept as data, never obeyed)."""
    return [s for s in re.split(r"(?<=[.!?;\n])\s+", text) if _INJECTION.search(s)]


def is_factual_question(text: str) -> bool:
    """A direct question about roles, costs or timing (not 'which role should I hire?')."""
    asks = text.strip().endswith("?") or bool(_QUESTION_START.match(text))
    if not asks or not on_topic(text):
        return False
    return not (_DECISION_ASK.search(text) and not re.search(r"\b(cost|price|how much|how long|how fast|salary|retainer)\b", text, re.I))


def is_greeting(text: str) -> bool:
    """Small talk such as 'hi' or 'thanks'."""
    return bool(_GREETING.match(text))


def is_not_sure(text: str) -> bool:
    """The founder does not know the answer."""
    return bool(_NOT_SURE.match(text))


def wants_recommendation_now(text: str) -> bool:
    """The founder asks to skip the remaining questions."""
    return bool(_RECOMMEND_NOW.search(text))


def on_topic(text: str) -> bool:
    """Mentions anything about revenue, sales, marketing or hiring."""
    return bool(_DOMAIN.search(text))
