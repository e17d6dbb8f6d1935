"""Quiz questions built from the roadmap graph and the resource cards, and answers checked against them.

Kinds of question, each from one place in the data (the source is shown with the right answer):
    term      Which roadmap topic covers "FID"?              a term of a topic's description
    phase     Which phase covers "LoRA"?                     the same, for a quiz on the whole roadmap
    list      Name the 3 points listed under Autoencoders.   a description that is a list
    after     What comes right after GANs?                   Roadmap.after
    before    What comes right before Diffusion Models?      Roadmap.before
    section   Which section of Phase 3 holds Autoencoders?   the outline
    resource  Which resource for GANs is an interactive visualization?   a resource's note, or its
              card's first sentence with the title masked
    duration  How long is Phase 3?                           the phase heading

Checking needs no model: answers are normalised (case, punctuation, plurals) and compared with
rapidfuzz against every name in the data (titles, bare titles, acronyms, resource and card titles);
the nearest name decides, so typos pass but "Unsupervised Learning" is not "Supervised Learning".
Below the match threshold Lookup's other names count (aliases, acronyms such as "VAEs"), never a
description term, and repeating the question's own term never does. Lists earn partial credit per point;
a duration inside the range earns half. A question is passed at full marks, and a topic whose
questions were all passed can be ticked (`tickable`). The same seed gives the same quiz.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from .config import TutorError
from .corpus import Corpus
from .lookup import Lookup, load_aliases
from .roadmap import Item, Node, Phase, Resource, Section, breadcrumb, label
from .text import STOPWORDS, content_words, words

MATCH = 85  # rapidfuzz ratio (0-100) for a whole answer against an accepted name
PART_MATCH = 80  # for one point of a list, word by word; words of 3 letters or fewer must be exact
NAMING = {"title", "alias", "acronym", "part", "short title", "phase number"}  # Lookup links that name a node
# Description terms too vague to ask about on their own ("Building", "Latest techniques").
VAGUE = frozenset(content_words("""building understanding identifying leveraging academic latest forward
    direct vanilla core prevention art technique techniques them"""))
NUMBER_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
ACCEPTED = ""  # the key of a question's own accepted names in the name table
QUESTIONS = 5  # a quiz's length in the chat and the page
KIND_ORDER = ("term", "phase", "list", "after", "before", "section", "resource", "duration")
# Where a kind of question comes from, said without giving its answer away (Question.origin).
ORIGIN = {"term": "a topic's description", "phase": "a topic's description", "list": "a topic's list",
          "after": "the order of study", "before": "the order of study", "section": "the outline",
          "resource": "a resource's note", "duration": "a phase heading"}


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    answer: str  # the right answer as shown to the learner
    source: str  # where in the data the answer comes from
    about: Item | None  # the step the question is on; None for a phase's duration
    ticks: bool = False  # passing it shows the learner knows `about` (what it covers, its resource),
    #                      not only where it sits in the order
    nodes: tuple = ()  # Nodes or Resources whose names count as the answer
    names: tuple[str, ...] = ()  # names that count as the answer
    forbidden: tuple[str, ...] = ()  # words from the question that are not an answer
    parts: tuple[tuple[str, ...], ...] = ()  # list questions: each point's accepted forms
    months: tuple[float, float] | None = None  # duration questions on a phase with a bounded duration
    phase: int | None = None  # phase questions
    from_card: bool = False  # resource questions asked from the card's first sentence

    @property
    def origin(self) -> str:
        """Where the question comes from, without its answer (the source's path of titles names
        it): 'a topic's description, roadmap.md line 54'."""
        where = self.source.split(":", 1)[0]
        return f"{'a resource card' if self.from_card else ORIGIN[self.kind]}, {where}"

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "question": self.text, "answer": self.answer, "source": self.source,
             "ticks": self.about.id if self.ticks else None}
        if self.names:
            d["accepted"] = list(self.names)
        if self.parts:
            d["parts"] = [forms[0] for forms in self.parts]
        return d


@dataclass(frozen=True)
class Result:
    question: Question
    given: str
    score: float  # 0..1
    matched: tuple[str, ...] = ()  # list questions: the points found
    missed: tuple[str, ...] = ()
    note: str = ""

    @property
    def verdict(self) -> str:
        return "correct" if self.score >= 1 else "partly right" if self.score > 0 else "wrong"

    def to_dict(self) -> dict:
        d = {"question": self.question.text, "given": self.given, "score": round(self.score, 3),
             "verdict": self.verdict, "answer": self.question.answer, "source": self.question.source}
        if self.question.parts:
            d |= {"matched": list(self.matched), "missed": list(self.missed)}
        if self.note:
            d["note"] = self.note
        return d


def score(results: list[Result]) -> float:
    """Points out of len(results), to one decimal: a list question can earn part of a point."""
    return round(sum(r.score for r in results), 1)


def standard_seed(phase: int | None) -> int:
    """The seed of the quiz the chat gives for a phase: its number (0 for the whole roadmap), so
    the page's Quiz tab and `tutor quiz --seed` can bring the same questions back."""
    return phase or 0


def tickable(results: list[Result]) -> list[str]:
    """Ids of the topics whose questions were all answered in full, in the order asked."""
    by_topic: dict[str, bool] = {}
    for r in results:
        if r.question.ticks:
            key = r.question.about.id
            by_topic[key] = by_topic.get(key, True) and r.score >= 1
    return [key for key, passed in by_topic.items() if passed]


# ---------------------------------------------------------------- text helpers


def norm(text: str) -> str:
    """Lower case, stems, no punctuation or function words: 'The GANs!' -> 'gan'."""
    return " ".join(w for w in words(text) if w not in STOPWORDS)


def _similarity(a: str, b: str) -> float:
    """rapidfuzz ratio (0-100) of two normalised names; numbers and short names must be exact."""
    if not a or not b or re.findall(r"\d+", a) != re.findall(r"\d+", b):  # "Phase 4" is not "Phase 5"
        return 0.0
    if min(len(a), len(b)) <= 3:
        return 100.0 if a == b else 0.0
    return fuzz.ratio(a, b)


def _close(a: str, b: str) -> bool:
    return _similarity(norm(a), norm(b)) >= MATCH


def _key(node) -> str:
    """Resources are compared by url: the roadmap can link one resource from two lines."""
    return node.url if isinstance(node, Resource) else node.id


def names_of(node) -> tuple[str, ...]:
    """A node's title, the title without its bracket, and the bracketed acronym."""
    title = node.title
    forms = [label(node), title, re.sub(r"\s*\([^)]*\)", "", title)]
    forms += re.findall(r"\(([^)]+)\)", title)
    if isinstance(node, Phase):
        forms += [f"Phase {node.number}", str(node.number)]
    return tuple(dict.fromkeys(f.strip() for f in forms if f.strip()))


def list_points(description: str) -> list[str]:
    """'Vanilla, variational (VAEs), denoising' -> the three points."""
    return [p.strip() for p in description.split(",") if p.strip()]


def point_forms(point: str) -> tuple[str, ...]:
    """'variational (VAEs)' -> ('variational (VAEs)', 'variational', 'VAEs')."""
    bare = re.sub(r"\s*\([^)]*\)", "", point).strip()
    return tuple(dict.fromkeys([point, bare, *re.findall(r"\(([^)]+)\)", point)]))


def _heads(forms: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Shorter runs of a multi-word point that still name it: "inception" for "Inception Score".
    Runs of fewer than 6 letters ("data" of "data structures") say too little."""
    out = set()
    for f in forms:
        w = norm(f).split()
        for n in range(1, len(w)):
            out |= {tuple(w[i: i + n]) for i in range(len(w) - n + 1) if len("".join(w[i: i + n])) >= 6}
    return out


def terms(item: Item) -> list[str]:
    """Parts of a topic's description that name something: 'LoRA', 'soft prompts'."""
    pieces = re.split(r"\s*(?:,|;|\band\b|\bvs\.?)\s*", item.description)
    return [p.strip() for p in pieces if p.strip()]


def _numbers(text: str) -> tuple[list[float], str]:
    """Numbers in an answer (digits or words) and its unit word, if any."""
    lowered = text.lower()
    found = [(m.start(), float(m.group())) for m in re.finditer(r"\d+(?:\.\d+)?", lowered)]
    found += [(m.start(), float(NUMBER_WORDS[m.group()])) for m in
              re.finditer(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b", lowered)]
    unit = next((u for u in ("week", "year", "month") if u in lowered), "month")
    return [n for _, n in sorted(found)], unit


def _masked(card_summary: str, titles: list[str]) -> str:
    """The card's first sentence without the resource's name. Cards open with "<name> is ...", so
    a subject sharing a word with a title becomes "It"; the card's full title is masked anywhere.
    (A roadmap title can be a common phrase, "Generative Models", so only the subject is masked for it;
    the card title only where it is written as a name, in its own capitals.)"""
    m = re.match(r"(.{1,100}?) (is|was|are|points to|offers|teaches|covers|explains|gives|collects) ", card_summary)
    own = {w for t in titles for w in content_words(t)}
    text = f"It {m.group(2)} {card_summary[m.end():]}" if m and own & set(content_words(m.group(1))) else card_summary
    text = text.replace(titles[-1], "this resource")
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------- the quiz


class Quiz:
    def __init__(self, corpus: Corpus, lookup: Lookup | None = None):
        self.corpus = corpus
        self.roadmap = corpus.roadmap
        self.lookup = lookup or Lookup(self.roadmap, load_aliases(),
                                       resource_titles={c.url: c.title for c in corpus.cards})
        self.roadmap_file = "roadmap.md"
        self._candidates: dict[int | None, dict[str, list[Question]]] = {}  # per phase number; None: all
        # (normalised name, node key) for every name in the data: titles, bare titles, acronyms,
        # resource and card titles. An answer is judged by the nearest of them.
        self._names = [(norm(n), _key(node)) for node in self.roadmap.nodes for n in names_of(node)]
        for res in self.roadmap.resources:
            card = corpus.card(res.url)
            self._names += [(norm(t), res.url) for t in {res.title, card.title if card else res.title}]

    # ---- sources
    def _where(self, node) -> str:
        if isinstance(node, Resource):
            return f"{self.roadmap_file} line {node.line}: {breadcrumb(node.item or node.section)} › {node.title}"
        return f"{self.roadmap_file} line {node.line}: {breadcrumb(node)}"

    # ---- questions
    def candidates(self, phase: Phase | None) -> dict[str, list[Question]]:
        """Every question the data supports, by kind, for one phase or (None) the whole roadmap."""
        rm = self.roadmap
        phases = [phase] if phase else rm.phases
        items = [i for p in phases for s in p.sections for i in s.items]
        all_items = [i for s in rm.sections for i in s.items]
        out: dict[str, list[Question]] = {k: [] for k in KIND_ORDER}
        for item in items:
            if item.kind == "topic":
                for term in self._good_terms(item, all_items):
                    out["term"].append(Question(
                        "term", f"Which roadmap topic covers “{term}”?", item.title, self._where(item), item,
                        True, nodes=(item,), names=names_of(item), forbidden=(term,)))
                    if phase is None:
                        p = item.phase
                        out["phase"].append(Question(
                            "phase", f"Which phase of the roadmap covers “{term}”?", label(p), self._where(item),
                            item, True, nodes=(p,), names=names_of(p), forbidden=(term,), phase=p.number))
                points = list_points(item.description)
                if len(points) >= 3 and all(1 <= len(content_words(pt)) <= 3 for pt in points):
                    out["list"].append(Question(
                        "list", f"Name the {len(points)} points the roadmap lists under {item.title} (any order).",
                        ", ".join(points), self._where(item), item, True, parts=tuple(point_forms(p) for p in points)))
            nxt = rm.after(item)
            if nxt:
                out["after"].append(self._order_question("after", item, nxt[0]))
            prev = rm.before(item)
            if prev:
                out["before"].append(self._order_question("before", item, prev[0]))
            if len(item.phase.sections) > 1:
                out["section"].append(Question(
                    "section", f"Which section of Phase {item.phase.number} holds “{item.title}”?", item.section.title,
                    self._where(item.section), item, nodes=(item.section,), names=names_of(item.section)))
        for p in phases:
            for res in {r.url: r for r in p.resources}.values():
                out["resource"] += self._resource_questions(res)
            d = p.duration
            if d is not None:
                months = (d.low, d.high) if d.low is not None else None
                out["duration"].append(Question(
                    "duration", f"How long does {label(p)} take, according to the roadmap?", d.text,
                    self._where(p), None, names=() if months else (d.text, "open-ended", "no end"),
                    months=months))
        return {k: v for k, v in out.items() if v}

    def _good_terms(self, item: Item, all_items: list[Item]) -> list[str]:
        good = []
        own = set(content_words(item.title))
        for term in terms(item):
            key = content_words(re.sub(r"\([^)]*\)", "", term))
            if not 1 <= len(key) <= 3 or set(key) & own or set(key) <= VAGUE:
                continue
            if len(key) > 1 and key[0].endswith("ing"):  # "Reducing model size" says what, not which
                continue
            if any(set(key) <= set(content_words(f"{o.title} {o.description}")) for o in all_items if o is not item):
                continue  # a term two topics share names neither
            good.append(term)
        return good

    def _order_question(self, kind: str, item: Item, answer: Node) -> Question:
        accepted = [answer]
        if isinstance(answer, Section):  # the section's nearest step names it as well
            accepted.append(answer.items[0] if kind == "after" else answer.items[-1])
        word = "right after" if kind == "after" else "right before"
        return Question(kind, f"In the roadmap, what comes {word} “{item.title}”?", label(answer),
                        self._where(answer), item, nodes=tuple(accepted),
                        names=tuple(n for a in accepted for n in names_of(a)))

    def _resource_questions(self, res: Resource) -> list[Question]:
        card = self.corpus.card(res.url)
        titles = [res.title] + ([card.title] if card else [])
        serves = res.item or res.section
        about = res.item or res.section.items[0]
        ticks = res.item is not None and res.item.kind == "topic"  # a section's resource is no one topic's
        out = []  # (question, from the card?)
        note = res.note.strip().lstrip("-–— ").strip("() ").strip()
        if note:
            if not re.match(r"(by|for|from)\b", note, re.I):
                note = ("an " if note[0].lower() in "aeiou" else "a ") + note[0].lower() + note[1:]
            out.append((f"Which resource for {serves.title} is {note}?", False))
        summary = card.summary() if card else ""
        if summary and not re.search(r"\b[A-Z][a-z]{0,2}\.$", summary):  # not cut short after "Dr."
            out.append((f"Which resource is this: “{_masked(summary, titles)}”", True))
        source = self._where(res) + (f"; card {Path(card.path).parent.name}/{Path(card.path).name}" if card else "")
        return [Question("resource", text, card.title if card else res.title, source, about, ticks, nodes=(res,),
                         names=tuple(dict.fromkeys(titles)), from_card=from_card) for text, from_card in out]

    def questions(self, phase: int | None = None, n: int = 5, seed: int = 0) -> list[Question]:
        """`n` questions on one phase (or the whole roadmap), as many kinds as the data allows,
        each kind and topic used once before any is used again. The same seed, the same quiz."""
        if n < 1:
            raise TutorError(f"a quiz needs at least one question, got {n}")
        target = None
        if phase is not None:
            target = self.roadmap.phase(phase)
            if target is None:
                raise TutorError(f"there is no phase {phase}; the roadmap has phases 1 to {len(self.roadmap.phases)}")
        rng = random.Random(seed)
        if phase not in self._candidates:  # built once per phase: the whole roadmap's take a second
            self._candidates[phase] = self.candidates(target)
        pools = {k: list(v) for k, v in self._candidates[phase].items()}
        for pool in pools.values():
            rng.shuffle(pool)
        kinds = list(pools)
        rng.shuffle(kinds)
        chosen: list[Question] = []
        used_topics: set[str] = set()
        while len(chosen) < n and any(pools.values()):
            for kind in kinds:
                pool = pools[kind]
                if not pool or len(chosen) == n:
                    continue
                fresh = [q for q in pool if not (q.about and q.about.id in used_topics)]
                q = (fresh or pool)[0]
                pool.remove(q)
                chosen.append(q)
                if q.about:
                    used_topics.add(q.about.id)
        return chosen

    # ---- checking
    def check(self, question: Question, given: str) -> Result:
        given = given.strip()
        if not given:
            return Result(question, given, 0.0, missed=tuple(f[0] for f in question.parts), note="no answer")
        if question.parts:
            return self._check_list(question, given)
        if question.months is not None:
            return self._check_duration(question, given)
        if question.kind == "duration":  # an open-ended phase: only its own word counts
            return Result(question, given, float(any(_close(given, name) for name in question.names)))
        if any(_close(given, f) for f in question.forbidden):
            return Result(question, given, 0.0, note="that is the term from the question, not what covers it")
        if question.phase is not None and self._phase_number(given) == question.phase:
            return Result(question, given, 1.0)
        # The nearest of all the names in the data decides: "Unsupervised Learning" is a title of
        # its own, not a typo of "Supervised Learning".
        want = {_key(n) for n in question.nodes}
        said = norm(given)
        best, right = 0.0, False
        for name, key in [*self._names, *((norm(n), ACCEPTED) for n in question.names)]:
            score = _similarity(said, name)
            if score > best or score == best and key in want | {ACCEPTED}:
                best, right = score, key in want | {ACCEPTED}
        if best >= MATCH:
            return Result(question, given, float(right))
        # Otherwise the names Lookup knows beyond titles: aliases, acronyms from descriptions ("VAEs").
        links = [lk for lk in self.lookup.link(given, resources=True) if lk.how.removeprefix("fuzzy ") in NAMING]
        return Result(question, given, float(bool(links) and all(_key(lk.node) in want for lk in links)))

    def _phase_number(self, given: str) -> int | None:
        found = self.lookup.phase_numbers(given)
        if found:
            return found[0][0]
        nums, _ = _numbers(given)
        return int(nums[0]) if len(nums) == 1 and nums[0].is_integer() else None

    def _check_list(self, question: Question, given: str) -> Result:
        said = norm(given).split()
        scored = []  # (score, point index, start, end) for every window of the answer that fits a point
        for at, forms in enumerate(question.parts):
            for want in {tuple(norm(f).split()) for f in forms} | _heads(forms):
                for start in range(len(said) - len(want) + 1):
                    window = said[start: start + len(want)]
                    if len(" ".join(want)) <= 3:
                        score = 100.0 if list(want) == window else 0.0
                    else:
                        score = fuzz.ratio(" ".join(window), " ".join(want))
                    if score >= PART_MATCH:
                        full = any(tuple(norm(f).split()) == want for f in forms)
                        scored.append((score if full else score - 5, at, start, start + len(want)))
        found, taken = set(), set()
        for _, at, start, end in sorted(scored, key=lambda s: (-s[0], s[2])):
            if at in found or taken & set(range(start, end)):
                continue
            found.add(at)
            taken |= set(range(start, end))
        points = [forms[0] for forms in question.parts]
        return Result(question, given, len(found) / len(points),
                      matched=tuple(p for i, p in enumerate(points) if i in found),
                      missed=tuple(p for i, p in enumerate(points) if i not in found))

    def _check_duration(self, question: Question, given: str) -> Result:
        low, high = question.months
        nums, unit = _numbers(given)
        scale = {"week": 12 / 52, "year": 12.0, "month": 1.0}[unit]
        nums = [x * scale for x in nums[:2]]
        if not nums:
            return Result(question, given, 0.0, note="no number of months in the answer")

        def same(a, b):
            return abs(a - b) < 0.3  # "9 weeks" is 2.08 months: close enough to 2

        if len(nums) == 2:
            a, b = sorted(nums)
            score = 1.0 if same(a, low) and same(b, high) else 0.5 if same(a, low) or same(b, high) else 0.0
        else:
            x = nums[0]
            score = 1.0 if same(low, high) and same(x, low) else 0.5 if low - 0.3 < x < high + 0.3 else 0.0
        note = "the roadmap gives a range" if score == 0.5 else ""
        return Result(question, given, score, note=note)
