"""Keep generated text honest: nothing the sources do not back reaches the user.

Checks, sentence by sentence (a small model invents mid-answer, so whole sentences go):
- a URL that is not the url of a source given to the model is removed;
- an arXiv id that does not appear in those sources is removed;
- a citation [n] must point at one of the n sources given, else it is removed;
- a resource title from the corpus that is not among the sources drops the sentence;
- a sentence whose content words are mostly absent from the sources and the question, or
  whose adjacent content-word pairs mostly never occur in them, is dropped as ungrounded
  (words alone let a small model recombine true words into false claims);
- a sentence with a number (a year, a count, a duration) that the sources do not contain is
  dropped: small models garble numbers;
- a sentence that echoes the prompt ("Question: ...", "Sources: ..."), repeats the question,
  asks one, or says nothing ("1. 2. 3.") is dropped;
- a fragment (fewer than three content words, or ending in ':' as if a list should follow) is
  dropped, and so is a repeat or near-repeat of a sentence already shown, facts included;
- with an embedder, a sentence whose best cosine to any source sentence is below
  `min_similarity` is dropped: true words in a sense the sources never state.
With `min_grounding=1.0` (the tutor's setting) every content word must be in the sources the
sentence cites (all given sources when it cites none) or in the question.
`Guard.feed` takes streamed pieces and returns only complete, checked sentences, so the
stream shown to the user is already clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .text import STOPWORDS, normalize_url, split_sentences, words

URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+", re.I)
ARXIV = re.compile(r"\b(?:arxiv[:\s]*)?(\d{4}\.\d{4,5})(?:v\d+)?\b", re.I)
CITATION = re.compile(r"\[(\d+)\]")
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\w)")  # 2017, 3.5; not "CS231n" or list "1."
# A stop, then space, ends a sentence, except after an initial or a title ("Deisenroth, A. Aldo Faisal",
# "Dr. Severance", "Vaswani et al. wrote"): fixed-width lookbehinds, one per case.
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bProf\.)(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
                          r"(?<!\bvs\.)\s+|\n+")


# A sentence that opens with a yes or a no: the sources can back its words and still not its direction.
VERDICT = re.compile(r"^(yes|no|yeah|yep|nope|sure|absolutely|definitely|of course|not really|not quite)\b", re.I)


@dataclass
class Guard:
    source_texts: list[str]  # what the model was given, in citation order ([1] is the first)
    source_urls: list[str]
    corpus_titles: list[str]  # every resource title in the corpus
    question: str = ""
    min_grounding: float = 0.6  # share of content words found in the sources
    min_pairs: float = 0.3  # share of adjacent content-word pairs found in the sources
    shown: list[str] = field(default_factory=list)  # text already in front of the learner (the facts)
    embedder: object = None  # for the similarity check; None skips it
    min_similarity: float = 0.5  # cosine to the closest source sentence
    max_overlap: float = 0.6  # content-word Jaccard above which a sentence repeats another
    max_contained: float = 0.8  # share of its content words inside one shown fact above which it repeats that fact
    removed: list[str] = field(default_factory=list)  # what was taken out, for the eval report
    checked: int = 0  # sentences the model has finished, kept or not
    _buffer: str = ""

    def __post_init__(self):
        given = " ".join(self.source_texts + self.source_urls)
        self._urls = {normalize_url(u) for u in self.source_urls if u}
        self._arxiv = set(ARXIV.findall(given))
        self._numbers = set(NUMBER.findall(given + " " + self.question))
        known = [w for w in words(given + " " + self.question) if w not in STOPWORDS]
        self._known = set(known)
        self._pairs = set(zip(known, known[1:]))
        lowered = given.lower()
        self._foreign_titles = [t for t in self.corpus_titles if len(t) > 6 and t.lower() not in lowered]
        self._cited = [set(w for w in words(t) if w not in STOPWORDS) for t in self.source_texts]
        self._seen = [set(_content(t)) for line in self.shown for t in split_sentences(line)]
        self._facts = [seen for seen in self._seen if seen]
        self._source_vectors = None

    def feed(self, piece: str) -> str:
        """Add a streamed piece; return the checked complete sentences it finishes (maybe "")."""
        self._buffer += piece
        parts = SENTENCE_END.split(self._buffer)
        if len(parts) == 1:
            return ""
        done, self._buffer = parts[:-1], parts[-1]
        return "".join(s + " " for s in (self.check(p) for p in done) if s)

    def flush(self) -> str:
        rest, self._buffer = self._buffer, ""
        return self.check(rest)

    def check(self, sentence: str) -> str:
        """The sentence with unbacked links, ids and citations removed; "" if it cannot stay."""
        s = sentence.strip()
        if not s:
            return ""
        self.checked += 1
        if re.match(r"^(question|sources?|answer)\s*:", s, re.I) and not s.lower().startswith("answer:"):
            return self._drop(s)
        s = re.sub(r"^answer\s*:\s*", "", s, flags=re.I)
        s = MD_LINK.sub(lambda m: m.group(0) if self._url_ok(m.group(2)) else m.group(1), s)
        s = URL.sub(lambda m: m.group(0) if self._url_ok(m.group(0)) else self._drop(m.group(0)), s)
        s = ARXIV.sub(lambda m: m.group(0) if m.group(1) in self._arxiv else self._drop(m.group(0)), s)
        s = CITATION.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(self.source_texts) else self._drop(m.group(0)), s)
        lowered = s.lower()
        if any(t.lower() in lowered for t in self._foreign_titles):
            return self._drop(s)
        content = [w for w in words(s) if w not in STOPWORDS and not w.isdigit()]
        if not content:  # "1. 2. 3." and other sentences that say nothing
            return self._drop(s)
        asked = set(words(self.question))
        if s.endswith("?") or all(w in asked for w in content):  # the question echoed back
            return self._drop(s)
        if VERDICT.match(s):
            return self._drop(s)  # "Yes, pip installs it": which way the answer goes is not a word the sources hold
        head, colon, _ = s.partition(":")
        if colon and len(lead := [w for w in words(head) if w not in STOPWORDS]) >= 2 and all(w in asked for w in lead):
            return self._drop(s)  # "DPO vs PPO in a nutshell: ...": the question as a heading, then a garbled claim
        if any(n not in self._numbers for n in NUMBER.findall(CITATION.sub("", s))):
            return self._drop(s)  # a year, count or duration the sources do not give
        known = self._known_for(s)
        if sum(w in known for w in content) / len(content) < self.min_grounding:
            return self._drop(s)
        pairs = list(zip(content, content[1:]))
        if len(pairs) >= 2 and sum(p in self._pairs for p in pairs) / len(pairs) < self.min_pairs:
            return self._drop(s)
        if len(content) < 4 or s.rstrip().endswith(":") or re.match(r"^\W*$", CITATION.sub("", s)):
            return self._drop(s)  # a fragment: "Techniques include:", "The one by [1] Jupyter Notebooks."
        mine = set(content)
        if any(len(mine & other) / len(mine | other) >= self.max_overlap for other in self._seen if other):
            return self._drop(s)  # said already, by the facts or an earlier sentence
        if any(len(mine & fact) >= self.max_contained * len(mine) for fact in self._facts):
            return self._drop(s)  # one fact shown already, said again in fewer words
        if self.embedder is not None and self._similarity(s) < self.min_similarity:
            return self._drop(s)
        self._seen.append(mine)
        return re.sub(r"\s{2,}", " ", s).strip()

    def _known_for(self, sentence: str) -> set[str]:
        """Content words a sentence may use: those of the sources it cites, else of all, and the question's."""
        cited = [int(n) for n in CITATION.findall(sentence) if 1 <= int(n) <= len(self._cited)]
        if not cited:
            return self._known
        return set().union(*(self._cited[n - 1] for n in cited)) | set(words(self.question))

    def _similarity(self, sentence: str) -> float:
        if self._source_vectors is None:
            parts = [p for t in self.source_texts for p in split_sentences(t)] or [""]
            self._source_vectors = self.embedder.embed_batch(parts)  # (n_sentences, dim)
        # The model's sentence is new every time: it skips the memory that corpus sentences fill.
        vector = getattr(self.embedder, "inner", self.embedder).embed_batch([CITATION.sub("", sentence)])[0]
        return float(np.max(self._source_vectors @ vector))

    def _url_ok(self, url: str) -> bool:
        return normalize_url(url) in self._urls

    def _drop(self, text: str) -> str:
        self.removed.append(text)
        return ""


def _content(text: str) -> list[str]:
    return [w for w in words(CITATION.sub("", text)) if w not in STOPWORDS and not w.isdigit()]
