"""The roadmap as a map: every phase, its sections and their steps, drawn from the parsed Roadmap.

Shape (HTML, no hand-drawn parts): a timeline of phases, each with its number, duration and
ticks; inside it the sections as cards in a grid (one column on a phone, more on a wide screen),
and inside each card its steps (topics and projects) in roadmap order. Each step is a real
<button data-id="..."> whose name is its title plus what the marks show:

    ✓ and a green fill    ticked (the ✓ and the words say it too: never colour alone)
    "next" and a frame    the learner's next step (Progress.next_step), aria-current="step"
    "project"             a project rather than a topic
    dashed outline        the step the topic panel shows

Clicking a step (mouse, Enter or Space) opens it in the topic panel (topic.py): the map's own
script, given to gr.HTML as `js_on_load`, listens for clicks on the map and sends the button's id
as the data of a custom "pick" event; Python reads it from gr.EventData. (Gradio 6's gr.HTML
gives `js_on_load` a `trigger(name, data)` function, so no hidden textbox is needed to carry the
id.) The listener sits on the map itself, and Gradio redraws the map by patching the changed
attributes and text, so the listener, and the keyboard focus on a step, survive a redraw. The id
is checked on the server: the page may send anything.
"""

from __future__ import annotations

from html import escape

import gradio as gr

from ..progress import Progress
from ..roadmap import Item, Roadmap
from .progress import overall, ticks_of

# Sends the id of a clicked step (the map's, and the topic panel's links to steps). The topic panel
# then shows its top: on a phone it sits below the map, so the page goes there, and its "Back to
# the map" button returns to the opened step.
PICK_JS = """
element.addEventListener('click', (e) => {
  const topic = document.getElementById('topic');
  if (e.target.closest('button.back')) {
    const open = document.querySelector('#roadmap-map .step.open');
    if (open) { open.scrollIntoView({block: 'center'}); open.focus(); }
    return;
  }
  const button = e.target.closest('button[data-id]');
  if (!button || !element.contains(button)) return;
  trigger('pick', {id: button.dataset.id});
  if (!topic) return;
  if (window.matchMedia('(max-width: 767px)').matches) topic.scrollIntoView({block: 'start'});
  else topic.scrollTop = 0;
});
"""

# Scoped to this component by Gradio (nested under its root). No backslashes, backticks or
# template markers here: Gradio evaluates the template as a JavaScript template string.
MAP_CSS = """
--done-bg: #dcfce7; --done-fg: #14532d; --done-line: #15803d;
.dark & { --done-bg: #14532d; --done-fg: #dcfce7; --done-line: #4ade80; }
.summary { margin: 0 0 1rem; }
.summary p { margin: 0 0 .35rem; }
.bar { height: .5rem; border-radius: 999px; background: var(--neutral-200); overflow: hidden; margin: .35rem 0 .5rem; }
.dark & .bar { background: var(--neutral-700); }
.bar span { display: block; height: 100%; background: var(--done-line); }
.phases, .sections, .steps { list-style: none; margin: 0; padding: 0; }
.phase { position: relative; margin-left: .9rem; padding: 0 0 1.1rem 1.6rem; border-left: 3px solid var(--border-color-primary); }
.phase:last-child { border-left-color: transparent; padding-bottom: 0; }
.phase.complete { border-left-color: var(--done-line); }
.num { position: absolute; left: -1.05rem; top: -.1rem; width: 1.8rem; height: 1.8rem; border-radius: 50%;
  display: grid; place-items: center; font-weight: 700; background: var(--primary-700); color: white; }
.phase.complete .num { background: var(--done-line); color: var(--done-bg); }
.phase h2 { display: flex; flex-wrap: wrap; align-items: baseline; gap: .1rem .6rem; font-size: 1.05rem; margin: 0 0 .6rem; }
.phase h2 small { font-size: .85rem; font-weight: 400; color: var(--body-text-color-subdued); }
.sections { display: grid; gap: .6rem; grid-template-columns: repeat(auto-fill, minmax(13.5rem, 1fr)); }
.section { padding: .5rem; border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  background: var(--background-fill-secondary); }
.section h3 { font-size: .9rem; margin: 0 0 .45rem; }
.steps { display: grid; gap: .3rem; }
.step { display: flex; align-items: flex-start; gap: .4rem; width: 100%; padding: .35rem .5rem; text-align: left;
  font: inherit; font-size: .9rem; line-height: 1.3; cursor: pointer; color: var(--body-text-color);
  background: var(--background-fill-primary); border: 1px solid var(--border-color-primary); border-radius: var(--radius-md); }
.step:hover { border-color: var(--primary-500); }
.step:focus-visible { outline: 3px solid var(--primary-500); outline-offset: 2px; }
.step .mark { flex: none; width: 1rem; font-weight: 700; }
.step .name { flex: 1; }
.step.done { background: var(--done-bg); color: var(--done-fg); border-color: var(--done-line); }
.step.next { border: 2px solid var(--primary-700); }
.step.open { outline: 2px dashed var(--primary-700); outline-offset: 2px; }
.dark & .step.next { border-color: var(--primary-400); }
.dark & .step.open { outline-color: var(--primary-400); }
.tag { flex: none; align-self: center; font-size: .75rem; padding: 0 .4rem; border-radius: 999px;
  border: 1px solid currentColor; }
.tag.next { background: var(--primary-700); border-color: var(--primary-700); color: white; font-weight: 700; }
.jump { font: inherit; padding: 0; border: 0; background: none; color: var(--link-text-color); text-decoration: underline; cursor: pointer; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
"""


def step_button(item: Item, progress: Progress, nxt: Item | None, selected: str | None) -> str:
    done = progress.is_done(item)
    classes = ["step", "done" if done else "todo"] + (["next"] if item is nxt else []) + (["open"] if item.id == selected else [])
    mark = "✓" if done else "→" if item is nxt else "○"
    tags = []
    if item is nxt:
        tags.append('<span class="tag next">next</span>')
    if item.kind == "project":
        tags.append('<span class="tag">project</span>')
    state = '<span class="sr-only">, done</span>' if done else ""
    current = ' aria-current="step"' if item is nxt else ""
    return (f'<button type="button" class="{" ".join(classes)}" data-id="{escape(item.id)}"{current}>'
            f'<span class="mark" aria-hidden="true">{mark}</span><span class="name">{escape(item.title)}{state}</span>'
            f'{"".join(tags)}</button>')


def render(progress: Progress, selected: str | None = None) -> str:
    """The whole map for these ticks; `selected` is the id of the step the topic panel shows."""
    nxt = progress.next_step()
    percent = progress.percent()
    head = [f'<div class="summary"><p><strong>{escape(overall(progress))}</strong></p>',
            f'<div class="bar" aria-hidden="true"><span style="width: {percent:.1f}%"></span></div>']
    if nxt is not None:
        head.append(f'<p>Your next step: <button type="button" class="jump" data-id="{escape(nxt.id)}">'
                    f'{escape(nxt.title)}</button></p>')
    head.append("</div>")
    out = ['<div class="roadmap-map">', *head, '<ol class="phases">']
    for ticks in progress.phases():
        phase = ticks.phase
        complete = " complete" if ticks.total and ticks.complete else ""
        duration = f"<small>{escape(phase.duration.text)}</small>" if phase.duration else ""
        out.append(f'<li class="phase{complete}"><span class="num" aria-hidden="true">{phase.number}</span>'
                   f"<h2><span>Phase {phase.number}: {escape(phase.title)}</span>{duration}"
                   f'<small>{ticks.done}/{ticks.total}<span class="sr-only"> steps done</span></small></h2>'
                   '<ol class="sections">')
        for section in phase.sections:
            out.append(f'<li class="section"><h3>{escape(section.title)}</h3><ol class="steps">')
            out += [f"<li>{step_button(item, progress, nxt, selected)}</li>" for item in section.items]
            out.append("</ol></li>")
        out.append("</ol></li>")
    out.append("</ol></div>")
    return "".join(out)


class MapPanel:
    def __init__(self, roadmap: Roadmap):
        self.roadmap = roadmap

    def build(self) -> None:
        self.html = gr.HTML(render(Progress(self.roadmap)), js_on_load=PICK_JS, css_template=MAP_CSS,
                            elem_id="roadmap-map")

    def redraw(self, done, selected) -> str:
        return render(ticks_of(self.roadmap, done), selected if isinstance(selected, str) else None)

    def wire(self, app: gr.Blocks, done: gr.BrowserState, selected: gr.State) -> None:
        """Redraw on every change of the ticks; topic.py redraws it when a step is opened."""
        for when in (app.load, done.change):  # apart, not in one gr.on: see ProgressPanel.wire
            when(self.redraw, [done, selected], self.html, api_visibility="private", queue=False,
                 show_progress="hidden", trigger_mode="always_last")
