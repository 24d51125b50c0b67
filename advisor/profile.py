"""The typed company profile: each fact holds a value (or unknown) and the user's words it came from."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")
BusinessModel = Literal["saas", "consumer", "b2b"]
Origin = Literal["message", "model", "answer", "correction", "inferred"]  # "model": read by the optional language model


class Fact(BaseModel, Generic[T]):
    """One fact: its value (None = unknown), whether the user said 'not sure', and the words it came from."""

    model_config = ConfigDict(extra="forbid")
    value: T | None = None
    not_sure: bool = False
    source_text: str | None = None
    origin: Origin | None = None
    turn: int | None = None

    @property
    def known(self) -> bool:
        """True when the fact has a value."""
        return self.value is not None


class Profile(BaseModel):
    """Everything the advisor has learned about the company."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # stage and context
    revenue_musd: Fact[float] = Fact()
    business_model: Fact[BusinessModel] = Fact()
    tight_budget: Fact[bool] = Fact()
    pe_or_ma: Fact[bool] = Fact()
    launching: Fact[bool] = Fact()
    proven_sales_process: Fact[bool] = Fact()
    has_marketing_leader: Fact[bool] = Fact()
    wants_trial: Fact[bool] = Fact()
    # demand
    pipeline_starved: Fact[bool] = Fact()
    low_awareness: Fact[bool] = Fact()
    muddy_positioning: Fact[bool] = Fact()
    thin_content: Fact[bool] = Fact()
    rising_cac: Fact[bool] = Fact()
    # revenue system
    revenue_stalled: Fact[bool] = Fact()
    poor_conversion: Fact[bool] = Fact()
    forecast_unreliable: Fact[bool] = Fact()
    comp_misaligned: Fact[bool] = Fact()
    no_funnel_owner: Fact[bool] = Fact()
    sales_marketing_misaligned: Fact[bool] = Fact()
    rising_churn: Fact[bool] = Fact()
    founder_bottleneck: Fact[bool] = Fact()
    hires_not_ramping: Fact[bool] = Fact()
    # goals
    goal_more_same_deals: Fact[bool] = Fact()
    unsure_whats_broken: Fact[bool] = Fact()

    @classmethod
    def fact_ids(cls) -> list[str]:
        """Names of all facts, in declaration order."""
        return list(cls.model_fields)

    @classmethod
    def fact_kind(cls, fact_id: str) -> str:
        """'bool', 'number' or 'choice' for a fact id."""
        ann = str(cls.model_fields[fact_id].annotation)
        return "bool" if "bool" in ann else "number" if "float" in ann else "choice"

    def fact(self, fact_id: str) -> Fact:
        """The Fact object for an id."""
        return getattr(self, fact_id)

    def value(self, fact_id: str) -> Any:
        """The value of a fact, or None when unknown."""
        return self.fact(fact_id).value

    def set(self, fact_id: str, value: Any, source_text: str | None, origin: Origin, turn: int | None = None) -> None:
        """Record a value with the words it came from (validated against the fact's type)."""
        kind = type(self.fact(fact_id))
        setattr(self, fact_id, kind(value=value, source_text=source_text, origin=origin, turn=turn))

    def mark_not_sure(self, fact_id: str, source_text: str | None, turn: int | None = None) -> None:
        """Record that the founder does not know this one."""
        kind = type(self.fact(fact_id))
        setattr(self, fact_id, kind(not_sure=True, source_text=source_text, origin="answer", turn=turn))

    def known(self) -> dict[str, Any]:
        """Known facts as {id: value}."""
        return {f: self.value(f) for f in self.fact_ids() if self.fact(f).known}

    def with_value(self, fact_id: str, value: Any) -> "Profile":
        """A copy with one fact changed (for what-if analysis)."""
        clone = self.model_copy(deep=False)
        object.__setattr__(clone, fact_id, type(self.fact(fact_id))(value=value, origin="answer"))
        return clone

    def stage(self) -> str | None:
        """Revenue band used by the articles ($M): under 5, 5-10, 10-30, 30-50, 50+."""
        rev = self.value("revenue_musd")
        if rev is None:
            return None
        for limit, label in ((5, "under $5M"), (10, "$5–10M"), (30, "$10–30M"), (50, "$30–50M")):
            if rev < limit:
                return label
        return "$50M+"
