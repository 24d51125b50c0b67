"""The advisor: turns one founder message into one reply, updating the conversation state."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator

from pydantic import BaseModel

from . import intent
from .answers import Quoter, disagreements_for
from .decision import Decision, confidence, confidence_label, decide, what_would_change, MIN_SCORE
from .embeddings import Embedder
from .guard import Rejected
from .extraction import Extractor
from .facts import FactBook, load_facts
from .index import Index
from .profile import Profile
from .prompts import Prompts, as_data
from .questions import NOT_SURE, Question, QuestionBank, choose_question, load_questions
from .retrieval import Retriever
from .rulebook import Rulebook, load_rulebook
from .schema import AlternativeOut, Citation, DisagreementOut, QuestionOut, Reason, RecommendationOut, Reply, SourceSide
from .settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .llm import LLM

log = logging.getLogger(__name__)
SURE_SCORE = 0.8  # an offline match this close is kept when the model reads the same fact differently
RELEVANCE = 0.35  # a model-read fact must quote words at least this close to one of its phrasings (unrelated text: < 0.25)
Event = tuple[str, Any]  # ("delta", text) | ("replace", text) | ("reply", Reply)


def pieces(text: str, words: int = 8) -> Iterator[str]:
    """A template reply cut into a few words at a time, for streaming."""
    parts = text.split(" ")
    for i in range(0, len(parts), words):
        yield " ".join(parts[i:i + words]) + (" " if i + words < len(parts) else "")


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

    def word(self, conv: Conversation, reply: Reply, text: str) -> Iterator[Event]:
        """Stream a finished turn: ("delta", text)…, ("replace", offline text) if the model fails midway, ("reply", Reply)."""
        if self.llm is None or reply.kind not in ("recommendation", "answer") or not reply.citations:
            yield from (("delta", p) for p in pieces(reply.reply))
            yield "reply", reply
            return
        body = reply.reply[: len(reply.reply) - len(reply.tail)].strip() if reply.tail else reply.reply
        role = reply.recommendation.role if reply.recommendation else conv.recommended
        context = ({"role_title": self.rulebook.role(role).title, "draft": body} if reply.recommendation
                   else {"question": as_data(text)})
        shown: list[str] = []
        try:
            for sentence in self.llm.word("llm_reword" if reply.recommendation else "llm_answer", role, reply.recommendation is not None,
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
                learned += self._learn_from_model(conv, text, pending, {e.fact: e for e in offline}, set(learned))
        return {"facts": learned, "answered": option is not None}

    def _learn_from_model(self, conv: Conversation, text: str, pending: Question | None, offline: dict, taken: set[str]) -> list[str]:
        """Merge the model's reading: it adds facts the offline extractor missed, and wins only where that one was unsure."""
        learned = []
        for mf in self.llm.extract(text, asked=pending.text if pending else None):
            value = mf.value
            if self.extractor.relevance(mf.fact, mf.quote) < RELEVANCE:
                self.llm.stats.count("extraction fact", "unrelated quote")
                continue
            if isinstance(value, bool) and (sure := self.extractor.sure_polarity(mf.fact, mf.quote)) is not None and sure != value:
                self.llm.stats.count("extraction fact", "polarity overruled")
                value = sure  # the offline reading of negation and state words stands where it is sure
            mine = offline.get(mf.fact)
            if mine is not None and (mine.value == value or mine.score >= SURE_SCORE):
                continue
            if mf.fact in taken and mine is None:
                continue  # set by the quick reply just chosen
            conv.profile.set(mf.fact, value, mf.quote, "model", conv.turns)
            learned.append(mf.fact)
        return learned

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
        rec = self.recommendation(conv.profile, d)
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

    def recommendation(self, profile: Profile, d: Decision) -> RecommendationOut:
        """The structured recommendation: role, confidence, cited reasons, runner-up, what would change."""
        rb = self.rulebook
        reasons: list[Reason] = []
        rules = {r.id: r for r in rb.rules}
        for fired in sorted(d.fired, key=lambda f: -abs(f.weight)):
            rule = rules[fired.rule_id]
            for role in fired.roles:
                if role not in (d.top, d.runner_up):
                    continue
                said = [profile.fact(f).source_text or "" for f in dict.fromkeys(fired.facts) if profile.fact(f).known]
                reasons.append(Reason(rule_id=rule.id, effect="supports" if rule.weight > 0 else "argues against", role=role,
                                      weight=rule.weight, user_said=[s for s in dict.fromkeys(said) if s], citation=self.quoter.citation(rule.quote)))
        top_reasons = [r for r in reasons if r.role == d.top and r.effect == "supports"]
        citations = list({(c.source, c.quote): c for c in (r.citation for r in top_reasons)}.values())
        flips = what_would_change(profile, rb, d, limit=len(Profile.model_fields))
        changes = [
            AlternativeOut(fact=c.fact, if_value=c.value, role=c.role,
                           text=f"if “{self.facts.describe(c.fact, c.value)}” I would lean towards {rb.role(c.role).title}")
            for c in flips[:3]
        ]
        involved = {f for fr in d.fired for f in fr.facts if d.top in fr.roles}
        disagreements = [
            DisagreementOut(topic=x.topic, sides=[SourceSide(claim=s.claim, citation=self.quoter.citation(s.quote)) for s in x.sides])
            for x in disagreements_for(rb, facts=involved, roles={d.top})
        ]
        conf = confidence(profile, rb, d, flips=len(flips))
        role = rb.role(d.top)
        return RecommendationOut(
            role=role.id, title=role.title, description=role.description, confidence=conf, confidence_label=confidence_label(conf),
            scores=d.scores, reasons=reasons, citations=citations,
            runner_up={"role": d.runner_up, "title": rb.role(d.runner_up).title, "score": d.scores[d.runner_up]},
            what_would_change=changes, disagreements=disagreements,
        )

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
