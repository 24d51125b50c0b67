"""The optional model's part in a turn: merging the facts it reads, and streaming the reply it words (or the offline one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from .guard import Rejected
from .prompts import as_data
from .schema import Reply

if TYPE_CHECKING:
    from .conversation import Advisor, Conversation
    from .extraction import Extracted
    from .questions import Question

SURE_SCORE = 0.8  # an offline match this close is kept when the model reads the same fact differently
RELEVANCE = 0.35  # a model-read fact must quote words at least this close to one of its phrasings (unrelated text: < 0.25)
Event = tuple[str, Any]  # ("delta", text) | ("replace", text) | ("reply", Reply)


def pieces(text: str, words: int = 8) -> Iterator[str]:
    """A template reply cut into a few words at a time, for streaming."""
    parts = text.split(" ")
    for i in range(0, len(parts), words):
        yield " ".join(parts[i:i + words]) + (" " if i + words < len(parts) else "")


def learn_from_model(advisor: Advisor, conv: Conversation, text: str, pending: Question | None, offline: dict[str, Extracted],
                     taken: set[str]) -> list[str]:
    """Merge the model's reading: it adds facts the offline extractor missed, and wins only where that one was unsure."""
    learned = []
    for mf in advisor.llm.extract(text, asked=pending.text if pending else None):
        value = mf.value
        if advisor.extractor.relevance(mf.fact, mf.quote) < RELEVANCE:
            advisor.llm.stats.count("extraction fact", "unrelated quote")
            continue
        if isinstance(value, bool) and (sure := advisor.extractor.sure_polarity(mf.fact, mf.quote)) is not None and sure != value:
            advisor.llm.stats.count("extraction fact", "polarity overruled")
            value = sure  # the offline reading of negation and state words stands where it is sure
        mine = offline.get(mf.fact)
        if mine is not None and (mine.value == value or mine.score >= SURE_SCORE):
            continue
        if mf.fact in taken and mine is None:
            continue  # set by the quick reply just chosen
        conv.profile.set(mf.fact, value, mf.quote, "model", conv.turns)
        learned.append(mf.fact)
    return learned


def word(advisor: Advisor, conv: Conversation, reply: Reply, text: str) -> Iterator[Event]:
    """Stream a finished turn: ("delta", text)…, ("replace", offline text) if the model fails midway, ("reply", Reply)."""
    if advisor.llm is None or reply.kind not in ("recommendation", "answer") or not reply.citations:
        yield from (("delta", p) for p in pieces(reply.reply))
        yield "reply", reply
        return
    body = reply.reply[: len(reply.reply) - len(reply.tail)].strip() if reply.tail else reply.reply
    role = reply.recommendation.role if reply.recommendation else conv.recommended
    context = ({"role_title": advisor.rulebook.role(role).title, "draft": body} if reply.recommendation
               else {"question": as_data(text)})
    shown: list[str] = []
    try:
        for sentence in advisor.llm.word("llm_reword" if reply.recommendation else "llm_answer", role, reply.recommendation is not None,
                                      reply.citations, **context):
            shown.append(sentence)
            yield "delta", sentence
    except Rejected:
        if shown:
            yield "replace", reply.reply
        else:
            yield from (("delta", p) for p in pieces(reply.reply))
        yield "reply", reply
        return
    text_out = "".join(shown).strip() + (f"\n\n{reply.tail}" if reply.tail else "")
    if reply.tail:
        yield "delta", f"\n\n{reply.tail}"
    yield "reply", reply.model_copy(update={"reply": text_out, "wording": "model"})
