"""The browser chat: Gradio Blocks built around one Tutor.

Left: the chat (streamed answers, the sources under each, thumbs up/down, example questions).
Right: the roadmap outline with a tick box per topic; the ticks live in the browser's
localStorage (gr.BrowserState) and make "what should I learn next?" start from them. Below
it, the model picker and a few settings.

One llama.cpp model serves every user, so the queue answers chat requests one at a time
(the page shows each user their place in line). The model picker swaps that shared model.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import threading
import time
from pathlib import Path

import gradio as gr

from .config import Settings, TutorError
from .models import find_model, read_registry
from .roadmap import Roadmap
from .tutor import Answer, Tutor

EXAMPLES = [
    "What should I learn after GANs?",
    "A good resource for VAEs?",
    "How long is phase 2?",
    "What do I need before diffusion models?",
    "What should I learn next?",
    "What is the CLIP paper about?",
]
EMPTY = "(empty question)"
PROGRESS_KEY = "tutor-progress"  # localStorage key: the same across restarts, so ticks survive them


def sources_markdown(answer: Answer) -> str:
    if not answer.sources:
        return ""
    lines = ["", "", "**Sources**"]
    for n, hit in enumerate(answer.sources, 1):
        c = hit.chunk
        link = f" — [{c.title}]({c.url})" if c.url else ""
        lines.append(f"{n}. {c.breadcrumb}{link}")
    return "\n".join(lines)


class FeedbackLog:
    """Appends one JSON line per vote. A thread lock orders writers in this process and an
    flock orders them across processes, so concurrent votes never interleave."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.Lock()

    def add(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(line)
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)


class ModelSwitcher:
    """Loads another model from models.txt and swaps it into the tutor, one load at a time."""

    def __init__(self, tutor: Tutor, settings: Settings, loader):
        self.tutor = tutor
        self.settings = settings
        self.loader = loader  # Settings -> ChatModel
        self.lock = threading.Lock()

    def available(self) -> list[str]:
        try:
            specs = read_registry(self.settings.models_file)
        except TutorError:
            return [self.current()]
        names = [s.name for s in specs if s.available(self.settings.models_dir)]
        return names if self.current() in names else [self.current(), *names]

    def current(self) -> str:
        return self.tutor.model.name if self.tutor.model else ""

    def switch(self, name: str):
        """Yields status lines while loading `name`."""
        if name == self.current():
            yield f"Model: **{name}**"
            return
        yield f"Loading **{name}** ... (answers wait until it is ready)"
        started = time.perf_counter()
        try:
            find_model(read_registry(self.settings.models_file), name)
            with self.lock:
                model = self.loader(dataclasses.replace(self.settings, model=name))
                model.warm_up()
                self.tutor.model = model
        except TutorError as e:
            yield f"Could not load **{name}**: {e}. Still using **{self.current()}**."
            return
        yield f"Model: **{name}** (loaded in {time.perf_counter() - started:.1f} s)"


def build_app(tutor: Tutor, settings: Settings, loader=None) -> gr.Blocks:
    """`loader(settings) -> ChatModel` is used by the model picker; without it the picker is fixed."""
    roadmap: Roadmap = tutor.roadmap
    feedback = FeedbackLog(settings.feedback_file)
    switcher = ModelSwitcher(tutor, settings, loader)

    def answer_settings(k, max_tokens, temperature) -> Settings:
        return Settings.from_overrides(settings, k=int(k), max_tokens=int(max_tokens), temperature=float(temperature))

    def show_question(message, history):
        """Runs at once, outside the queue: the question appears while the answer waits its turn."""
        history = list(history or [])
        history.append({"role": "user", "content": (message or "").strip() or EMPTY})
        return history, ""

    def respond(history, done, records, k, max_tokens, temperature):
        """Answers the last user message of `history`: streams (history, records) updates."""
        history = list(history or [])
        message = _text(history[-1]["content"]).strip() if history and history[-1]["role"] == "user" else ""
        if not message or message == EMPTY:
            history.append({"role": "assistant", "content": "Please type a question about the roadmap first."})
            yield history, records
            return
        earlier = [{"role": m["role"], "content": _text(m["content"])} for m in history[:-1]]
        history.append({"role": "assistant", "content": ""})
        try:
            answer = tutor.answer(message, earlier, done=set(done or []), settings=answer_settings(k, max_tokens, temperature))
            text = ""
            for piece in answer:
                text += piece
                history[-1] = {"role": "assistant", "content": text}
                yield history, records
            history[-1] = {"role": "assistant", "content": answer.text + sources_markdown(answer)}
            records = dict(records or {})
            records[str(len(history) - 1)] = {
                "question": message, "answer": answer.text, "model": answer.model,
                "sources": [h.to_dict() for h in answer.sources],
            }
        except TutorError as e:
            history[-1] = {"role": "assistant", "content": f"⚠️ {e}"}
        except Exception as e:  # never a traceback or a frozen spinner in front of the user
            history[-1] = {"role": "assistant", "content": f"⚠️ Something went wrong ({type(e).__name__}: {e}). Please try again."}
        yield history, records

    def vote(records, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = (records or {}).get(str(index))
        if record is None:
            return
        feedback.add({**record, "vote": "up" if data.liked else "down",
                      "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})

    def api_ask(question: str, history: list | None = None, done: list | None = None) -> dict:
        """Headless endpoint: one question in, the whole answer and its sources out."""
        try:
            answer = tutor.answer(question, history or [], done=set(done or [])).finish()
        except TutorError as e:
            return {"question": question, "error": str(e)}
        return answer.to_dict()

    with gr.Blocks(title="tutor: Generative AI roadmap") as app:
        progress = gr.BrowserState([], storage_key=PROGRESS_KEY, secret="tutor-progress-v1")
        records = gr.State({})
        gr.Markdown("# tutor\nAsk about the Generative AI learning roadmap: what comes next, "
                    "prerequisites, how long a phase takes, and good resources. Everything runs on this machine.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=560, elem_id="chat",
                                     placeholder="Try one of the examples below.")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the roadmap ...", show_label=False, scale=5,
                                     elem_id="question", max_lines=4)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                gr.Examples(EXAMPLES, inputs=box, label="Example questions")
            with gr.Column(scale=2):
                gr.Markdown("### Your progress\nTick what you have done; it stays in this browser.")
                groups = []
                for phase in roadmap.phases:
                    d = f" ({phase.duration.text})" if phase.duration else ""
                    with gr.Accordion(f"Phase {phase.number}: {phase.title}{d}", open=phase.number == 1):
                        for section in phase.sections:
                            groups.append(gr.CheckboxGroup(
                                choices=[(item.title, item.id) for item in section.items],
                                label=section.title, elem_classes=["progress"]))
                with gr.Accordion("Model and settings", open=False):
                    model_pick = gr.Dropdown(switcher.available(), value=switcher.current(), label="Model",
                                             interactive=loader is not None)
                    model_status = gr.Markdown(f"Model: **{switcher.current()}**")
                    k = gr.Slider(1, 8, value=settings.k, step=1, label="Sources per answer")
                    max_tokens = gr.Slider(32, 512, value=settings.max_tokens, step=16, label="Answer length (tokens)")
                    temperature = gr.Slider(0.0, 1.0, value=settings.temperature, step=0.05, label="Temperature")

        gr.on([box.submit, send.click], show_question, [box, chatbot], [chatbot, box], queue=False,
              api_visibility="private").then(
            respond, [chatbot, progress, records, k, max_tokens, temperature], [chatbot, records],
            api_name="chat", concurrency_id="llm")
        chatbot.like(vote, [records], None, api_visibility="private")

        def save_progress(*values):
            return sorted({item for v in values for item in (v or [])})

        def load_progress(saved):
            saved = set(saved or [])
            return [[i for i in saved if i in {c[1] for c in g.choices}] for g in groups]

        gr.on([g.input for g in groups], save_progress, groups, progress, api_visibility="private")
        app.load(load_progress, progress, groups, api_visibility="private")
        model_pick.change(switcher.switch, model_pick, model_status, api_visibility="private", concurrency_id="llm")
        gr.api(api_ask, api_name="ask", concurrency_id="llm")
    app.queue(default_concurrency_limit=1)
    return app


def _text(content) -> str:
    if isinstance(content, str):
        return content.split("\n\n**Sources**")[0]
    if isinstance(content, list):  # Gradio may hand back [{"type": "text", "text": ...}]
        return " ".join(_text(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
    return str(content)


def parse_auth(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise TutorError("--auth must look like user:password")
    return user, password


def serve(settings: Settings, auth: str | None = None) -> int:
    from .runtime import open_model, open_tutor

    credentials = parse_auth(auth) if auth else None
    tutor = open_tutor(settings)
    app = build_app(tutor, settings, loader=open_model)
    print(f"tutor is running at http://{settings.host}:{settings.port} (Ctrl-C to stop)")
    app.launch(server_name=settings.host, server_port=settings.port, auth=credentials, share=False,
               show_error=False, quiet=True)
    return 0
