"""The page: the panels laid out, the headless /ask endpoint, and the page's CSS and script.

Left the chat (chat.py); right your progress (progress.py) and the model and settings
(settings.py). On a phone the columns stack, chat first. The Roadmap tab: the map
(roadmap_map.py) with the opened step (topic.py) beside it, or below it on a phone. CSS and HEAD are given to Gradio at
launch (serve.start), as Gradio 6 wants.
"""

from __future__ import annotations

import gradio as gr

from ..config import Settings, TutorError
from ..tutor import Tutor
from .chat import ChatPanel
from .feedback import FeedbackLog
from .lanes import Lane, Router
from .plan import PlanPanel
from .progress import ProgressPanel
from .quiz import QuizPanel
from .roadmap_map import MapPanel
from .settings import ModelSwitcher, SettingsPanel
from .topic import TopicPanel

# Gradio's default colours fail WCAG AA contrast (white on orange, light grey subdued text).
THEME = gr.themes.Default(primary_hue="blue").set(
    body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
    button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
    button_primary_background_fill_dark="*primary_700", button_primary_text_color="white",
    button_cancel_background_fill="#b91c1c", button_cancel_background_fill_hover="#991b1b",
    button_cancel_background_fill_dark="#b91c1c", button_cancel_text_color="white",
)

CSS = """
#rooms [role=tab][aria-selected=true] { color: var(--primary-700); }  /* the accent (primary 500) is 3.7:1 on white */
.dark #rooms [role=tab][aria-selected=true] { color: var(--primary-300); }
#chat { --quiet: var(--neutral-600); }
.dark #chat { --quiet: var(--neutral-300); }
#chat .message-wrap .prose.chatbot.md { opacity: 1; }  /* Gradio dims all chat text to 0.8: too faint for AA */
/* Provenance: data above, the model's explanation (a blockquote after its label) quieter. */
#chat blockquote, #chat blockquote * { color: var(--quiet); }
#chat blockquote { border-left: 3px solid var(--border-color-primary); margin: .6em 0 .2em; padding: .1em .9em;
  font-size: .95em; background: none; }
#chat blockquote em:first-child { font-size: .92em; }
/* Working indicator; vote and copy only on complete answers. */
#chat .working, #chat .stopped { color: var(--quiet); font-style: italic; }
#chat .message-row:has(.unfinished) + .message-buttons { display: none; }
/* Compact sources. */
#chat details.sources { font-size: .9em; margin-top: .4em; }
#chat details.sources summary { cursor: pointer; color: var(--quiet); }
#chat details.sources ul { list-style: none; padding-left: 0; margin: .2em 0 0; }
#chat details.sources li { margin: .1em 0; }
#chat details.sources .n { color: var(--quiet); margin-right: .25em; }
#chat li:target { outline: 2px solid var(--color-accent); border-radius: 2px; }
#chat a.cite { text-decoration: none; font-size: .85em; vertical-align: super; padding: 0 .1em; }
/* The selected tab's name: Gradio's accent (blue 500) is 3.7:1 on white, under AA's 4.5:1. */
#rooms button[role="tab"][aria-selected="true"] { color: var(--primary-700); }
.dark #rooms button[role="tab"][aria-selected="true"] { color: var(--primary-300); }
/* Roadmap tab: on a wide screen the topic panel stays in view beside the long map. */
@media (min-width: 768px) {
  #topic { position: sticky; top: .5rem; align-self: flex-start; max-height: calc(100vh - 1rem); overflow-y: auto; }
}
"""

HEAD = """
<script>
// Sources start collapsed, so a phone shows the answer first; a wide screen opens them.
(() => {
  const wide = window.matchMedia("(min-width: 768px)");
  const open = () => {
    if (!wide.matches) return;
    for (const d of document.querySelectorAll("#chat details.sources:not([data-seen])")) {
      d.dataset.seen = "1";
      d.open = true;
    }
  };
  new MutationObserver(open).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>
"""

INTRO = ("# tutor\nAsk about the Generative AI learning roadmap: what comes next, prerequisites, how long a "
         "phase takes, and good resources. Everything runs on this machine.")


def build_app(tutor: Tutor, settings: Settings, loader=None) -> gr.Blocks:
    """`loader(settings) -> ChatModel` lets the model picker switch models, if
    `settings.allow_model_switch`; otherwise the picker is read-only."""
    lane = Lane(settings.llm_concurrency if settings.llm_url else 1)  # in-process llama.cpp writes one answer at a time
    router = Router(tutor, lane)
    chat = ChatPanel(router, settings, FeedbackLog(settings.feedback_file))
    progress = ProgressPanel(tutor.roadmap)
    roadmap_map, topic = MapPanel(tutor.roadmap), TopicPanel(tutor.corpus)
    panel = SettingsPanel(ModelSwitcher(tutor, settings, loader if settings.allow_model_switch else None, lane), settings)
    plan = PlanPanel(tutor.roadmap)
    quiz = QuizPanel(tutor.corpus)

    def ask(question: str, history: list | None = None, done: list | None = None) -> dict:
        """Headless endpoint: one question in, the whole answer, its route and sources out."""
        try:
            return router.answer(question, history or [], set(done or []), settings).to_dict()
        except TutorError as e:
            return {"question": question, "error": str(e)}

    with gr.Blocks(title="tutor: Generative AI roadmap", analytics_enabled=False) as app:
        gr.Markdown(INTRO, elem_id="intro")
        with gr.Tabs(elem_id="rooms") as tabs:
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row():
                    with gr.Column(scale=3, min_width=320):
                        chat.build()
                    with gr.Column(scale=2, min_width=280):
                        progress.build()
                        panel.build()
            with gr.Tab("Roadmap", id="map-tab", elem_id="map-tab"):
                with gr.Row():
                    with gr.Column(scale=3, min_width=320):
                        roadmap_map.build()
                    with gr.Column(scale=2, min_width=300, elem_id="topic"):
                        topic.build()
            with gr.Tab("Plan", id="plan-tab", elem_id="plan-tab"):
                plan.build()
            with gr.Tab("Quiz", id="quiz-tab", elem_id="quiz-tab"):
                quiz.build()
        chat.wire(app, progress.done, panel.inputs())
        progress.wire(app)
        roadmap_map.wire(app, progress.done, topic.selected)
        topic.wire(app, progress.done, roadmap_map, chat, tabs)
        panel.wire()
        plan.wire(progress.done)
        quiz.wire(progress.done)
        gr.api(ask, api_name="ask", queue=False)  # the lanes limit it, not Gradio's queue
    app.queue(default_concurrency_limit=None)
    # The same endpoint on a page with no components, served at HEADLESS by `start`: Gradio builds
    # each new session's state from every block of its page (127 here, about 15 ms that holds the
    # GIL), so 32 scripts opening sessions at once waited up to 0.8 s for a graph answer.
    with gr.Blocks(title="tutor: headless API", analytics_enabled=False) as app.headless:
        gr.api(ask, api_name="ask", queue=False)
    return app
