"""Hybrid search: dense (FAISS) and BM25 rankings fused by reciprocal rank fusion.

Dense search finds paraphrases ("adversarial training" -> GANs); BM25 finds exact rare words
(arXiv ids, "DDIM", "CS231n") that a small embedder blurs. RRF adds 1 / (rrf_k + rank) from each
ranking, so neither score scale has to be calibrated against the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from .config import TutorError
from .corpus import Chunk
from .embed import Embedder, embed_one
from .index import Index
from .text import content_words, normalize_url


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused RRF score; higher is better
    dense: float  # cosine similarity of the query and the chunk (-1..1)

    def to_dict(self) -> dict:
        c = self.chunk
        return {"title": c.title, "url": c.url, "breadcrumb": c.breadcrumb, "score": round(self.score, 5)}


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    best_dense: float  # the best cosine over the whole corpus: low means the query is off-topic


def clean_query(text: str, max_chars: int) -> str:
    """Control characters out, whitespace folded, length bounded; an empty result is an error."""
    if not isinstance(text, str):
        raise TutorError("the question must be text")
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text[: max_chars * 2])
    text = re.sub(r"\s+", " ", text).strip()[:max_chars]
    if not text:
        raise TutorError("the question is empty: ask about the roadmap, e.g. 'What should I learn after GANs?'")
    return text


def bm25_tokens(text: str) -> list[str]:
    return content_words(text) or ["_"]


class Retriever:
    """`boosts` on a search add a third ranking to the fusion: chunks named by node id or
    resource url, in the given order. The Reading supplies them (the nodes a question names,
    or for "what comes after X" the steps after X); with `ordered`, they weigh double, because
    that order is known from the graph, not guessed from word overlap."""

    ORDER_WEIGHT = 2.0

    def __init__(self, index: Index, embedder: Embedder, rrf_k: int = 60):
        import bm25s

        self.position = {c.id: i for i, c in enumerate(index.chunks)}
        self.position.update({normalize_url(c.url): i for i, c in enumerate(index.chunks) if c.kind == "resource"})
        self.index = index
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.bm25 = bm25s.BM25()
        self.bm25.index([bm25_tokens(c.text) for c in index.chunks], show_progress=False)

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    def search(self, query: str, k: int = 5, phase: int | None = None, kind: str | None = None,
               boosts: list[str] = (), ordered: bool = False, vector: np.ndarray | None = None) -> Results:
        """Top-k chunks for `query`, optionally only from one phase or one kind (a chunk kind
        such as 'topic', or a resource kind such as 'paper'). `vector`: the query's embedding,
        when the caller has it already."""
        n = len(self.chunks)
        dense = self.index.search(embed_one(self.embedder, query) if vector is None else vector, n)
        cosine = dict(dense)
        lexical = self.bm25.get_scores(bm25_tokens(query))  # (n_chunks,)
        fused: dict[int, float] = {}
        for rank, (i, _) in enumerate(dense):
            fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        for rank, i in enumerate(np.argsort(-lexical, kind="stable")):
            if lexical[i] <= 0:  # chunks with no query word in common get no BM25 vote
                break
            fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (self.rrf_k + rank + 1)
        keys = [key if key in self.position else normalize_url(key) for key in boosts]
        ranking = list(dict.fromkeys(self.position[key] for key in keys if key in self.position))
        weight = self.ORDER_WEIGHT if ordered else 1.0
        for rank, i in enumerate(ranking):
            fused[i] = fused.get(i, 0.0) + weight / (self.rrf_k + rank + 1)
        order = sorted(fused, key=lambda i: -fused[i])
        hits = []
        for i in order:
            c = self.chunks[i]
            if phase is not None and c.phase != phase:
                continue
            if kind is not None and kind not in (c.kind, c.resource_kind):
                continue
            hits.append(Hit(c, fused[i], cosine.get(i, 0.0)))
            if len(hits) == k:
                break
        best = max(cosine.values()) if cosine else 0.0
        return Results(hits, float(best))
