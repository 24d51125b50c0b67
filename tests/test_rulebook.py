"""The rulebook loads, every quote is verbatim, and broken rulebooks fail with clear messages."""

from pathlib import Path

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


def _write(tmp_path: Path, corpus_copy: Path, mutate) -> Path:
    data = yaml.safe_load((corpus_copy / "rulebook.yaml").read_text())
    mutate(data)
    path = corpus_copy / "rulebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_altered_quote_is_rejected(tmp_path, corpus_copy):
    def mutate(d):
        d["rules"][0]["quote"]["text"] = d["rules"][0]["quote"]["text"].replace("starved", "hungry")
    path = _write(tmp_path, corpus_copy, mutate)
    with pytest.raises(RulebookError, match="not found verbatim"):
        load_rulebook(path, corpus_copy)


def test_unknown_fact_and_extra_field_are_rejected(tmp_path, corpus_copy):
    path = _write(tmp_path, corpus_copy, lambda d: d["rules"][0]["when"].update({"moon_phase": True}))
    with pytest.raises(RulebookError, match="unknown fact 'moon_phase'"):
        load_rulebook(path, corpus_copy)
    path = _write(tmp_path, corpus_copy, lambda d: d["rules"][0].update({"colour": "red"}))
    with pytest.raises(RulebookError, match="colour"):
        load_rulebook(path, corpus_copy)


def test_wrong_condition_type_is_rejected(tmp_path, corpus_copy):
    path = _write(tmp_path, corpus_copy, lambda d: d["rules"][0]["when"].update({"revenue_musd": True}))
    with pytest.raises(RulebookError, match="number condition"):
        load_rulebook(path, corpus_copy)
