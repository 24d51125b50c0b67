"""Running the eval suite end to end and writing its reports: JSON, Markdown with a chart, and JUnit XML."""

from __future__ import annotations

import json
import logging
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .conversation import Advisor
from .eval_data import FactQuestionFile, Limits, Thresholds, cases, load_scenarios
from .evaluation import Checker, failures, retrieval_scores, run_case, run_fact, summarize
from .facts import load_yaml_model

log = logging.getLogger(__name__)


def run_eval(advisor: Advisor, evals_dir: Path, out_dir: Path, update_baseline: bool = False, only: set[str] | None = None,
             report_only: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Run the scenarios and factual questions (all, or the kinds in `only`; "questions" = the factual questions);
    write the reports; return the report and the reasons the run fails (none for a partial or report-only run)."""
    started = time.perf_counter()
    advisor.index.sync()
    advisor.warm_up()
    checker = Checker(advisor)
    scenarios = load_scenarios(evals_dir, advisor)
    if only is not None and (unknown := only - {s.kind for s in scenarios} - {"questions"}):
        raise ValueError(f"--only: no scenarios of kind {', '.join(sorted(unknown))}; kinds are "
                         f"{', '.join(sorted({s.kind for s in scenarios}))} and questions")
    scenarios = [s for s in scenarios if only is None or s.kind in only]
    questions = load_yaml_model(evals_dir / "questions.yaml", FactQuestionFile).questions
    if only is not None and "questions" not in only:
        questions = []
    thresholds = load_yaml_model(evals_dir / "thresholds.yaml", Thresholds)
    results = [run_case(advisor, checker, cid, s, m) for cid, s, m in cases(scenarios)]
    facts = [run_fact(advisor, checker, q) for q in questions]
    retrieval = retrieval_scores(advisor, questions) if questions else {}
    metrics = summarize(results, facts, retrieval, [r.id for r in advisor.rulebook.rules])
    baseline_path = evals_dir / "baseline.json"
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() and not update_baseline else None
    gated = only is None and not report_only
    reasons = failures(metrics, thresholds.gates, baseline) if gated else []
    if advisor.llm is not None:
        metrics["backend"] = {"name": advisor.settings.backend, "model": advisor.llm.name, "guard": advisor.llm.stats.snapshot(),
                              "replies_worded_by_model": sum(r.worded for r in results) + sum(f.worded for f in facts)}
    failed_cases = [r.model_dump() for r in results if not r.ok or r.repeated or r.invalid_citations or r.unsupported_citations or r.missing_citations]
    failed_facts = [f.model_dump() for f in facts if not f.ok or f.invalid_citations or f.unsupported_citations]
    report = {"metrics": metrics, "thresholds": thresholds.model_dump(), "baseline": baseline, "failures": reasons, "gated": gated,
              "failed_cases": failed_cases, "failed_questions": failed_facts, "seconds": round(time.perf_counter() - started, 1)}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    write_chart(metrics, out_dir / "chart.png")
    (out_dir / "report.md").write_text(markdown(report))
    write_junit(results, facts, reasons, out_dir / "junit.xml")
    if update_baseline and gated and not reasons:
        baseline_path.write_text(json.dumps({k: metrics[k] for k in Limits.model_fields}, indent=2) + "\n")
    return report, reasons


def write_chart(metrics: dict[str, Any], path: Path) -> None:
    """Bar charts of per-role decision accuracy and of retrieval scores by retriever."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    roles = list(metrics["per_role_accuracy"])
    left.barh(roles, [metrics["per_role_accuracy"][r] for r in roles], color="#3b7dd8")
    left.set_xlim(0, 1)
    left.set_title("Decision accuracy by expected role")
    modes = list(metrics["retrieval"])
    width = 0.35
    xs = range(len(modes))
    right.bar([x - width / 2 for x in xs], [metrics["retrieval"][m]["recall@5"] for m in modes], width, label="recall@5")
    right.bar([x + width / 2 for x in xs], [metrics["retrieval"][m]["mrr"] for m in modes], width, label="MRR")
    right.set_xticks(list(xs), modes)
    right.set_ylim(0, 1)
    right.set_title("Retrieval over labelled questions")
    right.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(report: dict[str, Any]) -> str:
    """The human-readable report."""
    m = report["metrics"]
    labels = sorted(set(m["confusion"]) | {g for row in m["confusion"].values() for g in row})
    gates, targets = report["thresholds"]["gates"], report["thresholds"]["targets"]
    lines = [
        "# Advisor eval report", "",
        f"**{'FAILED' if report['failures'] else 'PASSED'}** — {m['cases']} conversation cases from {m['scenarios']} scenarios, "
        f"{m['factual_questions']} factual questions, {report['seconds']} s.", "",
        "| metric | value | gate | target |", "| --- | --- | --- | --- |",
    ]
    for key, gate in gates.items():
        lines.append(f"| {key} | {m[key]} | {gate} | {targets[key]} |")
    lines += [f"| questions before recommendation (median) | {m['questions_median']} | |", f"| MRR (fused) | {m['mrr']} | |", "",
              f"Decision accuracy counts a case as right when the role is acceptable *and* the recommendation cites the scenario's "
              f"article. It is measured on the {m['cases'] - m['holdout_cases']} development cases; the {m['holdout_cases']} `holdout` "
              "cases were written before the last round of tuning and never tuned on, so they measure generalization. "
              f"Role alone (all cases): {m['role_accuracy']:.1%}.", "",
              "Accuracy by kind of scenario: "
              + ", ".join(f"{k} {v:.0%}" for k, v in m["accuracy_by_kind"].items()), "",
              "![per-role accuracy and retrieval](chart.png)", "", "## Retrieval", "", "| retriever | recall@5 | MRR |", "| --- | --- | --- |"]
    lines += [f"| {mode} | {s['recall@5']} | {s['mrr']} |" for mode, s in m["retrieval"].items()]
    lines += ["", "## Confusion matrix (rows: expected, columns: recommended)", "", "| expected \\ got | " + " | ".join(labels) + " |",
              "| --- |" + " --- |" * len(labels)]
    lines += [f"| {e} | " + " | ".join(str(m["confusion"].get(e, {}).get(g, "")) for g in labels) + " |" for e in labels if e in m["confusion"]]
    lines += ["", f"Rules exercised: {m['rules_total'] - len(m['rules_unexercised'])} of {m['rules_total']}."]
    if m["rules_unexercised"]:
        lines.append("Rules no scenario exercises: " + ", ".join(m["rules_unexercised"]))
    if backend := m.get("backend"):
        lines += ["", f"## Language model: {backend['name']} ({backend['model']})", "",
                  f"Replies worded by the model (accepted by the guard): {backend['replies_worded_by_model']}.", "",
                  "| guard decision | count |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in backend["guard"].items()]
    if not report["gated"]:
        lines += ["", "_Partial or report-only run: gates and baseline not applied._"]
    if report["failures"]:
        lines += ["", "## Failures", ""] + [f"- {r}" for r in report["failures"]]
    for case in report["failed_cases"]:
        lines.append(f"- case `{case['case_id']}`: expected {case['expected'] or 'no recommendation'}, got {case['got']}"
                     + (f"; repeated {case['repeated']}" if case["repeated"] else "")
                     + (f"; missing citations from {case['missing_citations']}" if case["missing_citations"] else ""))
    for q in report["failed_questions"]:
        lines.append(f"- question `{q['id']}`: expected one of {q['expected']}, cited {q['sources']}")
    return "\n".join(lines) + "\n"


def write_junit(results, facts, reasons: list[str], path: Path) -> None:
    """JUnit XML: one test case per conversation case, factual question and threshold."""
    suite = ET.Element("testsuite", name="advisor-evals")
    count = failed = 0
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"scenario.{r.group}", name=r.case_id)
        count += 1
        problems = ([] if r.ok else [f"expected {r.expected or 'no recommendation'}, got {r.got}"]) + \
            [f"repeated question {q}" for q in r.repeated] + [f"invalid citation {c}" for c in r.invalid_citations] + \
            [f"unsupported citation {c}" for c in r.unsupported_citations] + [f"missing citation from {c}" for c in r.missing_citations]
        if problems:
            failed += 1
            ET.SubElement(case, "failure", message="; ".join(problems)[:500]).text = r.message
    for f in facts:
        case = ET.SubElement(suite, "testcase", classname="factual", name=f.id)
        count += 1
        if not f.ok:
            failed += 1
            ET.SubElement(case, "failure", message=f"expected one of {f.expected}")
    case = ET.SubElement(suite, "testcase", classname="thresholds", name="all")
    count += 1
    if reasons:
        failed += 1
        ET.SubElement(case, "failure", message="; ".join(reasons)[:1000])
    suite.set("tests", str(count))
    suite.set("failures", str(failed))
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
