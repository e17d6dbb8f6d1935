"""roadmap.md -> an ordered curriculum graph: phases > sections > items (topics, projects, tips).

The graph answers the questions that must never depend on a language model: what comes after or
before a step, which phase covers a topic, how long a phase or the whole roadmap takes, and which
resources serve a topic. Finding a node from a learner's loose words is lookup.py's job. Order is the order of the file; nothing about this particular roadmap is
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

A resource line under a section's last item serves the whole section when none of the section's
other items has a resource of its own ("Fine-tuning LLMs" closes Advanced Fine-Tuning Techniques;
it is not a DPO resource): such resources are filed under the section, not the item.
"""

from __future__ import annotations

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
    for section in [s for p in phases for s in p.sections] + extras:
        _lift_closing_resources(section)
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


def _lift_closing_resources(section: Section) -> None:
    """File a closing resource line under its section when it is the section's only one."""
    if len(section.items) < 2:
        return
    last, others = section.items[-1], section.items[:-1]
    if last.kind == "listing" or not last.resources or any(i.resources for i in others):
        return
    for res in last.resources:
        res.item = None
    last.resources = []


def load(path: Path) -> Roadmap:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise RoadmapError(f"cannot read the roadmap {path}: {e.strerror}") from None
    return parse(text, str(path))


# ---------------------------------------------------------------- the graph


class Roadmap:
    def __init__(self, title: str, phases: list[Phase], extras: list[Section]):
        self.title = title
        self.phases = phases
        self.extras = extras
        self.sections = [s for p in phases for s in p.sections]  # the order of study
        self.items = [i for s in self.sections + extras for i in s.items]
        self.resources = [r for s in self.sections + extras for r in s.resources]
        self.nodes: list[Node] = [*phases, *self.sections, *extras, *self.items]
        self._by_id = {n.id: n for n in self.nodes}

    # ---- lookups by id and url
    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def position(self, node: Node) -> tuple[int, int]:
        """Where a node sits in the order of study: (section index, item index); tips last."""
        section = self.section_of(node) or (node.sections[0] if isinstance(node, Phase) else None)
        at = self.sections.index(section) if section in self.sections else len(self.sections)
        return at, section.items.index(node) if isinstance(node, Item) else -1

    def contains(self, outer: Node, inner: Node) -> bool:
        """True when `inner` sits inside `outer` (an item in its section or phase)."""
        if outer is inner:
            return False
        if isinstance(outer, Phase):
            return inner.phase is outer if isinstance(inner, Section | Item) else False
        return isinstance(outer, Section) and isinstance(inner, Item) and inner.section is outer

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

