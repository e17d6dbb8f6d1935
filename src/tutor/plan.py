"""A week-by-week study plan from the learner's next unticked step to a target, from the roadmap's durations.

How hours are counted (each assumption is written into the plan itself):
- a phase's duration is read as months of study at BASELINE_HOURS a week, taken at the midpoint of
  its range ("2-3 months" -> 2.5 months -> 2.5 * 52/12 weeks * 10 h = 108 h);
- a phase's hours are shared equally by its steps (items: topics and projects alike), since the
  roadmap gives no finer durations, and rounded to the half hour;
- a phase without a bounded duration ("Ongoing") gets OPEN_PHASE_HOURS per step;
- the learner's hours a week then decide how many weeks those hours take. Weeks are filled in the
  order of study: a long step runs over several weeks, short ones share a week.

Ticked steps are skipped (a ticked section or phase ticks all its steps, see progress.py).
The plan renders as Markdown and as an iCalendar file (RFC 5545, written here: one all-day event
per week, with the week's steps and links in its description). Nothing here needs a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rapidfuzz import fuzz, process

from .config import TutorError
from .progress import Progress
from .roadmap import Item, Node, Phase, Resource, Roadmap, label, slugify

BASELINE_HOURS = 10.0  # hours of study a week that the roadmap's month durations are read as
MIN_HOURS = 1.0  # a week's study below this makes a plan of many years (and a page of hundreds of weeks)
MAX_HOURS = 80.0  # beyond this no one studies for long; the rest of the week is for sleeping
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a plan's first week starts between these years
OPEN_PHASE_HOURS = 12.0  # per step of a phase with no bounded duration: about the average step of the timed phases at the baseline
WEEKS_PER_MONTH = 52 / 12
EPS = 1e-6  # hours; float slack when filling weeks


@dataclass(frozen=True)
class Step:
    item: Item
    hours: float
    assumed: bool  # True when the hours come from OPEN_PHASE_HOURS, not the phase's duration


@dataclass(frozen=True)
class Slot:
    """A step's share of one week."""

    step: Step
    hours: float
    starts: bool  # the step begins this week
    ends: bool  # the step is finished this week


@dataclass
class Week:
    number: int
    start: date
    slots: list[Slot] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return sum(s.hours for s in self.slots)

    def resources(self, roadmap: Roadmap) -> list[Resource]:
        seen: dict[str, Resource] = {}
        for slot in self.slots:
            for r in roadmap.resources_for(slot.step.item):
                seen.setdefault(r.url, r)
        return list(seen.values())


@dataclass
class Plan:
    roadmap: Roadmap
    target: Node
    hours_per_week: float
    start: date
    steps: list[Step]
    weeks: list[Week]
    skipped: int  # ticked steps up to the target, left out
    assumptions: list[str]

    @property
    def total_hours(self) -> float:
        return sum(s.hours for s in self.steps)

    @property
    def months(self) -> float:
        """Calendar months at the learner's pace."""
        return len(self.weeks) / WEEKS_PER_MONTH

    def to_dict(self) -> dict:
        return {
            "target": {"id": self.target.id, "title": label(self.target)},
            "hours_per_week": self.hours_per_week, "start": self.start.isoformat(),
            "total_hours": round(self.total_hours, 1), "weeks": len(self.weeks), "months": round(self.months, 1),
            "skipped": self.skipped, "assumptions": self.assumptions,
            "plan": [{"week": w.number, "start": w.start.isoformat(), "hours": round(w.hours, 2),
                      "steps": [{"id": s.step.item.id, "title": s.step.item.title, "hours": round(s.hours, 2),
                                 "starts": s.starts, "ends": s.ends} for s in w.slots],
                      "resources": [{"title": r.title, "url": r.url} for r in w.resources(self.roadmap)]}
                     for w in self.weeks],
        }


# ---------------------------------------------------------------- the target


def targets(roadmap: Roadmap) -> list[tuple[str, str]]:
    """(how it is shown, node id) for every phase, section and step a plan can lead to, in the
    order of study: 'Phase 4: Advanced Generative Models', 'Phase 4 › Diffusion Models',
    'Phase 4 › Diffusion Models › DDPM, DDIM'. resolve_target takes the ids."""
    out = []
    for phase in roadmap.phases:
        out.append((label(phase), phase.id))
        for section in phase.sections:
            out.append((f"Phase {phase.number} › {section.title}", section.id))
            out += [(f"Phase {phase.number} › {section.title} › {item.title}", item.id) for item in section.items]
    return out


def resolve_target(roadmap: Roadmap, text: str, lookup=None) -> Node:
    """A learner's words (or a node id from `targets`) -> the phase, section or topic a plan leads
    to. A resource stands for the step it serves ("GAN Lab" -> GANs). Unknown words are a
    TutorError listing close names."""
    if not text.strip():
        raise TutorError("say where the plan should lead, e.g. --target \"Diffusion Models\" or --target \"phase 4\"")
    ids = {n.id: n for n in roadmap.nodes if roadmap.phase_of(n) is not None}
    if text.strip() in ids:
        return ids[text.strip()]
    if lookup is None:
        # Imported here, not on top: the CLI reads this module's defaults for every --help.
        from .lookup import Lookup, load_aliases

        lookup = Lookup(roadmap, load_aliases())
    links = lookup.link(text)
    if not links:
        raise TutorError(f"no phase, section or topic of the roadmap is called {text.strip()!r}; "
                         + _close_names(roadmap, text))
    node = links[0].node
    if isinstance(node, Resource):
        node = node.item or node.section
    if roadmap.phase_of(node) is None:
        raise TutorError(f"{label(node)!r} is not part of a phase, so no plan leads to it; "
                         "name a phase, section or topic, e.g. \"phase 4\"")
    return node


def _close_names(roadmap: Roadmap, text: str) -> str:
    # Scored on a topic's description too, so "reinforcement learning" finds RLHF.
    choices = {label(n): f"{label(n)}: {n.description}" if isinstance(n, Item) else label(n)
               for n in roadmap.nodes if roadmap.phase_of(n) is not None}
    found = process.extract(text, choices, scorer=fuzz.WRatio, limit=5, score_cutoff=60)
    close = [name for _, _, name in found]
    if close:
        return "close names: " + "; ".join(close)
    return "the phases are: " + "; ".join(label(p) for p in roadmap.phases)


def _last_item(node: Node) -> Item:
    if isinstance(node, Item):
        return node
    section = node.sections[-1] if isinstance(node, Phase) else node
    return section.items[-1]


# ---------------------------------------------------------------- the plan


def step_hours(phase: Phase, baseline: float = BASELINE_HOURS,
               open_hours: float = OPEN_PHASE_HOURS) -> tuple[float, bool]:
    """(hours per step of this phase, assumed?), to the half hour: finer would promise more than
    the roadmap says, and it keeps slivers such as "0.1 h" out of the weeks."""
    n = sum(len(s.items) for s in phase.sections)
    d = phase.duration
    if d is None or d.low is None:
        return open_hours, True
    return max(0.5, round((d.low + d.high) / 2 * WEEKS_PER_MONTH * baseline / n * 2) / 2), False


def check_hours(hours: float) -> float:
    """`hours` a week, or a TutorError that gives the allowed range."""
    if not MIN_HOURS <= hours <= MAX_HOURS:  # also refuses NaN
        raise TutorError(f"hours a week must be between {MIN_HOURS:g} and {MAX_HOURS:g}, got {hours:g}")
    return hours


def parse_start(text: str) -> date | None:
    """'2025-09-01' -> that day; blank -> None (the plan starts next Monday)."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise TutorError(f"expected a start date as YYYY-MM-DD, got {text!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise TutorError(f"the start date must be between {FIRST_YEAR} and {LAST_YEAR}, got {day.isoformat()}")
    return day


def make_plan(roadmap: Roadmap, target: Node, hours_per_week: float, progress: Progress | None = None,
              start: date | None = None, baseline: float = BASELINE_HOURS,
              open_hours: float = OPEN_PHASE_HOURS) -> Plan:
    """Every unticked step up to the end of `target` (inclusive), spread over weeks of
    `hours_per_week` starting on `start` (default: next Monday)."""
    check_hours(hours_per_week)
    if not (baseline > 0 and open_hours > 0):
        raise TutorError("the baseline hours and the hours per open-ended step must be more than 0")
    progress = progress or Progress(roadmap)
    start = start or next_monday(date.today())
    order = progress.steps()
    end = order.index(_last_item(target))
    todo = [i for i in order[: end + 1] if not progress.is_done(i)]
    steps = []
    for item in todo:
        hours, assumed = step_hours(item.phase, baseline, open_hours)
        steps.append(Step(item, hours, assumed))
    weeks = _fill(steps, hours_per_week, start)
    return Plan(roadmap, target, hours_per_week, start, steps, weeks, end + 1 - len(todo),
                _assumptions(roadmap, steps, hours_per_week, baseline, open_hours))


def next_monday(day: date) -> date:
    """`day` itself when it is a Monday."""
    return day + timedelta(days=-day.weekday() % 7)


def _fill(steps: list[Step], per_week: float, start: date) -> list[Week]:
    weeks: list[Week] = []
    week = Week(1, start)
    room = per_week
    for step in steps:
        left, first = step.hours, True
        while left > EPS:
            take = min(left, room)
            left -= take
            room -= take
            week.slots.append(Slot(step, take, first, left <= EPS))
            first = False
            if room <= EPS:
                weeks.append(week)
                week = Week(week.number + 1, start + timedelta(weeks=week.number))
                room = per_week
    if week.slots:
        weeks.append(week)
    return weeks


def _assumptions(roadmap: Roadmap, steps: list[Step], per_week: float, baseline: float,
                 open_hours: float) -> list[str]:
    out = [f"The roadmap's durations are read as {baseline:g} hours of study a week; "
           f"this plan scales them to your {per_week:g} hours a week."]
    for phase in dict.fromkeys(s.item.phase for s in steps):
        hours, assumed = step_hours(phase, baseline, open_hours)
        n = sum(len(s.items) for s in phase.sections)
        if assumed:
            what = phase.duration.text if phase.duration else "no duration"
            out.append(f"{label(phase)} has no bounded duration ({what!s}): "
                       f"{open_hours:g} h per step is assumed, about the average step of the timed phases.")
        else:
            d = phase.duration
            mid = (d.low + d.high) / 2
            exact = mid * WEEKS_PER_MONTH * baseline
            out.append(f"{label(phase)}: {d.text} taken as {mid:g} months = {exact:.0f} h, "
                       f"shared by its {n} steps ({_h(hours)} each, to the half hour).")
    return out


def _h(hours: float) -> str:
    """'7.2 h', '8 h'."""
    return f"{round(hours, 1):g} h"


# ---------------------------------------------------------------- Markdown


def _slot_line(slot: Slot) -> str:
    item = slot.step.item
    if slot.starts and slot.ends:
        how = _h(slot.hours)
    elif slot.starts:
        how = f"{_h(slot.hours)} (starts; {_h(slot.step.hours)} in all)"
    elif slot.ends:
        how = f"{_h(slot.hours)} (finishes)"
    else:
        how = f"{_h(slot.hours)} (continues)"
    return f"{item.title} (Phase {item.phase.number} › {item.section.title}): {how}"


def to_markdown(plan: Plan, level: int = 1) -> str:
    """`level`: the heading level of the title (1: '# Study plan'), the weeks' one below it; a page
    that shows the plan under its own headings asks for a deeper one."""
    target = label(plan.target)
    lines = [f"{'#' * level} Study plan: {target}", ""]
    if not plan.steps:
        lines.append(f"Nothing to plan: every step up to **{target}** is ticked.")
        return "\n".join(lines) + "\n"
    first = plan.steps[0].item
    lines.append(
        f"From **{first.title}** ({label(first.phase)}) to **{target}**"
        + (f" ({label(plan.target.phase)})" if not isinstance(plan.target, Phase) else "")
        + f", at {plan.hours_per_week:g} hours a week from {plan.start:%A} {plan.start.isoformat()}: "
        f"{len(plan.steps)} steps, {plan.total_hours:.0f} hours, **{len(plan.weeks)} weeks** "
        f"(about {plan.months:.1f} months), last week starting {plan.weeks[-1].start.isoformat()}."
        + (f" {plan.skipped} ticked step(s) are left out." if plan.skipped else "")
    )
    lines += ["", "How the hours are counted:"] + [f"- {a}" for a in plan.assumptions]
    for week in plan.weeks:  # a week can end one phase and start the next: each step names its phase
        lines += ["", f"{'#' * (level + 1)} Week {week.number} (from {week.start.isoformat()}, {_h(week.hours)})"]
        lines += [f"- {_slot_line(s)}" for s in week.slots]
        resources = week.resources(plan.roadmap)
        if resources:
            lines.append("- Resources: " + ", ".join(f"[{r.title}]({r.url})" for r in resources))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- iCalendar


def to_ics(plan: Plan, stamp: datetime | None = None) -> str:
    """One all-day event per week (Monday to Sunday), its steps and links in the description.
    `stamp`: the DTSTAMP of every event (default: now, UTC)."""
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    target = label(plan.target)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tutor//study plan//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(f'Study plan: {target}')}"]
    for week in plan.weeks:
        titles = list(dict.fromkeys(s.step.item.title for s in week.slots))
        body = [f"Week {week.number} of {len(plan.weeks)} towards {target} ({_h(week.hours)}):"]
        body += [f"- {_slot_line(s)}" for s in week.slots]
        resources = week.resources(plan.roadmap)
        if resources:
            body += ["Resources:"] + [f"- {r.title}: {r.url}" for r in resources]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{plan.start:%Y%m%d}-week-{week.number}-{slugify(plan.target.id)}@tutor",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{week.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{week.start + timedelta(days=7):%Y%m%d}",
            f"SUMMARY:{_escape(f'Study week {week.number}: ' + ', '.join(titles))}",
            f"DESCRIPTION:{_escape(chr(10).join(body))}",
            "TRANSP:TRANSPARENT",  # a week-long banner should not mark the whole week busy
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _escape(text: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newline are escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str, limit: int = 75) -> str:
    """Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size = " ", 1  # the continuation line starts with one space
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)

