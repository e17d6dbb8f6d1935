"""The chat panel: the conversation, the question box, Ask / Stop / New chat, example questions.

Its events (all private: the page's own plumbing, not an API):

    ask, example   the question shows at once; then `kick` (a State) changes, which runs
    prepare        queue=False  reads and routes every new question: graph answers, and the
                                facts that open a generated answer, are written here, never
                                behind the model
    drive          queued with no Gradio limit (the LLM lane is the limit): waits in the lane,
                                showing the place in line, and streams the model's explanations
                                one after another, in the order they were asked
    stop           cancels=drive: ends the answer being written and frees the model; the
                                questions behind it keep their place (kick -> drive)
    new chat       cancels=drive: clears the conversation and its vote records (also the
                                chat's own trash button)
    load           restores the conversation the browser kept; re-asks what had no answer
    like           one vote per complete answer; every refusal is explained (feedback.py)

Events that change `kick` go through Gradio's queue (with no limit, so they never wait): only
queued events tell the page that a State changed. `prepare` and `drive` run with
trigger_mode="multiple", so a question asked while another streams is never skipped by the page;
a second driver for the same conversation leaves at once.
"""

from __future__ import annotations

import time

import gradio as gr

from ..config import Settings, TutorError
from . import markup
from .conversation import Conversation, Turn
from .feedback import FeedbackLog, RateLimit, cast_vote
from .lanes import Router, waiting
from .progress import ticked_ids
from .settings import answer_settings

EXAMPLES = [
    "What should I learn after GANs?",
    "A good resource for VAEs?",
    "How long is phase 2?",
    "What do I need before diffusion models?",
    "What should I learn next?",
    "What is the CLIP paper about?",
]
CHAT_KEY = "tutor-chat"  # localStorage key of the kept conversation
BROKEN = "⚠️ Something went wrong ({error}). Please try again."
FULL = "Several questions are already waiting for their answers: send this one when one of them is done."


class ChatPanel:
    def __init__(self, router: Router, base: Settings, log: FeedbackLog):
        self.router = router
        self.base = base
        self.log = log

    def build(self) -> None:
        # Values, not factories: Gradio would publish a factory as an API endpoint. Each session
        # gets a deep copy (see Conversation.__deepcopy__); a closed page frees its place in line.
        self.conv = gr.State(Conversation(), delete_callback=Conversation.clear)
        self.votes = gr.State(RateLimit())
        self.kick = gr.State(0)  # changes whenever there are questions to answer
        self.saved = gr.BrowserState([], storage_key=CHAT_KEY, secret="tutor-chat-v1")
        self.chatbot = gr.Chatbot(label="Chat", height=560, elem_id="chat", buttons=["copy"],
                                  placeholder="Ask about the roadmap, or pick an example below.")
        with gr.Row(equal_height=True):
            self.box = gr.Textbox(placeholder="Ask about the roadmap ...", label="Your question", show_label=False,
                                  scale=5, elem_id="question", max_lines=4, autofocus=True)
            self.ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
        with gr.Row():
            self.stop = gr.Button("Stop", variant="stop", interactive=False, size="sm", elem_id="stop")
            self.new_chat = gr.Button("New chat", variant="secondary", size="sm", elem_id="new-chat")
        self.examples = gr.Dataset(components=[self.box], samples=[[q] for q in EXAMPLES], type="values",
                                   label="Example questions (click to ask)", elem_id="examples")

    def wire(self, app: gr.Blocks, done: gr.BrowserState, sliders: list) -> None:
        view = [self.chatbot, self.ask, self.stop, self.saved]
        answer_inputs = [self.conv, done, *sliders]
        quiet = {"api_visibility": "private", "show_progress": "hidden"}  # the chat shows its own indicator
        now = {"concurrency_limit": None, **quiet}  # queued, but never waiting
        gr.on([self.box.submit, self.ask.click], self.on_ask, [self.box, self.conv], [self.box, self.kick, *view], **now)
        self.examples.click(self.on_example, [self.examples, self.conv], [self.kick, *view], **now)
        driving = self.kick.change(self.prepare, answer_inputs, view, queue=False, trigger_mode="multiple", **quiet).then(
            self.drive, answer_inputs, view, trigger_mode="multiple", **now)
        self.stop.click(self.on_stop, [self.conv], [self.kick, *view], cancels=[driving], **now)
        gr.on([self.new_chat.click, self.chatbot.clear], self.on_new_chat, [self.conv], view, cancels=[driving], **now)
        app.load(self.on_load, [self.saved, self.conv], [self.kick, *view], **now)
        self.chatbot.like(self.on_vote, [self.conv, self.votes], None, **now)

    # ------------------------------------------------------------------ what the page shows
    def view(self, conv: Conversation) -> tuple:
        with conv.changed:
            for turn in conv.turns:  # places in the LLM lane move as other answers finish
                if turn.opened is not None and turn.opened.ticket is not None:
                    turn.place = self.router.lane.place(turn.opened.ticket)
            busy = conv.busy()
            messages = markup.messages(conv.turns)
            saved = conv.saved()
            keep = saved if saved != conv.stored else gr.skip()
            conv.stored = saved
        return (messages, gr.update(value="Ask next" if busy else "Ask"), gr.update(interactive=busy), keep)

    # ------------------------------------------------------------------ events
    def on_ask(self, message, conv: Conversation):
        message = (message if isinstance(message, str) else "").strip()[: self.base.max_query_chars]
        if not message:
            return gr.skip(), gr.skip(), *self.view(conv)
        if conv.full():  # the question stays in the box, not lost
            gr.Warning(FULL)
            return gr.skip(), gr.skip(), *self.view(conv)
        conv.add(message)
        return "", time.time_ns(), *self.view(conv)

    def on_example(self, sample, conv: Conversation):
        question = sample[0] if isinstance(sample, list) and sample else sample
        if not isinstance(question, str) or question not in EXAMPLES:
            return gr.skip(), *self.view(conv)
        return self.ask_question(question, conv)

    def ask_question(self, question: str, conv: Conversation) -> tuple:
        """Asks a question the page made itself (an example, a topic's "Ask about this") as if it
        were typed. Returns values for `question_outputs()`; call it from a queued event."""
        if conv.full():
            gr.Warning(FULL)
            return gr.skip(), *self.view(conv)
        conv.add(question.strip()[: self.base.max_query_chars])
        return time.time_ns(), *self.view(conv)

    def question_outputs(self) -> list:
        """What asking updates: `kick`, which starts the answer, then the chat's view."""
        return [self.kick, self.chatbot, self.ask, self.stop, self.saved]

    def prepare(self, conv: Conversation, done, *sliders):
        for turn in conv.claim_new():
            self.open_turn(conv, turn, done, sliders)
        return self.view(conv)

    def drive(self, conv: Conversation, done, *sliders):
        driver = conv.begin_driving()
        if driver is None:  # another driver serves this conversation; it will reach our question
            yield self.view(conv)
            return
        try:
            while (turn := conv.next_job(driver)) is not None:
                if turn.status == "reading":  # asked, but its own prepare never ran
                    self.open_turn(conv, turn, done, sliders)
                    yield self.view(conv)
                    if not conv.mark(turn, ("model",), "waiting"):
                        continue
                yield from self.write(conv, turn)
                yield self.view(conv)
        finally:
            conv.end_driving(driver)
        yield self.view(conv)

    def on_stop(self, conv: Conversation):
        conv.stop()
        return time.time_ns(), *self.view(conv)

    def on_new_chat(self, conv: Conversation):
        conv.clear()
        return self.view(conv)

    def on_load(self, saved, conv: Conversation):
        conv.restore(saved)
        return time.time_ns(), *self.view(conv)

    def on_vote(self, conv: Conversation, limit: RateLimit, data: gr.LikeData):
        recorded, message = cast_vote(self.log, conv, limit, data.index, data.liked)
        (gr.Info if recorded else gr.Warning)(message)

    # ------------------------------------------------------------------ answering
    def open_turn(self, conv: Conversation, turn: Turn, done, sliders) -> None:
        """Read, route and start one answer: all of it from the graph, or its facts."""
        try:
            settings = answer_settings(self.base, *sliders)
            ticked = set(ticked_ids(done))
            opened = self.router.open(turn.question, conv.history_before(turn), ticked, settings)
        except TutorError as e:
            conv.finish(turn, "failed", f"⚠️ {e}")
            return
        except Exception as e:  # never a traceback or a frozen indicator in front of the learner
            conv.finish(turn, "failed", BROKEN.format(error=f"{type(e).__name__}: {e}"))
            return
        with conv.changed:
            if turn.status != "reading":  # stopped or cleared meanwhile
                opened.close()
                return
            turn.route, turn.model, turn.text = opened.answer.route, opened.answer.model, opened.first
            turn.sources = [h.to_dict() for h in opened.answer.sources]
            if opened.needs_model:
                turn.opened, turn.status = opened, "model"
            else:
                turn.status = "done"

    def write(self, conv: Conversation, turn: Turn):
        """The model's part of one answer: wait for its place in the LLM lane, then stream."""
        opened, lane = turn.opened, self.router.lane
        try:
            for _ in waiting(lane, opened.ticket, turn.stop):
                yield self.view(conv)
            if not conv.mark(turn, ("waiting",), "writing"):
                return
            yield self.view(conv)
            for piece in opened.stream(turn.stop):
                if turn.stop.is_set():
                    return
                turn.text += piece
                yield self.view(conv)
            with conv.changed:
                if turn.status == "writing":
                    turn.text, turn.model, turn.status = opened.answer.text or turn.text, opened.answer.model, "done"
        except TutorError as e:
            conv.finish(turn, "failed", f"{turn.text}\n\n⚠️ {e}")
        except Exception as e:
            conv.finish(turn, "failed", f"{turn.text}\n\n" + BROKEN.format(error=f"{type(e).__name__}: {e}"))
        finally:
            opened.close()  # ends the generation, frees the model for the next answer
            turn.opened = None
            conv.finish(turn, "stopped")  # Stop, New chat, or the page went away: never left half-open
