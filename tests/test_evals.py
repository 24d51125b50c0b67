"""The eval data files are valid and the gate logic fails runs that regress."""

from advisor.eval_data import FactQuestionFile, Limits, cases, load_scenarios
from advisor.evaluation import failures, qrels_for
from advisor.facts import load_yaml_model
from advisor.settings import REPO_ROOT

EVALS = REPO_ROOT / "evals"
ROLES = {"fractional_cro", "fractional_cmo", "vp_sales", "fulltime_cro", "cro_and_cmo", "fractional_marketing_team"}


def test_scenarios_cover_roles_articles_rules_and_kinds(advisor):
    scenarios = load_scenarios(EVALS, advisor)
    assert len(cases(scenarios)) >= 60
    assert {r for s in scenarios for r in s.expect} == ROLES
    assert {c for s in scenarios for c in s.cite} == {"000", "001", "002", "003", "004"}
    assert {s.kind for s in scenarios} >= {"core", "negation", "mixed", "not_sure", "thin", "off_topic", "injection", "long", "multi_turn"}
    named = {r for s in scenarios for r in s.rules}
    assert named == {r.id for r in advisor.rulebook.rules}, "every rule is named by some scenario"
    assert all(len(s.messages) >= 4 for s in scenarios if s.kind == "core")


def test_factual_questions_resolve_to_chunks(advisor):
    questions = load_yaml_model(EVALS / "questions.yaml", FactQuestionFile).questions
    assert len(questions) >= 40
    qrels = qrels_for(advisor, questions)
    assert all(qrels[q.id] for q in questions)


def test_gates_and_baseline():
    gates = Limits(decision_accuracy=0.9, paraphrase_consistency=0.9, holdout_accuracy=0.5, holdout_consistency=0.5, invalid_citations=0, unsupported_citations=0, repeated_questions=0,
                   max_questions=6, recall_at_5=0.8, factual_accuracy=0.8, missing_citations=2)
    good = dict(decision_accuracy=0.95, paraphrase_consistency=0.95, holdout_accuracy=0.6, holdout_consistency=0.6, invalid_citations=0, unsupported_citations=0, repeated_questions=0,
                max_questions=4, recall_at_5=0.85, factual_accuracy=0.85, missing_citations=1)
    assert failures(good, gates, None) == []
    assert failures({**good, "repeated_questions": 1}, gates, None) == ["repeated_questions 1 is above the gate 0"]
    assert failures({**good, "decision_accuracy": 0.93}, gates, {"decision_accuracy": 0.95})[0].startswith("decision_accuracy 0.93 fell below the baseline")
