"""Roadmap + resource cards -> chunks, one per unit of structure (never cut by character count).

Chunks, each carrying the breadcrumb of where it sits in the roadmap:
- the roadmap overview (every phase with its duration),
- one per phase (its sections and duration),
- one per section (its topics and resources),
- one per item: topic, project, tip or listed platform (with its description and resources, and
  the topic's note from topics/ when there is one: what the topic is, in sentences that stand alone),
- one per linked resource: its card's prose when resources/ has a card for it, else the roadmap's
  own words about it (the note on its line, "[name](url): note", or the description of its item).
The breadcrumb and title are part of the embedded text, so "GANs" finds Phase 3 chunks even when
the prose says "adversarial networks".

Cards are optional: a corpus can be a roadmap.md alone (`tutor init` makes one). Each resource then
gets a card made from the roadmap's text (`Card.from_roadmap`), so answers, sources and search
describe it in the roadmap's words; a card in resources/ always wins over it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from .config import TutorError
from .roadmap import Item, Phase, Resource, Roadmap, Section, breadcrumb, label, load, slugify
from .text import normalize_url, split_sentences

# Bump when the chunk text changes shape, or how it is embedded, so built indexes count as stale
# (2: section-level resources, 3: topic notes, 4: the bundled embedder reads 128 tokens of a chunk).
CHUNKER_VERSION = 4
LONG = 30  # words: an item description longer than this stays out of its section's chunk
CARD_FIELDS = ("title", "url", "kind", "provider", "cost", "level", "topics", "checked")


@dataclass(frozen=True)
class Card:
    slug: str
    title: str
    url: str
    kind: str
    provider: str
    cost: str
    level: str
    topics: str
    checked: str  # the date its facts were last checked against the resource, YYYY-MM-DD
    body: str
    path: str
    from_roadmap: bool = False  # made from the roadmap's own text: no file in resources/

    def summary(self) -> str:
        """The first sentence, written to stand alone; pysbd keeps "Dr." and "A. Aldo" inside it."""
        sentences = split_sentences(self.body)
        return sentences[0] if sentences else ""

    def maker(self) -> str:
        """Who offers it, in a few words, when its title does not say so already: "Khan Academy" for
        "Statistics and Probability"; "" for a paper's list of authors or a name the title holds."""
        if self.from_roadmap or not self.provider:
            return ""
        first = re.match(r"[^;(,]+", self.provider)
        short = first.group(0).strip() if first else ""
        rest = self.provider[first.end():] if first else ""
        if not short or len(short) > 30 or short.lower().startswith("originally") or re.match(r",\s*[A-Z]", rest):
            return ""  # "Ashish Vaswani, Noam Shazeer, ...": authors, not a maker to name in a link
        title = {w.lower() for w in re.findall(r"\w+", self.title)}
        return "" if any(w.lower() in title for w in re.findall(r"\w+", short) if len(w) > 3) else short

    def field_line(self, aspect: str) -> str:
        """Its cost or maker as a line, for a question that asks it; "" when the card has none."""
        if self.from_roadmap:
            return ""
        if aspect == "cost" and self.cost:
            return f"Cost of {self.title}: {self.cost}."
        if aspect == "who" and self.provider:
            return f"{self.title} is by {self.provider}."
        return ""


@dataclass(frozen=True)
class Chunk:
    id: str
    kind: str  # overview | phase | section | topic | project | tip | listing | resource
    title: str
    breadcrumb: str
    text: str  # what gets embedded and shown to the model
    url: str = ""  # for resource chunks
    phase: int = 0  # 0 = not inside a phase
    resource_kind: str = ""  # course, paper, ... for resource chunks

    def to_dict(self) -> dict:
        return asdict(self)


def _front_matter(text: str, path: str, what: str, required: tuple[str, ...] = ()) -> tuple[dict[str, str], str]:
    """The '---' header of a card or topic note as {key: value}, and the text under it."""
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S)
    if not m:
        raise TutorError(f"{path}: a {what} must start with a '---' header block and end it with '---'")
    meta: dict[str, str] = {}
    for lineno, line in enumerate(m.group(1).splitlines(), 2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise TutorError(f"{path}:{lineno}: header lines look like 'key: value', got {line!r}")
        meta[key.strip().lower()] = value.strip().strip('"').strip("'")
    missing = [f for f in required if not meta.get(f)]
    if missing:
        raise TutorError(f"{path}: {what} header lacks {', '.join(missing)}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.get("checked", "")):
        raise TutorError(f"{path}: 'checked' must be a date like 2026-11-26, got {meta.get('checked', '')!r}")
    body = m.group(2).strip()
    if not body:
        raise TutorError(f"{path}: {what} has no text under its header")
    return meta, body


def parse_card(text: str, path: str) -> Card:
    meta, body = _front_matter(text, path, "card", CARD_FIELDS)
    return Card(Path(path).stem, *(meta[f] for f in CARD_FIELDS), body=body, path=str(path))


def _read(p: Path, what: str) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TutorError(f"{p}: not valid UTF-8 (byte {e.object[e.start]:#04x} at offset {e.start}); "
                         f"save the {what} as UTF-8") from None
    except OSError as e:
        raise TutorError(f"cannot read the {what} {p}: {e.strerror}") from None


def load_cards(folder: Path) -> list[Card]:
    return [parse_card(_read(p, "card"), str(p)) for p in sorted(Path(folder).glob("*.md"))]


@dataclass(frozen=True)
class Note:
    """What a roadmap topic is, in sentences that each stand alone: topics/<slug>.md."""
    topic: str  # the topic's title as the roadmap writes it
    checked: str
    body: str
    path: str


def parse_note(text: str, path: str) -> Note:
    meta, body = _front_matter(text, path, "topic note")
    if not meta.get("topic"):
        raise TutorError(f"{path}: the header needs 'topic: <the topic's title as the roadmap writes it>'")
    return Note(meta["topic"], meta["checked"], body, str(path))


def load_notes(folder: Path, roadmap: Roadmap) -> dict[str, Note]:
    """{item id: note}; a note for a topic the roadmap does not have is an error naming the file."""
    by_title = {i.title.lower(): i for i in roadmap.items}
    notes: dict[str, Note] = {}
    for p in sorted(Path(folder).glob("*.md")):
        note = parse_note(_read(p, "topic note"), str(p))
        item = by_title.get(note.topic.lower())
        if item is None:
            raise TutorError(f"{p}: topic {note.topic!r} is not a topic of the roadmap; use its title as written there")
        if item.id in notes:
            raise TutorError(f"{p}: {note.topic!r} already has a note, {notes[item.id].path}")
        notes[item.id] = note
    return notes


class Corpus:
    """The roadmap graph and the cards, loaded from a corpus folder."""

    def __init__(self, roadmap: Roadmap, cards: list[Card], folder: Path, notes: dict[str, Note] | None = None):
        self.folder = Path(folder)
        self.roadmap = roadmap
        self.cards = cards  # the files in resources/
        self.notes = notes or {}  # item id -> its note in topics/
        self.by_url = {_key(c.url): c for c in cards}
        taken = {c.slug for c in cards}
        for res in roadmap.resources:  # the roadmap's words for each resource without a card
            if _key(res.url) not in self.by_url:
                card = roadmap_card(res, taken)
                self.by_url[_key(res.url)] = card
                taken.add(card.slug)

    @classmethod
    def load(cls, folder: Path) -> Corpus:
        folder = Path(folder)
        if not (folder / "roadmap.md").exists():
            raise TutorError(f"no roadmap.md in {folder}; point --corpus at a folder holding roadmap.md "
                             "(and, optionally, resources/ with a card per linked resource), or make one with "
                             "`tutor init ROADMAP.md`")
        roadmap, cards = load(folder / "roadmap.md"), load_cards(folder / "resources")
        # Every card is placed where the roadmap links it: a card the roadmap does not link has
        # no place, and each question that names it would fail later, far from the cause.
        linked = {_key(r.url) for r in roadmap.resources}
        for card in cards:
            if _key(card.url) not in linked:
                raise TutorError(f"{card.path}: url {card.url} is not linked from {folder / 'roadmap.md'}; "
                                 "link it there or remove the card")
        return cls(roadmap, cards, folder, load_notes(folder / "topics", roadmap))

    def card(self, url: str) -> Card | None:
        """The card of a linked resource: its file in resources/, else one made from the roadmap's
        text; None when neither says anything about it."""
        card = self.by_url.get(_key(url))
        return card if card is not None and card.body else None

    def chunks(self) -> list[Chunk]:
        rm = self.roadmap
        out = [_overview(rm)]
        for phase in rm.phases:
            out.append(_phase_chunk(phase))
            for section in phase.sections:
                out.append(_section_chunk(section))
                out.extend(_item_chunk(item, self.notes.get(item.id)) for item in section.items)
        for section in rm.extras:
            out.append(_section_chunk(section))
            out.extend(_item_chunk(item, self.notes.get(item.id)) for item in section.items)
        placed = set()
        for res in rm.resources:
            card = self.by_url.get(_key(res.url))
            if card is None or _key(card.url) in placed:
                continue
            placed.add(_key(card.url))
            where = res.item or res.section
            crumb = breadcrumb(where)
            if where.title != res.title:  # a listed platform is its own item: no "Kaggle › Kaggle"
                crumb = f"{crumb} › {card.title}"
            if card.from_roadmap:  # no cost or level: the roadmap does not say
                text = f"{crumb}\n{card.title} ({card.kind}, {card.provider})." + (f"\n{card.body}" if card.body else "")
            else:
                text = (
                    f"{crumb}\n{card.title} ({card.kind}, {card.provider}; {card.cost}; {card.level}).\n"
                    f"{card.body}"
                )
            phase = res.section.phase.number if res.section.phase else 0
            out.append(Chunk(f"resource/{card.slug}", "resource", card.title, crumb, text,
                             card.url, phase, card.kind))
        return out

    def fingerprint(self) -> str:
        return corpus_fingerprint(self.folder)


def corpus_fingerprint(folder: Path) -> str:
    """The same hash as Corpus.fingerprint, straight from the files (no parsing): cheap enough
    for the freshness check that runs on every start."""
    folder = Path(folder)
    h = hashlib.sha256()
    for p in [*sorted((folder / "resources").glob("*.md")), *sorted((folder / "topics").glob("*.md"))]:
        h.update(f"{p.parent.name}/{p.name}".encode() + b"\0" + p.read_bytes() + b"\0")
    h.update((folder / "roadmap.md").read_bytes())
    return h.hexdigest()


def _key(url: str) -> str:
    return normalize_url(url)


# Where a link points says what it is, roughly; anything else is a "link".
KIND_BY_HOST = {"arxiv.org": "paper", "openreview.net": "paper", "aclanthology.org": "paper", "papers.nips.cc": "paper",
                "proceedings.neurips.cc": "paper", "youtube.com": "video", "youtu.be": "video", "vimeo.com": "video",
                "coursera.org": "course", "edx.org": "course", "udacity.com": "course", "udemy.com": "course",
                "khanacademy.org": "course", "github.com": "code", "gitlab.com": "code"}


def roadmap_card(res: Resource, taken: set[str] = frozenset()) -> Card:
    """A card for a resource that has none, from the roadmap's own words: the note on its line
    ("[name](url): note"), else the description of the item it serves."""
    body = re.sub(r"^[\s:\-–—]+", "", res.note).strip()
    if not body and res.item is not None and res.item.title != res.title:
        body = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", res.item.description).strip()
    host = urlparse(res.url).netloc.lower().removeprefix("www.")
    kind = next((k for h, k in KIND_BY_HOST.items() if host == h or host.endswith("." + h)), "link")
    if kind == "link" and urlparse(res.url).path.lower().endswith(".pdf"):
        kind = "paper"
    base = slug = slugify(res.title)
    n = 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return Card(slug, res.title, res.url, kind, host, "", "", "", "", body, f"roadmap.md:{res.line}", from_roadmap=True)


def _resource_line(resources) -> str:
    return "; ".join(f"{r.title}" for r in resources)


def _overview(rm: Roadmap) -> Chunk:
    low, high, open_ended = rm.total_duration()
    if len(open_ended) == len(rm.phases):  # no durations at all: say nothing about months
        lines = [f"{rm.title}: {len(rm.phases)} phases; the roadmap gives no durations."]
    else:
        lines = [f"{rm.title}: {len(rm.phases)} phases, about {low:g}-{high:g} months in all"
                 + (" plus ongoing study" if open_ended else "") + "."]
    lines += [f"{label(p)} ({p.duration.text if p.duration else 'no duration given'})" for p in rm.phases]
    return Chunk("overview", "overview", rm.title, rm.title, "\n".join(lines))


def _phase_chunk(phase: Phase) -> Chunk:
    duration = phase.duration.text if phase.duration else "no duration given"
    text = (f"{label(phase)}. Duration: {duration}.\nSections: "
            + "; ".join(s.title for s in phase.sections) + ".")
    if phase.description:  # the prose under the heading, when the roadmap has some
        text += f"\n{phase.description}"
    return Chunk(phase.id, "phase", label(phase), label(phase), text, phase=phase.number)


def _section_chunk(section: Section) -> Chunk:
    crumb = breadcrumb(section)
    lines = [crumb] + ([section.description] if section.description else [])
    # A long description lives in its item's own chunk; here it would crowd out the section's outline.
    lines += [f"- {i.title}" + (f": {i.description}" if i.description and len(i.description.split()) <= LONG else "")
              for i in section.items]
    if section.resources:
        lines.append(f"Resources: {_resource_line(section.resources)}.")
    phase = section.phase.number if section.phase else 0
    return Chunk(section.id, "section", section.title, crumb, "\n".join(lines), phase=phase)


def _item_chunk(item: Item, note: Note | None = None) -> Chunk:
    crumb = breadcrumb(item)
    text = crumb + (f"\n{item.title}: {item.description}" if item.description else "")
    if item.resources:
        text += f"\nResources: {_resource_line(item.resources)}."
    if note is not None:
        text += f"\n{note.body}"
    phase = item.phase.number if item.phase else 0
    url = item.resources[0].url if item.kind == "listing" and item.resources else ""
    return Chunk(item.id, item.kind, item.title, crumb, text, url, phase)
