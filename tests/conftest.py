"""Shared fixtures. Fakes stand only at the true boundaries: the embedder and the LLM."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.index import build
from tutor.retrieve import Retriever
from tutor.text import STOPWORDS
from tutor.tutor import Tutor

ROOT = Path(__file__).resolve().parents[1]
REAL_CORPUS = ROOT / "corpus"


class HashEmbedder:
    """Bag of hashed words -> unit vector. Deterministic, instant, and similar texts really
    are similar, which is all retrieval tests need from an embedder."""

    name = "hash-embedder"
    dim = 2048

    def embed_batch(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in re.findall(r"[a-z0-9]+", text.lower()):
                if w in STOPWORDS:
                    continue
                out[row, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class FakeModel:
    """Queued replies, streamed word by word; records every prompt it was sent."""

    name = "fake"
    n_ctx = 2048

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.prompts: list[list[dict]] = []

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def stream(self, messages, max_tokens, temperature):
        self.prompts.append(messages)
        reply = self.replies.pop(0) if self.replies else "I do not know."
        yield from re.findall(r"\S+\s*", reply)

    def warm_up(self):
        pass


@pytest.fixture(scope="session")
def real_corpus() -> Corpus:
    return Corpus.load(REAL_CORPUS)


@pytest.fixture(scope="session")
def roadmap(real_corpus):
    return real_corpus.roadmap


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory, real_corpus):
    return build(real_corpus, HashEmbedder(), tmp_path_factory.mktemp("index"), progress=False)


@pytest.fixture(scope="session")
def minilm():
    """The real bundled embedder, as the app loads it (ONNX Runtime once exported)."""
    from tutor.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def real_index(minilm):
    """The committed index (built with MiniLM); test_corpus fails if it is stale."""
    from tutor.index import load

    return load(ROOT / "index")


@pytest.fixture(scope="session")
def real_tutor(real_corpus, real_index, minilm):
    """Everything real but the LLM: reading, retrieval and facts use MiniLM and the committed index."""
    return Tutor(real_corpus, Retriever(real_index, minilm, 60), FakeModel(), Settings(corpus_dir=REAL_CORPUS))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(corpus_dir=REAL_CORPUS, index_dir=tmp_path / "index", feedback_file=tmp_path / "feedback.jsonl")


@pytest.fixture
def make_tutor(real_tutor, settings):
    """A tutor sharing real_tutor's reader and index, with its own fake model."""
    def make(*replies: str, model=None) -> Tutor:
        return Tutor(real_tutor.corpus, real_tutor.retriever, model or FakeModel(*replies), settings,
                     reader=real_tutor.reader)

    return make


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus, for tests that change it."""
    target = tmp_path / "corpus"
    shutil.copytree(REAL_CORPUS, target)
    return target
