"""The eval suite's data: scenarios, factual questions and thresholds (YAML files under evals/), and result records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator

from .conversation import Advisor
from .facts import load_yaml_model
from .questions import NOT_SURE
from .rulebook import RoleId, Strict


class Scenario(Strict):
    """A conversation and the documented outcome it must reach."""

    id: str
    kind: str
    rules: list[str]
    expect: list[RoleId]
    cite: list[str] = []
    answers: dict[str, str] = {}
    messages: list[str] = Field(min_length=1)
    followups: list[str] = []


class ScenarioFile(Strict):
    scenarios: list[Scenario]

    @model_validator(mode="after")
    def _unique(self) -> "ScenarioFile":
        ids = [s.id for s in self.scenarios]
        if len(ids) != len(set(ids)):
            raise ValueError("scenario ids must be unique")
        return self


class Relevant(Strict):
    source: str
    contains: str


class FactQuestion(Strict):
    """A direct question, the figure the articles give, and the passages that answer it."""

    id: str
    question: str
    figures: list[str] = Field(min_length=1)
    source: str
    relevant: list[Relevant] = Field(min_length=1)


class FactQuestionFile(Strict):
    questions: list[FactQuestion]


class Limits(Strict):
    decision_accuracy: float
    paraphrase_consistency: float
    holdout_accuracy: float
    holdout_consistency: float
    invalid_citations: int
    unsupported_citations: int
    repeated_questions: int
    max_questions: int
    recall_at_5: float
    factual_accuracy: float
    missing_citations: int


class Thresholds(Strict):
    """Gates the run must pass, and the targets it is measured against."""

    gates: Limits
    targets: Limits


class CaseResult(BaseModel):
    """What one scenario case expected and what came back."""

    case_id: str
    group: str
    kind: str
    message: str
    expected: list[str]
    got: str | None
    role_ok: bool
    ok: bool
    questions: list[str] = []
    repeated: list[str] = []
    fired: list[str] = []
    invalid_citations: list[str] = []
    unsupported_citations: list[str] = []
    missing_citations: list[str] = []
    worded: int = 0  # replies worded by the language model (0 offline)
    transcript: list[dict[str, Any]] = []


class FactResult(BaseModel):
    """One factual question: the figure found or not, and the sources cited."""

    id: str
    question: str
    expected: list[str]
    ok: bool
    sources: list[str]
    reply: str
    invalid_citations: list[str] = []
    unsupported_citations: list[str] = []
    worded: bool = False


def load_scenarios(folder: Path, advisor: Advisor) -> list[Scenario]:
    """Scenarios, checked against the rulebook and the question bank."""
    scenarios = load_yaml_model(folder / "scenarios.yaml", ScenarioFile).scenarios
    rules = {r.id for r in advisor.rulebook.rules}
    questions = {q.id: q for q in advisor.questions.questions}
    for s in scenarios:
        if unknown := set(s.rules) - rules:
            raise ValueError(f"scenario {s.id}: unknown rules {sorted(unknown)}")
        for qid, answer in s.answers.items():
            if qid not in questions:
                raise ValueError(f"scenario {s.id}: unknown question '{qid}'")
            if answer not in [o.label for o in questions[qid].options] + [NOT_SURE]:
                raise ValueError(f"scenario {s.id}: '{answer}' is not an option of question '{qid}'")
    return scenarios


def cases(scenarios: list[Scenario]) -> list[tuple[str, Scenario, str]]:
    """(case id, scenario, first message) for every message variant."""
    return [(s.id if i == 0 else f"{s.id}~p{i}", s, m) for s in scenarios for i, m in enumerate(s.messages)]
