"""A learner's progress: the set of roadmap node ids they have ticked, and what follows from it.

A tick on a phase or section counts every item inside it, so "I did all of Phase 1" is one id.
Items are the steps of study inside the phases, topics and projects alike (the page has a tick
box for each); tips and platform lists outside the phases are never counted. Months left are read
from the phases' durations: a phase counts the share of its steps that is not ticked, so half of a
2-3 month phase leaves 1-1.5 months. A phase without a bounded duration ("Ongoing") adds no months;
it is named instead.

Progress moves between the page and the CLI as a small JSON file (see `export`):
    {"format": "tutor-progress", "version": 1, "roadmap": "<title>", "done": ["phase-1", ...]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .config import TutorError
from .roadmap import Item, Phase, Roadmap, label

FORMAT = "tutor-progress"
VERSION = 1  # bump when the file's shape changes; read_progress refuses other versions


@dataclass(frozen=True)
class PhaseTicks:
    phase: Phase
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done == self.total

    def to_dict(self) -> dict:
        return {"phase": self.phase.number, "title": self.phase.title, "done": self.done, "total": self.total}


class Progress:
    """Ticked ids on one roadmap. Ids the roadmap does not know are kept apart in `unknown`."""

    def __init__(self, roadmap: Roadmap, ticked=()):
        self.roadmap = roadmap
        known = {n.id for n in roadmap.nodes}
        ticked = list(dict.fromkeys(ticked))  # keep the order given, once each
        self.ticked = frozenset(t for t in ticked if t in known)
        self.unknown = [t for t in ticked if t not in known]

    # ---- steps
    def steps(self) -> list[Item]:
        """Every item inside a phase, in the order of study."""
        return [i for s in self.roadmap.sections for i in s.items]

    def is_done(self, item: Item) -> bool:
        return bool({item.id, item.section.id, item.phase.id} & self.ticked)

    def done_steps(self) -> list[Item]:
        return [i for i in self.steps() if self.is_done(i)]

    def next_step(self) -> Item | None:
        """The first step of study that is not ticked; None when all are."""
        return next((i for i in self.steps() if not self.is_done(i)), None)

    def marked(self, item: Item, done: bool = True) -> Progress:
        """The same progress with one step ticked or unticked. The ticks become steps: a ticked
        phase or section turns into its items, so unticking one step of it keeps the others."""
        ids = {i.id for i in self.done_steps()}
        ids = ids | {item.id} if done else ids - {item.id}
        return Progress(self.roadmap, [i.id for i in self.steps() if i.id in ids])

    # ---- figures
    def percent(self) -> float:
        steps = self.steps()
        return 100.0 * len(self.done_steps()) / len(steps) if steps else 100.0

    def phases(self) -> list[PhaseTicks]:
        out = []
        for phase in self.roadmap.phases:
            items = [i for s in phase.sections for i in s.items]
            out.append(PhaseTicks(phase, sum(self.is_done(i) for i in items), len(items)))
        return out

    def months_left(self) -> tuple[float, float, list[Phase]]:
        """(low, high) months left in the phases with a bounded duration, each counting the share of
        its steps not yet ticked; and the unfinished phases that have no bounded duration."""
        low = high = 0.0
        open_ended = []
        for ticks in self.phases():
            left = (ticks.total - ticks.done) / ticks.total if ticks.total else 0.0
            if not left:
                continue
            d = ticks.phase.duration
            if d is None or d.low is None:
                open_ended.append(ticks.phase)
                continue
            low += d.low * left
            high += d.high * left
        return low, high, open_ended

    def months_left_text(self) -> str:
        """'7-11 months left, plus Phase 6: Cutting-Edge Research & Development, which is ongoing'."""
        low, high, open_ended = self.months_left()
        low, high = _half(low), _half(high)
        if high == 0 and not open_ended:
            return "nothing left: every step is ticked"
        if high == 0:
            text = "no timed phase left"
        elif low == high:
            text = f"{_months(low)} left"
        else:
            text = f"{low:g}-{_months(high)} left"
        for phase in open_ended:
            how = phase.duration.text.lower() if phase.duration else "without a duration in the roadmap"
            text += f", plus {label(phase)}, which is {how}"
        return text

    def summary(self) -> str:
        """A few lines for a terminal or the page."""
        done, steps = len(self.done_steps()), len(self.steps())
        lines = [f"{self.percent():.0f}% done ({done} of {steps} steps); {self.months_left_text()}."]
        lines += [f"  {label(t.phase)}: {t.done}/{t.total}" for t in self.phases()]
        if self.unknown:
            lines.append(f"  ignored {len(self.unknown)} id(s) this roadmap does not have: {', '.join(self.unknown)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        low, high, open_ended = self.months_left()
        return {"percent": round(self.percent(), 1), "done": len(self.done_steps()), "steps": len(self.steps()),
                "phases": [t.to_dict() for t in self.phases()],
                "months_left": {"low": round(low, 2), "high": round(high, 2),
                                "open_ended": [p.number for p in open_ended], "text": self.months_left_text()},
                "next": self.next_step().id if self.next_step() else None, "unknown": self.unknown}


def _half(x: float) -> float:
    """Rounded to the nearest half month: finer figures would promise more than the roadmap says."""
    return round(x * 2) / 2


def _months(x: float) -> str:
    return f"{x:g} month" + ("" if x == 1 else "s")


# ---------------------------------------------------------------- the progress file


def export(progress: Progress) -> dict:
    """The JSON object of a progress file. Unknown ids are dropped: they named nothing here."""
    order = {n.id: at for at, n in enumerate(progress.roadmap.nodes)}
    return {"format": FORMAT, "version": VERSION, "roadmap": progress.roadmap.title,
            "done": sorted(progress.ticked, key=order.__getitem__)}


def write_progress(path: Path, progress: Progress) -> None:
    try:
        Path(path).write_text(json.dumps(export(progress), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise TutorError(f"cannot write the progress file {path}: {e.strerror}") from None


def parse_progress(text: str, roadmap: Roadmap, source: str = "progress.json") -> Progress:
    """A progress file's text -> Progress. A file that is not one is a TutorError naming the fix;
    ids this roadmap lacks are not an error: they land in `Progress.unknown` for the caller to report."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TutorError(f"{source}:{e.lineno}:{e.colno}: not valid JSON ({e.msg}); "
                         "export your progress again from the page or the CLI") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TutorError(f'{source}: not a tutor progress file (expected a JSON object with "format": "{FORMAT}")')
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        why = "written by a newer tutor; update this one" if newer else "export your progress again"
        raise TutorError(f"{source}: progress file version {version!r}, but this tutor reads version {VERSION} ({why})")
    done = data.get("done")
    if not isinstance(done, list) or not all(isinstance(d, str) for d in done):
        raise TutorError(f'{source}: "done" must be a list of roadmap ids (strings), got {json.dumps(done)[:80]}')
    return Progress(roadmap, done)


def read_progress(path: Path, roadmap: Roadmap) -> Progress:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TutorError(f"{path}: not valid UTF-8 (byte {e.object[e.start]:#04x} at offset {e.start}); "
                         "is this a progress file?") from None
    except OSError as e:
        raise TutorError(f"cannot read the progress file {path}: {e.strerror}") from None
    return parse_progress(text, roadmap, str(path))
