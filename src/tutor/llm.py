"""Chat models behind one small interface: `stream(messages, ...)` yields pieces of text.

Two implementations:
- LlamaCppModel: llama-cpp-python in this process (the default; fully offline).
- OpenAIHTTPModel: any OpenAI-compatible server (`python -m llama_cpp.server`, llama.cpp's
  llama-server with parallel slots, vLLM, Ollama): how a deployment outgrows one machine.

Both enforce their limits on our side (`capped`): at most max_tokens pieces, and none after
max_seconds, whatever the model or the server does with the max_tokens it was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from .config import TutorError

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


class ChatModel(Protocol):
    name: str
    n_ctx: int

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """Yield the reply in pieces as they are generated."""

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` costs in this model's context."""


def approx_tokens(text: str) -> int:
    # English with a BPE vocabulary averages a little under 4 characters a token; err long.
    return len(text) // 3 + 1


def capped(pieces: Iterator[str], max_tokens: int, max_seconds: float) -> Iterator[str]:
    """The first `max_tokens` pieces of `pieces` that arrive within `max_seconds`; then `pieces`
    is closed, which ends the generation (and releases the model's lock or the HTTP stream)."""
    deadline = time.monotonic() + max_seconds
    try:
        for n, piece in enumerate(pieces, 1):
            if time.monotonic() > deadline:
                return
            yield piece
            if n >= max_tokens:
                return
    finally:
        pieces.close()


class LlamaCppModel:
    def __init__(self, path: Path, name: str = "", n_ctx: int = 2048, threads: int = 2,
                 seed: int = 42, chat_format: str = "", max_seconds: float = 60.0,
                 batch_threads: int | None = None):
        from llama_cpp import Llama

        self.name = name or Path(path).stem
        self.n_ctx = n_ctx
        self.max_seconds = max_seconds
        self.path = Path(path)
        started = time.perf_counter()
        try:
            # llama.cpp uses n_threads for one token at a time (writing the answer) and
            # n_threads_batch for many at once (reading the prompt); by default the same count.
            self.llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=batch_threads or threads,
                seed=seed, chat_format=chat_format or None, verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as e:
            raise TutorError(f"cannot load the model {path}: {e}") from None
        self.load_seconds = time.perf_counter() - started
        # One llama.cpp context is not safe to share between threads: generation is serialised.
        self.lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        return capped(self._pieces(messages, max_tokens, temperature), max_tokens, self.max_seconds)

    def _pieces(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        with self.lock:
            pieces = self.llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature,
                repeat_penalty=1.15, stream=True,
            )
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if text:
                    yield text

    def warm_up(self) -> None:
        """One tiny generation, so the first real question does not pay for lazy setup."""
        for _ in self.stream([{"role": "user", "content": "Hi"}], max_tokens=1, temperature=0.0):
            pass


class OpenAIHTTPModel:
    def __init__(self, base_url: str, name: str = "default", n_ctx: int = 2048, timeout: float = 120.0,
                 max_seconds: float = 60.0):
        import httpx

        self.base_url = base_url.rstrip("/")
        self.name = name
        self.n_ctx = n_ctx
        self.max_seconds = max_seconds
        # No single wait may outlast the answer's own time limit: a silent server ends the answer.
        self.client = httpx.Client(timeout=min(timeout, max_seconds))

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        return capped(self._pieces(messages, max_tokens, temperature), max_tokens, self.max_seconds)

    def _pieces(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        import httpx

        body = {"model": self.name, "messages": messages, "max_tokens": max_tokens,
                "temperature": temperature, "stream": True}
        url = f"{self.base_url}/chat/completions"
        try:
            with self.client.stream("POST", url, json=body) as r:
                if r.status_code != 200:
                    r.read()
                    raise TutorError(f"the LLM server at {url} answered HTTP {r.status_code}: {r.text[:200]}")
                for line in r.iter_lines():  # server-sent events: "data: {json}" ... "data: [DONE]"
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    text = _delta_text(data, url)
                    if text:
                        yield text
        except httpx.ReadTimeout:
            raise TutorError(f"the LLM server at {url} sent nothing for {self.client.timeout.read:g} s") from None
        except httpx.HTTPError as e:
            raise TutorError(f"cannot reach the LLM server at {self.base_url} ({type(e).__name__}: {e})") from None

    def warm_up(self) -> None:
        pass


def _delta_text(data: str, url: str) -> str:
    """The text in one streamed chat chunk: {"choices": [{"delta": {"content": "..."}}]}.
    A chunk without choices (a usage report) or without content (the role) carries none."""
    garbage = TutorError(f"the LLM server at {url} sent something that is not an OpenAI chat chunk: {data[:80]!r}")
    try:
        event = json.loads(data)
    except ValueError:
        raise garbage from None
    if not isinstance(event, dict):
        raise garbage
    if "error" in event:
        raise TutorError(f"the LLM server at {url} reported an error: {str(event['error'])[:200]}")
    choices = event.get("choices") or []
    if not isinstance(choices, list):
        raise garbage
    if not choices:
        return ""
    delta = (choices[0].get("delta") or {}) if isinstance(choices[0], dict) else None
    text = (delta.get("content") or "") if isinstance(delta, dict) else None
    if not isinstance(text, str):
        raise garbage
    return text
