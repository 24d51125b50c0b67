"""The reply contract shared by `advisor chat --json`, the HTTP API and the UIs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """A verbatim quote and where it comes from."""

    source: str = Field(description="Corpus file name, e.g. 001-fractional-cro-vs-fractional-cmo.md")
    chunk_id: str
    quote: str
    title: str | None = None


class QuestionOut(BaseModel):
    """The question the advisor is asking, with quick replies."""

    id: str
    text: str
    options: list[str]


class Reason(BaseModel):
    """A fired rule: what the founder said, and the passage that makes it matter."""

    rule_id: str
    effect: Literal["supports", "argues against"]
    role: str
    weight: float
    user_said: list[str]
    citation: Citation


class SourceSide(BaseModel):
    """One side of a disagreement between articles."""

    claim: str
    citation: Citation


class DisagreementOut(BaseModel):
    """Articles that say different things on a topic."""

    topic: str
    sides: list[SourceSide]


class AlternativeOut(BaseModel):
    """A change in the facts that would change the recommendation."""

    fact: str
    if_value: Any
    role: str
    text: str


class RecommendationOut(BaseModel):
    """The advisor's recommendation and everything behind it."""

    role: str
    title: str
    description: str
    confidence: float
    confidence_label: Literal["high", "medium", "low"]
    scores: dict[str, float]
    reasons: list[Reason]
    citations: list[Citation]
    runner_up: dict[str, Any]
    what_would_change: list[AlternativeOut]
    disagreements: list[DisagreementOut] = []


class Reply(BaseModel):
    """One advisor turn."""

    reply: str
    kind: Literal["question", "recommendation", "answer", "off_topic", "greeting", "error"] = "question"
    question: QuestionOut | None = None
    recommendation: RecommendationOut | None = None
    citations: list[Citation] = []
    profile: dict[str, Any] = {}
    notice: str | None = None
    wording: Literal["template", "model"] = Field(default="template", description="Who worded the text: the templates, or the guarded model.")
    tail: str = Field(default="", exclude=True, description="Closing text kept verbatim when a model words the rest.")
