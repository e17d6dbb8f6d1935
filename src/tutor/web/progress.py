"""Your progress: a tick box per roadmap item, grouped by section inside each phase, the ticks per
phase and overall, and the progress file to carry them to another browser or the CLI.

The ticks live in the browser (gr.BrowserState: localStorage) as item ids, survive reloads and
restarts, and make "what should I learn next?" start from them. The boxes carry titles only
(Gradio shows a box's value when hovered, so the values are titles; ids stay on the server).

`done` is the one place the ticks live. Whatever writes it (a box, the topic panel's "Mark as
done", an import, the quiz) only writes it; each view listens to `done.change` and redraws itself
(here: the boxes, the phase labels, the overall line and the export link; the map and the topic
panel do the same in their modules). So the views cannot drift apart. Two guards keep a click
from being undone: the boxes take no clicks until the first redraw has brought the kept ticks,
and a redraw leaves them alone when they made the change themselves (BoxEcho).

Export and import both happen in the page, and no file is uploaded or stored on the server:
- export is a link whose address holds the file itself (a data: URL built from progress.export),
  so nothing is written on the server for it;
- import reads the chosen file in the page (FileReader) and sends its text, size-capped, to a
  handler that validates it with progress.parse_progress. The page keeps Gradio's uploads shut
  (serve.py allows no file over one byte): an upload button would have to open them for every
  component and for anyone who can reach the page, and store what they send on disk. A bad file
  is a warning naming the problem and changes nothing.
"""

from __future__ import annotations

import html
import json
import threading
from urllib.parse import quote

import gradio as gr

from ..config import TutorError
from ..progress import PhaseTicks, Progress, export, parse_progress
from ..roadmap import Roadmap, label

STORAGE_KEY = "tutor-progress"  # the same across restarts, so ticks survive them
EXPORT_NAME = "tutor-progress.json"
MAX_IMPORT_BYTES = 200_000  # room for the ids of ~2,500 steps; the seed roadmap's full file is 4 KB
MAX_TICKS = 10_000  # ids read from the browser's copy; more is not a progress list
READING = "Reading your progress from this browser…"

CARRY_HTML = """<div class="carry">
<a class="carry-button" href="{href}" download="{name}">Export progress</a>
<button type="button" class="carry-button import">Import progress…</button>
<input type="file" accept=".json,application/json" hidden>
</div>"""

# Runs once when the widget mounts; listens on the widget itself, so a redraw keeps it working.
# The file is read here and only its text (when small enough), name and size are sent.
CARRY_JS = """
element.addEventListener('click', (e) => {
  if (e.target.closest('button.import')) element.querySelector('input[type=file]').click();
});
element.addEventListener('change', async (e) => {
  const input = e.target.closest('input[type=file]');
  const file = input && input.files[0];
  if (!file) return;
  input.value = '';  // choosing the same file again is a new import
  const text = file.size <= MAX_BYTES ? await file.text() : '';
  trigger('chosen', {name: file.name, size: file.size, text: text});
});
""".replace("MAX_BYTES", str(MAX_IMPORT_BYTES))

CARRY_CSS = """
.carry { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
.carry-button { flex: 1 1 9rem; box-sizing: border-box; padding: .45rem .8rem; text-align: center; font: inherit;
  font-size: .9rem; line-height: 1.4;
  border-radius: var(--button-large-radius); border: 1px solid var(--button-secondary-border-color);
  background: var(--button-secondary-background-fill); color: var(--button-secondary-text-color);
  text-decoration: none; cursor: pointer; }
.carry-button:hover { background: var(--button-secondary-background-fill-hover); }
.carry-button:focus-visible { outline: 3px solid var(--primary-500); outline-offset: 2px; }
"""


def ticked_ids(done) -> list[str]:
    """The ids in the browser's list of ticks. The list comes from the page, so anything that is
    not a list of strings counts as no ticks, and it is bounded."""
    return [d for d in done[:MAX_TICKS] if isinstance(d, str)] if isinstance(done, list) else []


def ticks_of(roadmap: Roadmap, done) -> Progress:
    """The browser's list of ticked ids -> Progress."""
    return Progress(roadmap, ticked_ids(done))


def stored(progress: Progress) -> list[str]:
    """What `done` keeps: the ticked ids in roadmap order (as in the progress file)."""
    return export(progress)["done"]


def phase_label(ticks: PhaseTicks) -> str:
    """'Phase 2: Deep Learning Fundamentals (2-3 months) · 3/9'."""
    d = f" ({ticks.phase.duration.text})" if ticks.phase.duration else ""
    return f"{label(ticks.phase)}{d} · {ticks.done}/{ticks.total}"


def overall(progress: Progress) -> str:
    """'22% done · 9-12.5 months left, plus Phase 6: ..., which is ongoing'."""
    return f"{progress.percent():.0f}% done · {progress.months_left_text()}"


def carry_html(progress: Progress) -> str:
    """The export link (the file itself, as a data: URL) and the import button."""
    text = json.dumps(export(progress), indent=2, ensure_ascii=False) + "\n"
    href = "data:application/json;charset=utf-8," + quote(text)
    return CARRY_HTML.format(href=html.escape(href), name=EXPORT_NAME)


def read_import(roadmap: Roadmap, name, size, text) -> Progress:
    """A chosen file, as the page sent it -> Progress; a TutorError naming the problem otherwise."""
    name = (name if isinstance(name, str) and name.strip() else EXPORT_NAME).replace("\\", "/").split("/")[-1][:80]
    size = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
    text = text if isinstance(text, str) else ""
    if size is None or size > MAX_IMPORT_BYTES or len(text) > MAX_IMPORT_BYTES:
        shown = f"{size / 1000:.0f} KB" if size else "too big"
        raise TutorError(f"{name}: {shown}, but a progress file is at most {MAX_IMPORT_BYTES // 1000} KB; "
                         "choose the file that 'Export progress' saved")
    if "\ufffd" in text:  # the browser read bytes that are not UTF-8
        raise TutorError(f"{name}: not UTF-8 text; is this a progress file?")
    if not text.strip():
        raise TutorError(f"{name}: the file is empty; choose the file that 'Export progress' saved")
    return parse_progress(text, roadmap, name)


class BoxEcho:
    """The tick lists the boxes themselves saved, per page (a gr.State), until the redraw of each.

    When `done` changes, the boxes are redrawn only if the change came from elsewhere (the topic
    panel, an import, the quiz, a reload). A change the boxes made is on the screen already, and
    its redraw may arrive after the learner's next click: redrawing would undo that click, and a
    click in another group before the fix-up would save the undone list and lose a tick. A redraw
    that finds its list here takes it, and the older ones, off the list: a later import of the
    same ticks is then a change from elsewhere again."""

    KEEP = 20  # more saves than this without a redraw would mean the redraws stopped

    def __init__(self):
        self.lock = threading.Lock()
        self.waiting: list[tuple[str, ...]] = []

    def __deepcopy__(self, memo) -> BoxEcho:  # each page gets its own (gr.State copies its value)
        return BoxEcho()

    def said(self, ids: list[str]) -> None:
        with self.lock:
            self.waiting = [*self.waiting[-(self.KEEP - 1):], tuple(ids)]

    def take(self, done) -> bool:
        """Whether the boxes saved `done` themselves (and forget it and what they saved before)."""
        if not isinstance(done, list):
            return False
        with self.lock:
            for at in range(len(self.waiting) - 1, -1, -1):
                if self.waiting[at] == tuple(done):
                    del self.waiting[: at + 1]
                    return True
            return False


class ProgressPanel:
    def __init__(self, roadmap: Roadmap):
        self.roadmap = roadmap
        self.groups: list[gr.CheckboxGroup] = []
        self.ids: list[dict[str, str]] = []  # per group: title -> item id
        self.accordions: list[gr.Accordion] = []

    def build(self) -> None:
        self.done = gr.BrowserState([], storage_key=STORAGE_KEY, secret="tutor-progress-v1")
        self.echo = gr.State(BoxEcho())
        start = Progress(self.roadmap)
        gr.Markdown("## Your progress\nTick what you have done; it stays in this browser.")
        # Until the first redraw brings the browser's ticks, the boxes show none and take no
        # clicks: a click then would save that one tick over the kept ones.
        self.overall = gr.Markdown(READING, elem_id="overall")
        for ticks in start.phases():
            phase = ticks.phase
            with gr.Accordion(phase_label(ticks), open=phase.number == 1) as accordion:
                for section in phase.sections:
                    self.ids.append({item.title: item.id for item in section.items})
                    self.groups.append(gr.CheckboxGroup(choices=[item.title for item in section.items], interactive=False,
                                                        label=section.title, elem_classes=["progress"]))
            self.accordions.append(accordion)
        self.carry = gr.HTML(carry_html(start), js_on_load=CARRY_JS, css_template=CARRY_CSS, elem_id="carry")

    def save(self, echo: BoxEcho, *ticked) -> list[str]:
        ids = stored(Progress(self.roadmap, [ids[title] for ids, titles in zip(self.ids, ticked)
                                             for title in titles or [] if title in ids]))
        echo.said(ids)
        return ids

    def refresh(self, done, echo: BoxEcho | None = None) -> list:
        """Every view of this panel, from the ticks: boxes, phase labels, the overall line, the
        export. The boxes stay as they are when they made this change themselves (BoxEcho)."""
        progress = ticks_of(self.roadmap, done)
        if echo is not None and echo.take(done):
            boxes = [gr.skip()] * len(self.ids)
        else:
            boxes = [gr.CheckboxGroup(value=[title for title, item in ids.items() if progress.is_done(self.roadmap.node(item))],
                                      interactive=True) for ids in self.ids]
        labels = [gr.Accordion(label=phase_label(t)) for t in progress.phases()]
        return [*boxes, *labels, overall(progress), carry_html(progress)]

    def on_import(self, done, evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            progress = read_import(self.roadmap, data.get("name"), data.get("size"), data.get("text"))
        except TutorError as e:
            gr.Warning(html.escape(f"Nothing was imported. {e}"))  # toasts render HTML; the file's name is the learner's
            return gr.skip()
        steps = len(progress.done_steps())
        gr.Info(f"Imported {steps} ticked step(s) of {len(progress.steps())}; they replace this browser's ticks.")
        if progress.unknown:
            shown = ", ".join(progress.unknown[:5]) + (" …" if len(progress.unknown) > 5 else "")
            gr.Warning(html.escape(f"{len(progress.unknown)} id(s) in the file are not in this roadmap and were left out: {shown}"))
        return stored(progress)

    def wire(self, app: gr.Blocks) -> None:
        # "always_last": a tick or a change that comes while the last one is handled is handled
        # after it, never dropped (gr.on's default is "once"). The views listen to done.change and
        # app.load separately: in one gr.on, a change may be handled with the ticks from before it.
        quiet = {"api_visibility": "private", "queue": False, "trigger_mode": "always_last"}
        gr.on([g.input for g in self.groups], self.save, [self.echo, *self.groups], self.done, **quiet)
        for when in (app.load, self.done.change):
            when(self.refresh, [self.done, self.echo], [*self.groups, *self.accordions, self.overall, self.carry],
                 show_progress="hidden", **quiet)
        # Queued (with no limit, so it never waits): the page shows toasts of queued events only.
        self.carry.chosen(self.on_import, self.done, self.done, api_visibility="private", concurrency_limit=None)
