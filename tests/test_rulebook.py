"""The rulebook loads, every quote is verbatim, and broken rulebooks fail with clear messages."""

import pytest
import yaml

from advisor.errors import RulebookError
from advisor.rulebook import load_rulebook
from advisor.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"
ROLES = {"fractional_cro", "fractional_cmo", "vp_sales", "fulltime_cro", "cro_and_cmo", "fractional_marketing_team"}


def test_rulebook_loads_and_covers_every_role_and_article():
    rb = load_rulebook(CORPUS / "rulebook.yaml", CORPUS)
    assert set(rb.role_ids()) == ROLES
    supported = {role for r in rb.rules if r.weight > 0 for role in r.supports}
    assert supported == ROLES
    assert {r.quote.source[:3] for r in rb.rules} == {"000", "001", "002", "003", "004"}
    assert len(rb.disagreements) >= 2


def _set_quote(d):
    d["rules"][0]["quote"]["text"] = d["rules"][0]["quote"]["text"].replace("starved", "hungry")


@pytest.mark.parametrize("mutate,message", [
    (_set_quote, "not found verbatim"),
    (lambda d: d["rules"][0]["when"].update({"moon_phase": True}), "unknown fact 'moon_phase'"),
    (lambda d: d["rules"][0].update({"colour": "red"}), "colour"),
    (lambda d: d["rules"][0]["when"].update({"revenue_musd": True}), "number condition"),
    (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate rule ids"),
], ids=["altered quote", "unknown fact", "extra field", "wrong condition type", "duplicate id"])
def test_broken_rulebooks_are_rejected_with_a_clear_message(corpus_copy, mutate, message):
    data = yaml.safe_load((corpus_copy / "rulebook.yaml").read_text())
    mutate(data)
    path = corpus_copy / "rulebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(RulebookError, match=message):
        load_rulebook(path, corpus_copy)
