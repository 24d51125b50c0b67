"""The rulebook: roles, cited rules over profile facts, derived facts and source disagreements."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .corpus import load_document, normalize
from .errors import RulebookError
from .profile import Profile

RoleId = Literal["fractional_cro", "fractional_cmo", "vp_sales", "fulltime_cro", "cro_and_cmo", "fractional_marketing_team"]


class Strict(BaseModel):
    """Base for data-file models: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(Strict):
    """An exact passage from a corpus file."""

    source: str
    text: str


class Role(Strict):
    """A role the advisor can recommend."""

    id: RoleId
    title: str
    description: str
    quote: Quote
    aliases: list[str] = []  # regular expressions naming the role in free text (the guard reads model replies with them)


class Range(Strict):
    """A numeric condition: min inclusive, max exclusive."""

    min: float | None = None
    max: float | None = None

    def holds(self, value: float) -> bool:
        """True when value lies in [min, max)."""
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


Condition = bool | str | Range


class Rule(Strict):
    """One piece of documented decision logic."""

    id: str
    when: dict[str, Condition] = Field(min_length=1)
    supports: list[RoleId] = Field(min_length=1)
    weight: float
    quote: Quote


class Side(Strict):
    """One side of a disagreement between sources."""

    claim: str
    quote: Quote


class Disagreement(Strict):
    """A topic on which the articles say different things."""

    id: str
    topic: str
    facts: list[str] = []
    roles: list[RoleId] = []
    keywords: list[str] = Field(default=[], description="Regular expressions matched against a question (lower case).")
    sides: list[Side] = Field(min_length=2)


class Rulebook(Strict):
    """All decision data, validated against the profile and the corpus."""

    roles: list[Role]
    rules: list[Rule]
    derived: dict[str, list[str]] = {}
    disagreements: list[Disagreement] = []

    @model_validator(mode="after")
    def _check_references(self) -> "Rulebook":
        facts = set(Profile.fact_ids())
        known = facts | set(self.derived)
        ids = [r.id for r in self.rules]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate rule ids: {sorted(dupes)}")
        for name, members in self.derived.items():
            if unknown := set(members) - facts:
                raise ValueError(f"derived fact '{name}' names unknown facts {sorted(unknown)}")
        for rule in self.rules:
            for fact, cond in rule.when.items():
                if fact not in known:
                    raise ValueError(f"rule '{rule.id}' uses unknown fact '{fact}'; known facts: {sorted(known)}")
                kind = "bool" if fact in self.derived else Profile.fact_kind(fact)
                ok = {"bool": isinstance(cond, bool), "number": isinstance(cond, Range), "choice": isinstance(cond, str)}[kind]
                if not ok:
                    raise ValueError(f"rule '{rule.id}': condition on '{fact}' must be a {kind} condition, got {cond!r}")
        return self

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        return next(r for r in self.roles if r.id == role_id)

    def role_ids(self) -> list[str]:
        """Role ids in tie-break order."""
        return [r.id for r in self.roles]

    def quotes(self) -> list[Quote]:
        """Every quote the rulebook relies on."""
        out = [r.quote for r in self.roles] + [r.quote for r in self.rules]
        return out + [s.quote for d in self.disagreements for s in d.sides]

    def values(self, profile: Profile) -> dict[str, Any]:
        """All fact values, derived facts included (any true → true; all false → false; else unknown)."""
        values = {f: getattr(profile, f).value for f in Profile.model_fields}
        for name, members in self.derived.items():
            member_values = [values[f] for f in members]
            values[name] = True if True in member_values else False if all(v is False for v in member_values) else None
        return values

    def holds(self, rule: Rule, values: dict[str, Any]) -> bool:
        """True when every condition of the rule is met by known values."""
        for fact, cond in rule.when.items():
            value = values[fact]
            if value is None:
                return False
            if isinstance(cond, Range):
                if not cond.holds(float(value)):
                    return False
            elif value != cond:
                return False
        return True

    def base_facts(self, fact: str) -> list[str]:
        """The profile facts behind a (possibly derived) fact."""
        return self.derived.get(fact, [fact])


def verify_quotes(rulebook: Rulebook, corpus_dir: Path) -> None:
    """Fail with a clear message when any quote is not verbatim in its source file."""
    bodies: dict[str, str] = {}
    missing = []
    for quote in rulebook.quotes():
        if quote.source not in bodies:
            path = corpus_dir / quote.source
            if not path.exists():
                raise RulebookError(f"Rulebook cites '{quote.source}', which is not in {corpus_dir}.")
            bodies[quote.source] = normalize(load_document(path).body)
        if normalize(quote.text) not in bodies[quote.source]:
            missing.append(f"  {quote.source}: “{quote.text[:90]}”")
    if missing:
        raise RulebookError(
            "These rulebook quotes are not found verbatim in their source files "
            "(copy the exact words, including curly apostrophes and dashes):\n" + "\n".join(missing)
        )


@cache
def load_rulebook(path: Path, corpus_dir: Path) -> Rulebook:
    """Load and validate the rulebook file; every quote is checked against the corpus."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rulebook = Rulebook.model_validate(data)
    except FileNotFoundError as exc:
        raise RulebookError(f"No rulebook at {path}: set ADVISOR_CORPUS_DIR to the folder holding rulebook.yaml.") from exc
    except yaml.YAMLError as exc:
        raise RulebookError(f"{path.name} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise RulebookError(f"{path.name} is invalid:\n{exc}") from exc
    verify_quotes(rulebook, corpus_dir)
    return rulebook
