"""Command line: `advisor ingest`, `advisor chat` and `advisor chat --json`."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import typer

from .errors import AdvisorError
from .settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Which revenue leader should you hire? An offline, cited advisor.")
log = logging.getLogger("advisor")


def _setup(verbose: bool = False) -> Settings:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "sentence_transformers", "bm25s", "transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return Settings()


@app.command()
def ingest(paths: list[Path] = typer.Argument(None, help="Your own .md, .txt or .html documents to add."),
           verify: bool = typer.Option(False, "--verify", help="Also check the vector store against the manifest."),
           verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Build or update the search index (only changed files are embedded again)."""
    from rich.progress import Progress

    from .embeddings import Embedder
    from .index import Index

    settings = _setup(verbose)
    try:
        if paths:
            for copy in Index(settings, Embedder()).add_documents(list(paths)):
                typer.echo(f"Added {copy.name}", err=True)
        elif not verify and not Index(settings, Embedder()).sync_needed():
            typer.echo(f"Index up to date: {len(Index(settings, Embedder()).chunks())} chunks.")
            return
        from .conversation import Advisor

        advisor = Advisor(settings)
        index = advisor.index
        with Progress(transient=True, console=None) as bar:
            task = bar.add_task("Embedding", total=None)
            report = index.sync(progress=lambda name: bar.update(task, description=f"Embedding {name}"))
            bar.update(task, description="Caching phrase and passage embeddings")
            advisor.warm_up()
    except AdvisorError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if report.rebuilt_reason and report.rebuilt_reason != "no index yet":
        typer.echo(f"Rebuilt the index: {report.rebuilt_reason}.", err=True)
    for name, why in report.skipped.items():
        typer.echo(f"Skipped {name}: {why}", err=True)
    typer.echo(
        f"Index: {report.chunks} chunks. Added {len(report.added)}, changed {len(report.changed)}, "
        f"removed {len(report.removed)}, unchanged {len(report.unchanged)}."
    )


def _stdin_lines():
    """Lines of standard input, decoded leniently (invalid UTF-8 becomes U+FFFD, never a crash)."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    for line in stream:
        yield line.rstrip("\n")


@app.command()
def chat(as_json: bool = typer.Option(False, "--json", help="One JSON object per input line on stdout (machine interface)."),
         verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Talk to the advisor in the terminal (or through JSON lines with --json)."""
    from .conversation import Advisor, Conversation

    settings = _setup(verbose)
    advisor = Advisor(settings)
    try:
        if advisor.index.sync_needed():
            report = advisor.index.sync()
            if report.rebuilt_reason and report.rebuilt_reason != "no index yet":
                typer.echo(f"Rebuilt the search index: {report.rebuilt_reason}.", err=True)
        advisor.warm_up()
    except AdvisorError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    conv = Conversation()
    if as_json:
        _chat_json(advisor, conv)
    else:
        _chat_terminal(advisor, conv)


def _chat_json(advisor, conv) -> None:
    from .conversation import Conversation
    from .schema import Reply

    for line in _stdin_lines():
        if line.strip() == "/new":
            conv = Conversation()
            reply = advisor.greet(conv)
        else:
            try:
                reply = advisor.respond(conv, line)
            except Exception as exc:  # noqa: BLE001 - one bad turn must not end the session
                log.exception("Turn failed")
                reply = Reply(reply=f"Sorry — something went wrong handling that message ({type(exc).__name__}). Your conversation is intact; please try again.",
                              kind="error", profile=advisor.profile_out(conv))
        sys.stdout.write(json.dumps(reply.model_dump(mode="json"), ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _chat_terminal(advisor, conv) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    from .conversation import Conversation

    console = Console()
    reply = advisor.greet(conv)
    while True:
        console.print(Markdown(reply.reply))
        if reply.notice:
            console.print(f"[yellow]{reply.notice}[/yellow]")
        if reply.citations:
            console.print("\n[bold]Sources[/bold]")
            for i, c in enumerate(reply.citations, 1):
                console.print(f"  [{i}] [cyan]{c.source}[/cyan] ({c.chunk_id})\n      “{c.quote}”", highlight=False)
        if reply.question:
            console.print("\n" + "  ".join(f"[bold]{i}[/bold]) {o}" for i, o in enumerate(reply.question.options, 1)))
        try:
            text = console.input("\n[bold green]you>[/bold green] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if text.strip() in ("/quit", "/exit"):
            return
        if text.strip() == "/new":
            conv = Conversation()
            reply = advisor.greet(conv)
            continue
        if reply.question and text.strip().isdigit() and 1 <= int(text) <= len(reply.question.options):
            text = reply.question.options[int(text) - 1]
        reply = advisor.respond(conv, text)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Address to listen on."), port: int = typer.Option(8000, help="Port."),
          verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Start the HTTP API (JSON and server-sent events) for the web app and the website widget."""
    import uvicorn

    from .conversation import Advisor
    from .server import create_app

    settings = _setup(verbose)
    advisor = Advisor(settings)
    try:
        if advisor.index.sync_needed():
            advisor.index.sync()
        advisor.warm_up()
    except AdvisorError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Advisor running at http://{host}:{port}/  (widget demo: /demo, API docs: /docs)", err=True)
    uvicorn.run(create_app(settings, advisor), host=host, port=port, log_level="info" if verbose else "warning")


@app.command("eval")
def eval_(out: Path = typer.Option(None, help="Folder for report.json, report.md, chart.png and junit.xml (default: evals/)."),
          update_baseline: bool = typer.Option(False, "--update-baseline", help="Store this run's metrics as the baseline."),
          only: str = typer.Option(None, help="Comma-separated scenario kinds to run (e.g. core,holdout); 'questions' = factual questions."),
          report_only: bool = typer.Option(False, "--report-only", help="Write the reports without applying gates (e.g. with a model backend)."),
          verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run the eval suite (offline unless ADVISOR_BACKEND is set); exit 1 when a metric is below its gate or the baseline."""
    from .conversation import Advisor
    from .eval_report import run_eval
    from .settings import REPO_ROOT

    settings = _setup(verbose)
    evals_dir = REPO_ROOT / "evals"
    try:
        kinds = {k.strip() for k in only.split(",") if k.strip()} if only else None
        report, reasons = run_eval(Advisor(settings), evals_dir, out or evals_dir, update_baseline, only=kinds, report_only=report_only)
    except (AdvisorError, ValueError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    m = report["metrics"]
    typer.echo(f"decision accuracy {m['decision_accuracy']:.1%} over {m['cases'] - m['holdout_cases']} development cases "
               f"(held out: {m['holdout_accuracy']:.1%} of {m['holdout_cases']}; role alone, all cases: {m['role_accuracy']:.1%}); "
               f"paraphrase consistency {m['paraphrase_consistency']:.1%} (held out: {m['holdout_consistency']:.1%}); "
               f"recall@5 {m['recall_at_5']}; MRR {m['mrr']}; factual {m['factual_accuracy']:.1%}; "
               f"invalid citations {m['invalid_citations']}; repeated questions {m['repeated_questions']}; "
               f"questions median {m['questions_median']}, max {m['max_questions']}")
    typer.echo("accuracy by kind: " + ", ".join(f"{k} {v:.0%}" for k, v in m["accuracy_by_kind"].items()))
    if backend := m.get("backend"):
        typer.echo(f"model {backend['name']} ({backend['model']}): {backend['replies_worded_by_model']} replies worded by the model; "
                   f"guard: {json.dumps(backend['guard'])}")
    if not report["gated"]:
        typer.echo("partial or report-only run: gates and baseline not applied", err=True)
    if m["rules_unexercised"] and report["gated"]:
        typer.echo(f"rules no scenario exercises: {', '.join(m['rules_unexercised'])}")
    for case in report["failed_cases"]:
        why = f"; did not cite {', '.join(case['missing_citations'])}" if case["missing_citations"] else ""
        typer.echo(f"  case {case['case_id']} ({case['kind']}): expected {case['expected'] or 'none'}, got {case['got']}{why}", err=True)
    for q in report["failed_questions"]:
        typer.echo(f"  question {q['id']}: expected {q['expected']}, cited {q['sources']}", err=True)
    for reason in reasons:
        typer.echo(f"FAIL: {reason}", err=True)
    if reasons:
        raise typer.Exit(1)


def main() -> None:
    """Entry point for `python -m advisor`."""
    app()


if __name__ == "__main__":
    main()
