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
  asks one, or says nothing ("1. 2. 3.") is dropped.
`Guard.feed` takes streamed pieces and returns only complete, checked sentences, so the
stream shown to the user is already clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .curriculum import STOPWORDS, words

URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+", re.I)
ARXIV = re.compile(r"\b(?:arxiv[:\s]*)?(\d{4}\.\d{4,5})(?:v\d+)?\b", re.I)
CITATION = re.compile(r"\[(\d+)\]")
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\w)")  # 2017, 3.5; not "CS231n" or list "1."
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Guard:
    source_texts: list[str]  # what the model was given, in citation order ([1] is the first)
    source_urls: list[str]
    corpus_titles: list[str]  # every resource title in the corpus
    question: str = ""
    min_grounding: float = 0.6  # share of content words found in the sources
    min_pairs: float = 0.3  # share of adjacent content-word pairs found in the sources
    removed: list[str] = field(default_factory=list)  # what was taken out, for the eval report
    _buffer: str = ""

    def __post_init__(self):
        given = " ".join(self.source_texts + self.source_urls)
        self._urls = {u.rstrip("/").lower() for u in self.source_urls if u}
        self._arxiv = set(ARXIV.findall(given))
        self._numbers = set(NUMBER.findall(given + " " + self.question))
        known = [w for w in words(given + " " + self.question) if w not in STOPWORDS]
        self._known = set(known)
        self._pairs = set(zip(known, known[1:]))
        lowered = given.lower()
        self._foreign_titles = [t for t in self.corpus_titles if len(t) > 6 and t.lower() not in lowered]

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
        if any(n not in self._numbers for n in NUMBER.findall(CITATION.sub("", s))):
            return self._drop(s)  # a year, count or duration the sources do not give
        if sum(w in self._known for w in content) / len(content) < self.min_grounding:
            return self._drop(s)
        pairs = list(zip(content, content[1:]))
        if len(pairs) >= 2 and sum(p in self._pairs for p in pairs) / len(pairs) < self.min_pairs:
            return self._drop(s)
        return re.sub(r"\s{2,}", " ", s).strip()

    def _url_ok(self, url: str) -> bool:
        return url.rstrip("/.,;").lower() in self._urls

    def _drop(self, text: str) -> str:
        self.removed.append(text)
        return ""
