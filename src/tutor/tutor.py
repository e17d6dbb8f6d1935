"""Tutor.answer(question, history) -> an Answer: read -> route -> retrieve -> compose -> explain.

1. read: reading.py turns the question (and the chat so far) into one Reading;
2. route (a pure function of the Reading):
   - refusal: injection attempts, other languages, questions far from the roadmap;
   - clarify: a navigation question whose subject is unclear gets one short question back;
   - curriculum: order, prerequisites, phase, duration, where to start, resources for X, written
     from the graph by answers.py, with names and links from the data;
   - rag: everything else, retrieved (with the Reading's nodes as boosts) and explained by the
     model through the Guard. This module only orchestrates.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .answers import Composer
from .config import Settings, TutorError
from .corpus import Chunk, Corpus
from .facts import FactPicker, render
from .guard import Guard
from .llm import ChatModel
from .lookup import Lookup, load_aliases, people
from .prompt import build_messages
from .reading import ASKED_OF_A_CARD, Reader, Reading, corpus_terms, route
from .retrieve import Hit, Results, Retriever, clean_query
from .roadmap import Phase, Resource, label, unique
from .text import normalize_url, split_sentences, words

EXPLANATION = "\n\n> *Explanation, written by the model and checked against the sources:* "
MAX_EXPLANATION = 3  # sentences shown
MAX_WRITTEN = 4  # sentences the model may write: one that failed the guard is rarely followed by a good one
# ... and after two that failed, the model stops: with the 135M model, the guard kept a sentence in 2-5 of 45
# open answers, and the sentences it dropped took most of the whole answer's time
MAX_DROPPED = 2

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
    route: str  # "curriculum" | "clarify" | "rag" | "refusal"
    sources: list[Hit]
    abstained: bool
    pieces: Iterator[str]
    text: str = ""
    model: str = ""
    timings: dict = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # what the guard took out
    started: float = field(default_factory=time.perf_counter)  # when the question came in
    reading: Reading | None = None
    parts: list[dict] = field(default_factory=list)  # [{kind: "data" | "model", text, citations}]

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
                "model": self.model, "route": self.route,
                "parts": self.parts or [{"kind": "data", "text": self.text, "citations": []}],
                "reading": self.reading.to_dict() if self.reading else None}


def make_reader(corpus: Corpus, embedder, index=None, min_relevance: float = 0.30) -> Reader:
    """The Reader for a corpus: its lookup knows the roadmap, the aliases and the card titles."""
    titles = {c.url: c.title for c in corpus.cards}
    seen_in = Counter(w for c in corpus.cards for w in set(words(c.body)))
    common = {w for w, n in seen_in.items() if n >= max(3, len(corpus.cards) // 8)}
    opening = {item: " ".join(split_sentences(note.body)[:2]) for item, note in corpus.notes.items()}
    lookup = Lookup(corpus.roadmap, load_aliases(), titles, embedder, common, {c.url: people(c.provider) for c in corpus.cards},
                    opening)
    texts = [c.body for c in corpus.cards] + [f"{label(n)} {getattr(n, 'description', '')}" for n in corpus.roadmap.nodes]
    vocabulary = set(words(" ".join(texts)))
    return Reader(lookup, embedder, index=index, english_words=vocabulary, min_relevance=min_relevance,
                  kinds={c.url: c.kind for c in corpus.cards}, levels={c.url: c.level for c in corpus.cards}, terms=corpus_terms(texts + [n.body for n in corpus.notes.values()]))


class Tutor:
    def __init__(self, corpus: Corpus, retriever: Retriever, model: ChatModel | None, settings: Settings,
                 reader: Reader | None = None):
        self.corpus = corpus
        self.roadmap = corpus.roadmap
        self.retriever = retriever
        self.model = model
        self.settings = settings
        self.reader = reader or make_reader(corpus, retriever.embedder, retriever.index, settings.min_relevance)
        self.composer = Composer(corpus, self.reader.lookup.people, self.reader.lookup.link)
        self.chunk_by_id: dict[str, Chunk] = {c.id: c for c in retriever.chunks}
        self.chunk_by_url: dict[str, Chunk] = {normalize_url(c.url): c for c in retriever.chunks if c.kind == "resource"}
        self.titles = [c.title for c in retriever.chunks if c.kind == "resource"]
        self.facts = FactPicker(corpus, self.reader.embedder, self.chunk_by_id, self.chunk_by_url)

    # ------------------------------------------------------------------ entry points
    def read(self, question: str, history: list[dict] | None = None, settings: Settings | None = None) -> Reading:
        """The Reading of a question; cheap (no model), so callers can route before queueing."""
        settings = settings or self.settings
        return self.reader.read(clean_query(question, settings.max_query_chars), _clean_history(history))

    def answer(self, question: str, history: list[dict] | None = None, done: set[str] | None = None,
               generate: bool = True, settings: Settings | None = None, reading: Reading | None = None) -> Answer:
        """`history`: earlier {"role","content"} messages; `done`: ids of roadmap nodes the
        learner has ticked, which makes "what next?" start from their progress;
        `generate=False` stops before the LLM (retrieval-only evaluation): the text is empty;
        `settings` overrides the tutor's own for this call (the web UI's sliders);
        `reading`: the question's Reading, when the caller has read it already."""
        started = time.perf_counter()
        settings = settings or self.settings
        history = _clean_history(history)
        reading = reading or self.read(question, history, settings)
        read_ms = (time.perf_counter() - started) * 1000
        question = reading.question
        path = route(reading)
        if path == "refusal":
            text = REFUSAL if reading.language.ok else ENGLISH_ONLY
            return self._refuse(reading, started, read_ms, text)
        if path in ("clarify", "curriculum") and reading.vector is not None and \
                (attack := self.reader.like_attack(reading.text, reading.vector)) is not None:
            # "which part of the roadmap teaches voice cloning well enough to fake my boss's voicemail?": the reading
            # embedded it anyway, so its likeness to misuse costs nothing to check
            return self._refuse(dataclasses.replace(reading, safety=attack), started, read_ms, REFUSAL)
        if path == "clarify":
            facts = self.composer.clarify(reading)
            return Answer(question, "clarify", self._sources_for(facts.nodes, settings.k, reading), False, iter([facts.text]),
                          model="curriculum graph", timings=_timings(0.0, read_ms), started=started, reading=reading)
        if path == "curriculum":
            facts = self.composer.curriculum(reading, done or set())
            if facts is not None:
                return Answer(question, "curriculum", self._sources_for(facts.nodes, settings.k, reading), False,
                              iter([facts.text]), model="curriculum graph", timings=_timings(0.0, read_ms),
                              started=started, reading=reading)

        t0 = time.perf_counter()
        if (attack := self.reader.like_attack(reading.text, self._query(reading)[1])) is not None:
            # on its way to the model, and close in meaning to an attack the patterns did not catch
            return self._refuse(dataclasses.replace(reading, safety=attack), started, read_ms, REFUSAL)
        hits = self.search(reading, settings.k).hits
        if reading.resource is not None:  # the resource the question names comes first, whatever the ranking
            named = self.chunk_by_url.get(normalize_url(reading.resource.id))
            if named is not None:
                hits = [Hit(named, 1.0, 1.0)] + [h for h in hits if h.chunk is not named][: settings.k - 1]
        retrieval_ms = (time.perf_counter() - t0) * 1000
        if not generate:
            return Answer(question, "rag", hits, False, iter(()), timings=_timings(retrieval_ms, read_ms),
                          started=started, reading=reading)
        if self.model is None:
            raise TutorError("no language model is loaded; pick a model or run `tutor models`")
        answer = self._generate(reading, hits, history, started, retrieval_ms, settings)
        answer.timings["read_ms"] = round(read_ms, 3)
        return answer

    def search(self, reading: Reading, k: int, phase: int | None = None, kind: str | None = None) -> Results:
        """Hybrid search for a Reading, boosted by the nodes it points at."""
        query, vector = self._query(reading)
        keys, ordered = self._boosts(reading)
        return self.retriever.search(query, k=k, phase=phase, kind=kind, boosts=keys, ordered=ordered, vector=vector)

    def _query(self, reading: Reading) -> tuple[str, np.ndarray | None]:
        """What is searched for and what facts are weighed against: the question, with what it
        refers back to in front ("explain the last one" -> "Pruning Techniques explain the last
        one"), and its embedding (remembered, so asking twice costs nothing)."""
        referred = [] if reading.subjects else list(reading.followup)
        if reading.resource is not None and reading.resource.end == 0 and reading.aspect not in ASKED_OF_A_CARD:
            # a work taken from the conversation, asked nothing in particular ("which one should I read first?"):
            # its name says what the question is about
            referred.insert(0, reading.resource)
        query = f"{' '.join(lk.title for lk in referred)} {reading.question}" if referred else reading.question
        if query == reading.question and reading.vector is not None:
            return query, reading.vector
        return query, self.facts.embedder.embed_batch([query])[0]

    def _boosts(self, reading: Reading) -> tuple[list[str], bool]:
        """Chunk keys the Reading points at, and whether they come from the order of study: for
        "what comes after X" the steps after X, else the nodes it names and their resources."""
        rm = self.roadmap
        nodes, ordered = reading.nodes, False
        if nodes and reading.intent in ("next", "prereq") and rm.section_of(nodes[0]) is not None:
            nodes, ordered = (rm.after(nodes[0]) if reading.intent == "next" else rm.before(nodes[0])), True
        keys = [reading.resource.id] if reading.resource else []
        for node in nodes:
            if isinstance(node, Resource):  # "which of those two is free?": the works referred to
                keys.append(node.url)
                continue
            keys.append(node.id)
            if not isinstance(node, Phase):  # a whole phase's resources would crowd out the rest
                keys += [r.url for r in rm.resources_for(node)]
        return keys, ordered

    # ------------------------------------------------------------------ routes
    def _refuse(self, reading: Reading, started: float, read_ms: float, text: str) -> Answer:
        return Answer(reading.question, "refusal", [], True, iter([text]), timings=_timings(0.0, read_ms),
                      started=started, reading=reading)

    def _generate(self, reading: Reading, hits: list[Hit], history: list[dict], started: float,
                  retrieval_ms: float, s: Settings) -> Answer:
        """Facts from the data first, streamed at once; then the model's checked explanation."""
        question = reading.question
        facts = self.facts.pick(reading, hits, self._query(reading)[1])
        cited = list(dict.fromkeys(f.chunk for f in facts)) or [h.chunk for h in hits[:2]]
        sources = [Hit(c, 1.0, 1.0) for c in cited] + [h for h in hits if h.chunk not in cited]
        number = {hit.chunk.id: n for n, hit in enumerate(sources, 1)}
        data = render(facts, number, self.corpus) if facts else self._extractive(sources)
        # The model sees exactly the facts shown, grouped by source, numbered as the learner sees them.
        given = [Hit(dataclasses.replace(c, text=f"{c.breadcrumb}\n" + " ".join(
            f.text for f in facts if f.chunk is c) if facts else c.text), 1.0, 1.0) for c in cited]
        messages, used = build_messages(
            question, given[: s.prompt_sources], history, n_ctx=self.model.n_ctx, max_tokens=s.max_tokens,
            context_chars=s.context_chars, history_turns=s.history_turns, count=self.model.count_tokens,
        )
        guard = Guard([h.chunk.text for h in used], [h.chunk.url for h in used], self.titles, question,
                      min_grounding=1.0, shown=[data], embedder=self.facts.embedder)
        timings = _timings(retrieval_ms, prompt_tokens=sum(self.model.count_tokens(m["content"]) for m in messages))
        answer = Answer(question, "rag", sources, False, iter(()), model=self.model.name, timings=timings,
                        removed=guard.removed, started=started, reading=reading)
        answer.parts.append({"kind": "data", "text": data, "citations": sorted(set(number[c.id] for c in cited))})

        def pieces() -> Iterator[str]:
            yield data
            said: list[str] = []
            tokens = 0
            gen_started = time.perf_counter()
            first = last = gen_started
            stream = self.model.stream(messages, s.max_tokens, s.temperature)
            for piece in _capped(stream, s.max_tokens):
                last = time.perf_counter()
                if tokens == 0:
                    first = last
                    timings["llm_ttft_s"] = round(first - gen_started, 4)
                tokens += 1
                for sentence in _sentences(guard.feed(piece)) if len(said) < MAX_EXPLANATION else []:
                    yield (EXPLANATION if not said else " ") + sentence
                    said.append(sentence)
                if len(said) >= MAX_EXPLANATION or guard.checked >= MAX_WRITTEN or guard.checked - len(said) >= MAX_DROPPED:
                    break
            for sentence in _sentences(guard.flush()) if len(said) < MAX_EXPLANATION else []:
                yield (EXPLANATION if not said else " ") + sentence
                said.append(sentence)
            if said:
                text = " ".join(said)
                answer.parts.append({"kind": "model", "text": text,
                                     "citations": sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})})
            decode = last - first  # tokens after the first over the time they took (prompt reading excluded)
            timings.update(tokens=tokens, tokens_per_s=round((tokens - 1) / decode, 2) if tokens > 1 and decode > 0 else 0.0)

        answer.pieces = pieces()
        return answer

    def _extractive(self, hits: list[Hit]) -> str:
        """Facts when no line was picked: the best two sources, from the data."""
        lines = []
        for n, hit in enumerate(hits[:2], 1):
            c = hit.chunk
            card = self.corpus.card(c.url) if c.kind == "resource" else None
            if card is not None:
                lines.append(f"- [{card.title}]({card.url}): {card.summary()} [{n}]")
                continue
            try:
                lines.append(f"- {self.composer.describe(self.roadmap.node(c.id))} [{n}]")
            except KeyError:  # the overview chunk is not a node
                lines.append(f"- {' '.join(c.text.split())} [{n}]")
        return "\n".join(lines) if lines else "I could not find this in the roadmap."

    def _sources_for(self, nodes: list, k: int, reading: Reading | None = None) -> list[Hit]:
        """Chunks behind a curriculum answer: the nodes, then the resources they link."""
        chunks: list[Chunk] = []
        for node in ([reading.resource.node] if reading is not None and reading.resource else []) + list(nodes):
            if node == "overview":
                found = [self.chunk_by_id.get("overview")]
            elif isinstance(node, Resource):
                found = [self.chunk_by_url.get(normalize_url(node.url))]
            else:
                found = [self.chunk_by_id.get(node.id)]
                found += [self.chunk_by_url.get(normalize_url(r.url)) for r in unique(self.roadmap.resources_for(node))] \
                    if not isinstance(node, Phase) else []
            for c in found:
                if c is not None and c not in chunks:
                    chunks.append(c)
        return [Hit(c, 1.0, 1.0) for c in chunks[: max(k, 6)]]


def _timings(retrieval_ms: float, read_ms: float = 0.0, **more) -> dict:
    return {"read_ms": round(read_ms, 3), "retrieval_ms": round(retrieval_ms, 3), "tokens": 0, "tokens_per_s": 0.0, **more}


def _clean_history(history) -> list[dict]:
    return [m for m in (history or []) if isinstance(m, dict) and m.get("role") in ("user", "assistant")
            and isinstance(m.get("content"), str)]


def _sentences(text: str) -> list[str]:
    """Guard output is whole sentences joined by spaces; keep them apart for counting."""
    return split_sentences(text) if text.strip() else []


def _capped(stream, max_tokens: int):
    """Our own token cap, whatever the backend does with max_tokens."""
    for n, piece in enumerate(stream):
        if n >= max_tokens:
            break
        yield piece
