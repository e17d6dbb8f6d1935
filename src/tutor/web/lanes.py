"""Two lanes for answers: the route is decided before anything waits.

Reading a question and answering it from the roadmap graph take milliseconds and need no model,
so curriculum, clarify and refusal answers, and the facts that open a generated answer, are given
at once, whatever the model is doing. Only the model's explanation joins the LLM lane: a
first-in, first-out line with as many slots as the backend serves at once (1 for in-process
llama.cpp, which writes for one caller at a time; N for an OpenAI-compatible server with N slots).

Waiting is done here, not in Gradio's queue, so a page can show its place in line. And an answer
can be stopped between two tokens (Interruptible), not only between two of the tutor's sentences.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..config import Settings
from ..tutor import Answer, Tutor


class Ticket:
    """One caller's place in a Lane: waiting, then holding `weight` slots, then gone."""

    __slots__ = ("weight", "running", "gone")

    def __init__(self, weight: int):
        self.weight = weight
        self.running = False
        self.gone = False


class Lane:
    """First in, first out: a ticket runs once every ticket before it runs and enough slots are
    free. A ticket with weight == slots runs alone (a model switch)."""

    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError("a lane needs at least one slot")
        self.slots = slots
        self.used = 0
        self.line: deque[Ticket] = deque()
        self.changed = threading.Condition()

    def join(self, weight: int = 1) -> Ticket:
        ticket = Ticket(min(max(weight, 1), self.slots))
        with self.changed:
            self.line.append(ticket)
            self._admit()
        return ticket

    def place(self, ticket: Ticket) -> int:
        """0 once the ticket holds its slots; else its place in line (1 = next)."""
        with self.changed:
            if ticket.running or ticket.gone:
                return 0
            return self.line.index(ticket) + 1

    def wait(self, ticket: Ticket, timeout: float | None = None) -> bool:
        """True once the ticket holds its slots; False if `timeout` seconds passed first."""
        with self.changed:
            return self.changed.wait_for(lambda: ticket.running, timeout)

    def leave(self, ticket: Ticket) -> None:
        """Give the slots back, or the place in line; safe to call twice."""
        with self.changed:
            if ticket.gone:
                return
            ticket.gone = True
            if ticket.running:
                self.used -= ticket.weight
            else:
                self.line.remove(ticket)
            self._admit()

    def waiting(self) -> int:
        with self.changed:
            return len(self.line)

    @contextmanager
    def slot(self, weight: int = 1):
        ticket = self.join(weight)
        try:
            self.wait(ticket)
            yield ticket
        finally:
            self.leave(ticket)

    def _admit(self) -> None:
        while self.line and self.used + self.line[0].weight <= self.slots:
            ticket = self.line.popleft()
            ticket.running = True
            self.used += ticket.weight
        self.changed.notify_all()


def waiting(lane: Lane, ticket: Ticket, stop: threading.Event, tick: float = 0.25) -> Iterator[int]:
    """Yields the ticket's place in line every `tick` seconds until it holds a slot or `stop` is
    set; the caller checks which (`ticket.running`)."""
    while not stop.is_set() and not lane.wait(ticket, tick):
        yield lane.place(ticket)


class Interruptible:
    """The tutor's ChatModel, stoppable between two tokens. A stream takes the stop event that
    `Opened.stream` set in the thread that started it, and once that event is set it ends after
    the current token and closes the model's own stream (which frees llama.cpp's lock or the
    server's slot). The tutor's generator then sees the stream end and finishes at once."""

    starting = threading.local()  # .stop: the event of the answer whose stream starts in this thread

    def __init__(self, model):
        self.model = model

    def __getattr__(self, name):  # name, n_ctx, count_tokens, warm_up: the model's own
        return getattr(self.model, name)

    def stream(self, messages, max_tokens, temperature):
        stop = getattr(self.starting, "stop", None)
        pieces = self.model.stream(messages, max_tokens, temperature)
        return pieces if stop is None else _until(pieces, stop)


def interruptible(model):
    return model if model is None or isinstance(model, Interruptible) else Interruptible(model)


def _until(pieces: Iterator[str], stop: threading.Event) -> Iterator[str]:
    try:
        for piece in pieces:
            yield piece
            if stop.is_set():
                return
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


@dataclass
class Opened:
    """An answer that has started: `first` is either all of it, or the facts from the data that
    open a generated answer; then `rest` (the model's explanation) needs `ticket`, which joined
    the LLM lane when the question was read, so the line is in the order questions were asked."""

    answer: Answer
    first: str
    rest: Iterator[str]
    lane: Lane | None = None
    ticket: Ticket | None = None

    @property
    def needs_model(self) -> bool:
        return self.ticket is not None

    def stream(self, stop: threading.Event) -> Iterator[str]:
        """The rest of the answer; once `stop` is set, the model stops after its current token."""
        while True:
            Interruptible.starting.stop = stop
            try:
                piece = next(self.rest, None)
            finally:
                Interruptible.starting.stop = None
            if piece is None:
                return
            yield piece

    def close(self) -> None:
        """End the generation if it is still running, and give the place in the lane back."""
        for stream in (self.rest, self.answer.pieces):
            close = getattr(stream, "close", None)  # a graph answer's pieces are a plain iterator
            if close is not None:
                close()
        if self.ticket is not None:
            self.lane.leave(self.ticket)


class Router:
    """Reads a question, routes it, and answers it in the right lane."""

    def __init__(self, tutor: Tutor, lane: Lane):
        self.tutor = tutor
        self.lane = lane
        tutor.model = interruptible(tutor.model)

    def open(self, question: str, history: list[dict], done: set[str], settings: Settings) -> Opened:
        """Everything that needs no model, at once. Raises TutorError for unusable questions."""
        reading = self.tutor.read(question, history, settings)
        answer = self.tutor.answer(question, history, done=done, settings=settings, reading=reading)
        rest = iter(answer)
        first = next(rest, "")
        if answer.route == "rag":  # the facts came first; the model's explanation follows
            return Opened(answer, first, rest, self.lane, self.lane.join())
        return Opened(answer, first + "".join(rest), rest)  # graph answers need no model

    def answer(self, question: str, history: list[dict], done: set[str], settings: Settings) -> Answer:
        """The whole answer (the headless API): waits in the LLM lane only if the model must write."""
        started = time.perf_counter()
        opened = self.open(question, history, done, settings)
        try:
            if opened.needs_model:
                queued = time.perf_counter()
                self.lane.wait(opened.ticket)
                opened.answer.timings["lane_wait_s"] = round(time.perf_counter() - queued, 4)
                for _ in opened.rest:
                    pass
        finally:
            opened.close()
        opened.answer.timings["server_s"] = round(time.perf_counter() - started, 4)  # reading included
        return opened.answer
