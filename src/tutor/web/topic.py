"""The topic panel: one step of the roadmap, opened from the map, from the data alone.

It shows where the step sits (Phase N › Section), its description, whether it is ticked or next,
its share of the phase's duration (plan.step_hours: the phase's midpoint at the plan's baseline
hours, shared by its steps), its resources with each card's summary and link, and what comes
right before and after it (Roadmap.before / after; a section there opens its first step). Two
buttons: "Ask about this" asks the chat "Tell me about <title>" and switches to it; "Mark as done"
(or "Mark as not done") writes the ticks, which every view then redraws from (progress.py).

The panel holds the opened step's id in a gr.State, set only after the id sent by the page is
found in the roadmap.
"""

from __future__ import annotations

from html import escape

import gradio as gr

from ..corpus import Corpus
from ..plan import BASELINE_HOURS, WEEKS_PER_MONTH, step_hours
from ..progress import Progress
from ..roadmap import Item, Node, Resource, Section, label
from .chat import ChatPanel
from .progress import stored, ticks_of
from .roadmap_map import PICK_JS, MapPanel

ASK = "Tell me about {title}"
CHAT_TAB = "chat-tab"  # the Chat tab's id in page.py
MAX_ID = 300  # characters; ids are slugs of titles, cut at 80 per level

TOPIC_CSS = """
.where { margin: 0; font-size: .85rem; color: var(--body-text-color-subdued); }
h2 { margin: .15rem 0 .3rem; font-size: 1.25rem; }
h3 { margin: 1rem 0 .35rem; font-size: 1rem; }
p { margin: .3rem 0; }
.state { font-weight: 600; }
.state.done { color: var(--color-green-700); }
.dark & .state.done { color: var(--color-green-400); }
ul { margin: .2rem 0; padding: 0; list-style: none; }
li { margin: .35rem 0; }
.resources li { margin: .5rem 0; padding-left: .6rem; border-left: 3px solid var(--border-color-primary); }
.meta, .via { color: var(--body-text-color-subdued); font-size: .85rem; }
.summary { display: block; margin-top: .1rem; }
.hop { font: inherit; padding: 0; border: 0; background: none; color: var(--link-text-color); text-decoration: underline;
  cursor: pointer; text-align: left; }
.hop:focus-visible, .back:focus-visible { outline: 3px solid var(--primary-500); outline-offset: 2px; }
.back { font: inherit; font-size: .85rem; margin: 0 0 .4rem; padding: .2rem .6rem; cursor: pointer;
  color: var(--body-text-color); background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-md); }
@media (min-width: 768px) { .back { display: none; } }
"""


def duration_share(item: Item) -> str:
    """The step's share of its phase's duration, counted as the study plan counts it."""
    phase = item.phase
    hours, assumed = step_hours(phase)
    n = sum(len(s.items) for s in phase.sections)
    if assumed:
        how = phase.duration.text.lower() if phase.duration else "without a duration in the roadmap"
        return (f"About {hours:g} h, assumed: {label(phase)} is {how}, so the study plan counts "
                f"{hours:g} h for each of its {n} steps.")
    d = phase.duration
    mid = (d.low + d.high) / 2
    return (f"About {hours:g} h, or {round(hours / BASELINE_HOURS, 1):g} weeks at {BASELINE_HOURS:g} h a week: "
            f"{label(phase)} takes {d.text}, taken as {mid:g} months = {mid * WEEKS_PER_MONTH * BASELINE_HOURS:.0f} h, "
            f"shared by its {n} steps.")


def _hop(node: Node) -> str:
    """A step before or after, as a button that opens it; a section opens its first step."""
    if isinstance(node, Section):
        first = node.items[0]
        return (f'<button type="button" class="hop" data-id="{escape(first.id)}">{escape(node.title)}</button> '
                f'<span class="via">(a section of {len(node.items)} steps, from {escape(first.title)})</span>')
    return f'<button type="button" class="hop" data-id="{escape(node.id)}">{escape(label(node))}</button>'


def _whose(resource: Resource, item: Item) -> str:
    """Why a resource that is not the step's own is listed for it (Roadmap.resources_for)."""
    if resource.item is not None:
        return f"linked under {resource.item.title}"
    if resource.section is item.section:
        return "for the whole section"
    return f"for {resource.section.title}" if resource.section else "for the phase"


def _resource(corpus: Corpus, resource: Resource, item: Item) -> str:
    """One resource: its link, why it is listed if it is not the step's own, its card's kind,
    cost and level, and the card's summary (its first sentence)."""
    card = corpus.card(resource.url)
    name = escape(resource.title)
    if resource.url.lower().startswith(("http://", "https://")):
        name = f'<a href="{escape(resource.url)}" target="_blank" rel="noopener noreferrer">{name}</a>'
    parts = [name]
    if resource.item is not item:
        parts.append(f' <span class="via">({escape(_whose(resource, item))})</span>')
    meta = " · ".join(m for m in (card.kind, card.cost, card.level) if m) if card else ""
    if meta:
        parts.append(f' <span class="meta">{escape(meta)}</span>')
    if card and card.summary():
        parts.append(f'<span class="summary">{escape(card.summary())}</span>')
    return "<li>" + "".join(parts) + "</li>"


def render(corpus: Corpus, item: Item | None, progress: Progress) -> tuple[str, str]:
    """(head, body) of the panel: the head above the two buttons, the details below them."""
    roadmap = corpus.roadmap
    nxt = progress.next_step()
    if item is None:
        head = ['<h2>Pick a step on the map</h2><p>Its description, resources, time and neighbours show here.</p>']
        if nxt is not None:
            head.append(f'<p>Your next step: <button type="button" class="hop" data-id="{escape(nxt.id)}">'
                        f"{escape(nxt.title)}</button></p>")
        return "".join(head), ""
    where = f"{label(item.phase)} › {item.section.title}"
    done = progress.is_done(item)
    state = ('<p class="state done">✓ Done</p>' if done else '<p class="state">→ Your next step</p>' if item is nxt
             else '<p class="state">Not done yet</p>')
    head = ['<button type="button" class="back">↑ Back to the map</button>',
            f'<p class="where">{escape(where)}</p><h2>{escape(item.title)}</h2>{state}']
    if item.kind == "project":
        head.append("<p>A project: build it yourself.</p>")
    if item.description:
        head.append(f"<p>{escape(item.description)}</p>")

    body = [f"<h3>Time</h3><p>{escape(duration_share(item))}</p>", "<h3>Resources</h3>"]
    resources = roadmap.resources_for(item)
    if resources:
        body.append('<ul class="resources">' + "".join(_resource(corpus, r, item) for r in resources) + "</ul>")
    else:
        body.append("<p>The roadmap links no resource for this step, its section or its phase.</p>")
    for title, nodes, end in (("Before it", roadmap.before(item), "first"), ("After it", roadmap.after(item), "last")):
        body.append(f"<h3>{title}</h3>")
        if nodes:
            body.append("<ul>" + "".join(f"<li>{_hop(n)}</li>" for n in nodes) + "</ul>")
        else:
            body.append(f"<p>Nothing: this is the {end} step of the roadmap.</p>")
    return "".join(head), "".join(body)


class TopicPanel:
    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.roadmap = corpus.roadmap
        self.steps = {i.id: i for i in Progress(self.roadmap).steps()}

    def build(self) -> None:
        self.selected = gr.State(None)  # the opened step's id, or None
        head, body = render(self.corpus, None, Progress(self.roadmap))
        self.head = gr.HTML(head, js_on_load=PICK_JS, css_template=TOPIC_CSS, elem_id="topic-head")
        with gr.Row():
            self.ask = gr.Button("Ask about this", visible=False, size="sm", elem_id="ask-about")
            self.mark = gr.Button("Mark as done", visible=False, size="sm", variant="primary", elem_id="mark-done")
        self.body = gr.HTML(body, js_on_load=PICK_JS, css_template=TOPIC_CSS, elem_id="topic-body")

    def item(self, step_id) -> Item | None:
        return self.steps.get(step_id) if isinstance(step_id, str) and len(step_id) <= MAX_ID else None

    def show(self, selected, done) -> tuple:
        """(head, body, ask, mark) for the opened step and the ticks."""
        item, progress = self.item(selected), ticks_of(self.roadmap, done)
        head, body = render(self.corpus, item, progress)
        ticked = item is not None and progress.is_done(item)
        return (head, body, gr.Button(visible=item is not None),
                gr.Button("Mark as not done" if ticked else "Mark as done", visible=item is not None,
                          variant="secondary" if ticked else "primary"))

    def on_pick(self, done, evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        item = self.item(data.get("id"))
        if item is None:  # not a step of this roadmap: keep what is shown
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return item.id, *self.show(item.id, done)

    def on_mark(self, selected, done):
        item = self.item(selected)
        if item is None:
            return gr.skip()
        progress = ticks_of(self.roadmap, done)
        return stored(progress.marked(item, not progress.is_done(item)))

    def on_ask(self, selected, conv):
        item = self.item(selected)
        if item is None:
            return gr.skip(), *[gr.skip()] * len(self.chat.question_outputs())
        return gr.Tabs(selected=CHAT_TAB), *self.chat.ask_question(ASK.format(title=item.title), conv)

    def wire(self, app: gr.Blocks, done: gr.BrowserState, roadmap_map: MapPanel, chat: ChatPanel, tabs: gr.Tabs) -> None:
        self.chat = chat
        quiet = {"api_visibility": "private", "show_progress": "hidden"}
        last = {"queue": False, "trigger_mode": "always_last", **quiet}  # a later pick or change is never dropped
        view = [self.head, self.body, self.ask, self.mark]
        for source in (roadmap_map.html, self.head, self.body):
            source.pick(self.on_pick, done, [self.selected, *view], **last).then(
                roadmap_map.redraw, [done, self.selected], roadmap_map.html, **last)
        for when in (app.load, done.change):  # apart, not in one gr.on: see ProgressPanel.wire
            when(self.show, [self.selected, done], view, **last)
        self.mark.click(self.on_mark, [self.selected, done], done, queue=False, **quiet)
        # Queued, never waiting: the chat's answer starts when its `kick` changes, which only a
        # queued event tells the page (chat.py).
        self.ask.click(self.on_ask, [self.selected, chat.conv],
                       [tabs, *chat.question_outputs()], concurrency_limit=None, **quiet)
