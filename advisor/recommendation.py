"""The structured recommendation: the decided role with its cited reasons, runner-up, confidence and what would change it."""

from __future__ import annotations

from .answers import Quoter, disagreements_for
from .decision import Decision, confidence, confidence_label, what_would_change
from .facts import FactBook
from .profile import Profile
from .rulebook import Rulebook
from .schema import AlternativeOut, DisagreementOut, Reason, RecommendationOut, SourceSide


def build_recommendation(profile: Profile, d: Decision, rb: Rulebook, facts: FactBook, quoter: Quoter) -> RecommendationOut:
    """The structured recommendation: role, confidence, cited reasons, runner-up, what would change."""
    reasons: list[Reason] = []
    rules = {r.id: r for r in rb.rules}
    for fired in sorted(d.fired, key=lambda f: -abs(f.weight)):
        rule = rules[fired.rule_id]
        for role in fired.roles:
            if role not in (d.top, d.runner_up):
                continue
            said = [profile.fact(f).source_text or "" for f in dict.fromkeys(fired.facts) if profile.fact(f).known]
            reasons.append(Reason(rule_id=rule.id, effect="supports" if rule.weight > 0 else "argues against", role=role,
                                  weight=rule.weight, user_said=[s for s in dict.fromkeys(said) if s], citation=quoter.citation(rule.quote)))
    top_reasons = [r for r in reasons if r.role == d.top and r.effect == "supports"]
    citations = list({(c.source, c.quote): c for c in (r.citation for r in top_reasons)}.values())
    flips = what_would_change(profile, rb, d, limit=len(Profile.model_fields))
    changes = [
        AlternativeOut(fact=c.fact, if_value=c.value, role=c.role,
                       text=f"if “{facts.describe(c.fact, c.value)}” I would lean towards {rb.role(c.role).title}")
        for c in flips[:3]
    ]
    involved = {f for fr in d.fired for f in fr.facts if d.top in fr.roles}
    disagreements = [
        DisagreementOut(topic=x.topic, sides=[SourceSide(claim=s.claim, citation=quoter.citation(s.quote)) for s in x.sides])
        for x in disagreements_for(rb, facts=involved, roles={d.top})
    ]
    conf = confidence(profile, rb, d, flips=len(flips))
    role = rb.role(d.top)
    return RecommendationOut(
        role=role.id, title=role.title, description=role.description, confidence=conf, confidence_label=confidence_label(conf),
        scores=d.scores, reasons=reasons, citations=citations,
        runner_up={"role": d.runner_up, "title": rb.role(d.runner_up).title, "score": d.scores[d.runner_up]},
        what_would_change=changes, disagreements=disagreements,
    )
