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
from .curriculum import STOPWORDS, Item, Resource, Roadmap, query_words, words
from .embed import Embedder, embed_one
from .index import Index


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
    return [w for w in words(text) if w not in STOPWORDS] or ["_"]


class Retriever:
    """`roadmap`, when given, adds a third ranking to the fusion: the chunks of the roadmap
    node the question names (found by the curriculum graph's lookup), or for "what comes
    after/before X" the chunks of the steps after/before X, weighted double because that
    order is known, not guessed from word overlap."""

    ORDER_WEIGHT = 2.0

    def __init__(self, index: Index, embedder: Embedder, rrf_k: int = 60, roadmap: Roadmap | None = None):
        import bm25s

        self.roadmap = roadmap
        self.position = {c.id: i for i, c in enumerate(index.chunks)}
        self.position.update({c.url.rstrip("/"): i for i, c in enumerate(index.chunks) if c.kind == "resource"})
        self.index = index
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.bm25 = bm25s.BM25()
        self.bm25.index([bm25_tokens(c.text) for c in index.chunks], show_progress=False)

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    def search(self, query: str, k: int = 5, phase: int | None = None, kind: str | None = None) -> Results:
        """Top-k chunks for `query`, optionally only from one phase or one kind
        (a chunk kind such as 'topic', or a resource kind such as 'paper')."""
        n = len(self.chunks)
        dense = self.index.search(embed_one(self.embedder, query), n)
        cosine = dict(dense)
        lexical = self.bm25.get_scores(query_words(query) or ["_"])  # (n_chunks,); "nlp" also finds "natural language processing"
        fused: dict[int, float] = {}
        for rank, (i, _) in enumerate(dense):
            fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        for rank, i in enumerate(np.argsort(-lexical, kind="stable")):
            if lexical[i] <= 0:  # chunks with no query word in common get no BM25 vote
                break
            fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (self.rrf_k + rank + 1)
        ranking, ordered = self._curriculum_ranking(query)
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

    def _curriculum_ranking(self, query: str) -> tuple[list[int], bool]:
        if self.roadmap is None:
            return [], False
        nodes, ordered = self.roadmap.targets(query)
        ranking: list[int] = []
        for node in nodes:
            if isinstance(node, Resource):
                keys = [node.url.rstrip("/")]
            elif ordered or isinstance(node, Item):  # a whole phase's resources would crowd out the rest
                keys = [node.id] + [r.url.rstrip("/") for r in self.roadmap.resources_for(node)]
            else:
                keys = [node.id]
            for key in keys:
                i = self.position.get(key)
                if i is not None and i not in ranking:
                    ranking.append(i)
        return ranking, ordered
