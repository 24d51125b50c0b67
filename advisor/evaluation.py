"""The eval suite: scenario conversations and factual questions run through the advisor, scored against the rulebook."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from .answers import ANSWER_POOL
from .conversation import Advisor, Conversation
from .corpus import load_document, normalize
from .decision import decide
from .eval_data import CaseResult, FactQuestion, FactResult, Limits, Scenario
from .questions import NOT_SURE
from .schema import Reply

HOLDOUT = "holdout"  # scenarios written before a round of tuning and never tuned on: they measure generalization


class Checker:
    """Citation checks shared by scenario and factual cases."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        self._bodies: dict[str, str] = {}

    def body(self, source: str) -> str:
        if source not in self._bodies:
            path = self.advisor.settings.corpus_dir / source
            if not path.exists():
                path = self.advisor.settings.docs_dir / source
            self._bodies[source] = normalize(load_document(path).body) if path.exists() else ""
        return self._bodies[source]

    def invalid(self, reply: Reply) -> list[str]:
        return [f"{c.source}: {c.quote[:60]}" for c in reply.citations if normalize(c.quote) not in self.body(c.source)]

    def unsupported(self, reply: Reply, message: str) -> list[str]:
        rb = self.advisor.rulebook
        labelled = {normalize(q.text) for q in rb.quotes()}
        pool = max(self.advisor.settings.top_k, ANSWER_POOL)
        retrieved = {h.chunk_id for h in self.advisor.retriever.search(message, k=pool)} if reply.kind == "answer" else set()
        out = []
        for c in reply.citations:
            if normalize(c.quote) in labelled or c.chunk_id in retrieved:
                continue
            out.append(f"{c.chunk_id}: {c.quote[:60]}")
        return out


def run_case(advisor: Advisor, checker: Checker, case_id: str, scenario: Scenario, message: str) -> CaseResult:
    """Drive one conversation to its end and compare the outcome with the scenario."""
    conv = Conversation()
    replies = [(message, advisor.respond(conv, message))]
    for text in scenario.followups:
        replies.append((text, advisor.respond(conv, text)))
    steps = 0
    while scenario.expect and replies[-1][1].question and not replies[-1][1].recommendation and steps < 15:
        text = scenario.answers.get(replies[-1][1].question.id, NOT_SURE)
        replies.append((text, advisor.respond(conv, text)))
        steps += 1
    asked: list[str] = []
    shown = None
    for _, r in replies:
        qid = r.question.id if r.question else None
        if qid and qid != shown and r.kind in ("question", "greeting", "off_topic"):
            asked.append(qid)
        shown = qid
    repeated = [q for q, n in Counter(asked).items() if n > 1]
    recs = [r for _, r in replies if r.recommendation]
    final = recs[-1].recommendation if recs else None
    got = final.role if final else None
    if scenario.expect:
        role_ok = got in scenario.expect
    else:
        role_ok = got is None and all(r.kind == "off_topic" for _, r in replies[:1])
    missing = [p for p in scenario.cite if final and not any(c.source.startswith(p) for c in final.citations)]
    ok = role_ok and not missing  # the right role for the documented reason: its article must be cited
    invalid = [x for _, r in replies for x in checker.invalid(r)]
    unsupported = [x for m, r in replies for x in checker.unsupported(r, m)]
    fired = sorted({f.rule_id for f in decide(conv.profile, advisor.rulebook).fired}) if recs else []
    transcript = [{"user": m, "kind": r.kind, "question": r.question.id if r.question else None,
                   "role": r.recommendation.role if r.recommendation else None} for m, r in replies]
    return CaseResult(case_id=case_id, group=scenario.id, kind=scenario.kind, message=message, expected=list(scenario.expect),
                      got=got, role_ok=role_ok, ok=ok, questions=asked, repeated=repeated, fired=fired, invalid_citations=invalid,
                      unsupported_citations=unsupported, missing_citations=missing if role_ok else [], transcript=transcript,
                      worded=sum(r.wording == "model" for _, r in replies))


def run_fact(advisor: Advisor, checker: Checker, q: FactQuestion) -> FactResult:
    """Ask one factual question in a fresh conversation and look for the expected figure."""
    reply = advisor.respond(Conversation(), q.question)
    texts = [(c.source, c.quote) for c in reply.citations]
    ok = reply.kind == "answer" and any(
        f in quote and source.startswith(q.source) for f in q.figures for source, quote in texts
    )
    return FactResult(id=q.id, question=q.question, expected=q.figures, ok=ok, sources=sorted({s for s, _ in texts}),
                      reply=reply.reply, invalid_citations=checker.invalid(reply), unsupported_citations=checker.unsupported(reply, q.question),
                      worded=reply.wording == "model")


def qrels_for(advisor: Advisor, questions: list[FactQuestion]) -> dict[str, dict[str, int]]:
    """Labelled chunk ids per question, resolved from (file number, contained text)."""
    chunks = list(advisor.retriever.chunks.values())
    qrels: dict[str, dict[str, int]] = {}
    for q in questions:
        ids = {c.chunk_id: 1 for rel in q.relevant for c in chunks if c.source.startswith(rel.source) and rel.contains in c.text}
        if not ids:
            raise ValueError(f"question {q.id}: no chunk matches its labelled passages {q.relevant}")
        qrels[q.id] = ids
    return qrels


def retrieval_scores(advisor: Advisor, questions: list[FactQuestion]) -> dict[str, dict[str, float]]:
    """recall@5 and MRR for dense, BM25 and fused retrieval, computed with ranx."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ranx import Qrels, Run, evaluate

        qrels = Qrels(qrels_for(advisor, questions))
        out = {}
        for mode in ("dense", "bm25", "hybrid"):
            run = {}
            for q in questions:
                hits = advisor.retriever.search(q.question, k=10, mode=mode)
                run[q.id] = {h.chunk_id: float(len(hits) - i) for i, h in enumerate(hits)} or {"none": 0.0}
            scores = evaluate(qrels, Run(run), ["recall@5", "mrr"], make_comparable=True)
            out[mode] = {k: round(float(v), 4) for k, v in scores.items()}
    return out


def consistency(results: list[CaseResult]) -> tuple[float, list[str]]:
    """Share of scenarios with several messages whose messages all reach the same role, and the ones that do not."""
    roles: dict[str, set] = defaultdict(set)
    sizes: Counter = Counter()
    for r in results:
        roles[r.group].add(r.got)
        sizes[r.group] += 1
    multi = [g for g in roles if sizes[g] > 1]
    split = sorted(g for g in multi if len(roles[g]) > 1)
    return (round(1 - len(split) / len(multi), 4) if multi else 1.0), split


def share(results: list[CaseResult]) -> float:
    """Share of cases that passed."""
    return round(sum(r.ok for r in results) / len(results), 4) if results else 1.0


def summarize(results: list[CaseResult], facts: list[FactResult], retrieval: dict, rule_ids: list[str]) -> dict[str, Any]:
    """Every metric of the run; decision accuracy and consistency over the development cases, held-out cases apart."""
    dev = [r for r in results if r.kind != HOLDOUT]
    held = [r for r in results if r.kind == HOLDOUT]
    per_role: dict[str, list[bool]] = defaultdict(list)
    confusion: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        key = (r.got if r.role_ok and r.got in r.expected else r.expected[0]) if r.expected else "none"
        per_role[key].append(r.ok)
        confusion[key][r.got or "none"] += 1
    dev_consistency, dev_split = consistency(dev)
    held_consistency, held_split = consistency(held)
    asked = [len(r.questions) for r in results if r.expected]
    fired = {f for r in results for f in r.fired}
    return {
        "cases": len(results),
        "holdout_cases": len(held),
        "scenarios": len({r.group for r in results}),
        "decision_accuracy": share(dev),
        "holdout_accuracy": share(held),
        "role_accuracy": round(sum(r.role_ok for r in results) / len(results), 4) if results else 1.0,
        "per_role_accuracy": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_role.items())},
        "accuracy_by_kind": {k: share([r for r in results if r.kind == k]) for k in sorted({r.kind for r in results})},
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "paraphrase_consistency": dev_consistency,
        "holdout_consistency": held_consistency,
        "inconsistent_groups": dev_split + held_split,
        "invalid_citations": sum(len(r.invalid_citations) for r in results) + sum(len(f.invalid_citations) for f in facts),
        "unsupported_citations": sum(len(r.unsupported_citations) for r in results) + sum(len(f.unsupported_citations) for f in facts),
        "missing_citations": sum(len(r.missing_citations) for r in dev),
        "repeated_questions": sum(len(r.repeated) for r in results),
        "questions_median": statistics.median(asked) if asked else 0,
        "max_questions": max(asked) if asked else 0,
        "factual_accuracy": round(sum(f.ok for f in facts) / len(facts), 4) if facts else 1.0,
        "factual_questions": len(facts),
        "retrieval": retrieval,
        "recall_at_5": retrieval.get("hybrid", {}).get("recall@5", 0.0),
        "mrr": retrieval.get("hybrid", {}).get("mrr", 0.0),
        "rules_total": len(rule_ids),
        "rules_unexercised": sorted(set(rule_ids) - fired),
    }


HIGHER_IS_BETTER = ("decision_accuracy", "paraphrase_consistency", "holdout_accuracy", "holdout_consistency", "recall_at_5", "factual_accuracy")
LOWER_IS_BETTER = ("invalid_citations", "unsupported_citations", "repeated_questions", "max_questions", "missing_citations")


def failures(metrics: dict[str, Any], gates: Limits, baseline: dict[str, Any] | None) -> list[str]:
    """Reasons the run fails: a metric past its gate, or worse than the stored baseline."""
    out = []
    for name in HIGHER_IS_BETTER:
        if metrics[name] < getattr(gates, name):
            out.append(f"{name} {metrics[name]} is below the gate {getattr(gates, name)}")
        elif baseline and name in baseline and metrics[name] < baseline[name]:
            out.append(f"{name} {metrics[name]} fell below the baseline {baseline[name]}")
    for name in LOWER_IS_BETTER:
        if metrics[name] > getattr(gates, name):
            out.append(f"{name} {metrics[name]} is above the gate {getattr(gates, name)}")
        elif baseline and name in baseline and metrics[name] > baseline[name]:
            out.append(f"{name} {metrics[name]} rose above the baseline {baseline[name]}")
    return out
