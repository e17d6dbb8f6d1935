"""The model and settings panel.

The model picker lists every model in models.txt with its size and whether it is on this
machine; for the others the page shows the exact `tutor models pull NAME`. Switching the shared
model needs `--allow-model-switch`: without it the picker is read-only and says so, and the
switch handler refuses too. A switch waits in the LLM lane alone (all of its slots), so no
answer is being written while the model changes. Each slider has a one-line hint.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import gradio as gr

from ..config import Settings, TutorError
from ..models import find_model, read_registry
from ..tutor import Tutor
from .lanes import Lane, interruptible

READ_ONLY = "Read-only: start the app with `--allow-model-switch` to change the model from this page."


@dataclass(frozen=True)
class ModelRow:
    name: str
    size: str
    on_disk: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.size}, {'on this machine' if self.on_disk else 'not downloaded'})"

    @property
    def pull(self) -> str:
        return f"tutor models pull {self.name}"


class ModelSwitcher:
    """Lists the registry and swaps the tutor's model, one load at a time, alone in the lane."""

    def __init__(self, tutor: Tutor, settings: Settings, loader, lane: Lane | None = None):
        self.tutor = tutor
        self.settings = settings
        self.loader = loader  # Settings -> ChatModel; None = the model is fixed
        self.lane = lane or Lane(1)

    def rows(self) -> list[ModelRow]:
        try:
            specs = read_registry(self.settings.models_file)
        except TutorError:
            return [ModelRow(self.current(), "?", True)]
        rows = [ModelRow(s.name, s.size, s.available(self.settings.models_dir)) for s in specs]
        return rows if any(r.name == self.current() for r in rows) else [ModelRow(self.current(), "?", True), *rows]

    def available(self) -> list[str]:
        return [r.name for r in self.rows() if r.on_disk]

    def current(self) -> str:
        return self.tutor.model.name if self.tutor.model else ""

    def table(self) -> str:
        lines = ["| model | size | status |", "|---|---|---|"]
        for r in self.rows():
            status = "in use" if r.name == self.current() else "on this machine" if r.on_disk else f"`{r.pull}`"
            lines.append(f"| {r.name} | {r.size} | {status} |")
        return "\n".join(lines)

    def switch(self, name: str):
        """Yields status lines (Markdown) while switching to `name`."""
        if self.loader is None:
            yield READ_ONLY
            return
        if name == self.current():
            yield f"Model: **{name}**"
            return
        row = next((r for r in self.rows() if r.name == name), None)
        if row is None:
            yield f"**{name}** is not in models.txt. Still using **{self.current()}**."
            return
        if not row.on_disk:
            yield f"**{name}** is not on this machine: run `{row.pull}` in a terminal, then pick it again."
            return
        ticket = self.lane.join(weight=self.lane.slots)
        try:
            while not self.lane.wait(ticket, 0.5):
                yield f"Waiting for the answers being written to finish before loading **{name}** ..."
            yield f"Loading **{name}** ... (answers wait until it is ready)"
            started = time.perf_counter()
            find_model(read_registry(self.settings.models_file), name)
            model = self.loader(dataclasses.replace(self.settings, model=name))
            model.warm_up()
            self.tutor.model = interruptible(model)
        except TutorError as e:
            yield f"Could not load **{name}**: {e}. Still using **{self.current()}**."
            return
        finally:
            self.lane.leave(ticket)
        yield f"Model: **{name}** (loaded in {time.perf_counter() - started:.1f} s)"


class SettingsPanel:
    def __init__(self, switcher: ModelSwitcher, settings: Settings):
        self.switcher = switcher
        self.settings = settings

    def build(self) -> None:
        s, sw = self.settings, self.switcher
        allowed = sw.loader is not None
        with gr.Accordion("Model and settings", open=False):
            self.pick = gr.Dropdown([(r.label, r.name) for r in sw.rows()], value=sw.current(), label="Model",
                                    interactive=allowed, elem_id="model-pick",
                                    info="The model that writes explanations, shared by everyone using this page."
                                    if allowed else READ_ONLY)
            self.status = gr.Markdown(f"Model: **{sw.current()}**", elem_id="model-status")
            gr.Markdown(sw.table(), elem_id="model-table")
            self.k = gr.Slider(1, 8, value=s.k, step=1, label="Sources per answer",
                               info="How many sources each answer draws on and lists under it.")
            self.max_tokens = gr.Slider(32, 512, value=s.max_tokens, step=16, label="Answer length (tokens)",
                                        info="The model's explanation stops after this many tokens; "
                                             "facts from the roadmap are always shown whole.")
            self.temperature = gr.Slider(0.0, 1.0, value=s.temperature, step=0.05, label="Temperature",
                                         info="Low keeps a small model close to its sources; high varies the wording.")

    def inputs(self) -> list:
        return [self.k, self.max_tokens, self.temperature]

    def wire(self) -> None:
        def switch(name):
            for line in self.switcher.switch(name):
                yield line, gr.update(value=self.switcher.current())

        self.pick.input(switch, self.pick, [self.status, self.pick], api_visibility="private",
                        concurrency_limit=1, concurrency_id="model-switch")


def answer_settings(base: Settings, k, max_tokens, temperature) -> Settings:
    """The sliders' values (sent by the page, so checked against the settings' bounds)."""
    try:
        return Settings.from_overrides(base, k=int(k), max_tokens=int(max_tokens), temperature=float(temperature))
    except (TypeError, ValueError):
        raise TutorError("the page sent settings that are not numbers; reload the page") from None
