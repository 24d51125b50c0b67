"""Fact definitions: display labels and the example phrasings the offline extractor matches against."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .errors import RulebookError
from .profile import Profile


class FactSpec(BaseModel):
    """How one fact is shown and recognised."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    label: str
    holds: list[str] = []
    fails: list[str] = []
    examples: dict[str, list[str]] = {}
    rising_means: Literal["holds", "fails"] | None = None  # what "rising/high" says (e.g. churn rising: holds)
    inverse_subjects: list[str] = []  # nouns that turn "rising" around (renewals rising: churn falling)
    state_words: bool = True  # whether state words ("good", "flat"…) tell if it holds; if not, the nearest example does


class FactBook(BaseModel):
    """All fact specs, one per profile field."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    facts: dict[str, FactSpec]

    @model_validator(mode="after")
    def _match_profile(self) -> "FactBook":
        fields = set(Profile.fact_ids())
        if missing := fields - set(self.facts):
            raise ValueError(f"facts without a definition: {sorted(missing)}")
        if extra := set(self.facts) - fields:
            raise ValueError(f"definitions for unknown facts: {sorted(extra)}")
        for fid, spec in self.facts.items():
            if Profile.fact_kind(fid) == "bool" and not spec.holds:
                raise ValueError(f"yes/no fact '{fid}' needs `holds` examples")
        return self

    def examples(self) -> list[tuple[str, object, str]]:
        """(fact, value, phrase) for every example phrasing."""
        out: list[tuple[str, object, str]] = []
        for fid, spec in self.facts.items():
            out += [(fid, True, p) for p in spec.holds] + [(fid, False, p) for p in spec.fails]
            out += [(fid, value, p) for value, phrases in spec.examples.items() for p in phrases]
        return out

    def describe(self, fact_id: str, value: object) -> str:
        """Human wording of a fact value, e.g. 'Budget is tight: yes'."""
        label = self.facts[fact_id].label
        if isinstance(value, bool):
            return f"{label}: {'yes' if value else 'no'}"
        if fact_id == "revenue_musd":
            return f"{label}: ${value:g}M"
        return f"{label}: {value}"


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Read a YAML data file into a pydantic model; every problem becomes a RulebookError naming the file."""
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RulebookError(f"No data file at {path}: set ADVISOR_CORPUS_DIR to the folder that holds it.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise RulebookError(f"{path.name} is invalid:\n{exc}") from exc


@cache
def load_facts(path: Path) -> FactBook:
    """Load and validate facts.yaml."""
    return load_yaml_model(path, FactBook)
