"""Tutor.answer(question, history) -> an Answer: the sources first, then the text as a stream.

Three routes, chosen in this order:
1. refusal: injection attempts, and questions that neither name a roadmap node nor retrieve
   anything close (best cosine below `min_relevance`);
2. curriculum: order, prerequisites, phase, duration, where to start, resources for X. These
   are written from the parsed graph with names and links from the data, so they are right
   whatever the model;
3. retrieval + LLM: everything else, with a short numbered context, streamed through the Guard.
   If nothing generated survives the guard, the answer falls back to the best source's text.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from .config import Settings, TutorError
from .corpus import Card, Chunk, Corpus
from .curriculum import (
    STOPWORDS,
    Item,
    Node,
    Phase,
    Resource,
    Roadmap,
    Section,
    breadcrumb,
    label,
    query_words,
    words,
)
from .curriculum import intent as curriculum_intent
from .guard import Guard
from .llm import ChatModel
from .prompt import build_messages
from .retrieve import Hit, Retriever, clean_query

INJECTION = re.compile(
    r"ignore (all |any |your |the |previous |prior |above |earlier )*(instructions|rules|prompts?|directions)"
    r"|system prompt|initial prompt|hidden prompt|your (instructions|rules|prompt)\b|reveal your|jailbreak"
    r"|developer mode|\bDAN\b|pretend (you are|to be)|you are now|disregard (all|your|the|previous)"
    r"|act as (an?|my)\b(?! tutor)|forget (that )?(you|your|all|everything|previous)|api keys?"
    r"|your (configuration|config|settings|secrets?)\b|output your|\bpretend\b|no (limits|rules|restrictions)\b"
    r"|break (out of )?character|free-?form chatbot",
    re.I,
)
FOLLOW_UP = re.compile(r"\b(it|that|this|those|them|these|there)\b", re.I)
FOREIGN = set("""de la las el los del una unos qué que por para cómo es está ist ein eine der die das und
    wie welche nach vor le les des une est quoi après avant pour comment il che per di dopo prima cosa
    o um uma depois antes como het een wat na voor и что как после до это""".split())
ENGLISH_ONLY = (
    "I can only read questions in English so far. Please ask again in English, "
    "for example \"What should I learn after GANs?\""
)
REFUSAL = (
    "I can only help with the Generative AI learning roadmap: what to learn in which order, "
    "prerequisites, how long each phase takes, and the courses, papers and tools it links. "
    "Try \"What should I learn after GANs?\" or \"A good resource for VAEs?\""
)


@dataclass
class Answer:
    question: str
    route: str  # "curriculum" | "rag" | "refusal"
    sources: list[Hit]
    abstained: bool
    pieces: Iterator[str]
    text: str = ""
    model: str = ""
    timings: dict = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # what the guard took out
    started: float = field(default_factory=time.perf_counter)  # when the question came in

    def __iter__(self) -> Iterator[str]:
        started = self.started
        first = None
        parts = []
        for piece in self.pieces:
            if first is None:
                first = time.perf_counter() - started
            parts.append(piece)
            yield piece
        self.text = "".join(parts).strip()
        total = time.perf_counter() - started
        self.timings.update(ttft_s=round(first if first is not None else total, 4), total_s=round(total, 4))

    def finish(self) -> Answer:
        """Consume the stream (for headless callers) and return self."""
        for _ in self:
            pass
        return self

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.text, "abstained": self.abstained,
                "sources": [h.to_dict() for h in self.sources], "timings": self.timings,
                "model": self.model, "route": self.route}


class Tutor:
    def __init__(self, corpus: Corpus, retriever: Retriever, model: ChatModel | None, settings: Settings):
        self.corpus = corpus
        self.roadmap: Roadmap = corpus.roadmap
        self.retriever = retriever
        self.model = model
        self.settings = settings
        self.chunk_by_id: dict[str, Chunk] = {c.id: c for c in retriever.chunks}
        self.chunk_by_url: dict[str, Chunk] = {c.url.rstrip("/"): c for c in retriever.chunks if c.kind == "resource"}
        self.titles = [c.title for c in retriever.chunks if c.kind == "resource"]
        self.card_words = [(card, {w for w in words(card.title) if w not in STOPWORDS}) for card in corpus.cards]

    # ------------------------------------------------------------------ entry point
    def answer(self, question: str, history: list[dict] | None = None, done: set[str] | None = None,
               generate: bool = True, settings: Settings | None = None) -> Answer:
        """`history`: earlier {"role","content"} messages; `done`: ids of roadmap nodes the
        learner has ticked, which makes "what next?" start from their progress;
        `generate=False` stops before the LLM (retrieval-only evaluation): the text is empty;
        `settings` overrides the tutor's own for this call (the web UI's sliders)."""
        started = time.perf_counter()
        settings = settings or self.settings
        history = [m for m in (history or []) if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
        question = clean_query(question, settings.max_query_chars)
        if INJECTION.search(question):
            return self._refuse(question, started, retrieval_ms=0.0)
        if not _looks_english(question):
            return self._refuse(question, started, retrieval_ms=0.0, text=ENGLISH_ONLY)

        intent = curriculum_intent(question)
        subject = self._subject(question)
        card = self._named_card(question)
        if card is not None:
            if intent in ("next", "prereq", "phase"):  # ordered by where the roadmap links it
                where = next(r for r in self.roadmap.resources if r.url == card.url)
                subject = where.item or where.section
            else:  # "is the GAN Specialization free?": the card answers, not the graph
                intent, subject = None, None
        if subject is None and intent and (FOLLOW_UP.search(question) or not query_words(question)):
            subject = self._subject_from_history(history)
        query = question if subject or not FOLLOW_UP.search(question) else self._with_history(question, history)

        t0 = time.perf_counter()
        results = self.retriever.search(query, k=settings.k)
        if card is not None:  # the resource the question names comes first, whatever the ranking
            named = self.chunk_by_url[card.url.rstrip("/")]
            hits = [Hit(named, 1.0, 1.0)] + [h for h in results.hits if h.chunk is not named][: settings.k - 1]
            results = dataclasses.replace(results, hits=hits)
        retrieval_ms = (time.perf_counter() - t0) * 1000
        # On topic: names a roadmap node, retrieves something close, or is made only of
        # curriculum words ("where do I start?", "how long is phase 9?", "what next?").
        mentions_roadmap = "roadmap" in question.lower()
        only_curriculum_words = not query_words(re.sub(r"\bphase\s*\d+", "", question, flags=re.I))
        on_topic = (card is not None
                    or subject is not None and self.roadmap.phase_of(subject) is not None
                    or results.best_dense >= settings.min_relevance
                    or bool(intent) and (mentions_roadmap or only_curriculum_words)
                    or mentions_roadmap and only_curriculum_words)
        if not on_topic:
            return self._refuse(question, started, retrieval_ms)

        text, nodes = self._curriculum(intent, subject, question, done or set())
        if text is not None:
            return Answer(question, "curriculum", self._sources_for(nodes, settings.k), False, iter([text]),
                          model="curriculum graph", timings=_timings(retrieval_ms), started=started)
        if not generate:
            return Answer(question, "rag", results.hits, False, iter(()), timings=_timings(retrieval_ms), started=started)
        if self.model is None:
            raise TutorError("no language model is loaded; pick a model or run `tutor models`")
        return self._generate(question, results.hits, history, started, retrieval_ms, settings)

    # ------------------------------------------------------------------ routes
    def _refuse(self, question: str, started: float, retrieval_ms: float, text: str = REFUSAL) -> Answer:
        return Answer(question, "refusal", [], True, iter([text]), timings=_timings(retrieval_ms), started=started)

    def _generate(self, question: str, hits: list[Hit], history: list[dict], started: float,
                  retrieval_ms: float, s: Settings) -> Answer:
        messages, used = build_messages(
            question, hits[: s.prompt_sources], history, n_ctx=self.model.n_ctx, max_tokens=s.max_tokens,
            context_chars=s.context_chars, history_turns=s.history_turns, count=self.model.count_tokens,
        )
        guard = Guard([h.chunk.text for h in used], [h.chunk.url for h in used], self.titles, question)
        timings = _timings(retrieval_ms, prompt_tokens=sum(self.model.count_tokens(m["content"]) for m in messages))
        # All k hits are shown; the prompt's [n] numbering is their first n, so citations still match.
        answer = Answer(question, "rag", hits, False, iter(()), model=self.model.name, timings=timings,
                        removed=guard.removed, started=started)

        def pieces() -> Iterator[str]:
            # From the data, shown while the model reads its prompt (about half a second on two
            # cores for the bundled model): where the best source sits in the roadmap and, when
            # it is a resource, its link and the first sentence of its card.
            top = used[0].chunk if used else None
            card = self.corpus.card(top.url) if top is not None and top.kind == "resource" else None
            if top is not None:
                yield f"*{top.breadcrumb}*\n\n"
            if card is not None:
                yield f"[{card.title}]({card.url}): {card.summary()} [1]\n\n"
            shown, tokens = False, 0
            gen_started = time.perf_counter()
            first = last = gen_started
            for piece in self.model.stream(messages, s.max_tokens, s.temperature):
                last = time.perf_counter()
                if tokens == 0:
                    first = last
                    timings["llm_ttft_s"] = round(first - gen_started, 4)
                tokens += 1
                clean = guard.feed(piece)
                if clean:
                    shown = True
                    yield clean
            tail = guard.flush()
            if tail:
                shown = True
                yield tail
            if not shown:
                yield self._extractive(used[1:] if card is not None else used, first_number=2 if card else 1)
            # Decode speed: tokens after the first over the time they took (prompt reading excluded).
            decode = last - first
            timings.update(tokens=tokens, tokens_per_s=round((tokens - 1) / decode, 2) if tokens > 1 and decode > 0 else 0.0)

        answer.pieces = pieces()
        return answer

    def _extractive(self, hits: list[Hit], first_number: int = 1) -> str:
        """The fallback when no generated sentence is grounded: the best sources, from the data."""
        lines = []
        for n, hit in enumerate(hits[:2], first_number):
            c = hit.chunk
            card = self.corpus.card(c.url) if c.kind == "resource" else None
            if card is not None:
                lines.append(f"- [{card.title}]({card.url}): {card.summary()} [{n}]")
                continue
            try:
                lines.append(f"- {self._describe(self.roadmap.node(c.id))} [{n}]")
            except KeyError:  # the overview chunk is not a node
                lines.append(f"- {' '.join(c.text.split())} [{n}]")
        return "\n".join(lines) if lines else "I could not find this in the roadmap."

    # ------------------------------------------------------------------ curriculum answers
    def _subject(self, text: str) -> Node | None:
        return self.roadmap.find(text)

    def _named_card(self, question: str) -> Card | None:
        """The resource card the question names by its full title ("the Deep Learning
        Specialization", "how does CLIP work"), the longest such title; else None."""
        asked = set(words(question))
        best, best_len = None, 0
        for card, title in self.card_words:
            if title and title <= asked and len(title) > best_len:
                best, best_len = card, len(title)
        return best

    def _subject_from_history(self, history: list[dict]) -> Node | None:
        for msg in reversed(history):
            if msg["role"] == "user":
                node = self._subject(msg["content"])
                if node is not None:
                    return node
        return None

    def _with_history(self, question: str, history: list[dict]) -> str:
        last = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
        return f"{last} {question}".strip()

    def _curriculum(self, intent: str | None, subject: Node | None, question: str, done: set[str]):
        """(markdown text, nodes it is about) for curriculum questions, else (None, [])."""
        rm = self.roadmap
        bad_phase = re.search(r"\bphase\s*(\d+)", question, re.I)
        if bad_phase and rm.phase(int(bad_phase.group(1))) is None:
            return (f"The roadmap has {len(rm.phases)} phases, numbered 1 to {len(rm.phases)}. "
                    + _phase_list(rm), list(rm.phases))
        if intent == "duration":
            if subject is None:
                return _total_duration(rm), ["overview", *rm.phases]
            phase = rm.phase_of(subject)
            if phase is None:
                return None, []
            d = phase.duration.text if phase.duration else "no set duration"
            where = "" if isinstance(subject, Phase) else f"**{label(subject)}** is part of {label(phase)}. "
            return f"{where}**{label(phase)}** takes {d} in the roadmap.", [subject, phase] if where else [phase]
        if intent == "next":
            if subject is None:
                return self._next_from_progress(done)
            steps = rm.after(subject)
            if not steps:
                if isinstance(subject, Item | Section) and rm.section_of(subject).phase is None:
                    return None, []
                return f"**{label(subject)}** is the last step of the roadmap: {_describe_phase_end(rm)}", [subject]
            text = f"After **{label(subject)}** ({_where(subject)}), the roadmap continues with:\n"
            text += "\n".join(f"{n}. {self._describe(step)}" for n, step in enumerate(steps, 1))
            return text, steps
        if intent == "prereq" and subject is not None:
            steps = rm.before(subject)
            if not steps:
                return f"**{label(subject)}** is where the roadmap begins: it needs nothing before it.", [subject]
            text = f"Before **{label(subject)}** ({_where(subject)}), the roadmap has you study:\n"
            text += "\n".join(f"{n}. {self._describe(step)}" for n, step in enumerate(steps, 1))
            phase = rm.phase_of(subject)
            if phase and phase.number > 1:
                earlier = ", ".join(label(p) for p in rm.phases[: phase.number - 1])
                text += f"\n\nIt builds on everything earlier in the roadmap: {earlier}."
            return text, steps
        if intent == "start" and (subject is None or isinstance(subject, Phase)) or intent == "prereq" and subject is None:
            first = rm.sections[0]
            text = (f"Start at the beginning: **{label(rm.phases[0])}** "
                    f"({rm.phases[0].duration.text if rm.phases[0].duration else 'no set duration'}).\n"
                    f"1. {self._describe(first)}")
            if isinstance(subject, Phase) and subject.number > 1:
                text += f"\n\nIf you already know the earlier phases, {label(subject)} starts with {self._describe(subject.sections[0])}"
                return text, [rm.phases[0], first, subject.sections[0]]
            return text, [rm.phases[0], first]
        if intent == "phase" and subject is not None:
            phase = rm.phase_of(subject)
            if phase is None:
                return f"**{label(subject)}** is general advice outside the phases ({_where(subject)}).", [subject]
            return f"**{label(subject)}** is in **{label(phase)}**, under {_where(subject)}.", [subject]
        if intent == "resources" and subject is not None:
            resources = rm.resources_for(subject)
            if not resources:
                return None, []
            text = f"For **{label(subject)}** ({_where(subject)}), the roadmap links:\n"
            text += "\n".join(f"- {self._resource_line(r, summary=True)}" for r in _unique(resources))
            return text, [*resources, subject]
        if intent == "contents" and (isinstance(subject, Phase | Section) or subject is None):
            if subject is None:
                return _phase_list(rm), ["overview", *rm.phases]
            return self._describe(subject, full=True), [subject]
        return None, []

    def _next_from_progress(self, done: set[str]):
        rm = self.roadmap
        for section in rm.sections:
            for item in section.items:
                if item.id not in done and section.id not in done and section.phase.id not in done:
                    intro = "Based on what you have ticked, your next step is" if done else "You have not ticked anything yet, so start with"
                    return f"{intro} **{item.title}** ({_where(item)}).\n1. {self._describe(section)}", [item, section]
        return "You have ticked every step of the roadmap. Keep going with Phase 6's ongoing research and community work.", []

    def _describe(self, node: Node, full: bool = False) -> str:
        if isinstance(node, Phase):
            d = node.duration.text if node.duration else "no set duration"
            return f"**{label(node)}** ({d}): " + "; ".join(s.title for s in node.sections) + "."
        if isinstance(node, Section):
            phase = node.phase
            where = f"{label(phase)}, {phase.duration.text}" if phase and phase.duration else label(phase) if phase else "outside the phases"
            head = f"**{node.title}** ({where})"
            items = "; ".join(i.title for i in node.items)
            res = ", ".join(self._resource_line(r) for r in _unique(node.resources))
            return f"{head}: {items}." + (f" Resources: {res}." if res else "")
        res = ", ".join(self._resource_line(r) for r in _unique(self.roadmap.resources_for(node)))
        text = f"**{node.title}**" + (f": {node.description}" if node.description else "") + f" ({_where(node)})."
        return text + (f" Resources: {res}." if res and full is False else "")

    def _resource_line(self, r: Resource, summary: bool = False) -> str:
        """A markdown link named by its card; with `summary`, the card's first sentence too."""
        card = self.corpus.card(r.url)
        link = f"[{card.title if card else r.title}]({r.url})"
        return f"{link}: {card.summary()}" if summary and card else link

    def _sources_for(self, nodes: list, k: int) -> list[Hit]:
        """Chunks behind a curriculum answer: the nodes, then the resources they link."""
        chunks: list[Chunk] = []
        for node in nodes:
            if node == "overview":
                found = [self.chunk_by_id.get("overview")]
            elif isinstance(node, Resource):
                found = [self.chunk_by_url.get(node.url.rstrip("/"))]
            else:
                found = [self.chunk_by_id.get(node.id)]
                found += [self.chunk_by_url.get(r.url.rstrip("/")) for r in _unique(self.roadmap.resources_for(node))] \
                    if not isinstance(node, Phase) else []
            for c in found:
                if c is not None and c not in chunks:
                    chunks.append(c)
        return [Hit(c, 1.0, 1.0) for c in chunks[: max(k, 6)]]


def _timings(retrieval_ms: float, **more) -> dict:
    return {"retrieval_ms": round(retrieval_ms, 3), "tokens": 0, "tokens_per_s": 0.0, **more}


def _looks_english(question: str) -> bool:
    """False for questions written mostly in another script, or with more function words of
    other languages than of English. The embedder and the model read English only."""
    letters = [ch for ch in question if ch.isalpha()]
    if letters and sum(not ch.isascii() for ch in letters) > len(letters) / 2:
        return False
    tokens = re.findall(r"[^\W\d_]+", question.lower())
    foreign = sum(t in FOREIGN for t in tokens)
    return foreign == 0 or foreign <= sum(t in STOPWORDS for t in tokens) - ("was" in tokens)


def _where(node: Node) -> str:
    crumb = breadcrumb(node)
    return crumb.rsplit(" › ", 1)[0] if " › " in crumb else crumb


def _unique(resources: list[Resource]) -> list[Resource]:
    seen, out = set(), []
    for r in resources:
        if r.url not in seen:
            seen.add(r.url)
            out.append(r)
    return out


def _phase_list(rm: Roadmap) -> str:
    return "The phases:\n" + "\n".join(
        f"{p.number}. **{p.title}** ({p.duration.text if p.duration else 'no set duration'})" for p in rm.phases)


def _total_duration(rm: Roadmap) -> str:
    low, high, open_ended = rm.total_duration()
    text = f"The whole roadmap takes about **{low:g}-{high:g} months**"
    if open_ended:
        text += " plus " + ", ".join(f"{label(p)}, which is {p.duration.text.lower() if p.duration else 'open-ended'}" for p in open_ended)
    return text + ".\n" + _phase_list(rm)


def _describe_phase_end(rm: Roadmap) -> str:
    last = rm.phases[-1]
    return f"{label(last)} is {last.duration.text.lower() if last.duration else 'open-ended'}: keep reading, building and contributing."
