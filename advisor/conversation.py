"""The advisor: turns one founder message into one reply, updating the conversation state."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import TYPE_CHECKING, Iterator

from pydantic import BaseModel

from . import intent, wording
from .answers import Quoter, disagreements_for
from .decision import MIN_SCORE, decide
from .embeddings import Embedder
from .extraction import Extractor
from .facts import FactBook, load_facts
from .index import Index
from .profile import Profile
from .prompts import Prompts
from .questions import NOT_SURE, Question, QuestionBank, choose_question, load_questions
from .recommendation import build_recommendation
from .retrieval import Retriever
from .rulebook import Rulebook, load_rulebook
from .schema import Citation, QuestionOut, Reply
from .settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .llm import LLM

log = logging.getLogger(__name__)


class Conversation(BaseModel):
    """Everything the advisor remembers about one conversation."""

    profile: Profile = Profile()
    asked: list[str] = []
    pending: str | None = None
    turns: int = 0
    recommended: str | None = None


class Advisor:
    """The core object: rulebook, questions, extractor and retriever, built lazily from settings."""

    def __init__(self, settings: Settings, chat_model: "BaseChatModel | None" = None) -> None:
        self.settings = settings
        self.embedder = Embedder()
        self._chat_model = chat_model

    @cached_property
    def rulebook(self) -> Rulebook:
        return load_rulebook(self.settings.corpus_dir / "rulebook.yaml", self.settings.corpus_dir)

    @cached_property
    def facts(self) -> FactBook:
        return load_facts(self.settings.corpus_dir / "facts.yaml")

    @cached_property
    def questions(self) -> QuestionBank:
        return load_questions(self.settings.corpus_dir / "questions.yaml")

    @cached_property
    def prompts(self) -> Prompts:
        return Prompts(self.settings.prompts_dir)

    @cached_property
    def index(self) -> Index:
        return Index(self.settings, self.embedder)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.index)

    @cached_property
    def extractor(self) -> Extractor:
        return Extractor(self.facts, self.embedder, self.settings.index_dir)

    @cached_property
    def quoter(self) -> Quoter:
        return Quoter(self.retriever, self.embedder, self.settings.index_dir)

    @cached_property
    def llm(self) -> "LLM | None":
        """The language model behind the guard: the one passed in, else ADVISOR_BACKEND's (None offline)."""
        from .backends import get_backend

        chat = self._chat_model or get_backend(self.settings).chat_model()
        if chat is None:
            return None
        from .guard import Guard
        from .llm import LLM

        name = self.settings.llm_model or (self.settings.llm_path.name if self.settings.llm_path else "")
        return LLM(chat, self.prompts, Guard(self.rulebook), self.facts, self.settings.llm_timeout, name=name)

    def warm_up(self) -> None:
        """Load the model, data files, index and embedding caches so the first reply is fast."""
        _ = self.rulebook, self.questions, self.retriever.chunks, self.llm
        self.extractor.extract("warm up")
        _ = self.extractor.stripped_matrix, self.extractor.holds_is_bad
        _ = self.quoter.passage_matrix

    # -- one turn ----------------------------------------------------------------
    def greet(self, conv: Conversation) -> Reply:
        """The opening message with the first question."""
        q = self.questions.questions[0]
        conv.pending = q.id
        conv.asked.append(q.id)
        return Reply(reply=self.prompts.render("greeting"), kind="greeting", question=self._question_out(q), profile=self.profile_out(conv))

    def respond(self, conv: Conversation, text: str) -> Reply:
        """Process one message and return the finished reply (worded by the model if one is set and passes the guard)."""
        reply = self.turn(conv, text)
        for event, value in self.word(conv, reply, text):
            if event == "reply":
                reply = value
        return reply

    def word(self, conv: Conversation, reply: Reply, text: str) -> Iterator[wording.Event]:
        """Stream a finished turn: ("delta", text)…, ("replace", offline text) if the model fails midway, ("reply", Reply)."""
        return wording.word(self, conv, reply, text)

    def turn(self, conv: Conversation, text: str) -> Reply:
        """Process one message with the offline engine: learn facts, answer questions, then ask or recommend."""
        text = intent.clean(text if isinstance(text, str) else "")
        if not text:
            return self._error(conv, "I didn't receive any text — type a message describing your revenue situation.")
        notice = None
        if len(text) > self.settings.max_message_chars:
            text = text[: self.settings.max_message_chars]
            notice = f"Your message was very long, so I read only the first {self.settings.max_message_chars:,} characters."
        conv.turns += 1
        spans = intent.injection_spans(text)
        if spans:
            notice = self.prompts.render("injection")
            log.info("Ignoring instruction-like text: %r", spans[:2])
            for span in spans:
                text = text.replace(span, " ")
        pending = self.questions.get(conv.pending) if conv.pending else None
        learned = self._learn(conv, text, pending)
        answered = pending is not None and (learned["answered"] or any(conv.profile.fact(f).known or conv.profile.fact(f).not_sure for f in pending.facts))
        if answered:
            conv.pending = None
        if intent.is_factual_question(text):
            return self._answer(conv, text, notice)
        if pending and not answered:
            conv.pending = None  # not answered: move on rather than repeat it
        force = intent.wants_recommendation_now(text)
        if not learned["facts"] and not answered and not spans and not force:
            if intent.is_greeting(text):
                return self._next(conv, notice, greeting=True)
            if not intent.on_topic(text):
                q = self._choose(conv)
                if q:
                    self._ask(conv, q)
                return Reply(reply=self.prompts.render("off_topic", question=q.text if q else None), kind="off_topic",
                             question=self._question_out(q) if q else None, profile=self.profile_out(conv), notice=notice)
            if not conv.recommended:
                return self._next(conv, notice, not_understood=True)
        return self._next(conv, notice, force=force, learned=learned["facts"])

    def correct(self, conv: Conversation, fact: str, value: object) -> Reply:
        """Apply a founder's correction to one fact (None = forget it) and recompute the advice."""
        if fact not in Profile.fact_ids():
            return self._error(conv, f"There is no fact called '{fact}'.")
        if value is None:
            setattr(conv.profile, fact, type(conv.profile.fact(fact))())
        else:
            try:
                conv.profile.set(fact, value, "(corrected by you)", "correction", conv.turns)
            except ValueError:
                return self._error(conv, f"“{value}” is not a valid value for {self.facts.facts[fact].label}.")
        conv.turns += 1
        return self._recommend(conv, None) if conv.recommended else self._next(conv, None, learned=[fact])

    # -- learning ----------------------------------------------------------------
    def _learn(self, conv: Conversation, text: str, pending: Question | None) -> dict:
        learned: list[str] = []
        option = self._match_option(pending, text) if pending else None
        if option == NOT_SURE:
            for f in pending.facts:
                if not conv.profile.fact(f).known:
                    conv.profile.mark_not_sure(f, text, conv.turns)
        elif option is not None:
            for fact, value in option.sets.items():
                conv.profile.set(fact, value, text, "answer", conv.turns)
                learned.append(fact)
        tapped = option is not None and text.strip().lower().rstrip(".!") in {NOT_SURE.lower()} | {o.label.lower() for o in pending.options}
        if not tapped:  # a tapped quick reply says all it means; anything typed may say more
            asked = frozenset(pending.facts) if pending else frozenset()
            offline = self.extractor.extract(text, expecting_revenue="revenue_musd" in asked, prefer=asked)
            for e in offline:
                if e.fact not in learned:
                    conv.profile.set(e.fact, e.value, e.text, "message", conv.turns)
                    learned.append(e.fact)
            if self.llm is not None:
                learned += wording.learn_from_model(self, conv, text, pending, {e.fact: e for e in offline}, set(learned))
        return {"facts": learned, "answered": option is not None}

    @staticmethod
    def _match_option(q: Question, text: str):
        t = text.strip().lower().rstrip(".!")
        if intent.is_not_sure(t):
            return NOT_SURE
        for i, opt in enumerate(q.options, 1):
            if t == opt.label.lower() or t == str(i):
                return opt
        first = re.match(r"^(yes|yeah|yep|yup|correct|right|no|nope|nah|not really)\b", t)
        if first and len(q.options) == 2:
            positive = first.group(1) in ("yes", "yeah", "yep", "yup", "correct", "right")
            for opt in q.options:
                if opt.label.lower().startswith("yes" if positive else "no"):
                    return opt
        return None

    # -- next step ---------------------------------------------------------------
    def _choose(self, conv: Conversation) -> Question | None:
        if len(conv.asked) >= self.settings.max_questions:
            return None
        d = decide(conv.profile, self.rulebook)
        return choose_question(self.questions, conv.profile, self.rulebook, set(conv.asked), need_support=d.scores[d.top] < MIN_SCORE)

    def _ask(self, conv: Conversation, q: Question) -> None:
        conv.pending = q.id
        conv.asked.append(q.id)

    def _next(self, conv: Conversation, notice: str | None, force: bool = False, greeting: bool = False,
              not_understood: bool = False, learned: list[str] | None = None) -> Reply:
        q = None if force else self._choose(conv)
        if q is not None:
            self._ask(conv, q)
            if greeting:
                body = self.prompts.render("greeting")
            elif not_understood:
                body = self.prompts.render("not_understood", question=q.text)
            else:
                d = decide(conv.profile, self.rulebook)
                leaning = self.rulebook.role(d.top).title if d.scores[d.top] >= MIN_SCORE else None
                said = [self.facts.describe(f, conv.profile.value(f)) for f in (learned or [])]
                body = self.prompts.render("question", learned=said, leaning=leaning, question=q.text)
            return Reply(reply=body, kind="question", question=self._question_out(q), profile=self.profile_out(conv), notice=notice)
        return self._recommend(conv, notice)

    def _recommend(self, conv: Conversation, notice: str | None) -> Reply:
        d = decide(conv.profile, self.rulebook)
        unsure = [f for f in Profile.fact_ids() if conv.profile.fact(f).not_sure]
        if d.scores[d.top] < MIN_SCORE and unsure and not conv.profile.fact("unsure_whats_broken").known:
            # The founder could not say what is broken: that is itself the articles' "when you are not sure" case.
            conv.profile.set("unsure_whats_broken", True, f"(you weren't sure about {len(unsure)} of my questions)", "inferred", conv.turns)
            d = decide(conv.profile, self.rulebook)
        rec = build_recommendation(conv.profile, d, self.rulebook, self.facts, self.quoter)
        updated = conv.recommended is not None
        conv.recommended = d.top
        supports = [r for r in rec.reasons if r.effect == "supports" and r.role == d.top][:5]
        against = [r for r in rec.reasons if r.effect == "argues against" and r.role == d.runner_up][:2]
        body = self.prompts.render("recommendation", updated=updated, title=rec.title, description=rec.description,
                                   confidence_label=rec.confidence_label, supports=supports, against=against, runner_up_title=rec.runner_up["title"])
        tail = self.prompts.render("recommendation_tail", runner_up_title=rec.runner_up["title"], changes=rec.what_would_change,
                                   disagreements=rec.disagreements, known_count=len(conv.profile.known()),
                                   unknown_count=rec.confidence_label != "high")
        return Reply(reply=f"{body}\n\n{tail}", tail=tail, kind="recommendation", recommendation=rec, citations=rec.citations,
                     profile=self.profile_out(conv), notice=notice)

    def _answer(self, conv: Conversation, text: str, notice: str | None) -> Reply:
        passages = self.quoter.answer(text, k=self.settings.top_k)
        citations = [Citation(source=p.source, chunk_id=p.chunk_id, quote=p.quote, title=p.title) for p in passages]
        ds = disagreements_for(self.rulebook, text=text)
        sides = [{"topic": d.topic, "sides": [{"claim": s.claim, "title": self.quoter.citation(s.quote).title} for s in d.sides]} for d in ds]
        for d in ds:
            citations += [self.quoter.citation(s.quote) for s in d.sides]
        citations = list({(c.source, c.quote): c for c in citations}.values())
        q = self.questions.get(conv.pending) if conv.pending else None
        body = self.prompts.render("answer", passages=passages)
        tail = self.prompts.render("answer_tail", disagreements=sides, question=q.text if q else None)
        return Reply(reply=f"{body}\n\n{tail}" if tail else body, tail=tail, kind="answer", question=self._question_out(q) if q else None, citations=citations,
                     profile=self.profile_out(conv), notice=notice)

    # -- output helpers ----------------------------------------------------------
    @staticmethod
    def _question_out(q: Question) -> QuestionOut:
        return QuestionOut(id=q.id, text=q.text, options=[o.label for o in q.options] + [NOT_SURE])

    def profile_out(self, conv: Conversation) -> dict:
        """Known facts (and 'not sure' answers) with the words they came from."""
        out = {}
        for f in Profile.fact_ids():
            fact = conv.profile.fact(f)
            if fact.known or fact.not_sure:
                out[f] = {"label": self.facts.facts[f].label, "value": fact.value, "not_sure": fact.not_sure, "source_text": fact.source_text}
        return out

    def _error(self, conv: Conversation, message: str) -> Reply:
        q = self.questions.get(conv.pending) if conv.pending else None
        return Reply(reply=message, kind="error", question=self._question_out(q) if q else None, profile=self.profile_out(conv))
