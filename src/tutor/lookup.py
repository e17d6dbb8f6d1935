"""A learner's loose words -> the roadmap nodes they name, each with a confidence and the reason.

Three signals, strongest first:
1. exact names: a run of the question's words equals a node's title, its bracketed acronym
   ("CNNs"), a part of it ("NumPy" of "NumPy, Pandas, Matplotlib"), its title without a
   generic last word ("diffusion" of "Diffusion Models"), a term of its description ("LoRA"),
   or an alias from data/aliases.toml ("the maths" -> Mathematics & Statistics Fundamentals);
2. fuzzy names: the same, with spelling mistakes forgiven by rapidfuzz ("transformrs");
3. meaning: the question's embedding against each node's "title: description" embedding, used
   only when nothing was named, and only above a threshold calibrated on tests/data/routing.jsonl.

Phases are also named by number or position ("phase two", "the last phase"), or as the phase of
something ("the diffusion phase" -> Phase 4). When a question names a node and something inside
it ("GANs in phase 3", "the math foundations"), it means the inner one.

This module does not decide what a question asks (that is reading.py); it only names things.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .roadmap import Item, Node, Phase, Resource, Roadmap, Section, label, unique
from .text import STOPWORDS, WORD, stem

DATA = Path(__file__).parent / "data"

# Words that ask *about* something without naming it: they never start or end a name.
QUESTION_WORDS = frozenset(stem(w) for w in """
    learn learning learnt study studying studied know knowing understand understanding good best
    great recommend recommended resource resources course courses material materials topic topics
    step steps come comes came first start starting begin beginning long take takes taking time
    need needs needed prerequisite prerequisites cover covers covered covering please tell explain
    show give list get got go going want like thing things stuff roadmap finish finished done
    completed complete way ready now should would could im ive id dont lot bit really already
    move moving next previous mastered master basically pretty well new part parts section sections
    stage stages phase phases chapter module unit area piece month months week weeks year years
    hour hours day days point beginner beginners newbie novice complete total scratch zero lol ok okay
    hey hi hello thanks thank guys bro tackle pick back restart refresh forgotten forgot forget
""".split())

# Last words that make a title more formal without making it more specific.
GENERIC_TAIL = frozenset(stem(w) for w in "basics fundamentals introduction techniques models model mechanism applications functions".split())

# First words that make a title more formal: "AI Alignment" is named by "alignment".
GENERIC_HEAD = frozenset(stem(w) for w in "ai".split())

GENERIC_PARTS = {(stem(w),) for w in "development applications skills limitations".split()}

PHASE_NUMBER = re.compile(
    r"\b(?:phase|phse|phas|pahse|fase|stage)\s*#?\s*(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b"
    r"|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|1st|2nd|3rd|[4-9]th)\s+(?:phase|stage)\b",
    re.I,
)
# "phases 1 and 2", "phases 3-5", "phases 1, 2 & 3": every number, a range filled in
# "phase 4 and 5" too, but not "phase 1 - 2 months"
PHASE_LIST = re.compile(r"\b(?:phases?|stages?)\s+(\d+(?:\s*(?:,|and|&|\+|plus|or|to|through|thru|-|–)\s*\d+)+)\b"
                        r"(?!\s*(?:months?|weeks?|days?|hours?|years?|hrs?)\b)", re.I)
FIRST_PHASES = re.compile(r"\bfirst (two|three|four|five|six|[2-9]) (?:phases|stages)\b", re.I)
PHASE_OF = re.compile(r"\s+(?:phase|stage|part)\b", re.I)
ORDINALS = {"one": 1, "first": 1, "1st": 1, "two": 2, "second": 2, "2nd": 2, "three": 3, "third": 3, "3rd": 3,
            "four": 4, "fourth": 4, "five": 5, "fifth": 5, "six": 6, "sixth": 6, "seven": 7, "seventh": 7,
            "eight": 8, "eighth": 8, "nine": 9, "ninth": 9, "ten": 10, "tenth": 10}

# How sure each kind of match is. A description term is a weaker name than a title.
CONFIDENCE = {"title": 1.0, "alias": 0.95, "acronym": 0.95, "part": 0.9, "author": 0.9, "short title": 0.85,
              "description term": 0.75, "phase number": 1.0, "generic title": 0.6}
PART_STEMS = {stem(w) for w in ("section", "sections", "part", "bit", "module", "chapter", "unit", "stuff", "chunk", "block")}
FUZZY_CUTOFF = 86  # rapidfuzz ratio (0-100); calibrated on routing.jsonl: 'transformrs', 'difusion'
EMBEDDING_CUTOFF = 0.60  # cosine; calibrated on routing.jsonl, see tests/test_reading.py


@dataclass(frozen=True)
class Link:
    node: Node | Resource
    confidence: float  # 0..1
    how: str  # "title", "alias", "fuzzy title", "embedding", ...
    span: str  # the question's words that named it
    start: int = 0  # token positions of the span in the question
    end: int = 0
    again: tuple[tuple[int, int], ...] = ()  # other spans naming the same node ("LoRA / soft prompts")

    @property
    def id(self) -> str:
        return self.node.url if isinstance(self.node, Resource) else self.node.id

    @property
    def title(self) -> str:
        return self.node.title if isinstance(self.node, Resource) else label(self.node)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "confidence": round(self.confidence, 3),
                "how": self.how, "span": self.span}


INCLUDING = {"including", "incl", "plus", "especially"}  # "Phase 5 including the ethics part": the part is in what was said
# Words that may stand between a part and the list of its topics: "the X phase (the one with VAEs and GANs)".
LEAD_IN = {"phase", "section", "part", "stage", "the", "one", "with", "which", "that", "has", "covers", "like",
           "e", "g", "eg", "i", "where", "you", "do", "learn"} | INCLUDING


def _listed_after(outer: Link, chosen: list[Link], roadmap, words: list[str]) -> list[Link]:
    """The links of the outer one's own topics that follow it at once (the first with no word between
    but lead-in words), each within two words of the last."""
    listed, end = [], outer.end
    for link in sorted(chosen, key=lambda lk: lk.start):
        if link.start < outer.end or link.node is outer.node:
            continue
        first = not listed and link.start - end <= 4 and set(words[end: link.start]) <= LEAD_IN
        if not first and link.start - end > (2 if listed else 0) or not roadmap.contains(outer.node, link.node):
            break
        listed.append(link)
        end = link.end
    return listed


def _close(a: str, b: str) -> bool:
    """Two words that may be one: a small typo ('transformr'), or another ending ('test', 'testing')."""
    return fuzz.ratio(a, b) >= FUZZY_CUTOFF - 6 or min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))


def _same_root(a: str, b: str) -> bool:
    """'tuning' and 'tune': one root with another ending, which the stemmer leaves apart."""
    return len(os.path.commonprefix([a, b])) >= max(3, min(len(a), len(b)) - 1)


def _has_words(title: str, said: tuple[str, ...]) -> bool:
    """Whether the title has every word said, give or take a typo or an ending."""
    return all(any(_close(w, t) or _same_root(w, t) for t in name_key(title)) for w in said)


def _initials(title: str) -> list[str]:
    """The title with the start of its first run of capitalised words written as initials:
    "Natural Language Processing Specialization" -> "NL Processing Specialization",
    "NLP Specialization", "NLPS"; "Mathematics for Machine Learning (book)" -> "MML (book)"."""
    m = re.search(r"\b[A-Z][a-z]+(?:\s+(?:for|of|and|to)?\s*[A-Z][a-z]+)+\b", title)
    if not m:
        return []
    words = m.group(0).split()
    capitals = [i for i, w in enumerate(words) if w[0].isupper()]
    out = []
    for last in capitals[1:]:
        initials = "".join(w[0] for w in words[: last + 1] if w[0].isupper())
        out.append(" ".join([title[: m.start()] + initials, *words[last + 1:]]) + title[m.end():])
    return out


# Capitalised words of a provider line that name an organisation, not a person.
ORGANISATION_WORDS = frozenset("""university college academy press research brain google meta openai coursera
    stanford online inc team project tech club data science london cambridge michigan berkeley carnegie mellon
    cornell hugging face kaggle partnership collective full stack the documentation edition""".split())


WORKS = frozenset(stem(w) for w in """book handbook tutorial course courses paper post blog lectures lecture video
    videos channel specialization notes guide class article s library docs documentation""".split())


def people(provider: str) -> list[str]:
    """The people a card's provider line names: "DeepLearning.AI, taught by Younes Bensouda Mourri
    and Łukasz Kaiser (on Coursera)" -> ["Younes Bensouda Mourri", "Łukasz Kaiser"]."""
    out = []
    for piece in re.split(r"[,;()/]|\band\b", provider):
        words = piece.split()
        while words and not words[0][0].isupper():  # "taught by Andrew Ng", "originally Robert Stojnic"
            words.pop(0)
        words = [w for w in words if w not in ("Dr.", "Prof.")]
        if 2 <= len(words) <= 4 and all(w[0].isupper() for w in words) \
                and not {w.lower().strip(".'") for w in words} & ORGANISATION_WORDS:
            out.append(" ".join(words))
    return out


def _locates(words: list[str], start: int) -> bool:
    """The name at `start` follows 'in/from/of (the)': it says where, it is not the subject."""
    at = start  # "in the phase 5 fine-tuning section": the phase named on the way says where too
    while at > 0 and (words[at - 1] in ("the", "phase", "stage") or words[at - 1].isdigit()) and start - at < 4:
        at -= 1
    return at > 0 and words[at - 1] in ("in", "from", "of", "within", "inside")


def load_aliases(path: Path = DATA / "aliases.toml") -> dict[str, list[str]]:
    """{node title: [alias, ...]}; titles that the roadmap lacks are skipped by Lookup."""
    with open(path, "rb") as f:
        return {title: list(entry["aliases"]) for title, entry in tomllib.load(f).items()}


def tokens(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(text.lower())]


def name_key(text: str) -> tuple[str, ...]:
    """The words of a name that can name it: stems without function or question words."""
    return tuple(w for w in tokens(text) if w not in STOPWORDS and w not in QUESTION_WORDS)


class Lookup:
    def __init__(self, roadmap: Roadmap, aliases: dict[str, list[str]] | None = None,
                 resource_titles: dict[str, str] | None = None, embedder=None, common: set[str] = frozenset(),
                 resource_people: dict[str, list[str]] | None = None, explained: dict[str, str] | None = None):
        """`resource_titles`: {url: a second name}, e.g. each card's title; `resource_people`: {url:
        the people who made it}, so "the VanderPlas handbook" names it; `embedder`: optional,
        for the meaning signal; `common`: word stems too common in the corpus ("building",
        "metrics") to name a topic on their own as a description term; `explained`: {item id: the
        opening of its topic note}, a second text the meaning signal compares a question with."""
        self.roadmap = roadmap
        self.common = common
        self.names: dict[tuple[str, ...], tuple[Node | Resource, str]] = {}
        self.phrases: dict[tuple[str, ...], Resource] = {}  # titles of common words, matched whole
        self.surnames: dict[str, Resource] = {}  # "vanderplas" -> the one resource by that person
        self.makers: dict[tuple[str, ...], list[Resource]] = {}  # ("andrew", "ng") -> the works of someone who made several
        self.people: dict[str, set[str]] = {}  # "Andrew Ng" -> the urls of every resource he made
        self.phase_words: list[tuple[str, Phase]] = []  # one-word parts of phase titles: name it before "phase"
        self._build(aliases or {}, resource_titles or {}, resource_people or {})
        self._keys = [" ".join(k) for k in self.names]
        self._key_list = list(self.names)
        self.embedder = embedder
        self.vectors = None
        self.rows = np.zeros(0, dtype=int)  # for each row of `vectors`, the index of its node
        if embedder is not None:
            # each node by its name and line, and a topic also by its note's plain words ("a deployed model slowly
            # getting worse" is far from "Monitoring & Maintenance: Concept drift", near "...when the data it sees changes")
            texts = [(i, f"{label(n)}: {n.description}" if isinstance(n, Item) and n.description else label(n))
                     for i, n in enumerate(roadmap.nodes)]
            texts += [(i, (explained or {})[n.id]) for i, n in enumerate(roadmap.nodes) if n.id in (explained or {})]
            self.rows = np.array([i for i, _ in texts])
            self.vectors = embedder.embed_batch([t for _, t in texts])  # (n_texts, dim), unit rows

    # ---------------------------------------------------------------- the name table
    def _build(self, aliases: dict[str, list[str]], resource_titles: dict[str, str],
               resource_people: dict[str, list[str]]) -> None:
        rm = self.roadmap
        candidates: dict[tuple[str, ...], list[tuple[float, int, int, Node | Resource, str]]] = {}

        def add(text: str, node, how: str, order: int):
            key = name_key(text)
            if not key or len(key) == 1 and len(key[0]) < 2:
                return
            depth = 0 if isinstance(node, Phase) else 1 if isinstance(node, Section) else 2
            candidates.setdefault(key, []).append((CONFIDENCE[how], -depth, -order, node, how))

        for order, node in enumerate(rm.nodes):
            title = node.title
            bare = re.sub(r"\s*\([^)]*\)", "", title)
            weak = len(name_key(bare)) == 1 and len([w for w in tokens(bare) if w not in STOPWORDS]) > 1
            for name in (title, bare):  # "tips" names Learning Tips only weakly
                add(name, node, "generic title" if weak else "title", order)
            for acronym in re.findall(r"\(([A-Za-z0-9\-]+)\)", title + " " + getattr(node, "description", "")):
                if len(acronym) <= 8:
                    add(acronym, node, "acronym", order)
            parts = [p for p in re.split(r"\s*(?:&|/|,| vs\.? | and )\s*", bare) if p.strip()]
            if len(parts) > 1:
                for part in parts:
                    if name_key(part) in GENERIC_PARTS:  # "Development" alone names no phase
                        continue
                    if isinstance(node, Phase) and len(name_key(part)) < 2:  # "specialization" is a course's word too:
                        self.phase_words.append((name_key(part)[0], node))  # only "the specialization phase"
                        continue
                    add(part, node, "part", order)
            key = name_key(bare)
            if isinstance(node, Item) and node.kind == "project" and len(key) > 3:
                add(" ".join(key[:3]), node, "short title", order)  # "building a simple VAE" names the project
            if len(key) > 1 and key[-1] in GENERIC_TAIL:
                add(" ".join(key[:-1]), node, "short title", order)
            if len(key) > 1 and key[0] in GENERIC_HEAD:  # "alignment" of "AI Alignment"
                add(" ".join(key[1:]), node, "short title", order)
            if isinstance(node, Item) and node.kind == "topic":
                for term in re.split(r"\s*(?:,|;|\band\b|\bvs\.?)\s*", node.description):
                    term = re.sub(r"\s*\([^)]*\)", "", term)
                    key = name_key(term)
                    if 1 <= len(key) <= 3 and not (len(key) == 1 and key[0] in self.common):
                        add(term, node, "description term", order)
                        if len(key) > 1 and key[-1] in GENERIC_TAIL and key[-2] not in self.common:
                            add(" ".join(key[:-1]), node, "description term", order)  # "Midjourney" of "Midjourney mechanisms"
                    head = re.split(r"\s+(?:of|for|in)\s+", term)[0]  # "carbon footprint" of "Carbon footprint of large models"
                    if head != term and len(name_key(head)) == 2:
                        add(head, node, "description term", order)
        for order, res in enumerate({r.url: r for r in rm.resources}.values(), len(rm.nodes)):
            for title in (res.title, resource_titles.get(res.url, "")):
                # "Attention Is All You Need" is not named by "attention" alone.
                if len(name_key(title)) > 1 or len([w for w in tokens(title) if w not in STOPWORDS]) == 1:
                    add(title, res, "title", order)
                    key = name_key(title)
                    if len(key) == 2 and key[-1] in WORKS and len(key[0]) >= 3 and key[0] not in self.common:
                        add(key[0], res, "short title", order)  # "CLIP" of "CLIP Paper"; a topic's own name wins
                    elif len(key) > 2 and key[-1] in WORKS and not any(
                            not isinstance(c[3], Resource) for c in candidates.get(key[:-1], ())):
                        add(" ".join(key[:-1]), res, "short title", order)  # "Hugging Face Diffusers" of "... Library"
                    if len(tokens(title)) > len(name_key(title)) and any(
                            not isinstance(c[3], Resource) for c in candidates.get(name_key(title), ())):
                        # a topic has its words ("Diffusion Models"): the work is named by its whole title
                        self.phrases.setdefault(tuple(tokens(title)), res)
                elif len(tokens(title)) >= 3:  # ...but it is by all five words, in order
                    self.phrases.setdefault(tuple(tokens(title)), res)
            for title in (res.title, resource_titles.get(res.url, "")):
                for short in _initials(title):
                    if len(name_key(short)) > 1:  # "NLP Specialization", "MML (book)"; not "TIT"
                        add(short, res, "acronym", order)
            head = res.title.split(":")[0]  # "CS231n: Convolutional Neural Networks" is CS231n
            if head != res.title and (len(name_key(head)) > 1 or re.search(r"\d", head)):
                add(head, res, "part", order)
        # A person names the one resource they made ("Doersch's tutorial"); a name on two cards names neither.
        made: dict[tuple[str, ...], set[str]] = {}
        for url, names in resource_people.items():
            for name in names:
                self.people.setdefault(name, set()).add(url)
                for key in {name_key(name), name_key(name.split()[-1])}:
                    if key and (len(key) > 1 or len(key[0]) >= 4 and key[0] not in self.common):
                        made.setdefault(key, set()).add(url)
        by_url = {r.url: r for r in rm.resources}
        for order, (key, urls) in enumerate(made.items(), len(rm.nodes)):
            if len(urls) == 1 and (res := by_url.get(next(iter(urls)))) is not None:
                if len(key) > 1:
                    add(" ".join(key), res, "author", order)
                else:  # a surname alone names a work only beside a word for one: see link()
                    self.surnames[key[0]] = res
            elif len(key) > 1:  # "Andrew Ng" made two: the words after the name tell which (see link())
                self.makers[key] = [by_url[u] for u in sorted(urls) if u in by_url]
        # a resource's title too ("labml" for AI Paper Implementations); a node of the same title wins
        by_title = {r.title: r for r in rm.resources} | {label(n): n for n in rm.nodes} | {n.title: n for n in rm.nodes}
        for title, names in aliases.items():
            node = by_title.get(title)
            if node is None:
                continue
            for alias in names:
                add(alias, node, "alias", 0)
        generic = set(name_key(rm.title))  # "Generative AI Learning Roadmap": its words name all of it
        for key, found in candidates.items():
            if set(key) <= generic:
                continue
            found.sort(key=lambda c: c[:3], reverse=True)  # surest, then broadest, then earliest
            best = found[0]
            rivals = [c for c in found[1:] if c[3] is not best[3] and c[0] == best[0] and c[1] == best[1]]
            if best[4] == "description term" and rivals:
                continue  # a term two topics share names neither
            self.names[key] = (best[3], best[4])

    # ---------------------------------------------------------------- linking
    def link(self, text: str, resources: bool = True, nest: bool = True) -> list[Link]:
        """Every node the text names, surest first, no two from overlapping words; inner nodes
        win over the nodes that contain them (unless `nest` is False: in the tutor's own answer,
        "Phase 3 ... starts with Generative Models Introduction" names both)."""
        words = tokens(text)
        keep = [i for i, w in enumerate(words) if w not in STOPWORDS and w not in QUESTION_WORDS]
        found: list[Link] = []
        for n in (5, 4, 3, 2, 1):
            for at in range(len(keep) - n + 1):
                window = keep[at: at + n]
                if window[-1] - window[0] >= n + 2:  # too spread out to be one name
                    continue
                key = tuple(words[i] for i in window)
                span = " ".join(key)
                hit = self.names.get(key)
                if hit is not None:
                    node, how = hit
                    found.append(Link(node, CONFIDENCE[how], how, span, window[0], window[-1] + 1))
                    continue
                if len(span) < 6:  # 'short' is not 'shot'
                    continue
                for _, score, at in process.extract(span, self._keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3):
                    name = self._key_list[at]
                    # Word by word too: 'month foundation' is not 'math foundation'.
                    if len(name) == len(key) and all(_close(a, b) for a, b in zip(key, name)) \
                            and (len(span) >= 8 or score >= 90):
                        node, how = self.names[name]
                        found.append(Link(node, CONFIDENCE[how] * score / 100, f"fuzzy {how}", span,
                                          window[0], window[-1] + 1))
                        break
        for phrase, res in self.phrases.items():
            n = len(phrase)
            found += [Link(res, CONFIDENCE["title"], "title", " ".join(phrase), at, at + n)
                      for at in range(len(words) - n + 1) if tuple(words[at: at + n]) == phrase]
        # "the VanderPlas handbook", "Doersch's VAE tutorial", "the course by Severance"; not "a Taylor series"
        found += [Link(res, CONFIDENCE["author"], "author", w, at, at + 1) for at, w in enumerate(words)
                  if (res := self.surnames.get(w)) is not None
                  and (WORKS & set(words[at + 1: at + 5]) or at and words[at - 1] == "by")]  # "Vaswani et al. transformer paper"
        for key, works in self.makers.items():  # "andrew ng's machine learning course": the work whose title follows
            n = len(key)
            for at in (i for i in range(len(words) - n + 1) if tuple(words[i: i + n]) == key):
                near = set(words[at + n: at + n + 6]) - STOPWORDS
                shared = {r.url: len(near & (set(tokens(r.title)) - STOPWORDS - set(key))) for r in works}
                most = max(shared.values(), default=0)
                fit = [r for r in works if shared[r.url] == most]
                if most and len(fit) == 1:  # "machine learning" fits Machine Learning better than Deep Learning
                    found.append(Link(fit[0], CONFIDENCE["author"], "author", " ".join(key), at, at + n))
                elif not most and WORKS & set(words[at + n: at + n + 3]):
                    # "jeremy howard's course": of a platform and a course by the same person, the course
                    own = [r for r in works if getattr(r.item, "kind", "") != "listing"]
                    if len(own) == 1:
                        found.append(Link(own[0], CONFIDENCE["author"], "author", " ".join(key), at, at + n))
        found += self._phases(text, words)
        found += [Link(phase, CONFIDENCE["part"], "part", words[at], at, at + 2)
                  for at in range(len(words) - 1) if words[at + 1] in ("phase", "stage")
                  for word, phase in self.phase_words if _close(words[at], word)]
        chosen: list[Link] = []
        for link in sorted(found, key=lambda lk: (-(lk.end - lk.start), -lk.confidence)):
            if not resources and isinstance(link.node, Resource):
                continue
            if (edge := next((i for i, c in enumerate(chosen) if c.end - 1 == link.start and c.end - c.start >= 3
                              and link.end - link.start >= 2 and c.end < link.end), None)) is not None \
                    and not any(link.start < c.end and c.start < link.end for c in chosen if c is not chosen[edge]):
                # "Generative Adversarial Networks: GAN Lab": the last word is the next name's first
                chosen[edge] = dataclasses.replace(chosen[edge], end=chosen[edge].end - 1)
            if any(link.start < c.end and c.start < link.end for c in chosen):
                continue
            if (same := next((i for i, c in enumerate(chosen) if c.node is link.node), None)) is not None:
                chosen[same] = dataclasses.replace(chosen[same], again=(*chosen[same].again, (link.start, link.end)))
                continue
            chosen.append(link)
        chosen = self._in_named_phase(text, words, self._projects_of(words, self._phase_of(text, chosen)))
        if not nest:
            return sorted(chosen, key=lambda lk: (-lk.confidence, lk.start))
        # Inner nodes win over the nodes that contain them ("model evaluation (metrics)"), unless
        # the outer one is called a section or phase: "the ethics section (bias, deepfakes)".
        # But "text-to-audio in the multimodal part" only says where the inner one is.
        # ("the fine-tuning techniques part": a word of its title may come between)
        called = [c.node for c in chosen if not isinstance(c.node, Resource | Phase) and c.end < len(words) and not _locates(words, c.start)
                  and (words[c.end] in PART_STEMS or c.end + 1 < len(words) and words[c.end + 1] in PART_STEMS
                       and words[c.end] in tokens(c.node.title))]
        # So is one followed at once by a list of two or more of its own topics: "machine learning basics
        # (supervised/unsupervised)", but not "model optimization: does it teach quantization and pruning?"
        # ...and one said to be included: "I have completed Phase 5 including the ethical considerations part"
        called += [c.node for c in chosen if not isinstance(c.node, Resource) and (
            len(listed := _listed_after(c, chosen, self.roadmap, words)) >= 2
            or listed and INCLUDING & set(words[c.end: listed[0].start]))]
        # "what's in phase 6? it just says cutting edge research": a part named by words of the phase's own title is the phase
        titled = [c for c in chosen if not isinstance(c.node, Resource | Phase) and any(
            isinstance(o.node, Phase) and self.roadmap.contains(o.node, c.node) and set(c.span.split()) <= set(tokens(o.node.title))
            for o in chosen)]
        chosen = [c for c in chosen if c not in titled]
        called += [o.node for o in chosen if isinstance(o.node, Phase) and titled]
        nodes = [c.node for c in chosen if not isinstance(c.node, Resource)]
        chosen = [c for c in chosen if isinstance(c.node, Resource) or c.node in called
                  or not any(self.roadmap.contains(c.node, other) for other in nodes)
                  and not any(self.roadmap.contains(outer, c.node) for outer in called)]
        return sorted(chosen, key=lambda lk: (-lk.confidence, lk.start))

    def phase_numbers(self, text: str) -> list[tuple[int, re.Match]]:
        """Phase numbers the text mentions ('phase two', 'the last phase'), in range or not."""
        out = []
        lists = [m.span() for m in PHASE_LIST.finditer(text)]
        for m in PHASE_NUMBER.finditer(text):
            if any(a <= m.start() < b for a, b in lists):  # "phase 4 and 5": the list below names both
                continue
            word = (m.group(1) or m.group(2)).lower()
            number = len(self.roadmap.phases) if word in ("last", "final") else \
                int(word) if word.isdigit() else ORDINALS.get(word, int(re.sub(r"\D", "", word) or 0))
            out.append((number, m))
        for m in FIRST_PHASES.finditer(text):  # "the first three phases": 1 to 3
            count = int(m.group(1)) if m.group(1).isdigit() else ORDINALS.get(m.group(1).lower(), 0)
            out += [(n, m) for n in range(1, min(count, 20) + 1)]
        for m in PHASE_LIST.finditer(text):
            numbers = [int(n) for n in re.findall(r"\d+", m.group(1))]
            if len(numbers) == 2 and re.search(r"to|through|thru|-|–", m.group(1)) and numbers[0] < numbers[1] <= 20:
                numbers = list(range(numbers[0], numbers[1] + 1))
            out += [(n, m) for n in numbers]
        return out

    def _phases(self, text: str, words: list[str]) -> list[Link]:
        out = []
        for number, m in self.phase_numbers(text):
            phase = self.roadmap.phase(number) if number else None
            if phase is None:
                continue
            start = len(tokens(text[: m.start()]))
            if m.re is FIRST_PHASES:  # "first three phases": the phrase names them all, with no words of their own
                end = start + len(tokens(m.group(0)))
                out.append(Link(phase, CONFIDENCE["phase number"], "phase number", m.group(0) if number == 1 else "", end - 1, end - 1 + (number == 1)))
                continue
            if m.re is PHASE_LIST:  # each number of the list is its own one-word span
                said = tokens(m.group(0))
                at = next((i for i, w in enumerate(said) if w == str(number)), None)
                if at is None:  # filled in from a range ("3-5" says no 4): no words of its own
                    out.append(Link(phase, CONFIDENCE["phase number"], "phase number", "", start + len(said) - 1, start + len(said) - 1))
                else:
                    out.append(Link(phase, CONFIDENCE["phase number"], "phase number", str(number), start + at, start + at + 1))
                continue
            out.append(Link(phase, CONFIDENCE["phase number"], "phase number", m.group(0), start,
                            start + len(tokens(m.group(0)))))
        return out

    def _phase_of(self, text: str, links: list[Link]) -> list[Link]:
        """'the diffusion phase', 'the transformer part' -> the phase that holds the named node."""
        words = tokens(text)
        out = []
        for link in links:
            after = words[link.end: link.end + 1]
            node = link.node
            if after and after[0] in ("phase", "stage") and not isinstance(node, Phase | Resource) and node.phase:
                out.append(Link(node.phase, link.confidence, f"phase of {label(node)}", link.span, link.start, link.end + 1))
            else:
                out.append(link)
        return out

    def _projects_of(self, words: list[str], links: list[Link]) -> list[Link]:
        """'the projects in phase 3', 'phase 5 projects': the phase's sections of projects, if it has any."""
        out = []
        for link in links:
            near = words[max(0, link.start - 5): link.start] + words[link.end: link.end + 1]
            sections = [s for s in getattr(link.node, "sections", ()) if s.of_projects]
            if isinstance(link.node, Phase) and "project" in near and sections:
                out += [dataclasses.replace(link, node=s, how=f"projects of {label(link.node)}") for s in sections]
            else:
                out.append(link)
        return out

    def _in_named_phase(self, text: str, words: list[str], links: list[Link]) -> list[Link]:
        """'the fine-tuning project from phase 3', 'the projects in phase 3: the VAE, the GAN and
        fine-tuning': a name said of a phase is looked for in that phase first. When the node it
        linked lies elsewhere and exactly one node of the phase has every word of the name in its
        title, that node is meant (the Phase 3 project, not Phase 5's section)."""
        ends = [len(tokens(text[: m.end()])) for m in re.finditer(r"[.?!]", text)]

        def sentence(at: int) -> int:
            return sum(end <= at for end in ends)

        scopes = [(lk, lk.node if isinstance(lk.node, Phase) else self.roadmap.phase_of(lk.node)) for lk in links
                  if isinstance(lk.node, Phase) or lk.how.startswith("projects of")]
        out, used = [], set()
        for link in links:
            phase = next((p for lk, p in scopes if 0 <= lk.start - link.end <= 3 and {"from", "in", "of"} & set(words[link.end: lk.start])
                          or 0 < link.start - lk.end <= 12 and sentence(lk.start) == sentence(link.start)), None)
            node = link.node
            if phase is None or isinstance(node, Phase) or (node.url in {r.url for r in phase.resources} if isinstance(node, Resource)
                                                             else self.roadmap.contains(phase, node)):
                out.append(link)
                continue
            said = name_key(" ".join(words[link.start: link.end]))
            # "the Papers with Code link in phase 5": the phase's own resource of that name, when no node of the phase has it
            nodes = [n for n in self.roadmap.nodes if n is not phase and self.roadmap.contains(phase, n)]
            inside = [n for n in nodes if _has_words(n.title, said)] or [r for r in unique(phase.resources) if _has_words(r.title, said)]
            if len(inside) != 1:
                out.append(link)
                continue
            out.append(dataclasses.replace(link, node=inside[0], how=f"{link.how} in {label(phase)}"))
            used.add(id(phase))
        # a phase that only said where a name is ("from phase 3") is not asked about itself
        return [lk for lk in out if not (isinstance(lk.node, Phase) and id(lk.node) in used)]

    def by_meaning(self, vector: np.ndarray, top: int = 3) -> list[Link]:
        """Nodes ranked by cosine to a question vector (unit length); empty without an embedder."""
        if self.vectors is None:
            return []
        scores = np.full(len(self.roadmap.nodes), -1.0)
        np.maximum.at(scores, self.rows, self.vectors @ vector)  # a node's closest text: cosine, rows are unit length
        order = np.argsort(-scores)[:top]
        return [Link(self.roadmap.nodes[i], float(scores[i]), "embedding", "") for i in order]

    def find(self, text: str) -> Node | None:
        """The surest node the text names (no resources), or None."""
        links = self.link(text, resources=False)
        return links[0].node if links else None
