"""The documented decision logic on representative profiles from each article, and question choice."""

import pytest

from advisor.decision import decide, what_would_change
from advisor.profile import Profile
from advisor.questions import choose_question, eligible


def profile(**facts) -> Profile:
    p = Profile()
    for k, v in facts.items():
        p.set(k, v, f"test: {k}", "message")
    return p


@pytest.mark.parametrize("facts,role,article", [
    ({"pipeline_starved": True, "low_awareness": True}, "fractional_cmo", "001"),
    ({"pipeline_starved": False, "revenue_stalled": True, "forecast_unreliable": True}, "fractional_cro", "001"),
    ({"unsure_whats_broken": True}, "fractional_cro", "001"),
    ({"pipeline_starved": True, "proven_sales_process": True}, "fractional_cmo", "000"),
    ({"poor_conversion": True, "rising_churn": True, "pipeline_starved": False}, "fractional_cro", "000"),
    ({"founder_bottleneck": True, "hires_not_ramping": True, "revenue_musd": 12}, "fractional_cro", "003"),
    ({"revenue_musd": 60, "pe_or_ma": True, "revenue_stalled": True}, "fulltime_cro", "004"),
    ({"goal_more_same_deals": True, "proven_sales_process": True, "revenue_musd": 20, "pipeline_starved": False}, "vp_sales", "004"),
    ({"pipeline_starved": True, "poor_conversion": True, "forecast_unreliable": True}, "cro_and_cmo", "002"),
    ({"business_model": "consumer", "launching": True}, "fractional_cmo", "002"),
    ({"tight_budget": True, "pipeline_starved": True, "thin_content": True, "has_marketing_leader": False}, "fractional_marketing_team", "002"),
])
def test_representative_profiles(advisor, facts, role, article):
    d = decide(profile(**facts), advisor.rulebook)
    assert d.top == role, d.scores
    rules = {r.id: r for r in advisor.rulebook.rules}
    assert any(rules[f.rule_id].quote.source.startswith(article) for f in d.fired if role in f.roles and f.weight > 0)


def test_stage_band_flips_fractional_to_fulltime(advisor):
    base = profile(pipeline_starved=False, revenue_stalled=True)
    assert decide(base, advisor.rulebook).top == "fractional_cro"
    changes = what_would_change(base, advisor.rulebook, decide(base, advisor.rulebook))
    assert any(c.role == "fulltime_cro" for c in changes)


def test_never_asks_about_known_facts(advisor):
    p = profile(pipeline_starved=False, revenue_stalled=True, revenue_musd=12)
    asked: set[str] = set()
    for _ in range(10):
        q = choose_question(advisor.questions, p, advisor.rulebook, asked, need_support=True)
        if q is None:
            break
        assert not any(p.fact(f).known for f in q.facts)
        assert q.id not in asked
        asked.add(q.id)
        p.set(q.facts[0], advisor.questions.get(q.id).options[0].sets[q.facts[0]] if q.facts[0] in q.options[0].sets else None, "x", "answer")


def test_not_sure_questions_are_not_eligible(advisor):
    p = Profile()
    p.mark_not_sure("revenue_musd", "no idea")
    assert "revenue" not in [q.id for q in eligible(advisor.questions, p, set())]


def test_robust_decision_needs_no_question(advisor):
    p = profile(pipeline_starved=False, revenue_stalled=True, forecast_unreliable=True, founder_bottleneck=True, revenue_musd=12,
                pe_or_ma=False, tight_budget=False)
    assert choose_question(advisor.questions, p, advisor.rulebook, set(), need_support=False) is None
