"""The Gradio web app: a thin layer over the Advisor (chat, quick replies, sources, profile, scores, memo, feedback)."""


import html
import tempfile
from pathlib import Path
from typing import Any

from advisor.conversation import Advisor, Conversation
from advisor.profile import Profile
from advisor.schema import Reply
from advisor.store import SessionStore

EXAMPLES = [
    "Leads come in but revenue is flat, and our forecast is a guess.",
    "Nobody knows we exist and the pipeline is empty.",
    "Every deal still routes through me and new reps don't ramp.",
    "We're a $60M company preparing for private equity.",
]
MAX_OPTIONS = 6
VALUES = {"yes": True, "no": False, "unknown": None}


def _text(s: str) -> str:
    """Show user text literally: escape HTML and every Markdown control character."""
    return html.escape(s).replace("*", "&#42;").replace("_", "&#95;").replace("`", "&#96;").replace("[", "&#91;")


def _reply(s: str) -> str:
    """Show advisor text: our templates' **bold** stays, but HTML, links and code from quoted user words do not."""
    return html.escape(s).replace("`", "&#96;").replace("[", "&#91;").replace("]", "&#93;")


def memo(reply: Reply | None, conv: Conversation, advisor: Advisor) -> str:
    """A Markdown memo: recommendation, reasons with quotes, what I learned, what would change it."""
    lines = ["# Revenue leadership recommendation", ""]
    if reply and reply.recommendation:
        r = reply.recommendation
        lines += [f"**{r.title}** — {r.confidence_label} confidence ({r.confidence:.2f})", "", r.description, "", "## Why", ""]
        for reason in r.reasons:
            said = "; ".join(f"“{s}”" for s in reason.user_said)
            lines.append(f"- {reason.effect} **{advisor.rulebook.role(reason.role).title}** (rule `{reason.rule_id}`, weight {reason.weight:+g})"
                         f"{' — you said ' + said if said else ''}\n  > {reason.citation.quote}\n  > — {reason.citation.title} ({reason.citation.source})")
        lines += ["", f"Runner-up: {r.runner_up['title']}", ""] + [f"- {c.text}" for c in r.what_would_change]
        lines += ["", "## Scores", ""] + [f"- {advisor.rulebook.role(k).title}: {v:g}" for k, v in r.scores.items()]
    lines += ["", "## What I learned", ""]
    lines += [f"- {advisor.facts.describe(f, v)} (you said: “{conv.profile.fact(f).source_text}”)" for f, v in conv.profile.known().items()]
    return "\n".join(lines) + "\n"


def create_app(advisor: Advisor, store: SessionStore):
    """Build the Blocks app; every callback goes through the Advisor."""
    import gradio as gr
    import pandas as pd

    fact_labels = {advisor.facts.facts[f].label: f for f in Profile.fact_ids()}

    def view(reply: Reply | None, conv: Conversation, history: list[dict]):
        options = reply.question.options if reply and reply.question else []
        buttons = [gr.update(value=options[i], visible=True) if i < len(options) else gr.update(visible=False) for i in range(MAX_OPTIONS)]
        cites = reply.citations if reply else []
        sources = "\n\n".join(f"**[{i}] {_text(c.title or c.source)}** · `{c.source}`\n\n> {_text(c.quote)}"
                                for i, c in enumerate(cites, 1)) or "No sources for this reply."
        if reply and reply.wording == "model":
            sources = "_Worded by the language model and checked against the decision and these passages._\n\n" + sources
        facts = [[advisor.facts.facts[f].label, "not sure" if conv.profile.fact(f).not_sure else str(conv.profile.value(f)),
                  conv.profile.fact(f).source_text or ""] for f in Profile.fact_ids()
                 if conv.profile.fact(f).known or conv.profile.fact(f).not_sure]
        rec = reply.recommendation if reply else None
        scores = pd.DataFrame({"role": [advisor.rulebook.role(k).title for k in rec.scores], "score": list(rec.scores.values())}) if rec else \
            pd.DataFrame({"role": [], "score": []})
        rules = "\n".join(f"- `{r.rule_id}` {r.effect} {advisor.rulebook.role(r.role).title} ({r.weight:+g})" for r in rec.reasons) if rec else ""
        return [history, *buttons, sources, pd.DataFrame(facts, columns=["fact", "value", "your words"]), scores, rules]

    def turn(text: str, state: dict):
        conv = Conversation.model_validate(state["conv"])
        reply = advisor.turn(conv, text)
        if reply.kind != "error":
            store.save_turn(state["sid"], conv, text, reply.model_dump(mode="json"))
        asked = state["history"] + [{"role": "user", "content": _text(text)}]
        shown = ""
        for event, value in advisor.word(conv, reply, text):
            if event == "reply":
                reply = value
            elif advisor.llm is not None:  # stream the model's checked sentences; template text arrives whole
                shown = shown + value if event == "delta" else value
                yield [state, "", *view(None, conv, asked + [{"role": "assistant", "content": _reply(shown)}])]
        if reply.wording == "model":
            store.replace_last_reply(state["sid"], reply.model_dump(mode="json"))
        history = asked + [{"role": "assistant", "content": _reply(reply.reply)}]
        state = {"sid": state["sid"], "conv": conv.model_dump(mode="json"), "history": history, "last": reply.model_dump(mode="json")}
        yield [state, "", *view(reply, conv, history)]

    def start(state: dict | None = None):
        sid = store.create()
        conv = Conversation()
        reply = advisor.greet(conv)
        history = [{"role": "assistant", "content": _reply(reply.reply)}]
        state = {"sid": sid, "conv": conv.model_dump(mode="json"), "history": history, "last": reply.model_dump(mode="json")}
        return [state, "", *view(reply, conv, history)]

    def correct(label: str, value: str, state: dict):
        conv = Conversation.model_validate(state["conv"])
        fact = fact_labels.get(label)
        if fact is None:
            return [state, "", *view(Reply.model_validate(state["last"]), conv, state["history"])]
        kind = Profile.fact_kind(fact)
        parsed: Any = VALUES.get(value.strip().lower(), value.strip()) if kind != "number" else (float(value) if value.strip() else None)
        reply = advisor.correct(conv, fact, parsed)
        history = state["history"] + [{"role": "user", "content": _text(f"(correction) {label}: {value}")},
                                      {"role": "assistant", "content": _reply(reply.reply)}]
        state = {"sid": state["sid"], "conv": conv.model_dump(mode="json"), "history": history, "last": reply.model_dump(mode="json")}
        return [state, "", *view(reply, conv, history)]

    def download(state: dict) -> str:
        conv = Conversation.model_validate(state["conv"])
        path = Path(tempfile.mkdtemp()) / "revenue-leader-memo.md"
        path.write_text(memo(Reply.model_validate(state["last"]), conv, advisor), encoding="utf-8")
        return str(path)

    def feedback(state: dict, data: gr.LikeData) -> None:
        store.feedback(state["sid"], data.index[0] if isinstance(data.index, list) else data.index, "up" if data.liked else "down")

    with gr.Blocks(title="Which revenue leader should you hire?") as app:
        state = gr.State()
        gr.Markdown("## Which revenue leader should you hire?\nDescribe your situation. Every recommendation cites the articles it follows.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Advisor", height=460, sanitize_html=True)
                with gr.Row():
                    buttons = [gr.Button(visible=False, size="sm", elem_classes=["quick-reply"]) for _ in range(MAX_OPTIONS)]
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Type your message…", scale=5, max_length=20_000, elem_id="message")
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                gr.Examples(EXAMPLES, inputs=box, label="Try one of these")
                with gr.Row():
                    restart = gr.Button("Start over", elem_id="restart")
                    memo_btn = gr.DownloadButton("Download memo", elem_id="memo")
                with gr.Accordion("Sources for this reply", open=False):
                    sources = gr.Markdown()
            with gr.Column(scale=2):
                facts = gr.Dataframe(label="What I've learned about you", interactive=False, wrap=True)
                with gr.Row():
                    fact_pick = gr.Dropdown(list(fact_labels), label="Correct a fact", scale=3)
                    fact_value = gr.Textbox(label="Value (yes / no / unknown / number)", scale=2)
                fix = gr.Button("Update and recompute")
                scores = gr.BarPlot(x="role", y="score", label="Role scores", height=260)
                rules = gr.Markdown()
        outputs = [state, box, chat, *buttons, sources, facts, scores, rules]
        app.load(start, None, outputs)
        send.click(turn, [box, state], outputs, api_name="send")
        box.submit(turn, [box, state], outputs, api_name=False)
        for b in buttons:
            b.click(turn, [b, state], outputs, api_name=False)
        restart.click(start, [state], outputs, api_name="start")
        fix.click(correct, [fact_pick, fact_value, state], outputs, api_name="correct")
        memo_btn.click(download, [state], memo_btn)
        chat.like(feedback, [state], None)
    return app
