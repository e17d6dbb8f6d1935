"""A question (+ the chat so far) -> one frozen Reading: what it asks, about what, and may it be answered.

A question is read once, here, and everything downstream (route, retrieval boosts, answers,
`tutor ask --json`, the eval rows) uses that Reading. Each verdict carries its evidence: the
rule or example that decided it and its score, so a wrong route can be diagnosed from the output.

Steps:
1. normalise chat spellings ("wat shud i lern" -> "what should I learn"), from data/intents.toml;
2. safety: the injection policy of data/safety.toml; language: py3langid, but only when most
   words are not English words the tutor knows, so short or mixed English is never flagged;
3. subjects: lookup.py names the roadmap nodes and resources the question mentions;
4. intent: rules first (data/intents.toml), else the nearest example phrasings by the embedder's
   cosine, with the named subjects replaced by X so that "after GANs" reads like "after X";
5. follow-up: a question with no subject of its own that says "that/it/this", or asks only
   curriculum words, refers to what the tutor's last answer recommended, else to the subject of
   the learner's last question;
6. on topic: it names something in the roadmap, or comes close to a chunk of it (cosine).

route(reading) is a pure function of the Reading.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .lookup import DATA, EMBEDDING_CUTOFF, ORDINALS, QUESTION_WORDS, Link, Lookup
from .roadmap import Item, Node, Phase, Resource, Section, label, unique
from .text import STOPWORDS, WORD, stem

NAVIGATION = ("next", "prereq", "duration", "phase", "start", "resources", "contents", "quiz", "people")  # answered from the data
NAMES_A_TOPIC = ("next", "prereq", "duration", "phase", "resources", "contents")  # unclear topic -> clarify
PRONOUN = re.compile(r"\b(he|she|they|him|her|his|them|their)\b", re.I)
# What else a person made: "does he teach anything else?", "other courses by Jay Alammar?"
PERSON_ASK = re.compile(r"\b(anything|something|what) else\b|\b(other|another|more)\b.{0,40}\b(teach|teaches|taught|wrote|"
                        r"write|writes|made|make|makes|created|courses?|resources?|work|stuff|things?|by)\b|\bwhat (does|did) "
                        r"(he|she|they|\w+ \w+) (teach|write|make|do)\b|\b(anything|something|everything|courses|resources|"
                        r"stuff|work) by\b", re.I)  # "the course by Severance" names one resource
# "do I need a lot of math first": the topic named here is needed before another one
NEEDED_FIRST = re.compile(r"\b(need|know|learn|study|do|have|finish)\b[^?.]{0,30}\b(first|beforehand)\b", re.I)
FOLLOW_UP = re.compile(r"\b(it|that|this|those|them|these|there|then|he|she|they|his|her|their)\b", re.I)
# "Who are the instructors?", "what do the labs have you build?" after a work or part: the work just talked about
THE_MAKERS = re.compile(r"\bthe (instructors?|teachers?|lecturers?|authors?|creators?|makers?|presenters?|hosts?|people behind|"
                        r"labs|lectures|assignments|exercises|chapters|modules|lessons|quizzes)\b", re.I)  # ...or its parts
# A question about the roadmap's parts or order names a part even when the name is unknown
# ("the blockchain module", "after the fancy stuff"): it gets a clarifying question, not a refusal.
STRUCTURE = re.compile(r"\b(after|before|next|phase|stage|part|section|module|chapter|unit|topic|stuff|bit|step)s?\b", re.I)
PARTS = re.compile(r"\b(phase|stage|part|section|module|chapter|unit)s?\b", re.I)
# "where would I start for the generative AI part?" names a part; "to teach a short unit on it" does not
A_PART = re.compile(r"\b(the|that|this|which|what) ([\w-]+ ){0,3}(phase|stage|part|section|module|chapter|unit)s?\b", re.I)
WHOLE = re.compile(r"\b(whole|entire|total|overall|full) (roadmap|thing|path|program|course)\b|\bin total\b|"
                   r"\bfrom (a )?(complete |total )?(beginner|zero|scratch|nothing|novice) to (advanced|expert|pro|the end|finish(ed)?|done)\b|"
                   r"\bstart to finish\b|\bend to end\b|\ball of it\b|\b(each|every|all( the)?) (phases?|parts?|stages?)\b|"
                   r"\b(longest|shortest)\b", re.I)
QUOTED = re.compile(r"(?<!\w)['\"‘“`]([^'\"‘’“”`]{2,80})['\"’”`](?!\w)")
# "and phase 3?", "what about GANs?": the last question again, about something else; not "and which of those is free?"
ELLIPSIS = re.compile(r"^\s*(and|what about|how about|same for|and what about|ok and)\b"
                      r"(?!\s+(which|what|who|whose|how|why|is|are|does|do|can|could|should|would)\b)[^?,;]{0,40}\??\s*$", re.I)
# "the second one", "the last course"; not "the first resource in it", which asks inside the thing referred to
ORDINAL_REF = re.compile(r"\b(first|second|third|fourth|last|middle)\b (one|of (them|those|these)|topic|resource|link|course|step|section|part)\b"
                         r"(?!\s+(?:in|of|from|inside|within)\s+(?:it|that|this|there)\b)", re.I)
NEEDS = re.compile(r"\b(need|needs|needed|require[sd]?|requirements?|prerequisites?|prereqs?|know|ready)\b", re.I)
QUIZ_ASKED = re.compile(r"\b(quiz\w*|test (me|my|what)|check (what|how much|my)|questions? (on|about|for)|flash ?cards?|exam|drill)\b", re.I)
LAST_QUESTION = re.compile(r"(?<=[.!])\s+([^.!?]{8,}\?+)\s*$")  # the question sentence after a story told
_COUNTS = {"two": 2, "three": 3, "2": 2, "3": 3}
POSSESSIVES = {"my", "our", "his", "her", "their", "your"}
OWN_SENSE = {"research", "production"}  # one-word names that after "my" say what the learner does, not a topic
# "a course to go with it": another work asked for, not the one referred to
OTHER_WORK = re.compile(r"\b(courses?|resources?|books?|tutorials?|videos?|more|another|other|else|go with|alongside|instead)\b", re.I)
# "the part of the roadmap that introduces generative models, autoencoders and GANs": a part named by what it holds
PART_THAT = re.compile(r"\b(part|stage|section|phase|bit|block|module|chunk|chapter)( of (the|this) (roadmap|plan|curriculum|course))? "
                       r"(that|which|where( (i|you|we) (learn|meet|study|do))?) ((first )?(introduces?|covers?|teaches|has|is about|deals with|explains|goes (into|over))\b)?", re.I)
ORDINAL_MANY = re.compile(r"\b(first|last|those|these) (two|three|2|3)\b", re.I)  # "the first two?", "which of those two"
# A word for a kind of work, and the card kinds it can mean ("the attention paper", "the linear algebra course").
KIND_WORDS = {"course": {"course"}, "book": {"book"}, "tutorial": {"tutorial", "docs"}, "specialization": {"course"},
              "paper": {"paper"}, "lectures": {"course", "video"}, "class": {"course"}, "video": {"video", "course"},
              "videos": {"video", "course"}, "docs": {"docs"},
              "guide": {"docs", "tutorial", "course"}, "library": {"docs", "tool"}}
# A work said to cover something: "does the X course teach pruning?" (after the work's name).
COVERS = re.compile(r"\b(cover|covers|covered|teach|teaches|taught|include|includes|mention|mentions|explain|explains|go over|goes over|"
                    r"talk about|deal with|deals with|get into|gets into|go into|goes into|discuss|discusses|"
                    r"(which|what) (chapters|lessons|modules|units|weeks)|"  # "which chapters of it matter most?"
                    r"(have|has|got) (any |a |real |actual |whole )?(lessons?|chapters?|sections?|modules?|units?|material|content|videos?) (on|about|covering))\b")
# The learner's last question asked for a work, and this one says "it": the work the tutor named.
RESOURCE_ASK = re.compile(r"\b(resources?|courses?|books?|tutorials?|papers?|links?|recommend\w*|readings?|materials?)\b", re.I)
# "it", "that one"; "that" alone ("how long does that take?"), but not "that phase", which names a part
PRONOUN_IT = re.compile(r"\b(it|its|it's|that one|this one|(that|this)(?!\s+((last|first|next|other|same|whole|earlier|later|final) )?(phase|section|part|stage|topic|step|block|module|project)s?\b))\b", re.I)
# "that course", "the specialization": a work the chat has named (with "the", only when nothing else is named).
WORK_REF = re.compile(r"\b(?:(that|this|the same)|the) (" + "|".join(KIND_WORDS) + r")\b", re.I)
MIN_EXAMPLE_COSINE = 0.5  # below this, no example is close: the question is a general one (concept)
ASKED_ALONE = 0.7  # a question sentence read alone, when the whole question is this far from every example
CLEAR_INTENT = 0.75  # an example this close makes a navigation question on topic even if its subject is unknown
LANGUAGE_CONFIDENCE = 0.5  # py3langid's probability needed to call a question with few known words not English
KNOWN_WORD_SHARE = 0.5
LANGUAGES = "en es fr de it pt nl pl tr sv da no fi id ms vi ru uk cs ro hu el zh ja ko ar he hi".split()  # at least this share of known English words keeps a question English


# What a question about a named resource asks of its card, besides its duration or prerequisites.
# "what does it expect / assume?": a work's card says what it asks of its learners
EXPECTS = re.compile(r"\b(expects?|assumes?|prerequisites?|prereqs?|requires?|need to know|should (i )?know|beginner[- ]friendly|"
                     r"(am i|i'?m|im|i am) ready (for|to)|"
                     r"(should|do|must) i (already )?(understand|know|be comfortable with|have done)\b[^?]{0,20}\bbefore|"
                     r"for (a |total |complete )?(beginners?|newbies?|novices?)|too (hard|advanced|difficult|technical)|how (hard|difficult|technical)|"
                     r"(ok|okay|good|suitable|right|appropriate|doable|accessible) for (me|someone|somebody|people|learners|a learner)\b[^?]{0,30}\b(finished|done|completed|know|only|just|new|fresh))\b", re.I)
CARD_ASKS = {
    # "who teaches it?", "and who wrote it?"; not "a designer who's written some javascript"
    "who": re.compile(r"(^|[.?!,;:(\u2014-]\s*|\b(and|but|so|or|then)\s+)who\b|\bwho (is|was|'s) (he|she|they|this|that|the guy)\b|\bwho('s| is| are)? (teach\w*|taught|made|wrote|created|runs?|"
                      r"leads?|behind|the (author|teacher|instructor|creator|lecturer))\b|\bby whom\b|\b(authors?|instructors?|teachers?|lecturers?|presenters?)\b", re.I),
    "cost": re.compile(r"(?<!-)\b(free|cost|costs|price|pay|paid|buy|fees?)\b", re.I),  # not "classifier-free"
    # "is the link broken?", not "does the 'Fine-tuning LLMs' link teach LoRA?"
    "link": re.compile(r"\b(url|website|web ?site|site|web ?page)\b|\b(where|what)('s| is) the link\b|"
                       r"\bstill (online|up|around|available|alive|running|working|live|exists?|a thing)\b|"
                       r"\blinks?\b(?=.*\b(broken|dead|down|work\w*|load\w*|open\w*|weird|odd|exists?|moved|404|error|gone|wrong|anymore|happened|show\w*)\b)|"
                       r"\blinks?\b[^.?!]{0,20}\b(sends?|takes?|leads?|redirects?|points?|goes) (me |you )?(to|somewhere)\b", re.I),
    "install": re.compile(r"\b(pip|install|installable|download|package)\b", re.I),
    "join": re.compile(r"\b(take part|join|participate|get involved|sign up|become a member)\b", re.I),
    # "what's the CLIP paper about?", "what does GAN Lab actually do?": what the work does, not where it sits
    "about": re.compile(r"\bwhat('s| is| are)\b[^?]{0,60}\babout\b|\bwhat (does|do|did)\b[^?]{0,40}\bdo\b|\bhow does\b[^?]{0,40}\bwork\b", re.I),
    # "how does CLIP classify images it never saw?": how the work's method does it
    "how": re.compile(r"\bhow (does|do|did|can|could) (it|they|this|that|the \w+|\w+) (manage to |actually |even |really )?"
                      r"(classify|generate|learn|know|predict|produce|recogni[sz]e|understand|match|find|handle|turn|make)\b", re.I),
    # "what dataset does the Jupyter tutorial use in its worked example?": the example a work walks through
    "example": re.compile(r"\b(worked example|example|dataset|data set|what data|which data|which model|what model)\b", re.I),
    # "does it go into Bayes?" asks what a work covers ("explain" asks the tutor, not the card)
    "covers": re.compile(r"(?<!who )(?<!who's )\b(cover|covers|covered|teach|teaches|taught|include|includes|go into|goes into|get into|gets into|"
                         r"(good|useful|enough|any good) for (learning|studying)|"
                         r"go over|goes over|go through|goes through|walk through|walks through|deal with|deals with|what('s| is) in|"
                         r"(what|which) (are|is) (the |its |their )?(\w+ )?(courses|chapters|lessons|modules|units|parts))\b", re.I),
    # "...teach LoRA? if not, where do I go?": what the card points to instead
    "instead": re.compile(r"\bif (not|it doesn'?t|it does not)\b|\binstead\b|\balternatives?\b|\bwhere else\b", re.I),
    # "do i really need both tho?": whether a work is needed at all, or alongside another
    "need": re.compile(r"\b(do|should|must) (i|we|you) (really |actually |even |still )?(need|have to (do|learn|take|read)) (both|all|it|this|that|them|either)\b|"
                      r"\bis (it|this|that) (really |actually )?(necessary|required|optional|needed|skippable)\b", re.I),
    # "and where in the tutorials do I start?": where a work itself begins
    "begin": re.compile(r"\bwhere in (it|them|that|this|the \w+( \w+)?) (do|should|would|can) (i|we|you) (start|begin)\b|"
                       r"\b(where|which (part|chapter|lesson|section|module|course)) (do|should) (i|we) (start|begin) (in|with) (it|them|that|this|the \w+)\b", re.I),
}

ASKED_OF_A_CARD = (*CARD_ASKS, "duration", "prereq")  # aspects a card answers in its own sentences


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: str  # what decided it: a rule name, an example phrasing, a language code
    score: float = 1.0

    def to_dict(self) -> dict:
        return {"ok": self.ok, "rule": self.rule, "score": round(float(self.score), 3)}


@dataclass(frozen=True)
class Reading:
    question: str  # as asked (cleaned)
    text: str  # normalised: chat spellings expanded
    intent: str  # one of NAVIGATION or "concept"
    intent_evidence: Verdict
    subjects: tuple[Link, ...]  # the roadmap nodes the question names, surest first
    resource: Link | None  # a resource the question names by its title
    followup: tuple[Link, ...]  # what "that/it" refers to, from the chat so far
    candidates: tuple[Link, ...]  # the likeliest nodes when a navigation subject is unclear
    language: Verdict
    safety: Verdict
    on_topic: Verdict
    missing_phase: int | None = None  # "phase 9" in a roadmap of six
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # (dim,) unit; None: not needed to read it
    aspect: str = ""  # what a card is asked about ("duration", "prereq"), when a card answers
    person: str = ""  # someone who made a linked resource, when asked what else they made
    also: tuple[str, ...] = ()  # other aspects the same question asks of the card ("is it free? and how long?")
    then: str = ""  # a second question about the order, in a later clause: "how long is it and what comes after it?"

    @property
    def nodes(self) -> list:
        """The nodes the question is about: its own subjects, else what it refers back to, else
        where the roadmap links the resource it names."""
        if self.subjects or self.followup:
            return [lk.node for lk in (self.subjects or self.followup)]
        if self.resource is not None:
            return [self.resource.node.item or self.resource.node.section]
        return []

    @property
    def subject(self):
        nodes = self.nodes
        return nodes[0] if nodes else None

    def to_dict(self) -> dict:
        return {
            "intent": self.intent, "intent_evidence": self.intent_evidence.to_dict(),
            "subjects": [lk.to_dict() for lk in self.subjects],
            "resource": self.resource.to_dict() if self.resource else None,
            "followup": [lk.to_dict() for lk in self.followup],
            "candidates": [lk.to_dict() for lk in self.candidates],
            "language": self.language.to_dict(), "safety": self.safety.to_dict(),
            "on_topic": self.on_topic.to_dict(), "missing_phase": self.missing_phase, "aspect": self.aspect, "also": list(self.also),
            "person": self.person, "then": self.then,
            "route": route(self),
        }


def route(reading: Reading) -> str:
    """refusal | clarify | curriculum | rag, from the Reading alone."""
    if not (reading.safety.ok and reading.language.ok and reading.on_topic.ok):
        return "refusal"
    if reading.intent in NAVIGATION or reading.missing_phase is not None:
        if reading.candidates and not reading.nodes:
            return "clarify"
        return "curriculum"
    return "rag"


# ---------------------------------------------------------------- policy data


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern
    must_match: tuple[str, ...]
    must_not: tuple[str, ...]
    intent: str = ""
    unless: re.Pattern | None = None
    over: tuple[str, ...] = ()  # an allow: the refusals it may lift (empty: any)

    def matches(self, text: str) -> bool:
        return bool(self.regex.search(text)) and not (self.unless and self.unless.search(text))


def _pattern(entry: dict, name: str = "") -> Pattern:
    unless = re.compile(entry["unless"], re.I) if entry.get("unless") else None
    return Pattern(entry.get("name", name), re.compile(entry["pattern"], re.I), tuple(entry.get("must_match", ())),
                   tuple(entry.get("must_not", ())), entry.get("intent", ""), unless, tuple(entry.get("over", ())))


@dataclass(frozen=True)
class Sense:
    """A roadmap word's everyday senses (data/senses.toml): "transformer" is also on a power pole."""
    word: re.Pattern
    other: tuple[str, ...]
    must_refuse: tuple[str, ...]
    must_answer: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    examples: dict[str, list[str]]  # intent -> phrasings (X = a named topic)
    must_not: dict[str, list[str]]
    rules: list[Pattern]
    normalize: dict[str, str]
    refuse: list[Pattern]
    allow: list[Pattern]
    off_topic: list[Pattern] = field(default_factory=list)
    like_attacks: dict = field(default_factory=dict)  # threshold, examples, must_match, must_not
    like_harm: dict = field(default_factory=dict)  # the same, for requests to harm or deceive someone
    senses: list[Sense] = field(default_factory=list)
    sense_margin: float = 0.2  # how much nearer a word's other sense must be than the whole corpus

    def likeness(self) -> dict[str, dict]:
        """The example sets a question is refused for being close to, by name."""
        return {"attack": self.like_attacks, "harm": self.like_harm}

    @classmethod
    def load(cls, folder: Path = DATA) -> Policy:
        with open(folder / "intents.toml", "rb") as f:
            intents = tomllib.load(f)
        with open(folder / "safety.toml", "rb") as f:
            safety = tomllib.load(f)
        with open(folder / "senses.toml", "rb") as f:
            senses = tomllib.load(f)
        rules = [_pattern(r, f"{r['intent']} rule") for r in intents.pop("rule", [])]
        normalize = intents.pop("normalize", {})
        return cls({k: v["examples"] for k, v in intents.items()}, {k: v.get("must_not", []) for k, v in intents.items()},
                   rules, normalize, [_pattern(r) for r in safety.get("refuse", [])],
                   [_pattern(r) for r in safety.get("allow", [])], [_pattern(r) for r in safety.get("off_topic", [])],
                   safety.get("like_attacks", {}), safety.get("like_harm", {}),
                   [Sense(re.compile(e["word"], re.I), tuple(e["other"]), tuple(e.get("must_refuse", ())), tuple(e.get("must_answer", ())))
                    for e in senses.get("sense", [])], senses.get("margin", 0.2))


# ---------------------------------------------------------------- the reader


class Reader:
    def __init__(self, lookup: Lookup, embedder, policy: Policy | None = None, index=None,
                 english_words: set[str] | None = None, min_relevance: float = 0.30, kinds: dict[str, str] | None = None,
                 terms: set[tuple[str, str]] | None = None, levels: dict[str, str] | None = None):
        """`index`: the FAISS index (for the on-topic cosine); `english_words`: word stems the
        tutor knows as English (the corpus vocabulary), for the language check; `min_relevance`:
        the best chunk cosine below which a question that names nothing is off-topic; `kinds`: each
        resource's kind from its card (url -> "paper"), for "the attention paper"; `terms`: the
        two-word terms the corpus uses (see `corpus_terms`), for questions on what only a note explains;
        `levels`: each resource's level from its card, for "is there something easier?"."""
        self.terms = terms or set()
        self.levels = levels or {}  # each resource's level from its card (url -> "beginner")
        self.min_relevance = min_relevance
        self.kinds = kinds or {}
        self.lookup = lookup
        self.embedder = embedder
        self.policy = policy or Policy.load()
        self.index = index
        self.english = set(english_words or ()) | STOPWORDS | QUESTION_WORDS | {stem(w) for p in
                       self.policy.examples.values() for e in p for w in WORD.findall(e.lower())}
        self.labels = [intent for intent, phrases in self.policy.examples.items() for _ in phrases]
        self.phrases = [p for phrases in self.policy.examples.values() for p in phrases]
        # The words the examples use are the words of asking; any other word names a topic.
        self.frame = {stem(w) for p in self.phrases for w in WORD.findall(p.lower())} - {"x"}
        masked = [self.mask(p, self.lookup.link(p)) for p in self.phrases]
        self.example_vectors = embedder.embed_batch(masked)  # (n_examples, dim), unit rows
        self._langid = None
        self._attack_vectors: list[tuple[str, dict, np.ndarray]] | None = None  # the policy's attack and harm examples, embedded on first use
        self._sense_vectors: list[np.ndarray] | None = None  # each sense's other meanings, likewise
        self._card_stems: dict[str, set[str]] | None = None  # each card's word stems, read from the index on first use
        self._openings: dict[str, set[str]] | None = None  # the word stems of each card's first sentences, likewise
        self._opening_counts: Counter = Counter()  # how many cards' openings use each of those stems

    def read(self, question: str, history: list[dict] | None = None) -> Reading:
        history = history or []
        text = self.normalise(question)
        safety = self.safety(text, question)
        if not safety.ok:  # refused whatever else it says: read no further (no embedder pass)
            unread = Verdict(True, "not read: the question is refused")
            return Reading(question, text, "concept", unread, (), None, (), (), unread, safety, unread)
        links = self._own_words(text, self.lookup.link(text))
        language = self.language(text, links)
        works = [lk for lk in links if isinstance(lk.node, Resource)]
        # "the HF transformers fine-tuning guide": of two works named side by side, the second names it, the first says whose
        resource = next((lk for lk in works if any(other.end == lk.start for other in works)), works[0] if works else None)
        if resource is None and (resource := self.named_by_kind(text, links)) is not None:
            links = [lk for lk in links if lk.start != resource.start] + [resource]  # the work, not its topic
        if resource is None and (described := self.described_work(text, links)) is not None:
            # "the OpenAI paper that connects images and text": a work of that kind described by its card's opening words
            resource, words_used = described
            links = [lk for lk in links if not set(lk.span.split()) <= words_used] + [resource]
        # A listed platform and its link are one thing ("the Papers with Code link"), and a platform
        # hosting a named resource is not asked about ("the GAN Specialization on Coursera").
        subjects = tuple(lk for lk in links if not isinstance(lk.node, Resource) and not (
            resource and getattr(lk.node, "kind", "") == "listing"))
        if resource is not None and subjects:
            # "the fast.ai course listed under model optimization": fast.ai's course linked there, not fast.ai itself
            near = unique([r for lk in subjects for r in self.lookup.roadmap.resources_for(lk.node)])
            site = _host(resource.node.url)
            same = [r for r in near if _on_site(r.url, site)]  # course.fast.ai under fast.ai
            # ...of the same kind: "a free hugging face course, like for LLMs or diffusion?" is not the Diffusers docs
            # only a platform's own link ("fast.ai"), not one paper of many on a shared host (arxiv.org)
            if resource.node not in near and len(same) == 1 and getattr(resource.node.item, "kind", "") == "listing" \
                    and self.kinds.get(same[0].url) == self.kinds.get(resource.node.url):
                resource = Link(same[0], resource.confidence, f"{resource.title}'s work linked under the topic named",
                                resource.span, resource.start, resource.end)
        if resource is not None and (home := resource.node.item or resource.node.section) is not None:
            # "after the PyTorch tutorials (the frameworks)": the resource's own topic, not the part holding it;
            # a work linked under a section replaces only a phase named by its number ("after Full Stack Deep
            # Learning, the next section of phase 6") or by words of the work's own title
            subjects = tuple(Link(home, lk.confidence, f"the topic of {resource.title}", lk.span, lk.start, lk.end)
                             if self.lookup.roadmap.contains(lk.node, home) and (
                                 resource.node.item is not None or lk.how == "phase number"
                                 # "the DLS (andrew ng's deep learning spec)": the phase's name is words of the work's title
                                 or set(lk.span.split()) <= set(WORD.findall(resource.node.title.lower())))
                             else lk for lk in subjects)
        said = WORD.findall(text.lower())  # the words link positions count

        def describes(lk: Link) -> bool:  # "math-heavy", "heavy on math": a word for what something is like
            return lk.end < len(said) and said[lk.end] in DESCRIBES or \
                lk.start >= 2 and said[lk.start - 1] == "on" and said[lk.start - 2] in DESCRIBES
        if len(subjects) > 1 or resource is not None and subjects:  # "a math-heavy paper on diffusion": math only describes it
            subjects = tuple(lk for lk in subjects if not describes(lk)) or subjects
        if resource is not None:  # "the transformer paper (the attention one)": a name that only says which work
            subjects = tuple(lk for lk in subjects if not (0 < lk.start and said[lk.start - 1] == "the" and lk.end < len(said)
                                                            and said[lk.end] == "one"))
        elif subjects and history and all(map(describes, subjects)) and (ORDINAL_REF.search(text) or THAT_WORK.search(text)):
            subjects = ()  # "is the first one heavy on math?": about the one referred to
        if len(subjects) > 1:  # "the math of diffusion" is about diffusion
            subjects = tuple(lk for lk in subjects if not any(
                other.start == lk.end + 1 and lk.end < len(said) and said[lk.end] in ("of", "behind") for other in subjects))
        if len(subjects) > 1:  # "the phase 5 fine-tuning stuff", "GANs (phase 3)": the phase only says where the topic is
            rm = self.lookup.roadmap
            subjects = tuple(lk for lk in subjects if not (isinstance(lk.node, Phase) and any(
                rm.contains(lk.node, other.node) and (other.start - lk.end in (-1, 0) or 0 <= lk.start - other.end <= 2)
                for other in subjects)))
        if len(subjects) > 1:  # "the Stable Diffusion architecture (VAE + U-Net + text encoder)": the parts of the one named before
            rm = self.lookup.roadmap
            for m in re.finditer(r"\(([^()]*)\)", text):
                inside = range(len(WORD.findall(text[: m.start()])), len(WORD.findall(text[: m.end()])))
                owner = next((lk for lk in subjects if lk.end == inside.start and not isinstance(lk.node, Phase | Section)), None)
                if owner is not None and inside:
                    subjects = tuple(lk for lk in subjects if lk.start not in inside or rm.contains(owner.node, lk.node)) or subjects
        if len(subjects) > 1:  # "the LLM part - pretraining, finetuning etc.": words of the LLM line, not topics of their own
            subjects = tuple(lk for lk in subjects if not any(
                other.start < lk.start and _squash(lk.span) in _phrases(getattr(other.node, "description", ""))
                for other in subjects)) or subjects
        if len(subjects) > 1 and (after := re.search(r"\bbefore\b", text, re.I)):
            # "Do I need calculus before neural network basics?" asks about what follows "before".
            words_before = len(WORD.findall(text[: after.start()]))
            subjects = tuple(sorted(subjects, key=lambda lk: lk.start < words_before))
        elif len(subjects) > 1 and (first := NEEDED_FIRST.search(text)):
            # "I'm about to start ML basics. Do I need a lot of math first?" asks about the other one.
            inside = range(len(WORD.findall(text[: first.start()])), len(WORD.findall(text[: first.end()])))
            subjects = tuple(sorted(subjects, key=lambda lk: lk.start in inside))
        if (part := PART_THAT.search(text)) and (whole := self._holding(
                [lk for lk in (*subjects, *([resource] if resource else ())) if lk.start >= len(WORD.findall(text[: part.end()]))],
                part.group(1).lower() in ("phase", "stage"))):
            # "the part of the roadmap that introduces generative models, autoencoders and GANs": the part holding them
            subjects, resource = (Link(whole, 0.9, f"the part holding what {part.group(0)!r} lists", part.group(0)),), None
        framed = self.mask(text, links)
        ruled = self.rule(framed)
        # Its frame is embedded when no rule reads it, to find the nearest examples. The question's own
        # vector is embedded only if reading needs it (nothing named: the on-topic check); retrieval
        # embeds it otherwise, and a curriculum answer never does. A pass costs in proportion to its
        # tokens, so a pass of both would cost a curriculum answer twice what it needs. A question that
        # names nothing is its own frame, bar spelling ("what's" read as "what is"): one text serves both.
        # "I want to put a demo of my paper on X. What do I need first?": the story says what, the question
        # sentence says what is asked. When that sentence alone is clearly an order question, it decides,
        # and the whole frame (many more tokens) is not embedded at all.
        asked = LAST_QUESTION.search(framed) if not ruled and links else None
        alone = None
        if asked and asked.start() > 0:
            # by its examples only: a rule that passed over the whole question ("I know X well", its `unless`) stays passed
            again, why = self.nearest(self.embedder.embed_batch([asked.group(1)])[0])
            if again in (*ORDER_ASKS, "start"):
                alone = again, Verdict(True, f"{why.rule}, in the last sentence", why.score)
        clear = alone if alone is not None and alone[1].score >= CLEAR_INTENT else None
        found = [] if ruled or clear else list(self.embedder.embed_batch([framed]))
        framed_vector = found[0] if found else None
        vectors = found[:1] if framed == question or not links else []  # the question's, if known

        def vector() -> np.ndarray:
            if not vectors:
                vectors.append(self.embedder.embed_batch([question])[0])
            return vectors[0]

        intent, evidence = ruled or clear or self.nearest(framed_vector)
        if alone is not None and evidence.score < ASKED_ALONE <= alone[1].score:  # less clear, but clearer than the whole
            intent, evidence = alone
        if intent in ("concept", "phase") and not ruled and (part := PART_AFTER.search(framed)) and any(
                isinstance(lk.node, Phase | Section) and said[lk.end: lk.end + 1] == [part.group(2).lower()] for lk in links):
            # "what's after the programming skills block (in phase 1)?" asks the roadmap's order; "after the attention block" of a model does not
            intent = "next" if part.group(1).lower() == "after" else "prereq"
            evidence = Verdict(True, f"rule: {part.group(1).lower()} a part of the roadmap", evidence.score)
        if intent == "quiz" and not QUIZ_ASKED.search(text):
            # "what are the query, key and value things?" is near "give me a quiz on X" by its letters, not its ask
            intent, evidence = "concept", Verdict(True, f"not a quiz: no word asks for one ({evidence.rule})", evidence.score)
        if evidence.score < CLEAR_INTENT and PARTS.search(text) and not links:
            # "Which phase covers SQL databases?": the words no example uses name a part the
            # roadmap may lack; read the frame without them.
            again, why = self.intent(self.mask(text, links, content=True))
            if again in NAMES_A_TOPIC and why.score >= CLEAR_INTENT:
                intent, evidence = again, Verdict(True, f"{why.rule}, with unknown words as X", why.score)
        if ELLIPSIS.match(text) and evidence.score < CLEAR_INTENT and (last := _last_user(history)):
            # "and phase 3?" after "how long is phase 2?": the same question about a new subject.
            again, why = self.intent_of(last)
            if again in NAVIGATION:
                intent, evidence = again, Verdict(True, f"the last question's intent ({why.rule})", why.score)
        if intent == "concept" and len(subjects) > 1:
            # "what are emergent abilities in big language models?": the second says where the first is seen
            # (not "I train CNNs in PyTorch, where do I start?", where both say what the learner knows)
            subjects = tuple(lk for lk in subjects if not any(
                other.end < len(said) and said[other.end] == "in" and lk.start - other.end in (1, 2) for other in subjects)) or subjects
        followup: tuple[Link, ...] = ()
        if not subjects and (FOLLOW_UP.search(text) or ORDINAL_REF.search(text) or ORDINAL_MANY.search(text) or DESCRIBED_ONE.search(text)
                             or history and (WHICH_ONE.search(text) or THE_MAKERS.search(text))
                             or not self._content(text, links)):
            followup = self.refers_to(history, text)
            if len(followup) > 1 and WHICH_ONE.search(text) and not WHICH_FIRST.search(text) and not ruled:
                # "which one do the later phases use?": which of those things is which, from what is written on them
                intent, evidence = "concept", Verdict(True, "asks which of the things just named", evidence.score)
        elif len(subjects) == 1 and history and intent == "concept" and (THAN_IT.search(text) or USES_IT.search(text)):
            # "why is it slower than GANs?" after the diffusion process: both sides, the one referred to first
            said = [lk for lk in self.refers_to(history, text) if lk.node is not subjects[0].node and not isinstance(lk.node, Resource)][:1]
            subjects = (*said, *subjects)
            if not said and resource is None and USES_IT.search(text):
                # "does stable diffusion use it?" after "What's CLIP?": the work the last question named
                resource = next((Link(lk.node, lk.confidence, "the work the learner's last question named", lk.span)
                                 for lk in self.lookup.link(_last_user(history)) if isinstance(lk.node, Resource)), None)
        if followup and (shift := STEP_AFTER.search(text)) and (intent != "next" or CONTENTS_ASK.search(text)):
            # "how long is the phase after that?": the step after the one referred to
            if intent == "next":  # "and what's in the phase after that one?": what that step holds
                intent, evidence = "contents", Verdict(True, "rule: what is in the step after the one referred to")
            step = self._step_after(followup[0], *_shift(shift))
            if LONGER.search(text) and step:  # "is that longer than the phase before it?": both, to compare
                step = (followup[0], *step)
            elif ADDS.search(text[: shift.start()]) and step and (last := _last_user(history)):
                # "and if I add the phase right after it?" after "how long is phase 2?": both, asked the same way
                again, why = self.intent_of(last)
                if again in NAVIGATION:
                    intent, evidence = again, Verdict(True, f"the last question's intent, for both ({why.rule})", why.score)
                    step = (followup[0], *step)
            followup = step
        elif len(subjects) == 1 and intent == "duration" and (shift := STEP_AFTER.search(text)):
            # "how long is phase 2, and the phase after it?": that one too
            subjects += self._step_after(subjects[0], *_shift(shift))
        if (more := NEXT_FEW.search(text)) and (followup or subjects):
            # "it plus the next two phases": those phases too
            extra = self._phases_after((subjects or followup)[-1], more)
            if subjects:
                subjects += extra
            else:
                followup += extra
        if resource is None and history and (ref := WORK_REF.search(text)) and (ref.group(1) or not subjects and not followup):
            # "does that course teach pruning?", "how long would the specialization take?"
            resource = self.resource_said(history, ref.group(2).lower())
        if resource is None and history and PRONOUN_IT.search(text) and (RESOURCE_ASK.search(_last_user(history)) or (
                # "which phase is it part of?" after "who made CS231n?"
                _card_ask(_last_user(history)) and any(isinstance(lk.node, Resource) for lk in self.lookup.link(_last_user(history))))) \
                and (not subjects or COVERS.search(text.lower())):
            # "is it free?" after "what resource does the roadmap give for PyTorch?": "it" is the work named
            resource, followup = self.resource_said(history), ()
        several = sum(isinstance(lk.node, Resource) for lk in followup) > 1  # "which of those two is free?": each of them
        picked = any(isinstance(lk.node, Resource) for lk in followup)  # "who wrote the first one, and when was it published?"
        if resource is None and not subjects and not picked and history and _card_ask(text) not in ("", "covers") \
                and not (followup and ORDINAL_REF.search(text)) and (THAT_WORK.search(text) or THE_LINK.search(text)) \
                and (said := self.resource_said(history)) is not None:
            # "can I pip install that?" after an answer that named a work: asked of that work's card; so is "the link doesn't load"
            resource, followup = said, ()
        if resource is None and not subjects and history and WORK_PARTS.search(text) and (
                asked_work := next((lk for lk in self.lookup.link(_last_user(history)) if isinstance(lk.node, Resource)), None)):
            # "which chapters matter most, then?" after "what is the Mathematics for Machine Learning book?": that book's chapters
            resource, followup = Link(asked_work.node, asked_work.confidence, "the work the learner's last question named", asked_work.span), ()
            if intent in ORDER_ASKS or intent == "contents":
                intent, evidence = "concept", Verdict(True, f"asks about the parts of {asked_work.title}", evidence.score)
        if resource is None and not subjects and history and EASIER.search(text) and (said := self.resource_said(history)):
            # "is there something easier to read first?" after the Attention paper: a gentler work of its section
            if (gentler := self.easier_than(said.node)) is not None:
                resource, followup = Link(gentler, said.confidence, f"a gentler work than {said.title} in its section", said.span), ()
        if resource is None and not subjects and (WHICH_FIRST.search(text) or EASIER.search(text) and not any(
                not isinstance(lk.node, Resource) for lk in followup)) \
                and (first := self.gentlest_said(history)) is not None:
            # "which one should I read first?" after two works: the gentlest of them
            resource, followup = first, ()
        if resource is None and not subjects and not followup and history and (said := self.resource_said(history)) \
                and self.on_card(said.node.url, [w for w in WORD.findall(text.lower()) if stem(w) not in STOPWORDS
                                                 and stem(w) not in QUESTION_WORDS and w not in FILLERS and len(w) > 2]):
            # "how long does one issue take to read?" after The Batch: every word it asks with is on that card
            resource = Link(said.node, said.confidence, f"{said.how}, whose card has the question's words", said.span)
        works = [lk for lk in followup if isinstance(lk.node, Resource)]
        if resource is None and not subjects and works and (len(works) == 1 or intent != "concept"):
            resource, followup = works[0], ()  # "what about the second one?" after a list of resources; several, to compare
        candidates: tuple[Link, ...] = ()
        # a topic by meaning, when the question names none (nor a work, whose own topic serves)
        if (intent in NAMES_A_TOPIC or intent == "start" and A_PART.search(text)) and not subjects and resource is None \
                and not followup and self._content(text, links) and not WHOLE.search(text):
            candidates = tuple(lk for lk in self.lookup.by_meaning(vector(), top=3))
            if candidates and candidates[0].confidence >= EMBEDDING_CUTOFF and \
                    (len(candidates) < 2 or candidates[0].confidence - candidates[1].confidence >= 0.04):
                subjects, candidates = candidates[:1], ()
        aspect = ""
        if intent == "start" and resource is not None and resource.how.startswith("fuzzy"):
            resource = None  # "...whose goal is to work on image generation models": a near miss on a title is no work asked about
        asks_card = intent in ("resources", "contents", "start") or intent == "phase" and _card_ask(text) not in ("", "covers")
        # "is there some community for people doing ML research?": the work named first, the topics after it say what for
        after_work = resource is not None and intent == "resources" and all(lk.start > resource.start for lk in subjects)
        if resource is not None and ((not subjects or after_work) and asks_card or intent in ("duration", "prereq")
                                     or _card_ask(text) in ("link", "instead")):  # "the X link won't load, what instead?"
            # "How long does the Deep Learning Specialization take?": the card answers, not the graph.
            # a prerequisite ask is the question's own ("Before reading X, what do I need? the author says..."),
            # a card ask beside it comes second
            # (an example's guess of "prereq" yields to anything asked of the card: "does it teach...", "still online?")
            prereq = intent == "prereq" and not (_card_ask(text) and evidence.rule.startswith("example"))
            aspect, intent = (intent if prereq else _card_ask(text) or intent), "concept"
            if aspect == "start":  # "what do I need to start Dr. Chuck's course?" asks what it needs; else where it begins
                aspect = "prereq" if NEEDS.search(text) else "covers"
            evidence = Verdict(True, f"a named resource ({resource.title}) is answered from its card")
        elif resource is not None and intent in ("phase", "contents", "resources") and \
                COVERS.search(" ".join(WORD.findall(text.lower())[resource.end:])):
            # "Does the Hugging Face fine-tuning guide actually cover DPO?" asks the guide's card
            aspect, intent, evidence = "covers", "concept", Verdict(True, f"asks what {resource.title} covers")
        elif resource is not None and (intent == "concept" or not subjects and _card_ask(text) == "who"):
            # "who teaches the NLP Specialization?", "who made the VAE tutorial linked in phase 3?",
            # "what skills does Full Stack Deep Learning expect?"
            aspect, intent = _card_ask(text) or ("prereq" if EXPECTS.search(text) else ""), "concept"
        elif resource is None and not subjects and followup and intent == "concept" and (asked := _card_ask(text)) and (
                asked not in TOPIC_ASKS or any(isinstance(lk.node, Resource) for lk in followup)):
            # "who's that one by?" after "...the linked resource is the Jupyter Tutorial"; "what's the first one
            # about?" after a list of topics asks of that topic
            said = next((lk for lk in followup if isinstance(lk.node, Resource)), None) or self.resource_said(history)
            if said is None and asked == "who":  # "who are the lecturers?" after the MLOps part: the one work linked there
                said = self._one_work(followup)
            if several:  # "which of those two is free?": asked of each of them
                aspect = asked
            elif said is not None:
                resource, aspect, followup = said, asked, ()
        elif resource is None and not subjects and intent == "concept" and THE_MAKERS.search(text) and \
                (work := self._one_work(followup)) is not None:
            # "what kind of app do the labs have you build?" after the MLOps part: the labs of the one work linked there
            resource, followup = work, ()
        if intent == "concept" and len(subjects) == 1 and isinstance(subjects[0].node, Phase | Section) \
                and not resource and not self._content(text, links):
            # "Tell me about phase 5": a phase or section is explained by what it contains.
            intent, evidence = "contents", Verdict(True, f"a {type(subjects[0].node).__name__.lower()} asked about as a concept")
        if intent in ("next", "prereq") and history and len(subjects) == 1 and isinstance(subjects[0].node, Section) \
                and NEXT_OF_PART.search(framed) and PRONOUN_IT.search(text):
            # "once I'm through that one, what's the next math topic?": after the topic referred to, in that part
            part = subjects[0].node
            said = [lk for lk in self.refers_to(history, "") if self.lookup.roadmap.contains(part, lk.node) and lk.node is not part]
            if said:
                subjects = (Link(said[0].node, said[0].confidence, f"{said[0].how}, in {part.title}", said[0].span),)
        # "what does he do?" beside a named work asks about the work ("the youtube one"): its card answers
        person = self.person(text, history) if PERSON_ASK.search(text) and not subjects and (
            resource is None or re.search(r"\b(else|other|another)\b", text, re.I)) else ""
        if person:  # "does he teach anything else?" after "...taught by Andrew Ng"
            intent, evidence = "people", Verdict(True, f"asks what else {person} made")
            resource, followup, candidates = None, (), ()
        on_topic = self.on_topic(text, subjects, resource, followup, intent, vector, links, evidence.score)
        if person:
            on_topic = Verdict(True, f"names {person}, who made a resource the roadmap links")
        missing = next((n for n, _ in self.lookup.phase_numbers(text) if self.lookup.roadmap.phase(n) is None), None)
        if missing is not None:
            on_topic = Verdict(True, f"asks about phase {missing}, which the roadmap does not have")
        return Reading(question, text, intent, evidence, subjects, resource, followup, candidates,
                       language, safety, on_topic, missing, vectors[0] if vectors else None, aspect, person,
                       tuple(a for a in _card_asks(text) if a != aspect) if aspect else (), self._then(framed, intent))

    # ---- steps
    def normalise(self, question: str) -> str:
        table = self.policy.normalize

        def fix(m: re.Match) -> str:
            return table.get(m.group(0).lower().replace("'", ""), m.group(0))

        question = QUOTED.sub(r"\1", question)  # "before 'Latent Diffusion Models'": the name, unquoted
        return re.sub(r"[A-Za-z0-9']+", fix, question)

    def named_by_kind(self, text: str, links: list[Link]) -> Link | None:
        """"The linear algebra course", "the attention paper": a topic followed by a word for a kind
        of work names its one resource (its own, else its section's) of that kind. A section does not:
        "Andrew Ng's ML course" says what was done, and Machine Learning Basics stays the subject."""
        words = WORD.findall(text.lower())
        for lk in links:
            if isinstance(lk.node, Item) and lk.node.kind == "listing" and lk.node.resources:
                if (work := self.on_platform(lk, words, links)) is not None:
                    return work
                if _card_ask(text) and len(links) == 1:  # "how much of Coursera is free?": its card answers
                    home = lk.node.resources[0]
                    return Link(home, lk.confidence, f"the link of {lk.title}", lk.span, lk.start, lk.end)
            after = lk.end + (lk.end < len(words) and words[lk.end] == "s")  # "fast.ai's course"
            word = words[after] if after < len(words) else ""
            if not isinstance(lk.node, Item) or word not in KIND_WORDS:
                continue
            res = unique(self.lookup.roadmap.resources_for(lk.node))
            if len(res) > 1:
                res = [r for r in res if self.kinds.get(r.url) in KIND_WORDS[word]]
            if len(res) == 1:
                return Link(res[0], lk.confidence, f"the {word} of {lk.title}", f"{lk.span} {word}", lk.start, after + 1)
        return None

    def easier_than(self, work: Resource) -> Resource | None:
        """The work of the lowest level in the same section whose card puts it below `work`, if any."""
        mine = LEVELS.get(self.levels.get(work.url, ""), None)
        if mine is None or work.section is None:
            return None
        gentler = [r for r in unique(work.section.resources) if LEVELS.get(self.levels.get(r.url, ""), 9) < mine]
        return min(gentler, key=lambda r: LEVELS[self.levels[r.url]], default=None)

    def gentlest_said(self, history: list[dict]) -> Link | None:
        """Of the works the tutor's last answer named (two or more), the one of the lowest level
        by its card; the first named of those equal."""
        said = _last_tutor(history)
        found = sorted(self.lookup.link(said, nest=False), key=lambda lk: lk.start) if said else []
        works = list({id(lk.node): lk for lk in reversed(found) if isinstance(lk.node, Resource)}.values())[::-1]
        if len(works) < 2:
            return None
        best = min(works, key=lambda lk: LEVELS.get(self.levels.get(lk.node.url, ""), 9))
        return Link(best.node, best.confidence, "the gentlest of the works in the tutor's last answer", best.span)

    def on_platform(self, lk: Link, words: list[str], links: list[Link] = ()) -> Link | None:
        """"The Hugging Face fine-tuning guide": a platform, a word of a title and a word for a kind of
        work name the one resource on the platform's site whose title has that word. "The fast.ai
        course": with no such word, its one work of that kind (on the site or a subdomain of it)."""
        at = next((i for i in range(lk.end, min(lk.end + 4, len(words))) if words[i] in KIND_WORDS), None)
        if at is None:
            return None
        said = set(words[lk.end: at]) - STOPWORDS - {"s"}
        site = _host(lk.node.resources[0].url)
        hosted = [r for r in unique(self.lookup.roadmap.resources) if r is not lk.node.resources[0]
                  and _on_site(r.url, site)]
        if said:
            found = [r for r in hosted if {stem(w) for w in said} & {stem(w) for w in WORD.findall(r.title.lower())}]  # "the fast.ai coders course"
        else:
            found = [r for r in hosted if self.kinds.get(r.url) in KIND_WORDS[words[at]]]
        if len(found) > 1:  # "the hugging face library for diffusion pipelines": the one linked under a topic named
            near = {r.url for other in links if other is not lk for r in self.lookup.roadmap.resources_for(other.node)} \
                if links else set()
            found = [r for r in found if r.url in near]
        if len(found) != 1:
            return None
        return Link(found[0], lk.confidence, f"the {words[at]} on {lk.title}", " ".join(words[lk.start: at + 1]), lk.start, at + 1)

    def like_attack(self, text: str, vector: np.ndarray | None) -> Verdict | None:
        """A refusal when a question's embedding is close to an attack example (the policy's
        `like_attacks`) or to a request to harm or deceive (`like_harm`, with its own threshold), and no
        allow pattern matches it, else None. Used on questions that would reach the model."""
        if vector is None or any(a.matches(text) for a in self.policy.allow):
            return None
        for name, like, vectors in self._attacks():
            scores = vectors @ vector
            best = int(np.argmax(scores))
            if scores[best] >= like["threshold"]:
                return Verdict(False, f"like the {name} example {like['examples'][best]!r}", float(scores[best]))
        return None

    def _attacks(self) -> list[tuple[str, dict, np.ndarray]]:
        """Each example set the policy refuses by likeness: its name, its table, its examples' vectors."""
        if self._attack_vectors is None:
            self._attack_vectors = [(name, like, self.embedder.embed_batch(like["examples"]))
                                    for name, like in self.policy.likeness().items() if like.get("examples")]
        return self._attack_vectors

    def safety(self, text: str, said: str = "") -> Verdict:
        """Refused when a refuse pattern matches that no matching allow lifts. `said`: the question as
        written, whose quotation marks an allow may need ("prompts that say 'act as'...")."""
        allows = [a for a in self.policy.allow if a.matches(text) or said and a.matches(said)]
        lifted = []
        for p in self.policy.refuse:
            if p.matches(text):
                allowed = next((a for a in allows if not a.over or p.name in a.over), None)
                if allowed is None:
                    return Verdict(False, f"refuse: {p.name}")
                lifted.append(f"allow: {allowed.name} (over {p.name})")
        return Verdict(True, "; ".join(lifted) or "no injection pattern")

    def language(self, question: str, links: list[Link] = ()) -> Verdict:
        """Topic names are the same in every language, so only the other words are weighed."""
        letters = [ch for ch in question if ch.isalpha()]
        if letters and sum(not ch.isascii() for ch in letters) > len(letters) / 2:
            return Verdict(False, "mostly non-Latin letters", 1.0)
        raw = self._unnamed_words(question, links)
        if not raw:
            return Verdict(True, "no words", 1.0)
        known = 1 - len(self._unknown(raw)) / len(raw)
        if known > KNOWN_WORD_SHARE or len(raw) < 2:
            return Verdict(True, f"known English words {known:.0%}", known)
        lang, prob = self._classify(question)
        if lang != "en" and prob >= LANGUAGE_CONFIDENCE:
            return Verdict(False, f"py3langid: {lang}", prob)
        return Verdict(True, f"py3langid: {lang}", prob)

    @staticmethod
    def _unnamed_words(question: str, links) -> list[str]:
        named = {i for lk in links for i in range(lk.start, lk.end)}
        return [w for i, w in enumerate(WORD.findall(question.lower())) if i not in named]

    def _unknown(self, words: list[str]) -> list[str]:
        """The words the tutor does not know as English: neither the corpus nor the examples use them."""
        return [w for w in words if stem(w) not in self.english and w not in self.english]

    def other_sense(self, text: str, said: list[str], links: list[Link], vector) -> Verdict | None:
        """Off-topic when every word that ties the question to the roadmap (`said`: the names in it, or
        "phase") has an everyday sense (data/senses.toml), the question uses words the corpus never
        does, and its meaning is nearer that word's other senses than to any chunk of the corpus: "how
        much bamboo does a giant panda eat?", "which phase of the moon is best for planting?"."""
        picked = [next((k for k, s in enumerate(self.policy.senses) if s.word.fullmatch(word)), None) for word in said]
        if not picked or None in picked or self.index is None or not self._unknown(self._unnamed_words(text, links)):
            return None
        vectors, v = self._senses(), vector()
        corpus = float(self.index.search(v, 1)[0][1])
        score, k, best = max((float(c), k, i) for k in set(picked) for i, c in enumerate(vectors[k] @ v))
        if score - corpus >= self.policy.sense_margin:
            return Verdict(False, f"uses {said[picked.index(k)]!r} in another sense, like {self.policy.senses[k].other[best]!r}",
                           score - corpus)
        return None

    def warm(self) -> None:
        """Load what reading loads on first use (the language model: about a second; the everyday senses'
        vectors: a fifth of one), as a server does at start, so that no learner's question waits for it."""
        self._classify("warm")
        self._senses()
        self._attacks()

    def _senses(self) -> list[np.ndarray]:
        """Each everyday sense's phrasings, embedded in one call on first use: (n_phrasings, dim) per sense."""
        if self._sense_vectors is None:
            every = self.embedder.embed_batch([o for s in self.policy.senses for o in s.other])
            self._sense_vectors = np.split(every, np.cumsum([len(s.other) for s in self.policy.senses])[:-1])
        return self._sense_vectors

    def _classify(self, text: str) -> tuple[str, float]:
        if self._langid is None:
            from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

            self._langid = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
            self._langid.set_languages(LANGUAGES)  # fewer rivals: clearer probabilities on short text
        lang, prob = self._langid.classify(text)
        return lang, float(prob)

    def mask(self, text: str, links: list[Link], content: bool = False) -> str:
        """The question with each named topic replaced by X; with `content`, each word that could
        name one too: what is asked is in the frame, not in the topic ("which phase covers X?")."""
        pieces = list(WORD.finditer(text.lower()))
        spans = {(a, b) for lk in links for a, b in ((lk.start, lk.end), *lk.again) if a < b <= len(pieces)}
        said = [p.group(0) for p in pieces]
        for start, end in list(spans):  # a name said twice is a topic both times
            n = end - start
            spans |= {(i, i + n) for i in range(len(said) - n + 1) if said[i:i + n] == said[start:end]}
        if content:  # words no example uses are topic words, whatever they are ("SQL", "blockchain")
            used = {i for lk in links for i in range(lk.start, lk.end)}
            spans |= {(i, i + 1) for i, p in enumerate(pieces) if i not in used and stem(p.group(0)) not in self.frame
                      and stem(p.group(0)) not in STOPWORDS and not p.group(0).isdigit()}
        out, pos = [], 0
        for start, end in sorted(spans):
            begin = pieces[start].start()
            if begin < pos:
                continue
            out += [text[pos:begin], "X"]
            pos = pieces[end - 1].end()
        return re.sub(r"\bX(?:[\s/&,-]+X\b)+", "X", "".join(out) + text[pos:])

    def intent_of(self, question: str) -> tuple[str, Verdict]:
        """The intent of another question (the learner's last), read as `read` reads it."""
        text = self.normalise(question)
        return self.intent(self.mask(text, self.lookup.link(text)))

    def _then(self, framed: str, intent: str) -> str:
        """The order question a later clause asks besides the first ("how long is that phase and what
        comes after it?"), read by the rules alone; "" when there is none."""
        if intent not in ORDER_ASKS:
            return ""
        clauses = SECOND_ASK.split(framed)
        for clause in clauses if len(clauses) > 1 else ():
            if clause and (ruled := self.rule(clause)) is not None and ruled[0] in THEN_ASKS and ruled[0] != intent:
                return ruled[0]
        return ""

    def rule(self, framed: str) -> tuple[str, Verdict] | None:
        """The first rule that reads the question with its topics as X, if any."""
        for rule in self.policy.rules:
            if rule.matches(framed):
                return rule.intent, Verdict(True, f"rule: {rule.name}")
        return None

    def intent(self, framed: str) -> tuple[str, Verdict]:
        """The rules over a question with its topics as X, else its nearest examples (embedded
        only then)."""
        return self.rule(framed) or self.nearest(self.embedder.embed_batch([framed])[0])

    def nearest(self, vector: np.ndarray) -> tuple[str, Verdict]:
        """The intent of the examples nearest to `vector`, the embedding of a question with every
        topic word as X."""
        scores = self.example_vectors @ vector  # (n_examples,) cosine
        top = np.argsort(-scores)[:3]
        best = int(top[0])
        if scores[best] < MIN_EXAMPLE_COSINE:
            return "concept", Verdict(True, f"no close example (best {self.phrases[best]!r})", float(scores[best]))
        votes: dict[str, float] = {}
        for i in top:
            if scores[i] >= scores[best] - 0.05:
                votes[self.labels[i]] = votes.get(self.labels[i], 0.0) + float(scores[i])
        intent = max(votes, key=votes.get)
        example = next(self.phrases[i] for i in top if self.labels[i] == intent)
        return intent, Verdict(True, f"example: {example!r}", float(scores[best]))

    def refers_to(self, history: list[dict], text: str = "") -> tuple[Link, ...]:
        """What 'that' means: the one picked by position ("the second one") among the names in the
        tutor's last answer, else the steps it recommended (named there but not in the question it
        answered), else the subjects of the learner's last question."""
        last_user = _last_user(history)
        last_tutor = _last_tutor(history)
        asked = self.lookup.link(last_user, resources=False) if last_user else []
        asked_nodes = {id(lk.node) for lk in asked}
        if (pick := ORDINAL_REF.search(text) or ORDINAL_MANY.search(text)) and last_tutor:
            told = WORD.findall(last_tutor.lower())
            named = [lk for lk in sorted(self.lookup.link(last_tutor, nest=False), key=lambda lk: lk.start)
                     if id(lk.node) not in asked_nodes and not isinstance(lk.node, Phase)
                     and not (isinstance(lk.node, Resource) and lk.start and told[lk.start - 1] in ("a", "an"))]  # "an arXiv paper by ..." names no listing
            # "who wrote the first one?" counts the resources listed, and so does a list of mostly resources;
            # otherwise the topics, if any
            works = sum(isinstance(lk.node, Resource) for lk in named)
            # ("what's the first one about?" asks that of topics as much as of works)
            kind = Resource if _card_ask(text) not in ("", *TOPIC_ASKS) or pick.group(2).lower() in ("resource", "link", "course") \
                or works > len(named) - works or works and RESOURCE_ASK.search(last_user) else Item
            if pick.re is ORDINAL_MANY and pick.group(1).lower() in ("those", "these") and works == _COUNTS.get(pick.group(2).lower()):
                kind = Resource  # "which of those two": the answer named just two works
            if pick.group(2).lower() in ("section", "part"):  # "that last part": the parts named, not the works
                named, kind = [lk for lk in named if isinstance(lk.node, Section | Item)], Section
            named = [lk for lk in named if isinstance(lk.node, kind)] or named
            if kind is Item:  # the list the answer gave: its topics share a section (a platform named beside them does not)
                home = Counter(getattr(lk.node, "section", None) for lk in named).most_common(1)[0][0]
                named = [lk for lk in named if getattr(lk.node, "section", None) is home]
            if pick.re is ORDINAL_MANY and len(named) >= (count := _COUNTS[pick.group(2).lower()]):
                chosen = named[-count:] if pick.group(1).lower() == "last" else named[:count]
                said = pick.group(0).lower() if pick.group(1).lower() in ("those", "these") else f"the {pick.group(0).lower()}"
                return tuple(Link(lk.node, lk.confidence, f"{said} in the tutor's last answer", lk.span) for lk in chosen)
            at = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1, "middle": len(named) // 2}.get(pick.group(1).lower())
            if pick.re is ORDINAL_REF and named and at is not None and (at == -1 or at < len(named)):
                lk = named[at]
                return (Link(lk.node, lk.confidence, f"the {pick.group(1).lower()} one in the tutor's last answer", lk.span),)
        if WHICH_ONE.search(text) and last_tutor and not WHICH_FIRST.search(text):
            # "which one do the later phases use?" after "...PyTorch, with its tutorials, and TensorFlow/Keras, with...":
            # the two or three things of one kind it set side by side, topics before works
            said = sorted(self.lookup.link(last_tutor, nest=False), key=lambda lk: lk.start)
            for kind in (Resource, Item) if _card_ask(text) else (Item, Resource):  # "which of those are free?": the works
                same = list({id(lk.node): lk for lk in said if isinstance(lk.node, kind)}.values())
                if 2 <= len(same) <= 3:
                    return tuple(Link(lk.node, lk.confidence, "one of those in the tutor's last answer", lk.span) for lk in same)
        if (one := DESCRIBED_ONE.search(text)) and last_tutor and one.group(1).lower() not in ORDINAL_WORDS:
            # "who built the interactive one?" after "...GAN Lab (interactive visualization) and the GAN
            # Specialization": the work whose words in that answer, up to the next name, say so
            said = WORD.findall(last_tutor.lower())
            works = sorted(self.lookup.link(last_tutor, nest=False), key=lambda lk: lk.start)
            word = stem(one.group(1).lower())
            fit = [lk for lk, after in zip(works, [*works[1:], None]) if isinstance(lk.node, Resource)
                   and word in {stem(w) for w in said[lk.start: after.start if after else len(said)]}]
            if len(fit) == 1:
                return (Link(fit[0].node, fit[0].confidence, f"the {one.group(1).lower()} one in the tutor's last answer", fit[0].span),)
        if (part := THAT_PART.search(text)) and last_tutor:
            # "what topics are in that section?": the section the tutor's last answer named
            kind = {"phase": Phase, "stage": Phase, "topic": Item}.get(part.group(1).lower(), Section)
            named = [lk for lk in sorted(self.lookup.link(last_tutor, nest=False), key=lambda lk: lk.start)
                     if isinstance(lk.node, kind)]
            if re.search(r"\b(after|next)\b", last_user or "", re.I):
                # "how long does that phase take?" after "what comes after ML basics?" -> "...Phase 1 ends and Phase 2
                # begins": the part the answer moved on to, not the one holding what was asked about
                rm = self.lookup.roadmap
                named = [lk for lk in named if not any(rm.contains(lk.node, a.node) for a in asked)] or named
            if named:
                return (Link(named[0].node, named[0].confidence, f"the {part.group(1).lower()} in the tutor's last answer", named[0].span),)
        if (described := THAT_DESCRIBED.search(text)) and last_tutor:
            # "how does that simpler alternative work?" after "...A simpler alternative covered in Phase 5
            # is DPO.": the one topic named in the sentence of the tutor's answer that used those words
            words = {stem(w) for w in WORD.findall(described.group(2).lower())} - {"one", "thing"}
            for sentence in re.split(r"(?<=[.!?])\s+", last_tutor):
                if words and words <= {stem(w) for w in WORD.findall(sentence.lower())}:
                    named = list({id(lk.node): lk for lk in self.lookup.link(sentence, resources=False)
                                  if not isinstance(lk.node, Phase) and id(lk.node) not in asked_nodes}.values())
                    if len(named) == 1:
                        return (Link(named[0].node, named[0].confidence, f"the {described.group(2)} in the tutor's last answer", named[0].span),)
        if PLURAL_REF.search(text) and last_tutor:
            # "how do people actually detect them?" after "...Bias & Fairness, Deepfakes & Misuse, and Environmental
            # Impact": of the topics that answer named, the one whose line has a word of the question (detection)
            asked_words = [w for w in WORD.findall(text.lower()) if len(w) > 3 and w not in STOPWORDS and w not in QUESTION_WORDS
                           and w not in FILLERS]
            named = list({id(lk.node): lk for lk in self.lookup.link(last_tutor, resources=False, nest=False)
                          if isinstance(lk.node, Item)}.values())
            fit = [lk for lk in named if any(_one_root(w, said) for w in asked_words
                                             for said in WORD.findall(f"{lk.node.title} {lk.node.description}".lower()))]
            if len(named) >= 2 and len(fit) == 1:
                return (Link(fit[0].node, fit[0].confidence, "the one of those in the tutor's last answer the question's words fit", fit[0].span),)
        before = self.normalise(last_user)  # linked as read, like the ELLIPSIS case in `read`
        asked_next = bool(last_user) and (ruled := self.rule(self.mask(before, self.lookup.link(before)))) is not None \
            and ruled[0] in ("next", "start")
        if RECOMMENDS.search(last_tutor) or asked_next and last_tutor:
            said = []
            bold = re.findall(r"\*\*(.+?)\*\*", last_tutor)
            for name in bold or [last_tutor]:  # our own answers bold the steps they name
                links = sorted(self.lookup.link(name, resources=False, nest=bool(bold)), key=lambda lk: lk.start)
                said += links[:1] if bold else links
            said = [lk for lk in said if id(lk.node) not in asked_nodes]
            if said:  # a plain answer names what it recommends first; ours list up to two in bold
                return tuple(Link(lk.node, lk.confidence, "the tutor's last answer", lk.span) for lk in said[: 2 if bold else 1])
        if not asked and last_tutor:
            # "and after that one?" after "is it long?" -> "Plan on two to four weeks for the NumPy, pandas and Matplotlib
            # chapters": the one topic that answer named
            named = list({id(lk.node): lk for lk in self.lookup.link(last_tutor, resources=False, nest=False)
                          if isinstance(lk.node, Item | Section)}.values())
            if len(named) == 1:
                return (Link(named[0].node, named[0].confidence, "the one topic in the tutor's last answer", named[0].span),)
        named_then = self.lookup.link(last_user) if last_user else []
        if len(named_then) == 1 and isinstance(named_then[0].node, Resource) and not OTHER_WORK.search(text) and not any(
                isinstance(lk.node, Resource) and lk.node.url != named_then[0].node.url for lk in self.lookup.link(last_tutor or "")):
            # "how long should I spend on it?" after "what is GAN Lab": the work asked about, not the topic in its name
            # (unless another work is asked for, "a course to go with it", or the answer named another)
            return (Link(named_then[0].node, named_then[0].confidence, "the work the learner's last question named", named_then[0].span),)
        # of several topics asked, the one the tutor's answer took up: "I've finished phase 1. how long is phase 2?"
        answered = {id(lk.node) for lk in self.lookup.link(last_tutor, resources=False)} if last_tutor and len(asked) > 1 else set()
        asked = sorted(asked, key=lambda lk: id(lk.node) not in answered)
        return tuple(Link(lk.node, lk.confidence, "the learner's last question", lk.span) for lk in asked[:1])

    @staticmethod
    def _own_words(text: str, links: list[Link]) -> list[Link]:
        """Without a one-word everyday name used for the learner's own work ("in my research") or as
        the second half of a compound ("user-research analysis"): neither names the roadmap's topic."""
        spans = list(WORD.finditer(text))
        said = [m.group(0).lower() for m in spans]

        def own(lk: Link) -> bool:
            if lk.how != "alias" or lk.end - lk.start != 1 or lk.start >= len(spans):
                return False
            at = spans[lk.start].start()
            return lk.start > 0 and said[lk.start - 1] in POSSESSIVES and lk.span in OWN_SENSE or \
                at > 1 and text[at - 1] == "-" and text[at - 2].isalnum()
        # "image classification / detection": a word of the title just named, not another topic's term
        def rest_of_title(lk: Link) -> bool:
            return lk.how == "description term" and any(
                0 <= lk.start - other.end <= 1 and set(lk.span.split()) <= {stem(w) for w in WORD.findall(other.node.title.lower())}
                for other in links if other is not lk)
        return [lk for lk in links if not own(lk) and not rest_of_title(lk)]

    def _one_work(self, followup: tuple[Link, ...]) -> Link | None:
        """The one work linked under the one part referred to, or None."""
        if len(followup) != 1 or len(works := unique(self.lookup.roadmap.resources_for(followup[0].node))) != 1:
            return None
        return Link(works[0], followup[0].confidence, f"the one work linked under {followup[0].title}", followup[0].span)

    def _holding(self, named: list[Link], phase: bool = False) -> Node | None:
        """The one section (unless `phase`), else the one phase, holding two or more of the `named` (a work by
        where it is linked)."""
        rm = self.lookup.roadmap
        nodes = [(lk.node.item or lk.node.section) if isinstance(lk.node, Resource) else lk.node for lk in named]
        if len(nodes) < 2 or None in nodes:
            return None
        for home in (rm.phase_of,) if phase else (rm.section_of, rm.phase_of):  # a section is its own section
            homes = {id(h): h for h in map(home, nodes)}
            if len(homes) == 1 and (h := homes.popitem()[1]) is not None:
                return h
        return None

    def _phases_after(self, link: Link, more: re.Match) -> tuple[Link, ...]:
        """The phases NEXT_FEW counts after the phase of the one linked."""
        phases = self.lookup.roadmap.phases
        home = self.lookup.roadmap.phase_of(link.node)
        if home is None:
            return ()
        count = int(more.group(1)) if more.group(1).isdigit() else ORDINALS.get(more.group(1).lower(), 1)
        at = phases.index(home) + 1
        return tuple(Link(p, link.confidence, f"the {more.group(1)} phases after {label(home)}", more.group(0))
                     for p in phases[at: at + count])

    def _step_after(self, link: Link, kind: str, way: str = "after") -> tuple[Link, ...]:
        """The phase, section or topic after (or before) the one linked, as a link of its own; () if none."""
        rm = self.lookup.roadmap
        node = link.node
        if kind in ("phase", "stage") and (home := rm.phase_of(node)) is not None:
            at = rm.phases.index(home)
            steps = rm.phases[at + 1:] if way == "after" else rm.phases[:at][::-1]
        else:
            steps = [n for n in (rm.after(node) if way == "after" else rm.before(node))  # both nearest first
                     if kind not in ("section", "part") or isinstance(n, Section)]
        return (Link(steps[0], link.confidence, f"the {kind} {way} {link.title}", link.span),) if steps else ()

    def person(self, text: str, history: list[dict]) -> str:
        """A maker of a linked resource that the question names, or that 'he/she/they' points to in
        the tutor's last answer (else the learner's last question)."""
        for said in (text, *((_last_tutor(history), _last_user(history)) if PRONOUN.search(text) else ())):
            low = said.lower()
            named = [(low.find(name.lower()), name) for name in self.lookup.people if name.lower() in low]
            if named:
                return min(named)[1]
        return ""

    def described_work(self, text: str, links: list[Link] = ()) -> tuple[Link, set[str]] | None:
        """A work named by a word for its kind and words of its card's opening ("the OpenAI paper that connects
        images and text"), or asked for by what it offers ("where can I get free GPUs and datasets?"): the
        card (of that kind) sharing three or more of the question's words with its first sentences, those
        words weighing half again as much as any other card's (a word few cards open with weighs more);
        with the words it shares. Words that name a topic count only when the kind is said."""
        said = WORD.findall(text.lower())
        kind = next((KIND_WORDS[w] for w in said if w in KIND_WORDS), None)
        if kind is None and not OFFERS_ASK.search(text) or self.index is None:
            return None
        # a topic's name counts only beside a word for the work's kind, and beside two other words of the opening:
        # "the 2017 paper that introduced the Transformer"
        named = {i for lk in links for i in range(lk.start, lk.end)}
        unnamed = {_root(stem(w)) for i, w in enumerate(said) if i not in named}
        asked = {_root(stem(w)) for i, w in enumerate(said) if len(w) > 2 and (i not in named or kind) and w not in STOPWORDS
                 and w not in QUESTION_WORDS and w not in FILLERS and w not in KIND_WORDS and w not in ASKING_WORDS}
        if self._openings is None:
            self._openings = {}
            for chunk in self.index.chunks:
                if chunk.url and chunk.url not in self._openings:
                    opening = " ".join(chunk.text.split(". ")[:2]).lower()
                    self._openings[chunk.url] = {_root(stem(w)) for w in WORD.findall(opening)}
            self._opening_counts = Counter(w for words in self._openings.values() for w in words)
        works = {r.url: r for r in self.lookup.roadmap.resources if kind is None or self.kinds.get(r.url) in kind}
        # a word few openings use says more: "gpu" more than "free"
        rare = {w: math.log(len(self._openings) / self._opening_counts[w]) for w in asked if self._opening_counts[w]}
        shared = sorted(((sum(rare[w] for w in asked & self._openings.get(url, set())), len(asked & self._openings.get(url, set())), url)
                         for url in works), reverse=True)
        if not shared or shared[0][1] < 3 or len(shared) > 1 and shared[1][0] > shared[0][0] / 1.5 or \
                len(asked & unnamed & self._openings.get(shared[0][2], set())) < 2:
            return None
        url = shared[0][2]
        return Link(works[url], 0.8, "the work whose card opens with the question's words", ""), \
            {w for i, w in enumerate(said) if i not in named and _root(stem(w)) in self._openings[url]}

    def on_card(self, url: str, words: list[str]) -> bool:
        """Whether `words` are words of the indexed card of `url`: all of them, or all but one of three or more."""
        if self.index is None or not words:
            return False
        if self._card_stems is None:
            self._card_stems = {}
            for chunk in self.index.chunks:
                if chunk.url:
                    self._card_stems.setdefault(chunk.url, set()).update(stem(w) for w in WORD.findall(chunk.text.lower()))
        # one word off the card is a filler word ("how much gpu time do i actually get tho")
        return len({stem(w) for w in words} - self._card_stems.get(url, set())) <= (len(set(words)) >= 3)

    def resource_said(self, history: list[dict], kind: str = "") -> Link | None:
        """The resource the tutor's last answer named last ("...and the linked resource is X"),
        else the one the learner's last question named ("tell me about GAN Lab"). With a `kind`
        word ("specialization"), only a resource of that kind, by its title or its card."""
        asked = _last_user(history)
        asked_works = {lk.node.url for lk in self.lookup.link(asked) if isinstance(lk.node, Resource)} if asked else set()
        for said, where in ((_last_tutor(history), "the tutor's last answer"), (asked, "the learner's last question")):
            named = [lk for lk in self.lookup.link(said) if isinstance(lk.node, Resource)] if said else []
            told = WORD.findall(said.lower())
            # "Imperial's Mathematics for Machine Learning specialization" is not the book of that name
            named = [lk for lk in named if not ((kind_said := _word_after(told, lk)) in KIND_WORDS
                                                and self.kinds.get(lk.node.url) not in KIND_WORDS[kind_said])]
            if kind:
                named = [lk for lk in named if kind in lk.title.lower() or self.kinds.get(lk.node.url) in KIND_WORDS[kind]]
            # "reading the illustrated transformer rn" -> "...The Illustrated Transformer ... from Attention Is All You Need":
            # the work the learner brought up, which the answer is about, not one it mentions on the way
            named = [lk for lk in named if lk.node.url in asked_works] or named
            if named:
                lk = max(named, key=lambda lk: lk.start)
                return Link(lk.node, lk.confidence, f"the resource in {where}", lk.span)
        return None

    def on_topic(self, text, subjects, resource, followup, intent, vector, links, evidence_score=0.0) -> Verdict:
        """`vector`: a function giving the question's embedding, called only when nothing is named."""
        elsewhere = next((p for p in self.policy.off_topic if p.matches(text)), None)
        if elsewhere is not None:  # "salary of an ML engineer" names a topic but asks about pay
            return Verdict(False, f"asks about {elsewhere.name}", 1.0)
        named = [lk for lk in (*subjects, *([resource] if resource else [])) if lk.confidence >= 0.7]
        if named and (elsewhere := self.other_sense(text, [lk.span or "" for lk in named], links, vector)) is not None:
            return elsewhere
        if named:  # a weak name ("tips" for Learning Tips) alone does not make a question on topic
            return Verdict(True, f"names {named[0].title!r}", named[0].confidence)
        if followup:
            return Verdict(True, "refers to the chat so far", followup[0].confidence)
        cosine = float(self.index.search(vector(), 1)[0][1]) if self.index is not None else 0.0
        if cosine >= self.min_relevance:
            return Verdict(True, "close to a roadmap chunk", cosine)
        if term := self.term_used(text):  # "mode collapse": the GAN note's word, far from every chunk
            return Verdict(True, f"uses the corpus term {term!r}", cosine)
        if intent == "quiz" and evidence_score >= CLEAR_INTENT:
            return Verdict(True, "asks for a quiz on the roadmap", evidence_score)
        if intent == "start" and evidence_score >= CLEAR_INTENT or \
                intent in NAMES_A_TOPIC and evidence_score >= CLEAR_INTENT and STRUCTURE.search(text):
            if (elsewhere := self.other_sense(text, [m.group(0).lower() for m in STRUCTURE.finditer(text)], links, vector)) is not None:
                return elsewhere  # "which phase of the moon...?"
            return Verdict(True, "asks the roadmap's order about something it may not name", evidence_score)
        if intent in NAVIGATION and not self._content(text, links):
            return Verdict(True, "only curriculum words", cosine)
        if intent in NAVIGATION and (WHOLE.search(text) or re.search(r"\broadmap\b", text, re.I)):
            return Verdict(True, "asks about the roadmap as a whole", cosine)
        return Verdict(False, "names nothing in the roadmap and is far from it", cosine)

    def term_used(self, text: str) -> str:
        """The first two-word term of the corpus the question uses, or ""."""
        said = [stem(w) for w in WORD.findall(text.lower())]
        return next((f"{a} {b}" for a, b in zip(said, said[1:]) if (a, b) in self.terms), "")

    def _content(self, text: str, links: list[Link]) -> list[str]:
        """Words that could name a topic but named none: what is left after the names."""
        words = WORD.findall(text.lower())
        return [words[i] for i in self._content_positions(text, links)]

    def _content_positions(self, text: str, links: list[Link]) -> list[int]:
        used = {i for lk in links for i in range(lk.start, lk.end)}
        return [i for i, w in enumerate(WORD.findall(text.lower())) if i not in used
                and stem(w) not in STOPWORDS and stem(w) not in QUESTION_WORDS and stem(w) not in _INTENT_WORDS
                and not w.isdigit() and len(w) > 2 and w not in FILLERS]


# words that say how something is said, never what about: "how much gpu time do i actually get tho"
FILLERS = {"actually", "though", "tho", "really", "basically", "literally", "honestly", "kinda", "sorta", "just", "even",
           "anyway", "anyways", "please", "pls", "plz", "lol", "like", "okay", "cool", "thanks", "thx"}


LEVELS = {"beginner": 0, "all levels": 1, "intermediate": 2, "advanced": 3}  # a card's `level:`, gentlest first
EASIER = re.compile(r"\b(easier|simpler|gentler|lighter|more (beginner[- ]friendly|accessible|approachable|visual))\b|"
                    r"\bless (math|mathy|technical|dense|heavy)\b", re.I)
THE_LINK = re.compile(r"\bthe (link|url|web ?site|site|web ?page|page)\b", re.I)  # "the link doesnt load for me": the work's own
THAT_WORK = re.compile(r"\b(it|that|this|those|these|them)\b", re.I)  # a thing named before, not a place ("there")
WHICH_ONE = re.compile(r"\bwhich (one|of (them|those|these|the two|the three))\b", re.I)  # "which one do the later phases use?"
WHICH_FIRST = re.compile(r"\bwhich (one|of (them|those|these|the two))\b.{0,30}\b(first|start|begin)\b", re.I)  # "which one should I read first?"
DESCRIBED_ONE = re.compile(r"\bthe ([a-z]+) one\b", re.I)  # "the interactive one"
# words that ask, not describe: no card's opening is told apart by them
ASKING_WORDS = {"roadmap", "phase", "one", "thing", "linked", "link", "get", "find", "can", "could", "has", "have", "had", "read",
                "reading", "people", "want", "need", "make", "use", "using", "suggest", "recommend", "idea", "ideas", "tips",
                "help", "stuff"}
PLURAL_REF = re.compile(r"\b(them|they|those|these)\b", re.I)  # several things referred to, one of which is meant
# asked for by what it offers: "where can I get free GPUs?", "where could I host a demo?"
OFFERS_ASK = re.compile(r"\bwhere (can|could|do|should|would|might) (i|we|one|you) (get|find|host|run|put|share|deploy|publish|try)\b|"
                        r"\b(any|a|some) (place|site|service|website|platform) (to|where|that|for)\b|\bi need (a |an |some )?(free|cheap)\b", re.I)
# the parts of a work, not of the roadmap: "which chapters matter most?"
WORK_PARTS = re.compile(r"\b(which|what) (chapters?|lessons?|modules?|units?|weeks?|lectures?|episodes?|notebooks?)\b", re.I)
# "the next math topic", "the step after that in programming skills"
NEXT_OF_PART = re.compile(r"\b(next|previous|prior) X (topic|step|thing|one|bit|item)\b|"
                          r"\b(step|topic|thing|one) (after|before) (that|this|it)( one)? in (the )?X\b", re.I)
PART_AFTER = re.compile(r"\b(after|before) the X (block|section|part|module|chunk|bit|stage)\b", re.I)
# "that simpler alternative", "this newer method": something the tutor's last answer called so
THAT_DESCRIBED = re.compile(r"\b(that|this|the) ((?:[a-z]+ )?(alternative|method|approach|technique|option|variant|trick))\b", re.I)
ORDINAL_WORDS = {"first", "second", "third", "fourth", "last", "next", "other", "same", "right", "new", "previous", "only"}
# "the phase after that", "the one after it": one step on from what is referred to
STEP_AFTER = re.compile(r"\bthe (phase|stage|section|part|topic|one|step) (right |just |that comes |which comes )?(after|before) (that|it|this)\b|"
                        r"\bthe (phase|stage|section|part|topic|one|step) (that |which )?(follows|precedes) (that|it|this)\b", re.I)

DESCRIBES = {"heavy", "focused", "oriented", "intensive", "light", "friendly", "centric", "based"}  # "math-heavy"
ORDER_ASKS = ("next", "prereq", "duration", "phase")
THEN_ASKS = (*ORDER_ASKS, "resources", "contents")  # what a later clause may ask besides an order question
SECOND_ASK = re.compile(r"\?\s+|[,;]?\s+(?:and|also|plus)\s+(?=(?:what|how|which|where|when|is|are|do|does)\b)", re.I)
# "is it better than X?", "how does that differ from X?": the thing referred to, set against one named
THAN_IT = re.compile(r"\b(it|that|this|they|those)\b[^?.]{0,40}\b(\w+er than|compared (to|with)|differ\w* (from|to)|vs\.?|versus)\b|"
                     r"\b(\w+er than|compared (to|with)|differ\w* (from|to)|vs\.?|versus) (it|that|this|them|those)\b", re.I)
# "does stable diffusion actually use it?": the named one, and the one referred to, as it works with it
USES_IT = re.compile(r"\b(use|uses|used|using|need|needs|rely on|relies on|build on|builds on|based on|work with|works with|"
                     r"combine|combines|plug in|plugs in) (it|that|this|them|those)\b", re.I)
LONGER = re.compile(r"\b(longer|shorter|quicker|more time|less time)\b|\bas long as\b", re.I)  # a length compared
CONTENTS_ASK = re.compile(r"\bwhat('s| is| are)? in\b|\bwhat (does|do) \w+ (cover|contain|include|hold)\b|\b(topics|sections) (are )?in\b", re.I)
ADDS = re.compile(r"\b(add|adding|plus|include|including|together with|on top)\b", re.I)  # "if I add the phase after it"
# "it plus the next two phases"
NEXT_FEW = re.compile(r"\b(?:plus|and|with|\+) the next (\d|two|three|four|five) (?:phases|stages)\b", re.I)
THAT_PART = re.compile(r"\b(?:that|this|the same)\s+(section|phase|part|topic|stage|module|chapter)\b", re.I)
# words that recommend a step; not "the model is then optimized", which describes
RECOMMENDS = re.compile(r"\b(continues with|next step is|start with|comes? next|comes? (after|before|first)|then (study|learn|move|go|do|read|take|tackle|try|comes?)|"
                        r"followed by|the roadmap has you study|move on to|after (that|it|this|those),)\b", re.I)


_INTENT_WORDS = frozenset(stem(w) for w in """after before next long how many much months weeks years
    duration which where when what phase start begin first resource course read watch cover covered
    include contain overview whole entire total overall roadmap quiz quizzes quizzed project projects have has had""".split())


def corpus_terms(texts: list[str]) -> set[tuple[str, str]]:
    """Pairs of adjacent word stems in the texts where neither is a function or asking word and
    neither is short: "mode collapse", "carbon footprint". A question using one is on topic even
    when it is far from every chunk."""
    def content(w: str) -> bool:
        return len(w) > 3 and not w.isdigit() and w not in STOPWORDS and w not in QUESTION_WORDS and w not in _INTENT_WORDS
    found = set()
    for text in texts:
        for sentence in re.split(r"[.!?;:,()\n]", text.lower()):
            said = [stem(w) for w in WORD.findall(sentence)]
            found.update((a, b) for a, b in zip(said, said[1:]) if content(a) and content(b))
    return found


def _squash(text: str) -> str:
    """Lower case without spaces, hyphens or a plural s: "fine-tuning" and "finetuning" are one."""
    return re.sub(r"[\s\-]+|s\b", "", text.lower())


def _phrases(text: str) -> set[str]:
    """A description's words and its comma-separated phrases, squashed."""
    return {_squash(p) for p in re.split(r"[,;()]", text) + re.findall(r"[\w-]+", text)} - {""}


def _shift(m: re.Match) -> tuple[str, str]:
    """STEP_AFTER's kind of step and way: ("phase", "after") for "the phase that follows it"."""
    if m.group(1):
        return m.group(1).lower(), m.group(3).lower()
    return m.group(5).lower(), "after" if m.group(7).lower() == "follows" else "before"


def _word_after(words: list[str], link: Link) -> str:
    """The word after a link's name, past any word of its title the match left out."""
    title = set(WORD.findall(link.title.lower()))
    at = link.end
    while at < len(words) and words[at] in title:
        at += 1
    return words[at] if at < len(words) else ""


def _last_user(history: list[dict]) -> str:
    return _last(history, "user")


def _last_tutor(history: list[dict]) -> str:
    return _last(history, "assistant")


def _last(history: list[dict], role: str) -> str:
    return next((m.get("content", "") for m in reversed(history) if m.get("role") == role), "")


def _one_root(a: str, b: str) -> bool:
    """'detected' and 'detection': one word with another ending."""
    return len(a) > 3 and _root(a) == _root(b)


def _root(word: str) -> str:
    if len(word) <= 5:
        return word.removesuffix("s") if word.endswith("us") else word  # "gpus": the light stemmer keeps "-us" ("corpus")
    return re.sub(r"(ions?|ed|ing|ive|es|s|e)$", "", word)


def _host(url: str) -> str:
    return urlparse(url).netloc.lower().removeprefix("www.")


def _on_site(url: str, site: str) -> bool:
    """Whether `url` is on `site` or a subdomain of it (course.fast.ai on fast.ai)."""
    host = _host(url)
    return host == site or host.endswith("." + site)


TOPIC_ASKS = ("about", "how", "example")  # card asks that a topic's note answers as well


def _card_ask(text: str) -> str:
    """What a question asks of a resource's card ("who", "cost"), or ""."""
    return next((name for name, cue in CARD_ASKS.items() if cue.search(text)), "")


def _card_asks(text: str) -> list[str]:
    """Everything a question asks of a card, a length too: "is it free? and roughly how many hours?"."""
    return [name for name, cue in CARD_ASKS.items() if cue.search(text)] + (["duration"] if HOW_LONG.search(text) else []) \
        + (["prereq"] if EXPECTS.search(text) else [])


HOW_LONG = re.compile(r"\bhow (long|many (hours|weeks|months|days)|much time)\b|\b(is|was) (it|that|this)( one)? (long|short|quick)\b", re.I)
