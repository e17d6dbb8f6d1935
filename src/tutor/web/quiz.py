"""The Quiz tab: five questions from the roadmap and its cards, answers checked against the data.

The questions, the checking and what may be ticked all come from quiz.py (Quiz.questions,
Quiz.check, tickable), as in `tutor quiz`; no model is involved. This module shows them and says
what went wrong. A quiz is its phase and seed: the seed is the "quiz number" a learner can type
to get the same questions again (the chat's "quiz me on phase 3" names one), and a new random
one otherwise. The questions are rebuilt from (phase, seed) for each check, so the session keeps
three small values, not the questions.

Ticks: the tab reads `progress.done` and, when the learner takes the offer to tick the topics they
passed, writes the new list to it and to nothing else of the progress panel.
"""

from __future__ import annotations

import random

import gradio as gr

from ..config import TutorError
from ..corpus import Corpus
from ..quiz import QUESTIONS, Question, Quiz, Result, score, tickable
from ..roadmap import label
from .plan import warning
from .progress import ticked_ids, ticks_of

ALL = "all"  # the phase dropdown's value for a quiz on the whole roadmap
MAX_ANSWER = 200  # characters of an answer that are checked
MAX_SEED = 999_999  # quiz numbers run from 0 to this
INTRO = ("## Quiz\nFive questions from the roadmap and its resource cards. Your answers are checked against "
         "the roadmap itself (names, order, durations), never by the language model.")
# Plain symbols, not emoji: they show in every font.
VERDICT = {"correct": "✓ **Right.**", "partly right": "◐ **Partly right** ({score:.0%}).", "wrong": "✗ **Not quite.**"}


class QuizPanel:
    def __init__(self, corpus: Corpus, quiz: Quiz | None = None, seeds: random.Random | None = None):
        """`seeds`: where new quiz numbers come from (a test may fix it)."""
        self.quiz = quiz or Quiz(corpus)
        self.roadmap = corpus.roadmap
        self.seeds = seeds or random.Random()

    def build(self) -> None:
        # The quiz on screen: {"phase": int | None, "seed": int, "passed": [topic ids not yet ticked]}.
        self.state = gr.State(None)
        gr.Markdown(INTRO)
        choices = [("All phases", ALL)] + [(label(p), str(p.number)) for p in self.roadmap.phases]
        with gr.Row(equal_height=True):
            self.phase = gr.Dropdown(choices, value=ALL, label="Phase", scale=3, min_width=240, elem_id="quiz-phase")
            self.number = gr.Textbox(label="Quiz number (optional)", placeholder="blank: new questions", max_lines=1,
                                     max_length=12, scale=1, min_width=180, elem_id="quiz-number",
                                     info="The same number brings the same questions back.")
        self.begin = gr.Button("Start quiz", variant="primary", elem_id="quiz-start")
        self.header = gr.Markdown(elem_id="quiz-header")  # which quiz is on screen
        self.status = gr.Markdown(elem_id="quiz-status")  # what to do about a bad input
        self.rows, self.questions, self.answers, self.results = [], [], [], []
        for n in range(1, QUESTIONS + 1):
            with gr.Column(visible=False, elem_classes=["quiz-row"]) as row:
                self.questions.append(gr.Markdown(elem_id=f"quiz-q{n}"))
                self.answers.append(gr.Textbox(label=f"Your answer to question {n}", show_label=False, max_lines=2,
                                               max_length=MAX_ANSWER, placeholder="Your answer", container=False,
                                               elem_id=f"quiz-a{n}"))
                self.results.append(gr.Markdown(elem_id=f"quiz-r{n}", elem_classes=["quiz-result"]))
            self.rows.append(row)
        self.check = gr.Button("Check answers", variant="primary", visible=False, elem_id="quiz-check")
        self.score = gr.Markdown(elem_id="quiz-score")
        self.tick = gr.Button("Tick passed topics", variant="primary", visible=False, elem_id="quiz-tick")
        self.note = gr.Markdown(elem_id="quiz-note")

    def wire(self, done: gr.BrowserState) -> None:
        self.done = done
        shown = [self.header, self.status, *self.rows, *self.questions, *self.answers, *self.results, self.check,
                 self.score, self.tick, self.note]
        quiet = {"api_visibility": "private", "concurrency_limit": None}
        self.begin.click(self.on_start, [self.phase, self.number], [self.state, *shown], **quiet)
        self.check.click(self.on_check, [self.state, done, *self.answers],
                         [self.state, self.header, self.status, *self.results, self.score, self.tick, self.note],
                         **quiet)
        # Queued (the default), so that a listener on `done` hears the change.
        self.tick.click(self.on_tick, [self.state, done], [self.state, done, self.tick, self.note], **quiet)

    # ------------------------------------------------------------------ reading the inputs
    def phase_number(self, value) -> int | None:
        if value == ALL:
            return None
        if isinstance(value, str) and value.isdigit() and self.roadmap.phase(int(value)) is not None:
            return int(value)
        raise TutorError('pick a phase to be quizzed on, or "All phases"')

    def seed(self, number) -> int:
        text = (number if isinstance(number, str) else "").strip()
        if not text:
            return self.seeds.randrange(MAX_SEED + 1)
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
            raise TutorError(f"the quiz number is a whole number from 0 to {MAX_SEED:,}, or blank for new questions")
        return int(text)

    def title(self, state) -> str:
        on = label(self.roadmap.phase(state["phase"])) if state["phase"] else "the whole roadmap"
        return f"Quiz number **{state['seed']}** on **{on}**."

    def asked(self, state) -> list[Question]:
        return self.quiz.questions(state["phase"], n=QUESTIONS, seed=state["seed"])

    # ------------------------------------------------------------------ events
    def on_start(self, phase, number) -> dict:
        try:
            state = {"phase": self.phase_number(phase), "seed": self.seed(number), "passed": []}
            questions = self.asked(state)
        except TutorError as e:
            return {self.status: warning(e)}  # the quiz on screen, if any, stays
        if not questions:
            return {self.status: "⚠️ The roadmap gives no questions on that phase; pick another."}
        out = {self.state: state, self.check: gr.update(visible=True), self.score: "", self.note: "",
               self.tick: gr.update(visible=False), self.status: "",
               self.header: f"{self.title(state)} Type your answers, then press **Check answers**; a blank "
                            "answer counts as not known."}
        for n, row in enumerate(self.rows):
            q = questions[n] if n < len(questions) else None  # a small roadmap may give fewer questions
            out[row] = gr.update(visible=q is not None)
            out[self.questions[n]] = f"**{n + 1}.** {q.text}" if q else ""
            out[self.answers[n]] = ""
            out[self.results[n]] = ""
        return out

    def on_check(self, state, done, *answers) -> dict:
        if not state:
            return {self.status: "⚠️ Start a quiz first: pick a phase and press **Start quiz**."}
        given = [(a if isinstance(a, str) else "").strip()[:MAX_ANSWER] for a in answers]
        questions = self.asked(state)
        if not any(given[: len(questions)]):
            return {self.status: "⚠️ Type an answer to at least one question, then press **Check answers**."}
        results = [self.quiz.check(q, a) for q, a in zip(questions, given)]
        new = self.unticked(tickable(results), done)
        state = {**state, "passed": new}
        out = {self.state: state, self.status: "", self.header: self.title(state), self.note: "",
               self.score: self.summary(results, new),
               self.tick: gr.update(visible=bool(new), value=f"Tick {len(new)} passed topic{'s' * (len(new) != 1)}")}
        for n, box in enumerate(self.results):
            out[box] = mark(results[n]) if n < len(results) else ""
        return out

    def on_tick(self, state, done) -> dict:
        new = self.unticked((state or {}).get("passed", []), done)
        if not new:
            return {self.tick: gr.update(visible=False)}
        titles = ", ".join(self.roadmap.node(i).title for i in new)
        return {self.state: {**state, "passed": []}, self.done: sorted({*ticked_ids(done), *new}),
                self.tick: gr.update(visible=False),
                self.note: f"Ticked: {titles}. They show under *Your progress* in the Chat tab."}

    # ------------------------------------------------------------------ wording
    def unticked(self, passed: list[str], done) -> list[str]:
        """The passed topics not ticked yet (a ticked section or phase ticks its topics)."""
        ticked = ticks_of(self.roadmap, done)
        return [i for i in passed if not ticked.is_done(self.roadmap.node(i))]

    def summary(self, results: list[Result], new: list[str]) -> str:
        text = f"**Score: {score(results):g} of {len(results)}.**"
        passed = tickable(results)
        if passed:
            titles = ", ".join(self.roadmap.node(i).title for i in passed)
            text += f" You answered every question on: {titles}."
            if not new:
                text += " They are already ticked in your progress."
        return text


def mark(result: Result) -> str:
    """One checked answer: the verdict, the right answer and where it comes from."""
    q = result.question
    lines = [VERDICT[result.verdict].format(score=result.score)]
    if result.note:
        lines[0] += f" {result.note[:1].upper()}{result.note[1:]}."
    lines[0] += f" Answer: {q.answer}"
    if q.parts and result.matched and result.score < 1:
        lines[0] += f" (you named: {', '.join(result.matched)})"
    lines.append(f"Source: {q.source}")
    return "  \n".join(lines)
