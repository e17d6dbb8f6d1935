"""A roadmap in Markdown -> an ordered curriculum graph: phases > sections > items (topics, projects, tips).

The graph answers the questions that must never depend on a language model: what comes after or
before a step, which phase covers a topic, how long a phase or the whole roadmap takes, and which
resources serve a topic. Finding a node from a learner's loose words is lookup.py's job. Order is
the order of the file; nothing about one particular roadmap is hard-wired.

Two dialects, told apart by the headings:

1. Numbered phases (the seed roadmap's shape). A part heading reads "Phase N: Title (duration)":

    # Title
    ## Phase 1: Foundations (1-2 months)        a phase; the duration in brackets is optional
    ### Mathematics                              a section of the current phase
    - **Linear Algebra**: vectors, matrices      a topic
    - Build a simple VAE                         a project (a plain bullet)
      - Resource: [Name](https://...) by Someone a resource of the item above
    ## Learning Tips                             a part that is not a phase (tips, platform lists)
    1. **Hands-on Practice**: text               a tip
    1. [Coursera](https://...): text             a listed resource

   Such a file promises that shape, so its checks apply: phase numbers count up by one, every phase
   has sections, and list items sit under a section. A break is an error naming the line.

2. Anything else. The parts are the headings one level below the title (or the top level when there
   is no single '# ' title), with or without numbers or emoji ("## 🧩 LLM Fundamentals",
   "### 1. Mathematics for Machine Learning"); they become phases numbered in the file's order.
   Their sub-headings are sections (deeper headings too, flattened in order); bullets with or
   without a bold title are topics, a bullet that starts with a link is a listed resource, and a
   "📚 Resources:" or "References:" line opens a list of the section's resources
   ("[name](url): note"). A part named like tips or platforms stays outside the order, as in (1).
   Durations are optional ("(2-3 months)", "(Months 1-2)", "Duration: 3 weeks").

In both, what is not curriculum is skipped and listed in `Roadmap.skipped` as (line, reason):
images and badges, HTML tags, tables, code blocks, quotes, tables of contents, the introduction
before the first part, meta sections (acknowledgements, licence, contributing, ...), and headings
with nothing under them. Whatever the dialect, these are errors, each naming the line: an unreadable
file (or one that is not UTF-8), a file in which nothing reads as a roadmap, a resource line whose
link is broken or missing, and a heading that says "Phase" without a number ("Phase one: ...").

A resource line under a section's last item serves the whole section when none of the section's
other items has a resource of its own ("Fine-tuning LLMs" closes Advanced Fine-Tuning Techniques;
it is not a DPO resource): such resources are filed under the section, not the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import TutorError

# A link; the url may hold one level of brackets (Wikipedia's "Boosting_(machine_learning)").
LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
IMAGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)|\[\s*<img[^>]*>\s*\]\([^)]*\)|<img[^>]*>", re.I)
BARE_URL = re.compile(r"<?(https?://[^\s<>)\]]+[^\s<>)\].,;:!?'\"])>?")
PHASE = re.compile(r"^Phase\s+(\d+)\s*[:.\-–—]\s*(.+?)\s*(?:\(([^)]*)\))?\s*$", re.I)
BAD_PHASE = re.compile(r"^Phase\s+(?!\d)[\w-]+\s*[:.\-–—]", re.I)  # "Phase one: Words"
BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
TOPIC = re.compile(r"^\*\*(.+?)\*\*\s*[:\-–—]?\s*(.*)$")
RESOURCE = re.compile(r"^Resources?\s*:\s*(.*)$", re.I)
# A line that announces a list of resources: "📚 Resources:", "📚 **References**:", "**Further reading**"
RESOURCE_LABEL = re.compile(r"^(?:(?:learning|recommended|useful|key|suggested|study)\s+)?(?:resources?|references?|"
                            r"further reading|reading list|readings?|links|materials?|sources)\s*:?$", re.I)
NUMBER = r"(\d+(?:\.\d+)?)"
DURATION = re.compile(NUMBER + r"\s*(?:(?:-|–|—|to)\s*" + NUMBER + r"\s*)?(day|week|month|year)s?\b", re.I)
SPAN = re.compile(r"\b(day|week|month|year)s?\s+(\d+)\s*(?:(?:-|–|—|to)\s*(\d+))?\s*(\+)?", re.I)  # "Months 1-2"
OPEN_ENDED = re.compile(r"^(?:ongoing|continuous|continual|self-paced|flexible|lifelong|as needed|varies)$", re.I)
DURATION_LINE = re.compile(r"^(?:duration|time|timeline|estimated time|time commitment|time needed|length)\s*:\s*(.+)$", re.I)
CHECKBOX = re.compile(r"^\[[ xX]\]\s+")
RULE = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
LEADING_SYMBOLS = re.compile(r"^(?:[^\w\s\[\]()*_`\"'<>#!~]\s*)+")  # emoji and arrows before a title
TRAILING_SYMBOLS = re.compile(r"(?:\s*[^\w\s\[\]()*_`\"'<>#!?.~])+$")
NUMBERING = re.compile(r"^(?:(?:part|step|module|chapter|unit|level|stage|section|lesson)\s+[\w.]+\s*[:.\-–—]\s*"
                       r"|\d+(?:\.\d+)*[.):]?\s+|[IVX]+[.)]\s+)", re.I)
# Headings that are no curriculum, skipped with everything under them: anywhere, and as a part.
META = re.compile(
    r"^(?:table of contents|contents|toc|acknowledge?ments?|credits|special thanks|licen[cs]e|licensing|"
    r"contribut(?:e|ing|ion|ions|ors)(?: guidelines?| guide)?|how to contribute|code of conduct|star history|stargazers|citation|"
    r"how to cite(?: this)?(?: repo| repository| work)?|sponsors?|sponsorship|donate|donations|disclaimer|changelog|change log)$", re.I)
META_PART = re.compile(
    r"^(?:index|about|about (?:this|the|me|us)\b.*|introduction|intro|preface|foreword|thanks|cite|contact|"
    r"contact me|support|support (?:me|us|this project|my work)|faq|frequently asked questions|authors?|"
    r"maintainers?|follow me|feedback)$", re.I)
# Parts that stay outside the order of study, like the seed's "Learning Tips".
EXTRA = re.compile(
    r"^(?:(?:learning|study|general|extra|bonus|pro)\s+)?tips\b.*|.*\bplatforms?$|advice|"
    r"(?:(?:more|other|additional|further|extra|bonus|general|useful)\s+)(?:resources|reading|links|materials)\b.*|"
    r"further reading|newsletters?|podcasts?|blogs?|people to follow|(?:join\s+)?communit(?:y|ies)\b.*$", re.I)
PROJECTS = re.compile(r"\b(?:projects?|exercises?|assignments?|practice|capstone|build)\b", re.I)


class RoadmapError(TutorError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line  # the line the message names, when there is one


@dataclass(frozen=True)
class Duration:
    text: str  # as written, e.g. "2-3 months" or "Ongoing"
    low: float | None = None  # in months; None when open-ended
    high: float | None = None

    @classmethod
    def parse(cls, text: str) -> Duration:
        per_month = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}
        m = DURATION.search(text)
        if m:
            unit = per_month[m.group(3).lower()]
            return cls(text.strip(), float(m.group(1)) * unit, float(m.group(2) or m.group(1)) * unit)
        s = SPAN.search(text)
        if s and not s.group(4):  # "Months 1-2" spans two months; "Weeks 17+" has no end
            span = int(s.group(3) or s.group(2)) - int(s.group(2)) + 1
            if span > 0:
                return cls(text.strip(), span * per_month[s.group(1).lower()], span * per_month[s.group(1).lower()])
        return cls(text.strip())

    @staticmethod
    def readable(text: str) -> bool:
        """Whether `text` (a heading's bracket, say) states a duration at all: "(NLP)" does not."""
        text = text.strip()
        return bool(OPEN_ENDED.match(text) or SPAN.fullmatch(text) or DURATION.search(text) and len(text) <= 30)


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
    description: str = ""  # the prose under the heading, before its first item

    @property
    def of_projects(self) -> bool:
        """A section whose every item is a project ("First Implementation Projects")."""
        return bool(self.items) and all(i.kind == "project" for i in self.items)


@dataclass(eq=False)
class Phase:
    id: str
    number: int
    title: str
    duration: Duration | None
    line: int
    sections: list[Section] = field(default_factory=list, repr=False)
    description: str = ""  # the prose under the heading, before its first section

    @property
    def resources(self) -> list[Resource]:
        return [r for s in self.sections for r in s.resources]


Node = Phase | Section | Item


def label(node: Node) -> str:
    """How a node is named to a learner: 'Phase 4: Advanced Generative Models', 'Diffusion Models'."""
    if isinstance(node, Phase):
        return f"Phase {node.number}: {node.title}"
    return node.title


def unique(resources: list[Resource]) -> list[Resource]:
    """Each resource once (the same link can close several sections), in order."""
    return list({r.url: r for r in resources}.values())


def breadcrumb(node: Node | None, sep: str = " › ") -> str:
    parts: list[str] = []
    while node is not None:
        parts.append(label(node))
        node = node.section if isinstance(node, Item) else node.phase if isinstance(node, Section) else None
    return sep.join(reversed(parts))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-") or "x"


# ---------------------------------------------------------------- parsing


def parse(text: str, source: str = "roadmap.md") -> Roadmap:
    """Markdown -> Roadmap; raises RoadmapError naming the line when nothing reads as a roadmap or a
    resource line is broken. What was skipped is in the result's `skipped`."""
    return _Parser(text, source).run()


def load(path: Path) -> Roadmap:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise RoadmapError(f"cannot read the roadmap {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RoadmapError(f"{path}:{line}: not valid UTF-8 (byte {data[e.start]:#04x}); save the roadmap as UTF-8",
                           line) from None
    return parse(text, str(path))


def clean_title(text: str) -> str:
    """A heading or bullet title without markup, emoji or numbering: '🧩 **1. Maths**' -> 'Maths'."""
    text = HTML_TAG.sub("", IMAGE.sub("", text))
    text = LINK.sub(r"\1", text)
    text = re.sub(r"\s+", " ", re.sub(r"(\*\*|__|`)", "", text)).strip()
    text = re.sub(r"^\*(.+)\*$", r"\1", text).strip()
    bare = TRAILING_SYMBOLS.sub("", LEADING_SYMBOLS.sub("", text)).strip()
    numbered = NUMBERING.sub("", bare, count=1).strip()
    return numbered or bare or text


def _plain(text: str) -> str:
    """Link markup -> link text, emphasis and HTML removed; for titles and notes."""
    return re.sub(r"\s+", " ", re.sub(r"(\*\*|__|`)", "", HTML_TAG.sub("", LINK.sub(r"\1", text)))).strip()


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


@dataclass
class _List:
    """An open list of resources: after a "📚 Resources:" line or a "- Resources:" bullet."""
    indent: int  # bullets deeper than this belong to it; -1 for a line that is not a bullet
    item: Item | None  # the item the list serves, or None for the whole section


class _Parser:
    def __init__(self, text: str, source: str):
        self.source = source
        self.lines = text.splitlines()
        self.title = ""
        self.phases: list[Phase] = []
        self.extras: list[Section] = []
        self.part: Phase | Section | None = None  # a Phase, or the heading of a part outside the phases
        self.part_extra = False
        self.section: Section | None = None
        self.item: Item | None = None
        self.list: _List | None = None
        self.promoted: list | None = None  # [label indent, children's indent] for "- **Core Topics:**"
        self.last_resource: Resource | None = None
        self.skipping: int | None = None  # heading level of a skipped part
        self.extra_parts: list[Section] = []  # headings of parts outside the phases
        self.skipped: list[list] = []  # [line, last line, reason]
        self.hints: list[tuple[int, str]] = []  # structural reasons, for the error of an empty roadmap
        self._run_open = False  # the last skipped run may grow (nothing kept since)
        headings = [(n, len(m.group(1)), m.group(2)) for n, m in self._headings()]
        h1 = [h for h in headings if h[1] == 1]
        self.title_line = h1[0][0] if len(h1) == 1 and headings[0] == h1[0] else None
        levels = [lv for n, lv, _ in headings if n != self.title_line]
        self.part_level = 2 if self.title_line else min(levels, default=2)
        self.phased = any(lv == self.part_level and PHASE.match(clean_heading(t)) for _, lv, t in headings)

    def fail(self, lineno: int, why: str):
        raise RoadmapError(f"{self.source}:{lineno}: {why}", lineno)

    def _headings(self):
        fence = None
        for n, raw in enumerate(self.lines, 1):
            stripped = raw.strip()
            if fence is None and re.match(r"^(```|~~~)", stripped):
                fence = stripped[:3]
            elif fence is not None and stripped.startswith(fence):
                fence = None
            elif fence is None and not raw.startswith(("    ", "\t")) and (m := HEADING.match(stripped)):
                yield n, m

    def skip(self, lineno: int, reason: str, hint: bool = False) -> None:
        if hint:
            self.hints.append((lineno, reason))
        last = self.skipped[-1] if self.skipped else None
        if last and self._run_open and last[2] == reason:
            last[1] = lineno
        else:
            self.skipped.append([lineno, lineno, reason])
        self._run_open = True

    def kept(self) -> None:
        self._run_open = False

    # ---------------------------------------------------------------- the pass
    def run(self) -> Roadmap:
        fence: tuple[str, int] | None = None
        comment = False
        script: str | None = None  # inside <script> or <style>: no Markdown at all
        for lineno, raw in enumerate(self.lines, 1):
            line = raw.rstrip()
            stripped = line.strip()
            if fence is not None:
                if stripped.startswith(fence[0]):
                    fence = None
                continue
            if comment:
                comment = "-->" not in stripped
                continue
            if script is not None:
                script = None if f"</{script}" in stripped.lower() else script
                continue
            if not stripped:
                continue
            if stripped.startswith(("```", "~~~")):
                fence = (stripped[:3], lineno)
                if self.skipping is None:
                    self.skip(lineno, "a code block")
                continue
            if stripped.startswith("<!--"):
                comment = "-->" not in stripped
                continue
            if (tag := re.match(r"<(script|style)\b", stripped, re.I)) and f"</{tag.group(1).lower()}" not in stripped.lower():
                script = tag.group(1).lower()
            m = HEADING.match(stripped) if not line.startswith(("    ", "\t")) else None
            if m:
                self.heading(lineno, len(m.group(1)), m.group(2))
                continue
            if self.skipping is not None:
                continue
            self.body(lineno, line, stripped)
        return self.finish()

    # ---------------------------------------------------------------- headings
    def heading(self, lineno: int, level: int, text: str) -> None:
        self.item, self.list, self.promoted, self.last_resource = None, None, None, None
        if self.skipping is not None and level > self.skipping:
            return
        self.skipping = None
        title = clean_heading(text)
        if lineno == self.title_line:
            self.title = title
            self.kept()
            return
        if BAD_PHASE.match(title):
            self.fail(lineno, f"phase heading should look like '## Phase 2: Title (2-3 months)', got {text.strip()!r}")
        if META.match(_words(title)) or level <= self.part_level and META_PART.match(_words(title)):
            self.skip(lineno, f"{_short(title)!r}: not part of the curriculum")
            self.skipping = level
            return
        self.kept()
        if level <= self.part_level:
            self.new_part(lineno, level, title)
        elif self.part is None:
            what = "'" + "#" * level + " '"
            parent = "'" + "#" * self.part_level + " Phase N: ...'" if self.phased else "'" + "#" * self.part_level + " ' part"
            if self.phased:
                self.fail(lineno, f"a {what} section must come after a {parent} heading")
            self.skip(lineno, f"a {what} section must come after a {parent} heading", hint=True)
            self.skipping = level
        elif level > self.part_level + 1 and RESOURCE_LABEL.match(_words(title)) and self.section is not None:
            self.list = _List(-1, None)  # "#### Resources" lists the section's resources
        else:
            self.new_section(lineno, clean_title(text) if not self.phased else title)

    def new_part(self, lineno: int, level: int, title: str) -> None:
        self.section = None
        m = PHASE.match(title)
        if m:
            number = int(m.group(1))
            if self.phases and number != self.phases[-1].number + 1:
                self.fail(lineno, f"phase {number} follows phase {self.phases[-1].number}; phases must count up by one")
            name, duration = m.group(2).strip(), m.group(3)
            if duration is not None and not Duration.readable(duration):
                name, duration = f"{name} ({duration})", None
            self.part = Phase(f"phase-{number}", number, name, Duration.parse(duration) if duration else None, lineno)
            self.phases.append(self.part)
            self.part_extra = False
            return
        if self.phased or EXTRA.match(_words(title)):
            self.part = Section(slugify(title), title, lineno, None)
            self.part_extra = True
            self.extra_parts.append(self.part)
            return
        name, duration = split_duration(clean_title(title))
        self.part = Phase("", 0, name, duration, lineno)  # numbered once empty parts are dropped
        self.phases.append(self.part)
        self.part_extra = False

    def new_section(self, lineno: int, title: str) -> Section:
        self.item, self.list, self.promoted = None, None, None
        if self.part_extra:
            section = Section(slugify(title), title, lineno, None)
            self.extras.append(section)
        else:
            section = Section("", title, lineno, self.part)
            self.part.sections.append(section)
        self.section = section
        return section

    def implicit_section(self, lineno: int) -> Section:
        """Bullets right under a part heading: a section named after the part."""
        part = self.part
        if self.part_extra:
            section = Section(part.id, part.title, part.line, None)
            self.extras.append(section)
        else:
            section = Section("", part.title, part.line, part)
            part.sections.append(section)
        self.section = section
        return section

    # ---------------------------------------------------------------- everything else
    def body(self, lineno: int, line: str, stripped: str) -> None:
        if RULE.match(stripped):
            return
        if stripped.startswith("|") or re.match(r"^:?-{3,}:?\s*\|", stripped):
            return self.skip(lineno, "a table")
        if stripped.startswith(">"):
            return self.skip(lineno, "a quote or note")
        if re.match(r"^\[[^\]]+\]:\s*\S+", stripped):
            return self.skip(lineno, "a link definition")
        if HTML_TAG.match(stripped):
            return self.skip(lineno, "HTML")
        without_images = IMAGE.sub("", HTML_TAG.sub("", stripped))
        if not re.sub(r"[\s\-*+|.,:;•·]+", "", without_images):
            kind = "a badge" if re.search(r"shields\.io|badge|badgen\.net", stripped, re.I) else "an image"
            return self.skip(lineno, kind)
        links = LINK.findall(without_images)
        if links and all(url.startswith("#") for _, url in links) and not re.sub(
                r"[\s\-*+|.,:;^`]+", "", BULLET.sub(r"\2", LINK.sub("", without_images))):
            return self.skip(lineno, "links within the page (contents, back to top)")
        if self.part is None:
            bullet = BULLET.match(line)
            if self.phased and bullet:
                self.fail(lineno, "a list item before any section heading")
            reason = "a list before the first part heading" if bullet else "the introduction before the first part"
            return self.skip(lineno, reason, hint=bool(bullet))
        self.kept()
        words = _words(clean_title(stripped))
        m = BULLET.match(line)
        if m is None:
            return self.prose(lineno, stripped, words)
        indent = len(m.group(1).expandtabs(4))
        body = CHECKBOX.sub("", IMAGE.sub("", m.group(2)).strip()).strip()
        if not body:
            return
        self.bullet(lineno, indent, body)

    def prose(self, lineno: int, text: str, words: str) -> None:
        if RESOURCE_LABEL.match(words):
            if self.section is None:
                self.implicit_section(lineno)
            self.list = _List(-1, None)
            return
        d = DURATION_LINE.match(LEADING_SYMBOLS.sub("", _plain(text)))
        if d and isinstance(self.part, Phase) and self.section is None and self.part.duration is None \
                and Duration.readable(d.group(1)):
            self.part.duration = Duration.parse(d.group(1))
            return
        if self.list is not None and self.last_resource is not None:
            self.last_resource.note = f"{self.last_resource.note} {_plain(text)}".strip()
        elif self.item is not None:
            self.item.description = f"{self.item.description} {text}".strip()
        elif self.section is not None:
            self.section.description = f"{self.section.description} {_plain(text)}".strip()
        elif isinstance(self.part, Phase):
            self.part.description = f"{self.part.description} {_plain(text)}".strip()

    def bullet(self, lineno: int, indent: int, body: str) -> None:
        if self.section is None:
            if self.phased and not self.part_extra:
                self.fail(lineno, "a list item before any section heading")
            self.implicit_section(lineno)
        section = self.section
        if self.list is not None and self.list.indent >= 0 and indent <= self.list.indent:
            self.list = None
        if self.promoted is not None:
            if indent <= self.promoted[0]:
                self.promoted = None
            else:
                if self.promoted[1] is None:
                    self.promoted[1] = indent
                indent = max(0, indent - self.promoted[1])
        head = LEADING_SYMBOLS.sub("", body)
        r = RESOURCE.match(re.sub(r"^(\*\*|__)(.+?)\1", r"\2", head))
        if r and not r.group(1).strip().strip("*_"):  # "- Resources:" opens a list
            self.list = _List(indent, self.item if indent > 0 else None)
            return
        if r:  # "- Resource: [Name](url) by Someone"
            links = self.links(lineno, r.group(1), strict=True)
            if not links:
                self.fail(lineno, "a 'Resource:' line without a [name](url) link")
            note = LINK.sub("", r.group(1)).strip()
            owner = self.item if indent > 0 else None
            for name, url in links:
                self.add_resource(name, url, note, lineno, owner)
            return
        if self.list is not None:
            return self.listed_resource(lineno, body)
        if indent > 0 and self.item is not None:
            links = [(n, u) for n, u in self.links(lineno, body) if _web(u)]
            if links:  # a nested link serves the item above
                lead = LINK.match(head)
                chosen = links[:1] if lead else links
                note = _plain(head[lead.end():].lstrip(":-–— ")) if lead else _plain(head)
                for name, url in chosen:
                    self.add_resource(name, url, note, lineno, self.item)
            else:
                self.item.description = f"{self.item.description} {body}".strip()
            return
        if re.fullmatch(r"(\*\*|__)?[^\[\]*_:]{1,60}:?(\*\*|__)?:?", head) and head.rstrip("*_ ").endswith(":"):
            self.promoted, self.item = [indent, None], None  # "- **Core Topics:**": its children are the topics
            self.skip(lineno, f"a label ({_plain(head).rstrip(':')}): the items under it are read as topics")
            return
        self.item = self.new_item(lineno, body)
        section.items.append(self.item)

    def listed_resource(self, lineno: int, body: str) -> None:
        head = LEADING_SYMBOLS.sub("", re.sub(r"^(\*\*|__)(\[[^\]]+\]\([^)]+\))\1", r"\2", body))
        links = self.links(lineno, head, strict=True)
        web = [(n, u) for n, u in links if _web(u)]
        if not web:
            reason = "a resource without a web link" if not links else "a resource whose link is not a web address"
            return self.skip(lineno, reason)
        lead = LINK.match(head)
        if lead:
            note = _plain(head[lead.end():].lstrip(":-–— "))
            web = web[:1]
        else:
            note = _plain(LINK.sub("", head)).strip(" :-–—")
        for name, url in web:
            self.add_resource(name, url, note, lineno, self.list.item)

    def new_item(self, lineno: int, body: str) -> Item:
        section = self.section
        head = LEADING_SYMBOLS.sub("", body)
        bold = re.match(r"^(\*\*|__)\[([^\]]+)\]\(([^)\s]+)\)\1\s*[:\-–—]?\s*(.*)$", head)
        if bold:  # "**[DPO](url)**: text" is a topic named by its link
            kind = "topic" if section.phase is not None else "tip"
            item = Item("", kind, _plain(bold.group(2)), bold.group(4).strip(), lineno, section)
            for name, url in [(bold.group(2), bold.group(3))] + self.links(lineno, bold.group(4)):
                if _web(url):
                    self.add_resource(name, url, LINK.sub(r"\1", item.description), lineno, item)
            return item
        if re.match(r"^\[[^\]]*\]\(", head):  # it starts like a listed resource: its link must be whole
            self.links(lineno, head, strict=True)
        listing = LINK.match(head)
        if listing:  # "1. [Coursera](url): text"
            title = _plain(listing.group(1))
            desc = head[listing.end():].lstrip(":-–— ").strip()
            item = Item("", "listing", title, desc, lineno, section)
            if _web(listing.group(2)):
                self.add_resource(listing.group(1).strip(), listing.group(2), LINK.sub(r"\1", desc), lineno, item)
            return item
        if m := TOPIC.match(head):
            title, desc = _plain(m.group(1)).rstrip(":").strip(), m.group(2).strip()
            kind = "topic" if section.phase is not None else "tip"
        else:
            kind = "tip" if section.phase is None else "project" if PROJECTS.search(section.title) else "topic"
            title, desc = _split_plain(head)
        item = Item("", kind, title, desc, lineno, section)
        for name, url in self.links(lineno, head):
            if _web(url):
                self.add_resource(name, url, LINK.sub(r"\1", item.description), lineno, item)
        return item

    def links(self, lineno: int, text: str, strict: bool = False) -> list[tuple[str, str]]:
        """The [name](url) links of a line; with `strict` (a resource line), a broken one is an error.
        Bare addresses count too when there is no markdown link."""
        text = IMAGE.sub("", text)
        found = [(_plain(n), u) for n, u in LINK.findall(text)]
        if strict and (text.count("[") != text.count("]") or text.count("](") != len(found)):
            self.fail(lineno, f"broken link (expected [name](url)): {text.strip()!r}")
        if not found:
            for m in BARE_URL.finditer(text):
                before = _plain(text[: m.start()]).strip(" :-–—\"'")
                found.append((before if 0 < len(before) <= 80 else re.sub(r"^https?://(www\.)?", "", m.group(1)).split("/")[0],
                              m.group(1)))
        return found

    def add_resource(self, name: str, url: str, note: str, lineno: int, item: Item | None) -> None:
        res = Resource(_plain(name), url, note, lineno, item, self.section)
        self.section.resources.append(res)
        if item is not None:
            item.resources.append(res)
        self.last_resource = res

    # ---------------------------------------------------------------- the end
    def finish(self) -> Roadmap:
        for section in [s for p in self.phases for s in p.sections] + self.extras:
            _lift_closing_resources(section)
        phases: list[Phase] = []
        for phase in self.phases:
            kept = [s for s in phase.sections if s.items or s.resources]
            if self.phased and not kept:
                what = "sections" if not phase.sections else "sections with topics or resources"
                raise RoadmapError(f"{self.source}:{phase.line}: phase {phase.number} has no '### ' {what}", phase.line)
            for s in phase.sections:
                if s not in kept:
                    self.skip_late(s.line, f"{_short(s.title)!r}: no topics or resources under it")
            phase.sections = kept
            if kept:
                phases.append(phase)
            elif not self.phased:
                self.skip_late(phase.line, f"{_short(phase.title)!r}: no topics or resources under it")
        for part in self.extra_parts:
            if not any(s.line >= part.line and (s.items or s.resources) for s in self.extras
                       if s is part or s.line == part.line or _under(s, part, self.extra_parts)):
                self.skip_late(part.line, f"{_short(part.title)!r}: no topics or resources under it")
        extras = []
        for s in self.extras:
            if s.items or s.resources:
                extras.append(s)
            else:
                self.skip_late(s.line, f"{_short(s.title)!r}: no topics or resources under it")
        if not phases:
            raise self.empty()
        if not self.phased:
            for n, phase in enumerate(phases, 1):
                phase.number, phase.id = n, f"phase-{n}"
        _assign_ids(phases, extras)
        skipped = sorted((a, f"{reason} (lines {a}-{b})" if b > a else reason) for a, b, reason in self.skipped)
        return Roadmap(self.title or "Roadmap", phases, extras, skipped)

    def skip_late(self, lineno: int, reason: str) -> None:
        self.skipped.append([lineno, lineno, reason])

    def empty(self) -> RoadmapError:
        if self.hints:
            line, reason = self.hints[0]
            return RoadmapError(f"{self.source}:{line}: {reason}; nothing else in the file reads as a roadmap", line)
        line = next((n for n, _ in self._headings() if n != self.title_line), 1)
        return RoadmapError(
            f"{self.source}:{line}: no '## Phase N: Title' heading, and no heading with topics or resources under it; "
            "is this a roadmap? A roadmap has parts ('## '), sections ('### ') and topics ('- **Topic**: ...')", line)


def clean_heading(text: str) -> str:
    """A heading as written, without HTML anchors, links, emphasis or leading emoji."""
    text = HTML_TAG.sub("", IMAGE.sub("", text))
    text = re.sub(r"\s+", " ", re.sub(r"(\*\*|__|`)", "", LINK.sub(r"\1", text))).strip()
    return LEADING_SYMBOLS.sub("", text).strip() or text


def split_duration(title: str) -> tuple[str, Duration | None]:
    """'Foundations (2-3 months)' -> ('Foundations', 2-3 months); '(NLP)' stays in the title."""
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", title)
    if m and m.group(1) and Duration.readable(m.group(2)):
        return m.group(1).strip(), Duration.parse(m.group(2))
    m = re.match(r"^(.*?)\s+[-–—|:]\s*([^-–—|:]+)$", title)
    if m and Duration.readable(m.group(2)):
        return m.group(1).strip(), Duration.parse(m.group(2))
    m = SPAN.match(title)
    if m and not m.group(4):  # "Month 1: Foundations" is one month long
        return title, Duration.parse(m.group(0))
    return title, None


def _under(section: Section, part: Section, parts: list[Section]) -> bool:
    """Whether an extra section sits under `part`: after its heading and before the next part's."""
    later = [p.line for p in parts if p.line > part.line]
    return part.line < section.line < min(later, default=10**9)


def _short(title: str, n: int = 60) -> str:
    return title if len(title) <= n else title[: n - 1].rstrip() + "…"


def _words(text: str) -> str:
    """Lower-case words only, for matching names of meta and extra parts."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s:&'-]+", " ", _plain(text))).strip().lower()


def _split_plain(text: str) -> tuple[str, str]:
    """A plain bullet -> (title, description): 'Linear algebra: vectors, SVD' or 'First sentence. More.'"""
    plain = _plain(BARE_URL.sub("", text)).strip(" :-–—") or _plain(text)
    m = re.match(r"^([^:.!?]{2,60}?)(?:\s*:|\s+[–—-])\s+(.+)$", plain)
    if m and len(m.group(1).split()) <= 8:
        return m.group(1).strip(), m.group(2).strip()
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", plain, maxsplit=1)
    if len(parts) == 2:
        return parts[0].rstrip(".").strip(), parts[1].strip()
    return plain.rstrip(".").strip() if plain.endswith(".") and plain.count(".") == 1 else plain.strip(), ""


def _assign_ids(phases: list[Phase], extras: list[Section]) -> None:
    """Ids from titles, unique: a second 'Resources' section becomes 'resources-2'."""
    seen: set[str] = set()

    def unique(base: str) -> str:
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name)
        return name

    for phase in phases:
        phase.id = unique(phase.id or f"phase-{phase.number}")
    for section in [s for p in phases for s in p.sections] + extras:
        base = f"{section.phase.id}/{slugify(section.title)}" if section.phase else slugify(section.title)
        section.id = unique(base)
        for item in section.items:
            item.id = unique(f"{section.id}/{slugify(item.title)}")


def _lift_closing_resources(section: Section) -> None:
    """File a closing resource line under its section when it is the section's only one."""
    if len(section.items) < 2:
        return
    last, others = section.items[-1], section.items[:-1]
    if last.kind == "listing" or not last.resources or any(i.resources for i in others):
        return
    if any(r.line == last.line for r in last.resources):  # a link in the item's own text is its own
        return
    for res in last.resources:
        res.item = None
    last.resources = []


# ---------------------------------------------------------------- the graph


class Roadmap:
    def __init__(self, title: str, phases: list[Phase], extras: list[Section],
                 skipped: list[tuple[int, str]] | None = None):
        self.title = title
        self.skipped = skipped or []  # (line, reason) for what the parser left out: images, tables, ...
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


    # ---- summaries
    def counts(self) -> dict[str, int]:
        """What the parser found: parts in the order of study, parts outside it (tips, platform
        lists), sections, topics (every item but a bare listed link) and distinct resource links."""
        return {"parts": len(self.phases), "other parts": len(self.extras), "sections": len(self.sections),
                "topics": sum(i.kind != "listing" for i in self.items), "resources": len(self.urls())}


def example_questions(roadmap: Roadmap, find) -> list[str]:
    """Three questions built from the roadmap's own names, each one whose name `find` (a lookup:
    words -> node or None) resolves back to the node it was built from: what comes after a
    section, what to know before a later step, and a resource (else the part) for a topic."""
    def named(node) -> bool:
        return find(node.title) is node

    order = [n for s in roadmap.sections for n in (s, *s.items)]
    questions: list[str] = []
    after = next((n for n in order if roadmap.after(n) and named(n)), None)
    if after is not None:
        questions.append(f"What comes after {after.title}?")
    later = order[len(order) // 2:] + order[: len(order) // 2]
    before = next((n for n in later if n is not after and roadmap.before(n) and named(n)), None)
    if before is not None:
        questions.append(f"What do I need before {before.title}?")
    taken = {after, before}
    topics = [i for i in roadmap.items if i not in taken and i.kind != "listing" and i.section.phase]
    topic = next((i for i in topics if i.resources and named(i)), None) or \
        next((i for i in topics if roadmap.resources_for(i) and named(i)), None)
    if topic is not None:
        questions.append(f"A good resource for {topic.title}?")
    else:
        topic = next((n for n in order if n not in taken and named(n)), None)
        if topic is not None:
            questions.append(f"Which phase covers {topic.title}?")
    if len(questions) < 3:
        questions.append("Where do I start?")
    return [re.sub(r"[!?.:]+\?$", "?", q) for q in questions[:3]]
