"""The question bank and the choice of the next question: the one whose answers best separate the roles."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .decision import Decision, decide
from .facts import load_yaml_model
from .profile import Profile
from .rulebook import Rulebook


class Option(BaseModel):
    """A quick reply and the facts it sets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    sets: dict[str, Any] = Field(min_length=1)


class Question(BaseModel):
    """A question about one or more facts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    text: str
    facts: list[str] = Field(min_length=1)
    options: list[Option] = Field(min_length=2)


NOT_SURE = "Not sure"


class QuestionBank(BaseModel):
    """All questions, validated against the profile's facts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    questions: list[Question]

    @model_validator(mode="after")
    def _check(self) -> "QuestionBank":
        facts = set(Profile.fact_ids())
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        for q in self.questions:
            for fact in q.facts + [f for o in q.options for f in o.sets]:
                if fact not in facts:
                    raise ValueError(f"question '{q.id}' names unknown fact '{fact}'")
            for o in q.options:
                Profile().model_validate({f: {"value": v} for f, v in o.sets.items()})
        return self

    def get(self, question_id: str) -> Question:
        """The question with this id."""
        return next(q for q in self.questions if q.id == question_id)


@cache
def load_questions(path: Path) -> QuestionBank:
    """Load and validate questions.yaml."""
    return load_yaml_model(path, QuestionBank)


def apply_option(profile: Profile, option: Option, source_text: str | None, turn: int | None = None) -> Profile:
    """A copy of the profile with the option's facts set."""
    clone = profile.model_copy()  # shallow is safe: facts are replaced, never mutated
    for fact, value in option.sets.items():
        clone.set(fact, value, source_text, "answer", turn)
    return clone


def eligible(bank: QuestionBank, profile: Profile, asked: set[str]) -> list[Question]:
    """Questions not yet asked whose facts are all still open (unknown and not answered 'not sure')."""
    return [
        q for q in bank.questions
        if q.id not in asked and not any(profile.fact(f).known or profile.fact(f).not_sure for f in q.facts)
    ]


def question_value(q: Question, profile: Profile, rulebook: Rulebook, base: Decision) -> float:
    """How well a question separates the roles: answers that change the top role, then score movement."""
    current_top = base.top
    flips, movement = 0, 0.0
    tops = set()
    for option in q.options:
        d = decide(apply_option(profile, option, None), rulebook)
        tops.add(d.top)
        flips += d.top != current_top
        movement += sum(abs(d.scores[r] - base.scores[r]) for r in d.scores)
    return flips * 10 + len(tops) + movement / 100


def choose_question(bank: QuestionBank, profile: Profile, rulebook: Rulebook, asked: set[str], need_support: bool) -> Question | None:
    """The most useful next question, or None when no answer could change the recommendation."""
    base = decide(profile, rulebook)
    best, best_value = None, 0.0
    for q in eligible(bank, profile, asked):
        value = question_value(q, profile, rulebook, base)
        if value >= 10 or need_support:
            if value > best_value:
                best, best_value = q, value
    return best
