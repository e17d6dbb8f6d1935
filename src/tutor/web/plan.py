"""The Plan tab: a week-by-week study plan from the learner's ticks to a target, and its two files.

Everything the plan says comes from plan.py (targets, resolve_target, make_plan, to_markdown,
to_ics), as in `tutor plan`; this module reads the inputs, writes the downloads and turns a
TutorError into a message in the tab. It reads the ticks (`progress.done`) and never writes them.

The files go to their own folder per plan, named by a hash of the plan, so two learners never
share or overwrite one; the newest KEEP_PLANS folders are kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import gradio as gr

from ..config import TutorError
from ..lookup import Lookup, load_aliases
from ..plan import (
    BASELINE_HOURS,
    MAX_HOURS,
    MIN_HOURS,
    Plan,
    check_hours,
    make_plan,
    parse_start,
    resolve_target,
    targets,
    to_ics,
    to_markdown,
)
from ..roadmap import Roadmap, label, slugify
from .progress import ticks_of

MAX_TARGET_CHARS = 200  # typed targets are cut to this before the fuzzy lookup
KEEP_PLANS = 200  # plan folders kept on disk; older ones are removed when a new plan is written
INTRO = ("## Your study plan\nWeek by week from your next unticked step to where you want to get, at your pace. "
         "The hours come from the roadmap's durations; the plan says how it counts them.")


def warning(error: TutorError) -> str:
    """A TutorError as a sentence in a tab (the Quiz tab's too)."""
    text = str(error).rstrip(".")
    return f"⚠️ {text[:1].upper()}{text[1:]}."


class PlanPanel:
    def __init__(self, roadmap: Roadmap, folder: Path | None = None, lookup: Lookup | None = None):
        """`folder`: where the downloads are written (default: tutor-plans in the system's temporary
        folder, which Gradio may serve files from)."""
        self.roadmap = roadmap
        self.folder = Path(folder) if folder else Path(tempfile.gettempdir()) / "tutor-plans"
        self.lookup = lookup or Lookup(roadmap, load_aliases())

    def build(self) -> None:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            self.target = gr.Dropdown(
                targets(self.roadmap), value=None, allow_custom_value=True, label="Where the plan leads",
                info='Pick a phase, section or topic, or type one ("diffusion", "phase 4").', scale=3, min_width=260,
                elem_id="plan-target")
            self.hours = gr.Number(BASELINE_HOURS, label="Hours a week", info=f"{MIN_HOURS:g} to {MAX_HOURS:g}",
                                   scale=1, min_width=140, elem_id="plan-hours")
            # A Textbox, not gr.DateTime: its input and calendar button have no accessible names.
            self.start = gr.Textbox(label="First week starts", info="YYYY-MM-DD; blank: next Monday", max_lines=1,
                                    max_length=10, placeholder="YYYY-MM-DD", scale=1, min_width=200,
                                    elem_id="plan-start")
        self.make = gr.Button("Make my plan", variant="primary", elem_id="plan-make")
        with gr.Row():
            self.markdown = gr.DownloadButton("Download the plan (.md)", visible=False, elem_id="plan-md")
            self.calendar = gr.DownloadButton("Download for a calendar (.ics)", visible=False, elem_id="plan-ics")
        self.shown = gr.Markdown(elem_id="plan-text")  # no inner scroll box: the page scrolls, also on a phone

    def wire(self, done: gr.BrowserState) -> None:
        # `input` on the dropdown: a target picked from the list (or typed, then Enter, Tab or a click
        # elsewhere) makes the plan at once; the list would otherwise lie over the button.
        gr.on([self.make.click, self.target.input, self.hours.submit, self.start.submit], self.on_make, [self.target, self.hours, self.start, done],
              [self.shown, self.markdown, self.calendar], api_visibility="private", concurrency_limit=None)

    # ------------------------------------------------------------------ events
    def on_make(self, target, hours, start, done):
        """(the plan as Markdown or a message, the .md button, the .ics button)."""
        try:
            plan = self.plan(target, hours, start, done)
        except TutorError as e:
            hidden = gr.update(value=None, visible=False)
            return warning(e), hidden, hidden
        md, ics = self.write(plan, to_markdown(plan))
        shown = to_markdown(plan, level=3)  # under the tab's own "## Your study plan"
        return (shown, gr.update(value=str(md), visible=True),
                gr.update(value=str(ics), visible=bool(plan.weeks)))  # an empty calendar helps no one

    def plan(self, target, hours, start, done) -> Plan:
        """The page's inputs -> a Plan, or a TutorError that says what to change."""
        target = (target if isinstance(target, str) else "").strip()[:MAX_TARGET_CHARS]
        if not target:
            raise TutorError('pick where the plan should lead: a phase, section or topic ("Diffusion Models", "phase 4")')
        if not isinstance(hours, int | float):
            raise TutorError(f"type how many hours a week you can study, {MIN_HOURS:g} to {MAX_HOURS:g}")
        hours = check_hours(float(hours))
        first = parse_start(start if isinstance(start, str) else "")
        node = resolve_target(self.roadmap, target, self.lookup)
        return make_plan(self.roadmap, node, hours, ticks_of(self.roadmap, done), start=first)

    # ------------------------------------------------------------------ the files
    def write(self, plan: Plan, markdown: str) -> tuple[Path, Path]:
        """The plan as study-plan-<target>.md and .ics, in a folder of its own."""
        digest = hashlib.sha256(markdown.encode()).hexdigest()[:20]  # the same plan, the same folder
        folder = self.folder / digest
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"study-plan-{slugify(label(plan.target))}"
        paths = folder / f"{stem}.md", folder / f"{stem}.ics"
        for path, text in zip(paths, (markdown, to_ics(plan))):
            fd, part = tempfile.mkstemp(dir=folder, suffix=".part")
            with open(fd, "w", encoding="utf-8", newline="") as f:  # newline="": the .ics keeps its CRLF
                f.write(text)
            os.replace(part, path)  # a download never sees half a file
        self._prune()
        return paths

    def _prune(self) -> None:
        def age(folder: Path) -> float:
            try:
                return folder.stat().st_mtime
            except OSError:  # removed meanwhile by another page's prune
                return 0.0

        folders = sorted((p for p in self.folder.iterdir() if p.is_dir()), key=age)
        for old in folders[:-KEEP_PLANS]:
            shutil.rmtree(old, ignore_errors=True)
