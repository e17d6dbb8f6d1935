"""A slow fake LLM for the web tests: the LLM boundary is the only thing faked."""

from __future__ import annotations

import re
import threading
import time

from conftest import FakeModel

EXPLAINS = "A VAE encodes each input as a distribution [1], and the Doersch tutorial explains why its training objective works [2]."  # kept by the guard: it joins two facts


class SlowModel(FakeModel):
    """Streams `reply` one word every `delay` seconds. Records when a stream starts and when it
    is closed (the model is free again), and how many words each stream gave."""

    def __init__(self, reply: str = EXPLAINS, delay: float = 0.1):
        super().__init__()
        self.reply = reply
        self.delay = delay
        self.started = threading.Event()
        self.closed = threading.Event()
        self.given: list[int] = []
        self.max_tokens: list[int] = []
        self.active = self.peak = 0  # streams running at once, and the most ever
        self.lock = threading.Lock()

    def stream(self, messages, max_tokens, temperature):
        self.prompts.append(messages)
        self.max_tokens.append(max_tokens)
        self.closed.clear()
        self.started.set()
        self.given.append(0)
        n = len(self.given) - 1
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            for word in re.findall(r"\S+\s*", self.reply):
                time.sleep(self.delay)
                self.given[n] += 1
                yield word
        finally:
            with self.lock:
                self.active -= 1
            self.closed.set()


def wait_for(condition, timeout: float = 10.0, every: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
