"""Thumbs up/down from the chat: one JSON line per vote, in a log that stays small and valid.

Votes: one per answer, only on complete answers, at most `RATE` per session a minute; a vote
that is refused is always explained to the user, never dropped in silence. Records are bounded:
texts are cut and at most MAX_SOURCES sources are kept.

The log: each line is one os.write on an O_APPEND descriptor under flock, so threads and
processes never interleave; a torn last line (a process killed mid-write) is cut off before the
next write, so the file stays valid JSONL; past `max_bytes` it is rotated (feedback.jsonl.1,
.2, ...), keeping `keep` old files.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections import deque
from pathlib import Path

from .conversation import Conversation

MAX_QUESTION, MAX_ANSWER, MAX_FIELD, MAX_SOURCES = 1000, 4000, 300, 8
RATE = (10, 60.0)  # votes, seconds: per session


class FeedbackLog:
    def __init__(self, path: Path, max_bytes: int = 5_000_000, keep: int = 2):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self.lock = threading.Lock()  # flock orders processes; this orders threads sharing a descriptor table

    def add(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(3):  # reopen when another process rotated the file under us
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    if not self._still_current(fd):
                        continue
                    size = _cut_torn_tail(fd)
                    if size and size + len(line) > self.max_bytes:
                        self._rotate()
                        continue
                    _write_all(fd, line)
                    return
                finally:
                    os.close(fd)  # also releases the flock
            raise OSError(f"could not append to {self.path}: it kept being rotated")

    def _still_current(self, fd: int) -> bool:
        try:
            return os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def _rotate(self) -> None:
        for i in range(self.keep, 0, -1):
            older = Path(f"{self.path}.{i - 1}") if i > 1 else self.path
            if older.exists():
                os.replace(older, f"{self.path}.{i}")
        if self.keep == 0:
            self.path.unlink(missing_ok=True)


def _cut_torn_tail(fd: int, block: int = 1 << 16) -> int:
    """Truncate after the last newline; returns the size left."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        start = max(0, end - block)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            os.ftruncate(fd, start + cut + 1)
            return start + cut + 1
        end = start
    os.ftruncate(fd, 0)
    return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class RateLimit:
    """At most `limit` events in any `seconds` window (a sliding log of times)."""

    def __init__(self, limit: int = RATE[0], seconds: float = RATE[1], clock=time.monotonic):
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def __deepcopy__(self, memo):  # one per session: Gradio copies the State's initial value
        copy = RateLimit(self.limit, self.seconds, self.clock)
        copy.times = deque(self.times)
        return copy

    def allow(self) -> bool:
        now = self.clock()
        with self.lock:
            while self.times and now - self.times[0] >= self.seconds:
                self.times.popleft()
            if len(self.times) >= self.limit:
                return False
            self.times.append(now)
            return True


def cast_vote(log: FeedbackLog, conv: Conversation, limit: RateLimit, index, liked) -> tuple[bool, str]:
    """Record a vote on the answer shown at chat message `index`: (recorded, what to tell the user)."""
    if isinstance(index, (list, tuple)):
        index = index[0] if index else -1
    turn = conv.turn_at(index) if isinstance(index, int) and index % 2 == 1 else None
    if turn is None:
        return False, "That answer is no longer in this conversation, so the vote was not recorded."
    if turn.status != "done":
        return False, ("This answer is not finished yet: vote once it is complete." if not turn.finished
                       else "Only complete answers can be voted on; this one was not finished.")
    vote = "up" if liked is True else "down" if liked is False else ""
    with conv.changed:
        if turn.vote:  # whatever this click was (Gradio also sends un-likes)
            return False, f"You already voted on this answer ({'👍' if turn.vote == 'up' else '👎'}); one vote per answer."
        if not vote:
            return False, "Votes are thumbs up or thumbs down; this one was not recorded."
        if not limit.allow():
            return False, "Too many votes in a minute: please wait a little, then vote again."
        turn.vote = vote
    try:
        log.add(record(turn.question, turn.text, turn.sources, turn.model, vote))
    except OSError as e:
        turn.vote = ""
        return False, f"Your vote could not be saved ({e.strerror or e}); please try again later."
    return True, "Thank you: your vote is recorded."


def record(question: str, answer: str, sources: list[dict], model: str, vote: str) -> dict:
    """One log line, bounded whatever the page sent."""
    return {
        "question": question[:MAX_QUESTION], "answer": answer[:MAX_ANSWER], "vote": vote,
        "sources": [{k: str(s.get(k, ""))[:MAX_FIELD] for k in ("title", "url", "breadcrumb")}
                    for s in sources[:MAX_SOURCES]],
        "model": model[:MAX_FIELD], "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
