"""Reading + retrieved chunks -> the facts block of an open answer, from the data only.

Candidates are the roadmap lines of the nodes a question names or retrieves ("Activation
Functions: ReLU, sigmoid, tanh") and the sentences of the resource cards behind them. Each is
scored by the embedder's cosine to the question and picked with maximal marginal relevance
(MMR), so the block answers the question without saying one thing twice. The named subjects'
own lines always come first; a comparison gets lines for every subject it names.

Every fact cites its chunk. Nothing here is generated, so the block is right whatever the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .corpus import Card, Chunk, Corpus
from .embed import Remembering
from .reading import LAST_QUESTION, Reading
from .retrieve import Hit
from .roadmap import Item, Node, Phase, Resource, Section, label, unique
from .text import WORD, content_words, normalize_url, split_sentences, stem

SENTENCES = "sentences.npz"  # the vectors of every text an answer can pick, kept in the index folder
MMR_LAMBDA = 0.7  # weight of relevance against novelty
MIN_COSINE = 0.30  # a card sentence less similar than this to the question is not a fact for it
OTHER_CARD_COSINE = 0.45  # with a work named, another work's sentence must be at least this close,
OTHER_WORKS = re.compile(r"\b(easier|simpler|gentler|lighter|harder|instead|alternatives?|else|other|similar|next to|"
                         r"alongside|besides|pair|compared?|vs\.?|versus|than)\b", re.I)  # unless other works are asked for
DOUBT_ASKED = re.compile(r"\breal or (hype|not|fake)\b|\bhype[ds]?\b|\bover-?(hyped|rated|stated)\b|\bmyths?\b|\bcontrovers\w*|"
                         r"\bdebated?\b|\bdisputed?\b|\bskeptic\w*|\bis (it|that|this) (even |actually )?real\b", re.I)
DOUBT_SAID = re.compile(r"\b(argue[sd]?|artifacts? of|debated?|critics?|criticis\w*|skeptic\w*|disputed?|controvers\w*|questioned|"
                        r"mirage|overstate\w*)\b", re.I)
PREPARES_ASKED = re.compile(r"\bprepar\w*|\b(anything|something|what) (earlier|before it|first)\b[^?]{0,40}\b(helps?|gets? me ready)\b", re.I)
WHY_ASKED = re.compile(r"^\s*(so |but |and |ok )?why\b|\bwhy (do|does|is|are|would|should|did|not)\b", re.I)
REASON = re.compile(r"\b(causes?|problems?|avoids?|prevents?|simpler|cheaper|faster|more stable)\b", re.I)  # what one side fixes in the other
FIX_ASKED = re.compile(r"\b(fix|fixes|remedy|remedies|cure|workarounds?)\b|\bhow (do|can|could|should) (i|you|we|people) (fix|stop|avoid|prevent|solve)\b", re.I)
FIX_SAID = re.compile(r"\b(developed to|introduced to|designed to|stabili[sz]\w*|more stable|mitigat\w*|remed\w*|fix(es|ed)?|prevents?|reduces?|"
                      r"restart\w*|resets?|clears?)\b", re.I)
NAME_ASKED = re.compile(r"\bis there a (name|term|word) for\b|\bwhat('?s| is) (this|that|it) called\b|\bwhat do (you|people|they) call (this|that|it)\b", re.I)
TROUBLE_ASKED = re.compile(r"\bwhat'?s (going on|happening|wrong)\b|\bwhat is (going on|happening|wrong)\b|\bkeeps? (spitting|giving|making|producing|outputting|generating)\b", re.I)
NAMES_FAILURE = re.compile(r"^[A-Z][\w\- ]{2,40} (is|are) (a|an) [^.]{0,60}\b(failure|problem|issue|error|bug|pitfall)\b|"
                           r"\b(hidden state|common source of)\b", re.I)
ASK_COSINE = 0.35  # a sentence at least this close to one ask of several is that ask's answer
MAX_LINES = 4  # one subject
MAX_PER_SUBJECT = 3  # comparisons
MAX_PER_CARD = 2  # sentences of one card
MAX_PER_NOTE = 3  # sentences of one topic's note: the explanation written for the topic itself
# When a card answers a question about one aspect of its resource, the sentences about it come first.
ASPECTS = {
    "duration": re.compile(r"\b(minutes?|hours?|weeks?|months?|days?|plan on|takes?|long)\b", re.I),
    "prereq": re.compile(r"\b(before|prerequisites?|expects?|assumes?|asks? for|should (still )?(know|read|be|have|understand)|background|requires?|"
                         r"get the most out of|once (you|they|learners) (can|know|have)|ready (for|to)|"
                         r"comfortabl[ey]|familiar with)\b", re.I),
    "install": re.compile(r"\b(install(ed|able)?|pip|package|download(ed)?)\b", re.I),
    "prepares": re.compile(r"\bprepar\w*|\bwarm-?up\b|\b(read|do|take) (it |that |this )?first\b", re.I),
    "join": re.compile(r"\b(join\w*|participat\w*|members?|Discord|reading groups?|open to|sign up|apply|applications?|entry requirements?|anyone can)\b", re.I),
    "about": re.compile(r"\b(trains?|trained|uses|learns?|works by|lets you|instead of|is built|builds)\b", re.I),
    "how": re.compile(r"\b(trains?|trained|training task|works by|contrastive|embeddings?|by (writing|matching|comparing|predicting|learning|pulling))\b", re.I),
    "who": re.compile(r"\b([Tt]aught|[Ii]nstructors?|[Cc]reated|[Ww]rote|[Ww]ritten|[Aa]uthors?|[Ll]ecturers?|[Pp]rofessor)\b"
                      r"|\bby (Dr\. |Prof\. )?[A-Z][a-z]+"),  # "a course by Dr. Charles Severance"
    "cost": re.compile(r"\b(free|paid|costs?|price|subscription|audit|certificate|fees?)\b", re.I),
    # "is the link broken?": what the card says of the address itself
    "link": re.compile(r"\b(links?|address|url|redirects?|no longer|shut|moved|archived|offline|page)\b", re.I),
    "instead": re.compile(r"\b(next step|instead|alternatives?|rather than|replacements?|replaces?|substitutes?|turn to|better suited|offers|pair (it )?with|move on (from|to)|"
                          r"continue with|follow (it|up) with|fills? (much of )?the role|similar to the old|in place of|successor)\b", re.I),
    "example": re.compile(r"\b(worked example|example|dataset|data set|fine-tunes?|trains?|loads?)\b", re.I),
    "need": re.compile(r"\b(both|either|optional|skip\w*|necessary|not (required|needed)|worth)\b", re.I),
    "begin": re.compile(r"\b(entry point|starting point|start (with|by|at|from|here)|begin (with|by|at|here)|first (part|lesson|chapter|series|course))\b", re.I),
    "covers": re.compile(r"\b(covers?|covered|teach(es)?|taught|chapters?|introduces|explains|includes|walks through|"
                         r"lessons?|modules?|weeks?|lectures?|starts with|begins with|ends with|derives|goes through|shows how|goes on to)\b", re.I),
}
ASPECT_BOOST = 0.2
OPENING_BOOST, OPENING = 0.15, 5  # a note's first sentences, fading over its first five
WORDS_BOOST = 0.05  # for each of up to two of the question's words a named work's sentence uses
STRONG = {"duration": re.compile(r"\bplan on\b", re.I),  # the way cards answer an aspect, where they share one
          "join": re.compile(r"\b(entry requirements?|no fee|free to join|open to (anyone|all|everyone)|anyone can (join|apply))\b", re.I),
          "prereq": re.compile(r"\bshould (already |still )?(know|have|understand|be comfortable)\b|\bprerequisites?\b|"
                               r"\b(expects?|assumes?)\b|\brequires? (only |some |basic |no )\b|\b(comfortable|familiar) with\b", re.I)}
CLAUSE_END = re.compile(r"[?;!]|,\s*(?=(and|but|also|plus)\b)|\.\s|\s(?=and (when|how|what|why|which|where|is|are|do|does|can|should)\b)", re.I)
VERSUS = re.compile(r"([\w-]+)\s+(?:vs\.?|versus|instead of|rather than)\s+([\w-]+)|\bdiffer\w* between ([\w-]+) and ([\w-]+)|"
                    r"\bwhen (?:do (?:you|i|we) |to |should (?:you|i|we) )?use ([\w-]+) and when (?:to use |do (?:you|i|we) use )?([\w-]+)", re.I)


# "LoRA vs adapters vs soft prompts", "relu, sigmoid, tanh": three or more things side by side
CHAIN = re.compile(r"\b[\w-]+(?:\s+(?:vs\.?|versus)\s+[\w-]+){2,}|\b[\w-]+(?:\s*,\s*[\w-]+){2,}", re.I)
CHAIN_SPLIT = re.compile(r"\s+(?:vs\.?|versus)\s+|\s*,\s*", re.I)


def _sides(text: str) -> list[str]:
    """The things a question sets against each other: "cross-entropy vs MSE" -> ["cross-entropy", "mse"];
    "relu, sigmoid, tanh... when do you use which?" -> ["relu", "sigmoid", "tanh"]."""
    if chain := CHAIN.search(text):
        return [side.lower() for side in CHAIN_SPLIT.split(chain.group(0))]
    return [side.lower() for m in VERSUS.finditer(text) for side in m.groups() if side]


def _names(text: str, term: str) -> bool:
    return re.search(rf"\b{re.escape(term)}", text, re.I) is not None


PARTS_ASKED = re.compile(r"\b(main |key )?(parts|components|pieces|building blocks)\b|\bmade (up )?of\b|\bconsists? of\b", re.I)
PARTS_SAID = re.compile(r"\b(parts|components|consists of|made (up )?of|is built from)\b", re.I)
STILL = re.compile(r"\b(still|anymore|any more|nowadays|these days|outdated|out of date|up to date|current(ly)?)\b", re.I)
CHANGED = re.compile(r"\b(now|today|replaced|renamed|no longer|since|moved|updated|closed|retired|discontinued|shut down|"
                     r"in ((january|february|march|april|may|june|july|august|september|october|november|december) )?(19|20)\d\d)\b", re.I)
AMOUNT = re.compile(r"\bhow (much|many)\b", re.I)
NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|ten|twenty|thirty|forty|fifty|hundred)\b", re.I)
# "what is RLHF exactly?", "how do CNN filters work?": what a topic is, or how it works; not a work, a channel or its cost
EXPLAIN_ASKED = re.compile(r"\b(what('s| is| are| does| do)|whats|explain\w*|how (does|do|is|are|did)|why (does|do|is|are))\b", re.I)
WORKS_ASKED = re.compile(r"\b(resources?|resorce|courses?|books?|tutorials?|papers?|videos?|channels?|links?|sites?|free|cost|who|teach\w*|"
                         r"next|after|now what|recommend\w*)\b", re.I)
DIFFERENCE_ASKED = re.compile(r"\b(difference|differ\w*|different|vs\.?|versus|compared?|comparing)\b", re.I)
WHY_IT_MATTERS = re.compile(r"\bmatters? (for|to|in)\b", re.I)
STEPS_ASKED = re.compile(r"\bstep[- ]by[- ]step\b|\b(what are the|which|main|key) (steps|stages)\b|\bwalk me through\b", re.I)
STAGE = re.compile(r"\bstages?\b|\b(first|second|third|next|final|last) step\b|\b(starts? (from|with)|begins? with|then|finally|followed by)\b|"
                   r"\bis (trained|fine-tuned) (on|with)\b", re.I)
ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
ORDINAL_ASKED = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|last|final) (one|course|part|module|chapter|"
                           r"lecture|book|class|lesson|unit)\b", re.I)
LIMITS = re.compile(r"\b(no|not|only|neither|nor|without|lacks?)\b|n't\b", re.I)


@dataclass(frozen=True)
class Fact:
    text: str  # one markdown line, without its citation
    chunk: Chunk  # where it comes from
    subject: str = ""  # the id of the named subject it belongs to ("" = found by retrieval)
    card: str = ""  # the card's url, for card sentences
    note: str = ""  # the topic's id, for sentences of its note
    first: bool = False  # a subject's own roadmap line: always shown
    at: int = -1  # its place in its note (0: the note's first sentence), for sentences of a note


class FactPicker:
    def __init__(self, corpus: Corpus, embedder, chunk_by_id: dict[str, Chunk], chunk_by_url: dict[str, Chunk]):
        self.corpus = corpus
        self.embedder = Remembering(embedder)  # the same sentences come back on every answer
        self.chunk_by_id = chunk_by_id
        self.chunk_by_url = chunk_by_url

    def pick(self, reading: Reading, hits: list[Hit], vector: np.ndarray | None = None) -> list[Fact]:
        """`vector`: what the facts are weighed against, if not the question's own embedding (a
        follow-up's, with what it refers to)."""
        candidates = self.candidates(reading, hits)
        if not candidates:
            return []
        vector = reading.vector if vector is None else vector
        # embedded without Markdown: "**Title**: text" reads as "Title: text"
        vectors = self.embedder.embed_batch([f.text.replace("**", "") for f in candidates])  # (n, dim)
        relevance = vectors @ vector if vector is not None else np.zeros(len(candidates))
        if len(clauses := self._clauses(reading)) > 1:
            # "why do we need activation functions, and when do I use cross-entropy vs MSE?": each
            # subject's facts are weighed against the part of the question that asks about it as well
            texts = list(dict.fromkeys(clauses.values()))
            by_text = dict(zip(texts, self.embedder.inner.embed_batch(texts)))
            relevance = np.array([(r + float(v @ by_text[clauses[f.subject]])) / 2 if f.subject in clauses else r
                                  for r, v, f in zip(relevance, vectors, candidates)])
        named_url = reading.resource.node.url if reading.resource is not None else None
        if named_url is not None and not (reading.aspect or reading.also):
            # "what do the labs actually build?", which no aspect reads: the named work's sentences in the question's own words
            asked = {stem(w) for w in content_words(reading.text)} - {stem(w) for w in content_words(reading.resource.node.title)}
            relevance = relevance + WORDS_BOOST * np.array([
                min(2, len(asked & {stem(w) for w in content_words(f.text)})) if f.card == named_url else 0 for f in candidates])
        if WHY_ASKED.search(reading.text) and len(_sides(reading.text)) >= 2:
            # "why do people use relu instead of sigmoid?": of two sides, the sentences that give a reason
            relevance = relevance + ASPECT_BOOST / 2 * np.array([not f.first and bool(REASON.search(f.text)) for f in candidates])
        if FIX_ASKED.search(reading.text):  # "...the same three faces. is there a known fix?": the sentences on remedies
            relevance = relevance + ASPECT_BOOST * np.array([not f.first and bool(FIX_SAID.search(f.text)) for f in candidates])
        trouble = bool(TROUBLE_ASKED.search(reading.text))
        if trouble or NAME_ASKED.search(reading.text):
            # "my gan keeps spitting out the same faces. is there a name for that?": the sentence that names a failure;
            # "what's going on?": that one, and what fixes it
            relevance = relevance + ASPECT_BOOST * np.array([not f.first and bool(NAMES_FAILURE.search(f.text)) for f in candidates])
            if trouble:
                relevance = relevance + ASPECT_BOOST / 2 * np.array([not f.first and bool(FIX_SAID.search(f.text)) for f in candidates])
        if DOUBT_ASKED.search(reading.text):  # "is it real or hype?": the sentences that say who doubts it, and why
            relevance = relevance + ASPECT_BOOST * np.array([bool(DOUBT_SAID.search(f.text)) for f in candidates])
        answers: list[int] = []  # for each thing asked of a named work, its card's best sentence on it
        asks = [reading.aspect, *reading.also]
        if "covers" in asks and "instead" not in asks and reading.subjects and named_url is not None:
            # "does it teach LoRA?" where its card says it does not: where the card sends you instead comes too
            asked = {w for lk in reading.subjects for w in lk.span.split() if len(w) > 2}
            if any(f.card == named_url and LIMITS.search(f.text) and (asked & set(content_words(f.text)) or ASPECTS["covers"].search(f.text))
                   for f in candidates):
                asks.append("instead")
        if PREPARES_ASKED.search(reading.text):  # "...and is there anything earlier in the roadmap that prepares for it?"
            asks.append("prepares")
        for aspect in asks:  # "is it free? and how long is it?": each thing asked
            if (cue := ASPECTS.get(aspect)) is None:
                continue
            # only the named resource's card, if one is named
            about = [bool(f.card) and (named_url is None or f.card == named_url) and bool(cue.search(f.text)) for f in candidates]
            relevance = relevance + ASPECT_BOOST * np.array(about)
            if aspect == "covers" and reading.subjects:  # "does it teach pruning?": the sentences naming pruning
                asked = {w for lk in reading.subjects for w in lk.span.split() if len(w) > 3}
                # a card's limits answer a yes-or-no question best: "no dedicated lessons on pruning", "does not
                # teach the scientific Python libraries"; so does any sentence of its card naming what was asked
                # ("move on to the Handbook for NumPy")
                relevance = relevance + ASPECT_BOOST * np.array([
                    (a or bool(f.card) and f.card == named_url) and bool(asked & set(content_words(f.text))) * (1 + bool(LIMITS.search(f.text)))
                    + (a and bool(LIMITS.search(f.text))) for a, f in zip(about, candidates)])
            if named_url is not None and any(about):
                said = [i for i, a in enumerate(about) if a]
                # the cards say how long in one way ("Plan on an afternoon..."): that sentence over a "60 Minute Blitz"
                said = [i for i in said if (strong := STRONG.get(aspect)) and strong.search(candidates[i].text)] or said
                said = [i for i in said if not candidates[i].first] or said  # the opening is shown anyway
                answers.append(max(said, key=lambda i: relevance[i]))
            if aspect == "instead" and named_url is not None:  # where to go instead, for each thing asked: LoRA -> PEFT, DPO -> TRL
                for lk in reading.subjects:
                    naming = [i for i, a in enumerate(about) if a and set(lk.span.split()) & set(content_words(candidates[i].text))]
                    if naming:
                        answers.append(max(naming, key=lambda i: relevance[i]))
        if named_url is not None and (which := ORDINAL_ASKED.search(reading.text)):
            # "what's the last one about?" of a five-course work: the card's sentence on its fifth course
            said = {i: next((n for n, w in enumerate(ORDINAL_WORDS) if re.search(rf"\b{w}\b", f.text, re.I)), None)
                    for i, f in enumerate(candidates) if f.card == named_url}
            said = {i: n for i, n in said.items() if n is not None}
            word = which.group(1).lower()
            want = max(said.values(), default=None) if word in ("last", "final") else ORDINAL_WORDS.index(word)
            if (found := [i for i, n in said.items() if n == want]):
                answers.append(max(found, key=lambda i: relevance[i]))
        # "what is the KV cache?" names Scalable Inference by a term of its note: that note's sentences using the term
        termed = {lk.id: {stem(w) for w in lk.span.split() if len(w) > 3} for lk in reading.subjects if lk.how in ("alias", "description term")
                  and not {stem(w) for w in lk.span.split()} & {stem(w) for w in content_words(lk.title)}}  # a term, not a form of its name
        if termed and named_url is None and not _sides(reading.text):  # not when a work or two sides are asked about
            relevance = relevance + ASPECT_BOOST / 2 * np.array([  # "backprop" is said in "backpropagation"
                f.note in termed and any(w.startswith(t) for t in termed[f.note] for w in {stem(w) for w in content_words(f.text)})
                for f in candidates])
        opening = bool(len(reading.subjects) == 1 and named_url is None and not any(asks) and not _sides(reading.text) \
            and EXPLAIN_ASKED.search(reading.text) and not WORKS_ASKED.search(reading.text) and not DIFFERENCE_ASKED.search(reading.text))
        if opening:
            # "what is RLHF exactly?", "how do CNN filters work?": a note says what its topic is, and how it works, first
            relevance = relevance + OPENING_BOOST * np.array([
                max(0.0, 1 - f.at / OPENING) if f.note and f.at >= 0 else 0.0 for f in candidates])
        if DIFFERENCE_ASKED.search(reading.text):  # "how is a VAE different from an autoencoder?": not why either matters,
            # the named topics' own sentences before another topic's, and what each side is, which its note
            # says first ("RLHF is a method ... to match human preferences")
            relevance = relevance - ASPECT_BOOST * np.array([bool(WHY_IT_MATTERS.search(f.text)) for f in candidates]) \
                + ASPECT_BOOST / 4 * np.array([bool(f.subject) for f in candidates]) \
                + OPENING_BOOST / 2 * np.array([max(0.0, 1 - f.at / OPENING) if f.note and f.at >= 0 else 0.0 for f in candidates])
        if STEPS_ASKED.search(reading.text):  # "what is RLHF, step by step?": the sentences that say a stage or an order
            relevance = relevance + ASPECT_BOOST * np.array([bool(f.note) and bool(STAGE.search(f.text)) for f in candidates])
        if STILL.search(reading.text):  # "is it still in Octave?": what the card says changed, and when
            relevance = relevance + ASPECT_BOOST * np.array([bool(f.card) and bool(CHANGED.search(f.text)) for f in candidates])
        if AMOUNT.search(reading.text):  # "how much GPU time do I get?": a card sentence that gives a number
            relevance = relevance + ASPECT_BOOST * np.array([bool(f.card) and bool(NUMBER.search(f.text)) for f in candidates])
        subjects = list(dict.fromkeys(f.subject for f in candidates if f.subject))
        compare = len(subjects) > 1
        if not any(a for a in asks if a != "prepares") and len(reading.subjects) <= 1:
            # (asks of a card are answered by their aspects above, and asks of two subjects by their clauses)
            answers += self._each_ask(reading, candidates, vectors, named_url)
        chosen: list[int] = [i for i, f in enumerate(candidates) if f.first]
        chosen += [i for i in dict.fromkeys(answers) if i not in chosen]  # what was asked, before anything only related
        # the sides the facts name ("ok, so, what" names none of them)
        sides = [t for t in _sides(reading.text) if any(_names(f.text, t) for f in candidates if not f.first)] if not compare else []
        if len(sides) < 2:
            sides = []
        for term in sides:  # "cross-entropy vs MSE" inside one topic: the best sentence naming each side
            naming = [i for i, f in enumerate(candidates) if _names(f.text, term) and not f.first]
            naming = [i for i in naming if candidates[i].note] or naming  # what a topic's note says of it, before a work's card
            covered = [t for t in sides if any(_names(candidates[j].text, t) and not candidates[j].first for j in chosen)]
            if naming and term not in covered:
                # a sentence on this side alone before one that also names a side still to come ("sigmoid and tanh saturate")
                chosen.append(max(naming, key=lambda i: relevance[i] - ASPECT_BOOST * sum(
                    _names(candidates[i].text, other) for other in sides if other != term and other not in covered)))
        if PARTS_ASKED.search(reading.text):  # "what are its main parts?": the best sentence that lists them
            listing = [i for i, f in enumerate(candidates) if PARTS_SAID.search(f.text) and not f.first and i not in chosen]
            if listing and relevance[best := max(listing, key=lambda i: relevance[i])] >= MIN_COSINE:
                chosen.append(best)
        # "DDPM vs DDIM" inside one topic: two sides all the same
        limit = MAX_PER_SUBJECT * len(subjects) if compare else MAX_PER_SUBJECT * 2 if sides else MAX_LINES + opening
        while len(chosen) < limit:
            best, best_score = None, -1e9
            for i, f in enumerate(candidates):
                if i in chosen or relevance[i] < MIN_COSINE and not f.first:
                    continue
                if named_url is not None and f.card and f.card != named_url and relevance[i] < OTHER_CARD_COSINE \
                        and not OTHER_WORKS.search(reading.text):
                    continue  # asked about one work: another work's card only when it is close to the question
                # asked about one aspect of a named resource ("does it cover DPO? if not, where?"), its card
                # gets one sentence more
                more = len([a for a in asks if a]) if f.card and f.card == named_url else 0
                if compare and (not f.subject or sum(candidates[j].subject == f.subject for j in chosen) >= MAX_PER_SUBJECT + more):
                    continue
                # a named resource's opening sentence is shown anyway: it does not use up its card's share
                share = MAX_PER_CARD + more
                if f.card and sum(candidates[j].card == f.card and not candidates[j].first for j in chosen) >= share:
                    continue
                if f.note and sum(candidates[j].note == f.note for j in chosen) >= MAX_PER_NOTE + (bool(sides) or opening):
                    continue
                novelty = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
                score = MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * novelty
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                break
            chosen.append(best)
        if opening:  # a note's sentences read in the order its writer gave them
            for note in {candidates[i].note for i in chosen if candidates[i].note}:
                places = [k for k, i in enumerate(chosen) if candidates[i].note == note]
                for k, i in zip(places, sorted((chosen[k] for k in places), key=lambda i: candidates[i].at)):
                    chosen[k] = i
        return [candidates[i] for i in chosen]

    def texts(self) -> list[str]:
        """Every text an answer can pick and embed: the cards' sentences and fields, the nodes' lines
        and the notes' sentences, as they are embedded."""
        rm = self.corpus.roadmap
        facts = [f for c in self.corpus.cards for f in self._card_facts(c, c.url)]
        for node in rm.nodes:
            chunk = self.chunk_by_id.get(node.id)
            if chunk is not None:
                facts += [Fact(node_line(node), chunk), *self._note_facts(node, chunk)]
        return list(dict.fromkeys([f.text.replace("**", "") for f in facts] +
                                  [line for c in self.corpus.cards for a in ("cost", "who") if (line := _card_field(c, a))]))

    def warm(self) -> int:
        """Embed every text of `texts` not embedded yet, so that no answer waits for the first use
        of a card (about 0.6 s for a long one). Returns how many were embedded."""
        todo = [t for t in self.texts() if t not in self.embedder.vectors]
        for start in range(0, len(todo), 8):  # short passes: a question waiting for the embedder waits little
            self.embedder.embed_batch(todo[start: start + 8])
        return len(todo)

    def restore(self, index_dir: Path) -> int:
        """The vectors `keep` saved with the index; how many."""
        return self.embedder.load(Path(index_dir) / SENTENCES)

    def _each_ask(self, reading: Reading, candidates: list[Fact], vectors: np.ndarray, named_url: str | None) -> list[int]:
        """For a question that asks two things or more ("how much memory do I save? And does it get rid of
        parameters?"), the sentence closest to each ask, from the named work's card or the topics' notes,
        so that the second ask is not crowded out by sentences on the first."""
        asks = [a.strip() for a in CLAUSE_END.split(reading.text) if a and len(content_words(a)) >= 2]
        if len(asks) < 2 or len(asks) > 4:
            return []
        # the named work's card, else the note of the subject (of the note retrieved first, if none is named)
        note = reading.subjects[0].id if reading.subjects else next((f.note for f in candidates if f.note), None)
        pool = [i for i, f in enumerate(candidates) if not f.first and (f.card == named_url if named_url else f.note and f.note == note)]
        if not pool:
            return []
        closest = self.embedder.embed_batch(asks) @ vectors[pool].T  # (asks, pool)
        return [pool[int(row.argmax())] for row in closest if row.max() >= ASK_COSINE]

    @staticmethod
    def _clauses(reading: Reading) -> dict[str, str]:
        """The part of the question about each named subject, by subject id: from the clause that
        names it ("...?", "..., and ...") up to the clause that names the next one, so that a
        clause after it without a name of its own ("Does it retrain the model?") goes with it.
        Empty unless the subjects are in different clauses."""
        text = reading.text
        bounds = [0] + [m.end() for m in CLAUSE_END.finditer(text)]
        words = [m.start() for m in WORD.finditer(text.lower())]
        at = {lk.id: max(b for b in bounds if b <= words[lk.start]) for lk in reading.subjects if lk.start < len(words)}
        starts = sorted(set(at.values()))
        if len(starts) < 2:
            return {}
        ends = dict(zip(starts, [*starts[1:], len(text)]))
        return {node: text[start: ends[start]].strip() for node, start in at.items()}

    def keep(self, index_dir: Path) -> bool:
        """Save the vectors of `texts` with the index, so that the next start needs no warming."""
        return self.embedder.save(Path(index_dir) / SENTENCES, self.texts())

    # ---------------------------------------------------------------- candidates
    def candidates(self, reading: Reading, hits: list[Hit]) -> list[Fact]:
        out: list[Fact] = []
        if reading.resource is not None:
            res = reading.resource.node
            card = self.corpus.card(res.url)
            out += self._card_facts(card, res.url, subject=res.url, first=True)
            for aspect in (reading.aspect, *reading.also):
                if (line := _card_field(card, aspect)) and (chunk := self.chunk_by_url.get(normalize_url(res.url))):
                    # "is it free?": the card's own field says, even when no sentence of its text does
                    out.insert(1, Fact(line, chunk, res.url, card.url, first=True))
            if AMOUNT.search(reading.text):
                # "how many free gpu hours do i get there?" of Kaggle Notebooks: the Kaggle card says, a work of the same site
                site = _site(res.url)
                for url in dict.fromkeys(r.url for r in self.corpus.roadmap.resources):
                    if url != res.url and _site(url) == site:
                        out += self._card_facts(self.corpus.card(url), url, subject=res.url)
        for node in [lk.node for lk in _asked_first(reading)][:3]:
            if isinstance(node, Resource):  # "which of those two is free?": each work referred to
                out += self._card_facts(self.corpus.card(node.url), node.url, subject=node.url, first=True)
                continue
            chunk = self.chunk_by_id.get(node.id)
            if chunk is not None:
                out.append(Fact(node_line(node), chunk, node.id, first=True))
                out += self._note_facts(node, chunk, node.id)
            if isinstance(node, Section):  # its topics, each with its own description
                out += [Fact(node_line(i), self.chunk_by_id.get(i.id, chunk), node.id) for i in node.items if i.description]
            for res in _resources(self.corpus.roadmap, node):
                out += self._card_facts(self.corpus.card(res.url), res.url, subject=node.id)
        for hit in hits:
            c = hit.chunk
            if c.kind == "resource":
                out += self._card_facts(self.corpus.card(c.url), c.url)
                continue
            try:
                node = self.corpus.roadmap.node(c.id)
            except KeyError:
                continue
            if isinstance(node, Section):
                out += [Fact(node_line(i), self.chunk_by_id.get(i.id, c)) for i in node.items if i.description]
            else:
                out.append(Fact(node_line(node), c))
                out += self._note_facts(node, c)
        seen, unique = set(), []
        for f in out:
            if f.text not in seen:
                seen.add(f.text)
                unique.append(f)
        return unique

    def _card_facts(self, card: Card | None, url: str, subject: str = "", first: bool = False) -> list[Fact]:
        chunk = self.chunk_by_url.get(normalize_url(url))
        if card is None or chunk is None:
            return []
        sentences = [s for s in split_sentences(card.body) if len(content_words(s)) >= 4]
        return [Fact(s, chunk, subject, card.url, first=first and n == 0) for n, s in enumerate(sentences)]

    def _note_facts(self, node: Node, chunk: Chunk, subject: str = "") -> list[Fact]:
        note = self.corpus.notes.get(node.id)
        return [Fact(s, chunk, subject, note=node.id, at=i) for i, s in enumerate(split_sentences(note.body))] if note else []


def _site(url: str) -> str:
    """A link's site without its subdomain: course.fast.ai and www.fast.ai are both fast.ai."""
    return ".".join(urlparse(url).netloc.lower().split(".")[-2:])


def _card_field(card: Card | None, aspect: str) -> str:
    return card.field_line(aspect) if card is not None else ""


def node_line(node: Node) -> str:
    if isinstance(node, Phase):
        d = node.duration.text if node.duration else "no set duration"
        return f"**{label(node)}** ({d}): " + "; ".join(s.title for s in node.sections) + "."
    if isinstance(node, Section):
        return f"**{node.title}**: " + "; ".join(i.title for i in node.items) + "."
    return f"**{node.title}**" + (f": {node.description}" if node.description else "")


def _resources(roadmap, node: Node) -> list[Resource]:
    if isinstance(node, Phase):
        return []
    if isinstance(node, Item) and not node.resources and node.section.phase is None:
        return []
    return unique(roadmap.resources_for(node))


def _place(chunk: Chunk) -> str:
    """Where a topic's chunk sits, as " (Phase 1: Foundations › Section)"; "" for a phase, which is its own place."""
    return f" ({chunk.breadcrumb.rsplit(' › ', 1)[0]})" if " › " in chunk.breadcrumb else ""


def render(facts: list[Fact], number: dict[str, int], corpus: Corpus) -> str:
    """Markdown lines, card sentences of one card joined behind its link, each with its [n]."""
    lines: list[str] = []
    linked: dict[str, int] = {}  # card url or topic id -> index in lines
    heads: dict[int, str] = {}  # index of a line opened by a note's sentence -> its "- **Title** (place): "
    for f in facts:
        n = number[f.chunk.id]
        if f.note:  # behind the topic's own line when it is shown, else on a line of its own
            if f.note in linked:
                line = lines[linked[f.note]].removesuffix(f" [{n}]")
                lines[linked[f.note]] = line + ("" if line.endswith((".", "!", "?")) else ".") + f" {f.text} [{n}]"
            else:
                linked[f.note] = len(lines)
                heads[len(lines)] = f"- **{f.chunk.title}**{_place(f.chunk)}: "
                lines.append(f"{heads[len(lines)]}{f.text} [{n}]")
            continue
        if f.card:
            if f.card in linked:
                lines[linked[f.card]] = lines[linked[f.card]].removesuffix(f" [{n}]") + f" {f.text} [{n}]"
                continue
            card = corpus.card(f.card)
            linked[f.card] = len(lines)
            lines.append(f"- [{card.title}]({card.url}): {f.text} [{n}]")
        elif (at := linked.get(f.chunk.id)) in heads and ": " in f.text:
            # the topic's own line after its note's sentences: its words go first, on the same line
            said = f.text.split(": ", 1)[1]
            lines[at] = heads[at] + said + ("" if said.endswith((".", "!", "?")) else ".") + " " + lines[at][len(heads[at]):]
        else:
            linked.setdefault(f.chunk.id, len(lines))  # a topic's line: its note's sentences join it
            text = f.text
            if f.first and text.startswith("**"):
                # a topic asked about says where it sits: "**Bayesian methods** (Phase 1: Foundations › ...)"
                title, rest = text[2:].split("**", 1)
                text = f"**{title}**{_place(f.chunk)}{rest}"
            lines.append(f"- {text} [{n}]")
    return "\n".join(lines)


def _asked_first(reading: Reading) -> list:
    """The subjects (else what is referred to), those the question sentence names before those of the
    story told first: "I'm writing prompts for a text classifier. zero-shot vs few-shot -- what's the difference?"."""
    links = list(reading.subjects or reading.followup)
    asked = LAST_QUESTION.search(reading.text)
    if asked is None or not reading.subjects:
        return links
    told = len(WORD.findall(reading.text[: asked.start(1)].lower()))
    return sorted(links, key=lambda lk: lk.start < told)  # stable: in the question's order otherwise
