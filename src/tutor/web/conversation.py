"""One browser session's conversation: its turns, who is answering them, what survives a reload.

A turn is one question and its answer. It moves through
    new -> (read and routed) -> done                          a graph answer, at once
    new -> (facts shown) model -> waiting -> writing -> done  a generated answer, via the LLM lane
and may end `stopped` (the Stop button) or `failed` (an error, shown in the chat).

At most one *driver* (chat.py's long-running event) writes the model's part of this
conversation's answers, one after another, in the order they were asked. Every event renders the
whole conversation from here, so concurrent events never disagree about what the chat shows.
Nothing in this module knows about Gradio.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .lanes import Opened

MAX_TURNS = 25  # 50 messages: what the chat keeps and what survives a reload
MAX_UNANSWERED = 5  # questions one page may have waiting: one page cannot fill the model's line
FINISHED = ("done", "stopped", "failed")
MAX_SAVED_CHARS = 20_000  # per stored text: a reload restores what this page wrote, nothing bigger
SOURCE_KEYS = ("title", "url", "breadcrumb")


@dataclass(eq=False)
class Turn:
    n: int  # its number in this conversation: anchors of its sources use it
    question: str
    status: str = "new"
    text: str = ""  # the answer so far, without the sources
    route: str = ""
    model: str = ""
    sources: list[dict] = field(default_factory=list)  # Hit.to_dict() of each source
    place: int = 0  # place in the LLM lane while waiting (1 = next)
    vote: str = ""  # "up" | "down" once voted
    opened: Opened | None = None  # the running answer, between its facts and its end
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Driver:
    """The right to write the model's part of a conversation's answers; `cancelled` by Stop."""

    def __init__(self):
        self.cancelled = False


class Conversation:
    def __init__(self):
        self.turns: list[Turn] = []
        self.count = 0
        self.changed = threading.Condition(threading.RLock())
        self.driver: Driver | None = None
        self.stored: list | None = None  # what the browser was last sent to keep (see chat.py)

    def __deepcopy__(self, memo):
        """Gradio gives each session a deep copy of the State's initial value: an empty
        Conversation, copied as a new empty one (locks and running answers cannot be copied)."""
        if self.turns:
            raise TypeError("a conversation with turns is not copied")
        return Conversation()

    # ------------------------------------------------------------------ turns
    def add(self, question: str, status: str = "new") -> Turn:
        with self.changed:
            self.count += 1
            turn = Turn(self.count, question, status)
            self.turns.append(turn)
            while len(self.turns) > MAX_TURNS and self.turns[0].finished:
                self.turns.pop(0)
            return turn

    def claim_new(self) -> list[Turn]:
        """The turns nobody has started yet; they are marked as started."""
        with self.changed:
            new = [t for t in self.turns if t.status == "new"]
            for turn in new:
                turn.status = "reading"
            return new

    def history_before(self, turn: Turn) -> list[dict]:
        """Earlier answered turns as chat messages, for follow-up questions."""
        with self.changed:
            earlier = self.turns[: self.turns.index(turn)] if turn in self.turns else []
            messages = []
            for t in earlier:
                if t.status == "done":
                    messages += [{"role": "user", "content": t.question}, {"role": "assistant", "content": t.text}]
            return messages

    def mark(self, turn: Turn, expected: tuple[str, ...], status: str) -> bool:
        """Move `turn` to `status` if it is in one of the `expected` states (Stop may have won)."""
        with self.changed:
            if turn.status not in expected:
                return False
            turn.status = status
            return True

    def finish(self, turn: Turn, status: str, text: str | None = None) -> None:
        """End an unfinished turn as `status` (and `text`); a finished one stays as it is."""
        with self.changed:
            if not turn.finished:
                turn.status = status
                turn.text = turn.text if text is None else text

    def busy(self) -> bool:
        with self.changed:
            return any(not t.finished for t in self.turns)

    def full(self) -> bool:
        with self.changed:
            return sum(not t.finished for t in self.turns) >= MAX_UNANSWERED

    def turn_at(self, message_index: int) -> Turn | None:
        """The turn shown at a chat message index (each turn is two messages)."""
        with self.changed:
            i = message_index // 2
            return self.turns[i] if 0 <= i < len(self.turns) else None

    # ------------------------------------------------------------------ the driver
    def begin_driving(self, timeout: float = 10.0) -> Driver | None:
        """A new Driver, or None when a working one already serves this conversation. A driver
        that Stop cancelled is given `timeout` seconds to leave first."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.driver is not None and self.driver.cancelled:
                left = deadline - time.monotonic()
                if left <= 0 or not self.changed.wait(left):
                    return None
            if self.driver is not None:
                return None
            self.driver = Driver()
            return self.driver

    def next_job(self, driver: Driver) -> Turn | None:
        """The oldest turn that needs the driver, marked as taken; None ends the driving, in the
        same step, so a turn added a moment later finds no driver and starts its own."""
        with self.changed:
            if self.driver is not driver or driver.cancelled:
                self._release(driver)
                return None
            for turn in self.turns:
                if turn.status in ("new", "model"):
                    turn.status = "reading" if turn.status == "new" else "waiting"
                    return turn
            self._release(driver)
            return None

    def end_driving(self, driver: Driver) -> None:
        with self.changed:
            self._release(driver)

    def _release(self, driver: Driver) -> None:
        if self.driver is driver:
            self.driver = None
            self.changed.notify_all()

    # ------------------------------------------------------------------ stopping
    def stop(self) -> Turn | None:
        """Stop the answer the model is writing (else the oldest one not finished); later
        questions keep their place and are answered. Returns the stopped turn."""
        with self.changed:
            active = [t for t in self.turns if t.status in ("writing", "waiting")] or \
                     [t for t in self.turns if t.status in ("model", "reading", "new")]
            if not active:
                return None
            turn = active[0]
            turn.stop.set()
            if turn.status == "model" and turn.opened is not None:  # no driver holds it yet
                turn.opened.close()
            turn.status = "stopped"
            if self.driver is not None:
                self.driver.cancelled = True  # it leaves; the next driver takes the rest
            return turn

    def clear(self) -> list[Turn]:
        """Forget every turn (and so its vote record); unfinished answers are stopped."""
        with self.changed:
            dropped, self.turns = self.turns, []
            for turn in dropped:
                turn.stop.set()
                if turn.status == "model" and turn.opened is not None:  # no driver holds it
                    turn.opened.close()
            if self.driver is not None:
                self.driver.cancelled = True
            return dropped

    # ------------------------------------------------------------------ reloads
    def saved(self) -> list[dict]:
        """What the browser keeps: answered turns, and questions still waiting for an answer."""
        with self.changed:
            return [{"q": t.question, "a": t.text if t.finished else "", "status": t.status if t.finished else "asked",
                     "route": t.route, "model": t.model, "sources": t.sources, "vote": t.vote} for t in self.turns]

    def restore(self, saved) -> None:
        """Turns from what the browser kept (untrusted: checked and bounded). Questions that had
        no answer yet are asked again."""
        if not isinstance(saved, list):
            return
        with self.changed:
            if self.turns:
                return
            for item in saved[-MAX_TURNS:]:
                if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
                    continue
                status = item.get("status") if item.get("status") in FINISHED else "new"
                if status == "new" and self.full():
                    continue
                turn = self.add(item["q"][:MAX_SAVED_CHARS], status)
                if status != "new":
                    turn.text = _text(item.get("a"))
                    turn.route, turn.model = _text(item.get("route"))[:40], _text(item.get("model"))[:200]
                    turn.vote = item.get("vote") if item.get("vote") in ("up", "down") else ""
                    sources = item.get("sources") if isinstance(item.get("sources"), list) else []
                    turn.sources = [{k: s.get(k, "") for k in SOURCE_KEYS} for s in sources[:20] if _is_source(s)]


def _text(value) -> str:
    return value[:MAX_SAVED_CHARS] if isinstance(value, str) else ""


def _is_source(s) -> bool:
    return isinstance(s, dict) and all(isinstance(s.get(k, ""), str) and len(s.get(k, "")) < 2000 for k in SOURCE_KEYS)
