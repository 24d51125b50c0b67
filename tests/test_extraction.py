"""Offline extraction: negation, numbers and several facts in one message (founder wording, not the examples')."""

import pytest

from advisor.extraction import parse_revenue


def facts(advisor, text):
    return {e.fact: e.value for e in advisor.extractor.extract(text)}


@pytest.mark.parametrize("text,value", [
    ("We're at $12M ARR", 12.0), ("we do about 12 million in ARR", 12.0), ("a 60M company", 60.0),
    ("revenue last year was $8.5 million", 8.5), ("$1.2B in sales", 1200.0), ("we make $750k a year in revenue", 0.75),
    ("Revenue: $12,000,000", 12.0),
])
def test_revenue_figures(text, value):
    assert parse_revenue(text)[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["we burned $60,000 on a retainer", "we have 40 reps", "churn is 5%", "I raised $3M last year"])
def test_money_that_is_not_revenue(text):
    assert parse_revenue(text) is None


@pytest.mark.parametrize("text,fact,value", [
    ("lead volume is not our problem", "pipeline_starved", False),
    ("conversion isn't the issue", "poor_conversion", False),
    ("There's no lack of demand", "pipeline_starved", False),
    ("we hardly get any inbound", "pipeline_starved", True),
    ("our win rate is fine, that's not where we struggle", "poor_conversion", False),
    ("We never hit the number we forecast", "forecast_unreliable", True),
])
def test_negation(advisor, text, fact, value):
    assert facts(advisor, text).get(fact) is value


def test_several_facts_in_one_message(advisor):
    got = facts(advisor, "Inbound is healthy but our top line hasn't moved in a year, and I'm still the one closing every big deal. We're around $14M.")
    assert got["pipeline_starved"] is False
    assert got["revenue_stalled"] is True
    assert got["founder_bottleneck"] is True
    assert got["revenue_musd"] == 14.0


def test_words_are_kept_with_each_fact(advisor):
    out = advisor.extractor.extract("We are totally invisible, and the funnel is bone dry")
    by_fact = {e.fact: e.text for e in out}
    assert by_fact["low_awareness"] == "We are totally invisible"
    assert by_fact["pipeline_starved"] == "the funnel is bone dry"


@pytest.mark.parametrize("text", ["what's the weather in Paris?", "hello", "asdf qwerty", "🙂🙂🙂"])
def test_nothing_from_unrelated_text(advisor, text):
    assert facts(advisor, text) == {}
