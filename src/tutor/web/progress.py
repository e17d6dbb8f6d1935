"""Your progress: a tick box per roadmap item, grouped by section inside each phase.

The ticks live in the browser (gr.BrowserState: localStorage) as item ids, survive reloads and
restarts, and make "what should I learn next?" start from them. The boxes carry titles only
(Gradio shows a box's value when hovered, so the values are titles; ids stay on the server).
"""

from __future__ import annotations

import gradio as gr

from ..roadmap import Roadmap

STORAGE_KEY = "tutor-progress"  # the same across restarts, so ticks survive them


class ProgressPanel:
    def __init__(self, roadmap: Roadmap):
        self.roadmap = roadmap
        self.groups: list[gr.CheckboxGroup] = []
        self.ids: list[dict[str, str]] = []  # per group: title -> item id

    def build(self) -> None:
        self.done = gr.BrowserState([], storage_key=STORAGE_KEY, secret="tutor-progress-v1")
        gr.Markdown("## Your progress\nTick what you have done; it stays in this browser.")
        for phase in self.roadmap.phases:
            d = f" ({phase.duration.text})" if phase.duration else ""
            with gr.Accordion(f"Phase {phase.number}: {phase.title}{d}", open=phase.number == 1):
                for section in phase.sections:
                    self.ids.append({item.title: item.id for item in section.items})
                    self.groups.append(gr.CheckboxGroup(choices=[item.title for item in section.items],
                                                        label=section.title, elem_classes=["progress"]))

    def save(self, *ticked) -> list[str]:
        return sorted({ids[title] for ids, titles in zip(self.ids, ticked) for title in titles or [] if title in ids})

    def load(self, done) -> list[list[str]]:
        done = set(done) if isinstance(done, list) else set()
        return [[title for title, item in ids.items() if item in done] for ids in self.ids]

    def wire(self, app: gr.Blocks) -> None:
        gr.on([g.input for g in self.groups], self.save, self.groups, self.done, api_visibility="private", queue=False)
        app.load(self.load, self.done, self.groups, api_visibility="private", queue=False)
