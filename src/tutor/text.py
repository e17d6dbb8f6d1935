"""Generic text helpers: word stems, function words, sentences, URLs. Nothing here knows the roadmap.

The guard, BM25 and the evaluation share these, so they must stay generic: domain words
("phase", "course", "paper") belong to lookup.py's own list, not to STOPWORDS.
"""

from __future__ import annotations

import re
from functools import lru_cache

# English function words only: they carry no topic. Words such as "after", "before", "next"
# stay out of retrieval and grounding, but reading.py keeps them, since they decide the intent.
STOPWORDS = frozenset(
    """a an the and or but nor of for to in on at by with about from into onto over under after
    before next then than what which who whom whose when where why how is are was were be been
    being am do does did doing done should would could can will shall may might must i me my mine
    we us our ours you your yours he him his she her it its they them their this that these those
    there here some any all each every more most other such too very just also so not no yes if
    as up down out off again once only own same both few many much few s t ve ll re d m""".split()
)

WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stemmer: plural 's' dropped, British '-ise' spelled '-ize'.
    'GANs' -> 'gan', 'Transformers' -> 'transformer', 'optimise' -> 'optimize'."""
    w = word.lower()
    if w in STOPWORDS:
        return w
    if len(w) > 6:
        w = re.sub(r"is(ation|e|ed|ing)$", r"iz\1", w)
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case word stems in order, function words included."""
    return [stem(w) for w in WORD.findall(text.lower())]


def content_words(text: str) -> list[str]:
    """Word stems without function words: what a sentence is about."""
    return [w for w in words(text) if w not in STOPWORDS]


def normalize_url(url: str) -> str:
    """The one way URLs are compared: case-folded, without a trailing slash or punctuation."""
    return (url or "").strip().rstrip("/.,;").lower()


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """Sentences, by pysbd: abbreviations ("Dr."), initials ("A. Aldo") and versions ("3.5")
    do not end a sentence. Line breaks always do (list items, headings)."""
    return list(_split(text))


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    # Remembered: pysbd is slow (5 ms a card), and answers split the same corpus texts every time.
    out = []
    for line in text.splitlines():
        if line.strip():
            out += [s.strip() for s in _segmenter().segment(line) if s.strip()]
    return tuple(out)
