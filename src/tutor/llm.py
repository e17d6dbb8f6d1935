"""Chat models behind one small interface: `stream(messages, ...)` yields pieces of text.

Two implementations:
- LlamaCppModel: llama-cpp-python in this process (the default; fully offline).
- OpenAIHTTPModel: any OpenAI-compatible server (`python -m llama_cpp.server`, llama.cpp's
  llama-server with parallel slots, vLLM, Ollama): how a deployment outgrows one machine.
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


class LlamaCppModel:
    def __init__(self, path: Path, name: str = "", n_ctx: int = 2048, threads: int = 2,
                 seed: int = 42, chat_format: str = ""):
        from llama_cpp import Llama

        self.name = name or Path(path).stem
        self.n_ctx = n_ctx
        self.path = Path(path)
        started = time.perf_counter()
        try:
            self.llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
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
    def __init__(self, base_url: str, name: str = "default", n_ctx: int = 2048, timeout: float = 120.0):
        import httpx

        self.base_url = base_url.rstrip("/")
        self.name = name
        self.n_ctx = n_ctx
        self.client = httpx.Client(timeout=timeout)

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
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
                    choices = json.loads(data).get("choices") or [{}]
                    text = (choices[0].get("delta") or {}).get("content")
                    if text:
                        yield text
        except httpx.HTTPError as e:
            raise TutorError(f"cannot reach the LLM server at {self.base_url} ({type(e).__name__}: {e})") from None

    def warm_up(self) -> None:
        pass
