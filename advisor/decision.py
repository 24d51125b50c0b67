"""Scoring the roles: fire every rule whose conditions the profile meets and add up the weights."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .profile import Profile
from .rulebook import Rule, Rulebook

MIN_SCORE = 2.0  # below this no role has enough support to recommend on symptoms alone


class FiredRule(BaseModel):
    """A rule that applied, with the facts that triggered it."""

    rule_id: str
    roles: list[str]
    weight: float
    facts: list[str]


class Change(BaseModel):
    """A single fact that, if different, would change the recommendation."""

    fact: str
    value: Any
    role: str


class Decision(BaseModel):
    """Role scores, the winner, the runner-up and the rules behind them."""

    scores: dict[str, float]
    top: str
    runner_up: str
    fired: list[FiredRule]

    @property
    def margin(self) -> float:
        """Score gap between the top role and the runner-up."""
        return self.scores[self.top] - self.scores[self.runner_up]


def _fire(rule: Rule, rulebook: Rulebook) -> FiredRule:
    facts = [f for fact in rule.when for f in rulebook.base_facts(fact)]
    return FiredRule(rule_id=rule.id, roles=list(rule.supports), weight=rule.weight, facts=facts)


def decide(profile: Profile, rulebook: Rulebook) -> Decision:
    """Score every role from the fired rules; ties go to the earlier role in the rulebook."""
    order = rulebook.role_ids()
    scores = {r: 0.0 for r in order}
    fired = []
    values = rulebook.values(profile)
    for rule in rulebook.rules:
        if rulebook.holds(rule, values):
            fired.append(_fire(rule, rulebook))
            for role in rule.supports:
                scores[role] += rule.weight
    ranked = sorted(order, key=lambda r: (-scores[r], order.index(r)))
    return Decision(scores=scores, top=ranked[0], runner_up=ranked[1], fired=fired)


def candidate_values(rulebook: Rulebook, fact: str) -> list[Any]:
    """Values worth trying for a fact in what-if analysis (drawn from the rule conditions)."""
    from .rulebook import Range

    kind = Profile.fact_kind(fact)
    if kind == "bool":
        return [True, False]
    values: set[Any] = set()
    for rule in rulebook.rules:
        cond = rule.when.get(fact)
        if isinstance(cond, Range):
            values |= {v for v in (cond.min, cond.max) if v is not None}
            if cond.min is not None:
                values.add(cond.min - 0.5)
        elif isinstance(cond, str):
            values.add(cond)
    if kind == "number":
        values = {v for v in values if v > 0} | {1.0}
    return sorted(values, key=str)


def what_would_change(profile: Profile, rulebook: Rulebook, decision: Decision, limit: int = 3) -> list[Change]:
    """Single-fact changes that would flip the top role, unknown facts first."""
    changes: list[Change] = []
    facts = sorted(Profile.fact_ids(), key=lambda f: profile.fact(f).known)
    for fact in facts:
        current = profile.value(fact)
        for value in candidate_values(rulebook, fact):
            if value == current:
                continue
            top = decide(profile.with_value(fact, value), rulebook).top
            if top != decision.top:
                changes.append(Change(fact=fact, value=value, role=top))
                break
    changes.sort(key=lambda c: (c.role != decision.runner_up, profile.fact(c.fact).known))
    return changes[:limit]


def confidence(profile: Profile, rulebook: Rulebook, decision: Decision, flips: int) -> float:
    """0–1: how far ahead the top role is, how much is known, and how many single answers could flip it."""
    top = decision.scores[decision.top]
    if top <= 0:
        return 0.15
    margin = min(1.0, max(0.0, decision.margin) / max(top, 1.0))
    relevant = {f for r in rulebook.rules if set(r.supports) & {decision.top, decision.runner_up} for fact in r.when for f in rulebook.base_facts(fact)}
    coverage = sum(profile.fact(f).known for f in relevant) / max(len(relevant), 1)
    robustness = 1.0 / (1 + flips)
    strength = min(1.0, top / 8)
    told = sum(1 for f in profile.known() if profile.fact(f).origin != "inferred")
    evidence = min(1.0, 0.4 + 0.2 * told)  # one or two facts never make a confident case
    return round(evidence * (0.35 * margin + 0.2 * coverage + 0.25 * robustness + 0.2 * strength), 2)


def confidence_label(value: float) -> str:
    """'high', 'medium' or 'low'."""
    return "high" if value >= 0.65 else "medium" if value >= 0.4 else "low"
