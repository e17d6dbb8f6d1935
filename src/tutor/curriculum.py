"""roadmap.md -> an ordered curriculum graph: phases > sections > items (topics, projects, tips).

The graph answers the questions that must never depend on a language model: what comes after or
before a step, which phase covers a topic, how long a phase or the whole roadmap takes, and which
resources serve a topic. Order is the order of the file; nothing about this particular roadmap is
hard-wired, so a roadmap with other phases and sections parses the same way.

Accepted shape (anything else that looks structural is an error naming the line):

    # Title
    ## Phase 1: Foundations (1-2 months)        a phase; the duration in brackets is optional
    ### Mathematics                              a section of the current phase
    - **Linear Algebra**: vectors, matrices      a topic
    - Build a simple VAE                         a project (a plain bullet)
      - Resource: [Name](https://...) by Someone a resource of the item above
    ## Learning Tips                             a non-phase part (tips, platform lists)
    1. **Hands-on Practice**: text               a tip
    1. [Coursera](https://...): text             a listed resource
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import TutorError

LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
PHASE = re.compile(r"^Phase\s+(\d+)\s*[:.\-–—]\s*(.+?)\s*(?:\(([^)]*)\))?\s*$", re.I)
BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
TOPIC = re.compile(r"^\*\*(.+?)\*\*\s*[:\-–—]?\s*(.*)$")
RESOURCE = re.compile(r"^Resources?\s*:\s*(.*)$", re.I)
DURATION = re.compile(r"(\d+)\s*(?:(?:-|–|to)\s*(\d+)\s*)?(week|month|year)s?", re.I)


class RoadmapError(TutorError):
    pass


@dataclass(frozen=True)
class Duration:
    text: str  # as written, e.g. "2-3 months" or "Ongoing"
    low: float | None = None  # in months; None when open-ended
    high: float | None = None

    @classmethod
    def parse(cls, text: str) -> Duration:
        m = DURATION.search(text)
        if not m:
            return cls(text.strip())
        per_month = {"week": 12 / 52, "month": 1.0, "year": 12.0}[m.group(3).lower()]
        low = int(m.group(1)) * per_month
        high = int(m.group(2) or m.group(1)) * per_month
        return cls(text.strip(), low, high)


@dataclass(eq=False)
class Resource:
    title: str
    url: str
    note: str  # the rest of the line, e.g. "by Stanford" or "- Interactive visualization"
    line: int
    item: Item | None = field(default=None, repr=False)
    section: Section | None = field(default=None, repr=False)


@dataclass(eq=False)
class Item:
    id: str
    kind: str  # "topic" | "project" | "tip" | "listing"
    title: str
    description: str
    line: int
    section: Section = field(repr=False)
    resources: list[Resource] = field(default_factory=list)

    @property
    def phase(self) -> Phase | None:
        return self.section.phase


@dataclass(eq=False)
class Section:
    id: str
    title: str
    line: int
    phase: Phase | None = field(repr=False)  # None for parts outside the phases (tips, platform lists)
    items: list[Item] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)  # every resource in the section


@dataclass(eq=False)
class Phase:
    id: str
    number: int
    title: str
    duration: Duration | None
    line: int
    sections: list[Section] = field(default_factory=list, repr=False)

    @property
    def resources(self) -> list[Resource]:
        return [r for s in self.sections for r in s.resources]


Node = Phase | Section | Item


def label(node: Node) -> str:
    """How a node is named to a learner: 'Phase 4: Advanced Generative Models', 'Diffusion Models'."""
    if isinstance(node, Phase):
        return f"Phase {node.number}: {node.title}"
    return node.title


def breadcrumb(node: Node | None, sep: str = " › ") -> str:
    parts: list[str] = []
    while node is not None:
        parts.append(label(node))
        node = node.section if isinstance(node, Item) else node.phase if isinstance(node, Section) else None
    return sep.join(reversed(parts))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


# ---------------------------------------------------------------- parsing


def parse(text: str, source: str = "roadmap.md") -> Roadmap:
    title = ""
    phases: list[Phase] = []
    extras: list[Section] = []
    phase: Phase | None = None
    section: Section | None = None
    item: Item | None = None

    def fail(lineno: int, why: str):
        raise RoadmapError(f"{source}:{lineno}: {why}")

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.count("[") != line.count("]") or line.count("](") != len(LINK.findall(line)):
            fail(lineno, f"broken link (expected [name](url)): {line.strip()!r}")
        if line.startswith("# "):
            if title:
                fail(lineno, "a second '# ' title; use '## ' for phases and '### ' for sections")
            title = line[2:].strip()
        elif line.startswith("## "):
            heading = line[3:].strip()
            m = PHASE.match(heading)
            item = None
            if m:
                number = int(m.group(1))
                if phases and number != phases[-1].number + 1:
                    fail(lineno, f"phase {number} follows phase {phases[-1].number}; phases must count up by one")
                duration = Duration.parse(m.group(3)) if m.group(3) else None
                phase = Phase(f"phase-{number}", number, m.group(2).strip(), duration, lineno)
                phases.append(phase)
                section = None
            elif heading.lower().startswith("phase"):
                fail(lineno, f"phase heading should look like '## Phase 2: Title (2-3 months)', got {heading!r}")
            else:
                phase = None
                section = Section(slugify(heading), heading, lineno, None)
                extras.append(section)
        elif line.startswith("### "):
            if phase is None:
                fail(lineno, "a '### ' section must come after a '## Phase N: ...' heading")
            heading = line[4:].strip()
            section = Section(f"{phase.id}/{slugify(heading)}", heading, lineno, phase)
            phase.sections.append(section)
            item = None
        elif line.lstrip().startswith("#"):
            fail(lineno, "only '#', '##' and '###' headings are understood")
        elif m := BULLET.match(line):
            indent, body = len(m.group(1).expandtabs(4)), m.group(2).strip()
            if section is None:
                fail(lineno, "a list item before any section heading")
            r = RESOURCE.match(body)
            if r and (indent > 0 or item is None):
                links = LINK.findall(r.group(1))
                if not links:
                    fail(lineno, "a 'Resource:' line without a [name](url) link")
                note = LINK.sub("", r.group(1)).strip()
                for name, url in links:
                    res = Resource(name.strip(), url, note, lineno, item, section)
                    section.resources.append(res)
                    if item is not None:
                        item.resources.append(res)
            elif indent > 0:
                if item is None:
                    fail(lineno, "an indented line with no item above it")
                item.description = f"{item.description} {body}".strip()
            else:
                item = _item(body, lineno, section)
                section.items.append(item)
                for name, url in LINK.findall(body):
                    res = Resource(name.strip(), url, LINK.sub(r"\1", item.description), lineno, item, section)
                    item.resources.append(res)
                    section.resources.append(res)
        else:
            # Free prose under a heading is allowed; it belongs to the item or section above.
            if item is not None:
                item.description = f"{item.description} {line.strip()}".strip()
    if not phases:
        raise RoadmapError(f"{source}: no '## Phase N: Title (duration)' heading found; is this a roadmap?")
    for p in phases:
        if not p.sections:
            raise RoadmapError(f"{source}:{p.line}: phase {p.number} has no '### ' sections")
    return Roadmap(title or "Roadmap", phases, extras)


def _item(body: str, lineno: int, section: Section) -> Item:
    listing = LINK.match(body)
    if listing and listing.start() == 0:  # "1. [Coursera](url): text"
        title = listing.group(1).strip()
        desc = body[listing.end():].lstrip(":-–— ").strip()
        return Item(f"{section.id}/{slugify(title)}", "listing", title, desc, lineno, section)
    if m := TOPIC.match(body):
        title, desc = m.group(1).strip(), m.group(2).strip()
        kind = "topic" if section.phase is not None else "tip"
    else:
        title, desc, kind = body, "", "project"
    return Item(f"{section.id}/{slugify(title)}", kind, title, desc, lineno, section)


def load(path: Path) -> Roadmap:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise RoadmapError(f"cannot read the roadmap {path}: {e.strerror}") from None
    return parse(text, str(path))


# ---------------------------------------------------------------- loose lookup

STOPWORDS = set(
    """a an the and or of for to in on at by with about from into over after before next then
    what which who whom whose when where why how is are was were be been being do does did should
    would could can will shall may might must i me my we our you your it its this that these those
    there here some any all each more most other such than too very just also so not no
    learn learning study studying studied know understand good best great recommend recommended
    resource resources course courses material materials part parts section sections topic topics
    phase phases stage step steps come comes came first start starting begin beginning long take
    takes taking time need needs needed prerequisite prerequisites cover covers covered covering
    please tell explain show give list get go going want like thing things stuff roadmap
    finish finished done completed complete way ready paper
    whole entire overall total now starting started point get getting even beginner newbie novice""".split()
)

# Everyday abbreviations of the field; they expand query words, they do not name roadmap nodes.
SYNONYMS = {
    "math": "mathematics", "maths": "mathematics", "stats": "statistics", "stat": "statistics",
    "prob": "probability", "nn": "neural", "nlp": "natural language processing",
    "cv": "computer vision", "llm": "large language model", "rl": "reinforcement",
    "dl": "deep", "ml": "machine", "peft": "parameter efficient fine tuning",
    "finetuning": "fine tuning", "finetune": "fine tuning", "gpt": "transformer",
    "mlop": "mlops", "deploy": "deployment", "deploying": "deployment",
}


def words(text: str) -> list[str]:
    """Lower-case word stems, with plural 's' dropped: 'GANs' -> 'gan', 'Transformers' -> 'transformer'."""
    out = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        w = re.sub(r"is(ation|e|ed|ing)$", r"iz\1", w) if len(w) > 6 else w  # optimise -> optimize
        if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) and w not in STOPWORDS:
            w = w[:-1]
        out.append(w)
    return out


def query_words(text: str) -> list[str]:
    out = []
    for w in words(text):
        if w in STOPWORDS or len(w) < 2:
            continue
        out.extend(words(SYNONYMS.get(w, w)))
    return out


# ---------------------------------------------------------------- the graph


class Roadmap:
    def __init__(self, title: str, phases: list[Phase], extras: list[Section]):
        self.title = title
        self.phases = phases
        self.extras = extras
        self.sections = [s for p in phases for s in p.sections]  # the order of study
        self.items = [i for s in self.sections + extras for i in s.items]
        self.resources = [r for s in self.sections + extras for r in s.resources]
        self._index = self._build_lookup()

    # ---- lookups by id and url
    def node(self, node_id: str) -> Node:
        for n in [*self.phases, *self.sections, *self.extras, *self.items]:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def phase(self, number: int) -> Phase | None:
        return next((p for p in self.phases if p.number == number), None)

    def urls(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.resources:
            seen.setdefault(r.url, None)
        return list(seen)

    # ---- order
    def phase_of(self, node: Node) -> Phase | None:
        if isinstance(node, Phase):
            return node
        return node.phase

    def section_of(self, node: Node) -> Section | None:
        return node.section if isinstance(node, Item) else node if isinstance(node, Section) else None

    def after(self, node: Node) -> list[Node]:
        """The next two steps of study after `node`, crossing section and phase boundaries."""
        if isinstance(node, Phase):
            return [p for p in self.phases if p.number == node.number + 1]
        section = self.section_of(node)
        if section.phase is None:  # tips and platform lists have no place in the order
            return []
        steps: list[Node] = []
        if isinstance(node, Item):
            later = section.items[section.items.index(node) + 1 :]
            steps += later[:1]
        at = self.sections.index(section)
        steps += self.sections[at + 1 : at + 1 + (2 - len(steps))]
        return steps

    def before(self, node: Node) -> list[Node]:
        """The two steps right before `node`, nearest first."""
        if isinstance(node, Phase):
            return [p for p in self.phases if p.number == node.number - 1]
        section = self.section_of(node)
        if section.phase is None:
            return []
        steps: list[Node] = []
        if isinstance(node, Item):
            earlier = section.items[: section.items.index(node)]
            steps += earlier[-1:]
        at = self.sections.index(section)
        steps += list(reversed(self.sections[max(0, at - (2 - len(steps))) : at]))
        return steps

    def resources_for(self, node: Node) -> list[Resource]:
        """A topic's own resources, else those of its section (a resource line often serves the
        whole section it closes), else the phase's."""
        if isinstance(node, Item) and node.resources:
            return node.resources
        section = self.section_of(node)
        if section is not None and section.resources:
            return section.resources
        phase = self.phase_of(node)
        return phase.resources if phase else []

    def total_duration(self) -> tuple[float, float, list[Phase]]:
        """(low, high) months over the phases with a bounded duration, and the open-ended phases."""
        bounded = [p for p in self.phases if p.duration and p.duration.low is not None]
        open_ended = [p for p in self.phases if not (p.duration and p.duration.low is not None)]
        return sum(p.duration.low for p in bounded), sum(p.duration.high for p in bounded), open_ended

    # ---- finding a node from loose words
    def _build_lookup(self):
        """Per node (and per linked resource): weighted words. Title words weigh 2, an acronym
        the roadmap defines in brackets ('(GANs)', '(VAEs)') weighs 2, description words 1."""
        entries = []
        resources = list({r.url: r for r in self.resources}.values())
        for node in [*self.phases, *self.sections, *self.extras, *self.items, *resources]:
            weights: dict[str, float] = {}
            title = node.title
            description = node.description if isinstance(node, Item) else node.note if isinstance(node, Resource) else ""
            title_weight = 1.0 if isinstance(node, Item) and node.kind == "project" else 2.0
            for w in words(description):
                weights[w] = max(weights.get(w, 0), 1.0)
            for acronym in re.findall(r"\(([A-Za-z0-9\-]+)\)", description):
                for w in words(acronym):
                    weights[w] = 2.0
            for w in words(title):
                weights[w] = max(weights.get(w, 0), title_weight)
            for w in STOPWORDS:
                weights.pop(w, None)
            entries.append((node, weights, len(words(title)) or 1))
        df: dict[str, int] = {}
        for _, weights, _ in entries:
            for w in weights:
                df[w] = df.get(w, 0) + 1
        n = len(entries)
        idf = {w: math.log(1 + n / c) for w, c in df.items()}
        # The roadmap's own title words ("Generative AI Learning Roadmap") describe all of it:
        # they say little about which node a question means.
        for w in words(self.title):
            if w in idf:
                idf[w] *= 0.3
        return entries, idf

    def search(self, text: str, resources: bool = False) -> list[tuple[float, Node]]:
        """Nodes ranked by how well their words cover the query's words (best first);
        with `resources`, linked resources ("GAN Specialization") compete too."""
        phase = _phase_reference(text, len(self.phases))
        if phase is not None:
            # "the ethics section in phase 5" means the section; "how long is phase 5" the phase.
            rest = self.search(PHASE_WORDS.sub(" ", text), resources)
            inside = [(score, node) for score, node in rest
                      if score >= 3.0 and self.phase_of(node) is self.phases[phase - 1]]
            return inside[:1] + [(100.0, self.phases[phase - 1])]
        query = query_words(text)
        if not query:
            return []
        entries, idf = self._index
        alternatives = {q: self._spellings(q, idf) for q in set(query)}
        ranked = []
        for node, weights, title_len in entries:
            if isinstance(node, Resource) and not resources:
                continue
            score, matched = 0.0, 0
            for q, alts in alternatives.items():
                best = max((weights.get(a, 0.0) * factor for a, factor in alts), default=0.0)
                if not best and len(q) >= 4:  # 'math' -> 'mathematics', 'optim' -> 'optimization'
                    best = max((wt * 0.8 for w, wt in weights.items() if w.startswith(q)), default=0.0)
                if best:
                    score += best * idf.get(q, max(idf.values()))
                    matched += 1
            if score:
                # Prefer nodes whose title the query covers closely: "diffusion models" is the
                # section, not "Latent Diffusion Models".
                score *= matched / len(set(query)) * (1 + 1 / title_len)
                ranked.append((score, node))
        ranked.sort(key=lambda pair: -pair[0])
        return ranked

    @staticmethod
    def _spellings(q: str, vocabulary: dict) -> list[tuple[str, float]]:
        """The word itself, or for a word the roadmap never uses, close spellings of roadmap
        words: typos ('difusion') and other endings ('science' -> 'scientific')."""
        if q in vocabulary or len(q) < 5:
            return [(q, 1.0)]
        close = difflib.get_close_matches(q, vocabulary, n=3, cutoff=0.84)
        close += [w for w in vocabulary if len(w) >= 5 and len(os.path.commonprefix([q, w])) >= max(5, 0.7 * min(len(q), len(w)))]
        return [(q, 1.0)] + [(w, 0.8) for w in dict.fromkeys(close)]

    def find(self, text: str, min_score: float = 3.0, resources: bool = False) -> Node | None:
        """The node the text is about, or None when nothing matches well enough."""
        ranked = self.search(text, resources)
        return ranked[0][1] if ranked and ranked[0][0] >= min_score else None

    def targets(self, question: str) -> tuple[list[Node], bool]:
        """The nodes a question is about, and whether they come from the order of study:
        for "what after X" / "what before X" the steps after or before X, else X itself."""
        kind = intent(question)
        node = self.find(question, resources=kind not in ("next", "prereq"))
        if node is None:
            return [], False
        if isinstance(node, Resource):
            return [node], False
        if kind == "next":
            return self.after(node), True
        if kind == "prereq":
            return self.before(node), True
        return [node], False


INTENTS = [  # (intent, pattern): the first that matches wins
    ("duration", r"\bhow long\b|\bduration\b|\blength\b|how many (months|weeks|years)|how much time"
                 r"|time (does|will|would) it take|timeline|\bin total\b|time (needed|required|commitment)"),
    ("next", r"\b(after|next|afterwards|following|follows?|then what|what now|move on|continue with"
             r"|where (do|should) i go|go from here|once i(?: have|'ve|'m| am)? (finish|done|complete|learn|wrap))"),
    ("prereq", r"\b(before|pre-?requisi\w*|prereqs?|need to know (for|before)|required|requirements|foundations? for|depend)"
               r"|\b(know|learn|study|cover) (first|beforehand)\b"),
    ("start", r"\b(where|how) (do|should|can) i (\w+ )?(start|begin|get started)\b|\bstart(ing)? point\b"
              r"|\bfirst (step|thing)s?\b|\bwhere to (start|begin)\b|\bbegin with\b"
              r"|\bget(ting)? started\b|\bi'?m (a )?(complete |total )?beginner|\b(complete|total|absolute) beginner"
              r"|\bknow nothing\b"),
    ("phase", r"\b(which|what) (phase|part|stage|section)\b|\bwhere (is|are|does|do)\b.*\b(covered|taught|roadmap|fit)"),
    ("resources", r"\b(resources?|courses?|books?|tutorials?|papers?|links?|materials?|recommend\w*"
                  r"|where can i learn|what should i read|watch)\b"),
    ("contents", r"\bwhat('s| is| does)? (in|inside|covered in)\b|\bwhat (topics|is covered)\b|\boverview\b"
                 r"|\b(include|includes|contain|contains)\b"
                 r"|\bphases\b"),
]


INTENT_WORDS = ["after", "before", "next", "which", "prerequisite", "prerequisites", "duration", "long",
                "start", "begin", "resource", "resources", "course", "courses", "follow", "follows"]


def intent(question: str) -> str | None:
    """What kind of curriculum question this is, from its wording alone (None: not one).
    Typos of the few words that decide it are forgiven: 'aftr GANs' asks what comes after."""
    fixed = re.sub(r"[A-Za-z]{4,}", lambda m: _closest_intent_word(m.group(0)), question)
    for name, pattern in INTENTS:
        if re.search(pattern, fixed, re.I):
            return name
    return None


def _closest_intent_word(word: str) -> str:
    close = difflib.get_close_matches(word.lower(), INTENT_WORDS, n=1, cutoff=0.8)
    return close[0] if close else word


def _is_phase_typo(word: str) -> bool:
    return word == "phase" or difflib.SequenceMatcher(None, word, "phase").ratio() >= 0.8 and word != "phrase"


_ORDINALS = {
    "one": 1, "first": 1, "two": 2, "second": 2, "three": 3, "third": 3, "four": 4,
    "fourth": 4, "five": 5, "fifth": 5, "six": 6, "sixth": 6, "seven": 7, "seventh": 7,
    "eight": 8, "eighth": 8, "nine": 9, "ninth": 9, "ten": 10, "tenth": 10,
}


PHASE_WORDS = re.compile(r"\b(?:the\s+)?(?:ph?a?s?e\w{0,2}\s*#?\s*(?:\d+|[a-z]+)|[a-z]+\s+phase)\b", re.I)


def _phase_reference(text: str, n_phases: int) -> int | None:
    """'phase 2', 'phse 2', 'phase two', 'the second phase', 'the last phase' -> the phase number."""
    t = re.sub(r"\b[a-z]{3,6}(?=\s*#?\s*\d)", lambda m: "phase" if _is_phase_typo(m.group(0)) else m.group(0), text.lower())
    m = re.search(r"\bphase\s*#?\s*(\d+|[a-z]+)\b", t) or re.search(r"\b([a-z]+|\d+)(?:st|nd|rd|th)?\s+phase\b", t)
    if not m:
        return None
    word = m.group(1)
    if word in ("last", "final"):
        return n_phases
    number = int(word) if word.isdigit() else _ORDINALS.get(word)
    return number if number and 1 <= number <= n_phases else None
