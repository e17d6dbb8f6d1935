"""Reading -> the curriculum answer, written from the graph: one function per intent.

Names, order, durations and links all come from the parsed roadmap and the cards, so these
answers are right whatever the model. Each function returns Facts (markdown and the nodes it
is about, for the sources) or None when the graph cannot answer, and the question goes on to
retrieval and the model. Adding an intent is an entry in data/intents.toml and a function here.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from .corpus import Corpus
from .lookup import DATA
from .quiz import QUESTIONS, Quiz, standard_seed
from .reading import CARD_ASKS, LONGER, NEEDED_FIRST, PARTS, Reading
from .roadmap import Item, Node, Phase, Resource, Roadmap, Section, breadcrumb, label, unique
from .text import STOPWORDS, WORD, split_sentences, stem


@dataclass
class Facts:
    text: str
    nodes: list = field(default_factory=list)  # Node | Resource | "overview", for the sources


class Composer:
    def __init__(self, corpus: Corpus, made_by: dict[str, set[str]] | None = None, link=None):
        """`made_by`: person -> the urls of the resources their cards say they made (the lookup's map);
        `link`: text -> the roadmap's nodes it names (the lookup's `link`), to read the topic notes with."""
        self.corpus = corpus
        self.roadmap: Roadmap = corpus.roadmap
        self.made_by = made_by or {}
        self.link = link
        self._card_names: dict[str, set[int]] = {}  # a card's url -> the nodes it names, read on first use

    def card_names(self, url: str) -> set[int]:
        """The ids of the roadmap nodes a resource's own card names (none without a card or a `link`)."""
        if url not in self._card_names:
            card = self.corpus.card(url)
            self._card_names[url] = {id(lk.node) for lk in self.link(card.body, resources=False)} \
                if card is not None and not card.from_roadmap and self.link is not None else set()
        return self._card_names[url]

    @cached_property
    def roadmap_words(self) -> set[str]:
        """The word stems of the roadmap's own lines: a word outside them is one only a card can answer."""
        return {stem(w) for n in self.roadmap.nodes for w in WORD.findall(f"{n.title} {getattr(n, 'description', '')}".lower())}

    @cached_property
    def card_counts(self) -> Counter:
        """In how many cards each word stem is used."""
        return Counter(w for card in self.corpus.cards for w in {stem(w) for w in WORD.findall(card.body.lower())})

    def card_on_asked(self, reading: Reading, facts: Facts) -> str:
        """The sentence of the answer's works' cards that uses a word of the question which the roadmap's
        lines never use and few cards do ("GPU"), or ""."""
        named = {i for lk in reading.subjects for i in range(lk.start, lk.end)}
        few = max(3, len(self.corpus.cards) // 6)
        asked = {w for i, w in enumerate(map(stem, WORD.findall(reading.text.lower()))) if i not in named and len(w) > 2
                 and w not in STOPWORDS and w not in self.roadmap_words and 0 < self.card_counts[w] <= few}
        works = unique([n for n in facts.nodes if isinstance(n, Resource)] +
                       [res for n in facts.nodes if isinstance(n, Item | Section) for res in self.roadmap.resources_for(n)])
        return next((sentence for res in works[:3] for sentence in _card_sentences(self, res)
                     if asked & _stems(sentence) and sentence not in facts.text), "") if asked else ""

    @cached_property
    def quiz(self) -> Quiz:
        return Quiz(self.corpus)

    def curriculum(self, reading: Reading, done: set[str]) -> Facts | None:
        if reading.missing_phase is not None:
            n = len(self.roadmap.phases)
            return Facts(f"The roadmap has {n} phases, numbered 1 to {n}, so there is no phase "
                         f"{reading.missing_phase}. " + phase_list(self.roadmap), list(self.roadmap.phases))
        answer = ANSWERS.get(reading.intent)
        facts = answer(self, reading, done) if answer else None
        if facts is not None and reading.then and reading.then != reading.intent and \
                (more := ANSWERS[reading.then](self, replace(reading, intent=reading.then), done)):
            # "how long is that phase and what comes after it?": both answers, in the order asked
            facts = Facts(f"{facts.text}\n\n{more.text}", [*facts.nodes, *(n for n in more.nodes if n not in facts.nodes)])
        if facts is not None and reading.intent in ("resources", "contents", "start") and (said := self.card_on_asked(reading, facts)):
            # "I don't have a GPU at home. Where can I run the VAE and GAN projects?": what its work's card says of GPUs
            facts = Facts(f"{facts.text}\n\n{said}", facts.nodes)
        if facts is not None and reading.subjects and reading.subjects[0].how == "embedding" and \
                reading.subjects[0].node in facts.nodes:
            # no name in the question matched: the topic closest in meaning was taken, and the learner is told so
            node = reading.subjects[0].node
            facts = Facts(f"_I took this to be about **{label(node)}** ({where(node)}), the closest topic to your words; "
                          f"if you meant another, name it._\n\n{facts.text}", facts.nodes)
        return facts

    def clarify(self, reading: Reading) -> Facts:
        names = [lk.title for lk in reading.candidates]
        options = ", ".join(f"**{n}**" for n in names[:-1]) + f" or **{names[-1]}**" if len(names) > 1 else f"**{names[0]}**"
        return Facts(f"I am not sure which part of the roadmap you mean. Did you mean {options}? "
                     "Ask again with its name, e.g. \"What comes after " + names[0] + "?\"",
                     [lk.node for lk in reading.candidates])

    # ---------------------------------------------------------------- wording
    def describe(self, node: Node, full: bool = False) -> str:
        if isinstance(node, Phase) and full:  # "what's in phase 3?": its sections, each with its topics
            return f"**{label(node)}** ({_duration(node)}):\n" + "\n".join(
                f"{n}. **{s.title}**" + (": " + "; ".join(i.title for i in s.items) if s.items else "") for n, s in enumerate(node.sections, 1))
        if isinstance(node, Phase):
            return f"**{label(node)}** ({_duration(node)}): " + "; ".join(s.title for s in node.sections) + "."
        if isinstance(node, Section):
            phase = node.phase
            place = f"{label(phase)}, {_duration(phase)}" if phase else "outside the phases"
            items = "; ".join(i.title for i in node.items)
            res = ", ".join(self.resource_line(r) for r in unique(node.resources))
            return f"**{node.title}** ({place}): {items}." + (f" Resources: {res}." if res else "")
        res = ", ".join(self.resource_line(r) for r in unique(self.roadmap.resources_for(node)))
        text = f"**{node.title}**" + (f": {node.description}" if node.description else "") + f" ({where(node)})."
        return text + (f" Resources: {res}." if res and not full else "")

    def resource_line(self, r: Resource, summary: bool = False) -> str:
        """A markdown link named by its card; with `summary`, the card's first sentence too."""
        card = self.corpus.card(r.url)
        link = f"[{card.title if card else r.title}]({r.url})"
        if summary and card:
            return f"{link}: {card.summary()}"
        return f"{link} ({card.maker()})" if card and card.maker() else link  # "(Khan Academy)": whose it is

    def next_from_progress(self, done: set[str]) -> Facts:
        for section in self.roadmap.sections:
            for item in section.items:
                if item.id not in done and section.id not in done and section.phase.id not in done:
                    intro = ("Based on what you have ticked, your next step is" if done
                             else "You have not ticked anything yet, so start with")
                    return Facts(f"{intro} **{item.title}** ({where(item)}).\n1. {self.describe(section)}", [item, section])
        return Facts("You have ticked every step of the roadmap. Keep going with the last phase's "
                     "ongoing research and community work.")


# ---------------------------------------------------------------- one function per intent


PROJECT_ASKED = re.compile(r"\b(what|which) (kind of |sort of |type of )?projects?\b|\bprojects? (should|could|would|do|can) i\b", re.I)
AFTER_WORDS = {"after", "once", "finished", "finishing", "finish", "done", "beyond", "past", "completed"}
NEXT_STEP = re.compile(r"\bnext step\b|\b(go|move) on to\b|\bfollow (it|this) with\b", re.I)  # a card's advice on what follows


def _said_after(r: Reading, node: Node) -> bool:
    """Whether a naming of `node` follows a word of having done it: "what comes after GANs?"."""
    said = WORD.findall(r.text.lower())
    return any(AFTER_WORDS & set(said[max(0, start - 3): start]) for lk in r.subjects if lk.node is node
               for start in (lk.start, *(a for a, _ in lk.again)))


def answer_next(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    rm = c.roadmap
    nodes = r.nodes
    if not nodes:
        return c.next_from_progress(done)
    # "I know CNNs and RNNs": after the later one; "I ship LoRA finetunes, I want to do research": not after the wish
    backgrounds = _backgrounds(r.text, r.subjects)
    wished = {id(lk.node) for lk, b in zip(r.subjects, backgrounds) if b == "wants"}
    surest = _surest(r)
    if sum(b == "has" for b in backgrounds) > 1:  # "comfortable with pandas, sklearn, cross-validation": each one listed
        surest = list(dict.fromkeys(surest + [lk.node for lk, b in zip(r.subjects, backgrounds) if b == "has"]))
    named = _in_order(rm, surest)
    subject = max([n for n in named if id(n) not in wished] or named, key=rm.position)
    after = [lk.node for lk in r.subjects if lk.span and re.search(
        r"\bafter\s+(the\s+)?" + r"[\W_]+".join(map(re.escape, lk.span.split())), r.text, re.I)]
    if len({id(n) for n in after}) == 1 and not isinstance(after[0], Resource) and not ORDER_OF_TWO.search(r.text):
        subject = after[0]  # "...from years of user-research analysis. what comes right after the Jupyter step?": the one said after "after"
    if any(id(n) in wished and rm.position(n) > rm.position(subject) for n in r.nodes):
        return answer_start(c, r, done)  # "...I want to get into research now": there, with what they know said
    if any(b == "lacks" for b in backgrounds) and START_ASKED.search(r.text):
        # "I know transformers well and have trained GANs, but diffusion is a gap. Where should I start?": at the gap
        return answer_start(c, r, done)
    if id(subject) in wished and not _said_after(r, subject):
        # "I did the fine-tuning guide. what is the next step if I want to do LoRA?": the step that teaches
        # it, and what the finished work's card says comes next for it
        facts = answer_start(c, r, done)
        if facts is None:
            return None
        goals = [lk for lk in r.subjects if id(lk.node) in wished]
        text, nodes = facts.text, list(facts.nodes)
        for lk in goals:  # "where next for LoRA, and separately for DPO?": each one's step
            if lk.node not in nodes:
                text += f"\n\nAlso: {c.describe(lk.node)}"
                nodes.append(lk.node)
        said = [s for s in _card_sentences(c, r.resource.node) if (NEXT_STEP.search(s) or s.startswith("For ")) and any(
            re.search(rf"\b{re.escape(lk.span)}", s, re.I) for lk in goals)] if r.resource is not None else []
        if said:
            text += f"\n\nAfter **{r.resource.title}**, its card says: " + " ".join(said[:2])
            nodes.append(r.resource.node)
        return Facts(text, nodes)
    if PROJECT_ASKED.search(r.text) and (projects := next((sec for sec in rm.sections if sec.of_projects
                                                           and rm.position(sec) > rm.position(subject)), None)) is not None:
        # "got a diffusers pipeline running; what kind of project does the roadmap suggest next?": the next projects it sets
        return Facts(f"After **{label(subject)}** ({where(subject)}), the next projects the roadmap sets: "
                     f"{c.describe(projects, full=True)}", [projects, subject])
    if (phase := _wished_phase(rm, r.text, [subject])) is not None:
        # "done the deep learning specialization... where would I start for the generative AI part?": that phase
        return _phase_start(c, phase, [lk.node for lk, b in zip(r.subjects, backgrounds) if b == "has" and not isinstance(lk.node, Phase)])
    steps = rm.after(subject)
    if not steps:
        if rm.section_of(subject) is not None and rm.section_of(subject).phase is None:
            return None
        last = rm.phases[-1]
        if last.duration is None:  # nothing to say about how long the last phase lasts
            return Facts(f"**{label(subject)}** is the last step of the roadmap.", [subject])
        return Facts(f"**{label(subject)}** is the last step of the roadmap: {label(last)} is "
                     f"{_duration(last).lower()}: keep reading, building and contributing.", [subject])
    place = "" if isinstance(subject, Phase) else f" ({where(subject)})"
    if len(steps) == 1 and isinstance(steps[0], Phase):  # a whole next phase, with each section's topics: the GANs and VAEs to come
        text = f"After **{label(subject)}**{place}, the roadmap continues with {c.describe(steps[0], full=True)}"
    else:
        text = f"After **{label(subject)}**{place}, the roadmap continues with:\n"
        text += "\n".join(f"{n}. {c.describe(step)}" for n, step in enumerate(steps, 1))
    if isinstance(steps[0], Phase) and (first := next((i for s in steps[0].sections for i in s.items), None)):
        about = f": {first.description}" if first.description else ""
        text += f"\n\n{label(steps[0])} opens with **{first.title}**{about} ({where(first)})."
    if START_ASKED.search(r.text):  # "I know Python and ML, where do I start?": what they skip on the way
        known = [lk.node for lk, b in zip(r.subjects, backgrounds) if b == "has" and not isinstance(lk.node, Phase | Resource)]
        if known and (skipped := _unmentioned(rm, known)):
            text += "\n\n" + _not_mentioned(skipped).strip()
    if WHO_ASKED.search(r.text) and (makers := [f"{card.title} is by {card.provider}." for res in unique(rm.resources_for(steps[0]))[:1]
                                              if (card := c.corpus.card(res.url)) is not None and card.provider]):
        # "what's after that, and is it the same guy teaching?": who teaches the next step's resource
        text += "\n\n" + makers[0]
    pointed = _card_points_to(c, r.resource.node) if r.resource is not None else None
    if pointed is not None:
        # "after Jay Alammar's transformer post, what should I read next?": the work its card says goes with it
        work, sentence = pointed
        text = f"After **{r.resource.title}**, its card points to {c.resource_line(work)}: {sentence}\n\n{text}"
        return Facts(text, [work, *steps, subject])
    if r.resource is not None and (home := r.resource.node.item or r.resource.node.section) is not None:
        # "done with Calvin Luo's paper, what next?": the work linked beside it comes first, then the next topics
        beside = unique(home.resources)
        after = beside[beside.index(r.resource.node) + 1:] if r.resource.node in beside else []
        if after:
            text = (f"Beside **{r.resource.title}**, **{home.title}** also links:\n" +
                    "\n".join(f"- {c.resource_line(res, summary=True)}" for res in after) + f"\n\n{text}")
            return Facts(text, [*after, *steps, subject])
    return Facts(text, [*steps, subject])


WHO_ASKED = re.compile(r"\bwho (teaches|taught|runs|made|wrote|is teaching|'s teaching)\b|\bsame (guy|person|teacher|instructor|lecturer|prof\w*)\b", re.I)
SKIP_ASKED = re.compile(r"\b(skip|bypass|leave out|skip over|jump over)\b", re.I)
START_ASKED = re.compile(r"\b(start|begin|starting point|jump in|dive in|pick up)\b", re.I)


def answer_prereq(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    rm = c.roadmap
    if not r.nodes:
        return answer_start(c, r, done)
    subject, order = min(_in_order(rm, _surest(r)), key=rm.position), ""
    if len(r.subjects) == 2 and (re.search(r"\bbefore\b", r.text, re.I) or NEEDED_FIRST.search(r.text)):
        # "Do I need calculus before neural network basics?": the reading put the later one first.
        subject, other = r.subjects[0].node, r.subjects[1].node
        first = rm.position(other) < rm.position(subject)
        about = f"{_lower_first(other.description)}; " if isinstance(other, Item) and other.description else ""
        order = (f"{'Yes' if first else 'No'}: the roadmap puts **{label(other)}** ({about}{where(other)}) "
                 f"{'before' if first else 'after'} **{label(subject)}**.\n\n")
    steps = rm.before(subject)
    if not steps:
        return Facts(f"{order}**{label(subject)}** is where the roadmap begins: it needs nothing before it.", [subject])
    place = "" if isinstance(subject, Phase) else f" ({where(subject)})"
    text = f"{order}Before **{label(subject)}**{place}, the roadmap has you study:\n"
    text += "\n".join(f"{n}. {c.describe(step)}" for n, step in enumerate(steps, 1))
    phase = rm.phase_of(subject)
    if phase and phase.number > 1:
        earlier = ", ".join(label(p) for p in rm.phases[: phase.number - 1])
        text += f"\n\nIt builds on everything earlier in the roadmap: {earlier}."
    rests = _rests_on(c, subject, steps)
    if rests:
        topics, sentence = rests
        text += "\n\nWhat its note builds on: " + ", ".join(f"**{label(n)}** ({where(n)})" for n in topics) + f". {sentence}"
    if expected := _card_says(c, subject):
        text += "\n\nWhat its resources expect: " + " ".join(expected)
    return Facts(text, [*steps, subject, *(rests[0] if rests else ())])


ASIDE = re.compile(r"\s*(a|one) common (confusion|mistake|misconception)\b", re.I)


def _rests_on(c: Composer, subject: Node, listed: list[Node]) -> tuple[list[Item], str] | None:
    """The earlier topics the subject's own note names together, with that sentence: "A latent diffusion
    model runs the diffusion process in a compressed latent space learned by an autoencoder" names
    Diffusion Process and Autoencoders. The first sentence naming two such topics, else one."""
    note = c.corpus.notes.get(subject.id) if c.link is not None and isinstance(subject, Item) else None
    if note is None:
        return None
    rm, best = c.roadmap, None
    for sentence in split_sentences(note.body):
        if ASIDE.match(sentence) or re.search(r"\bmatters? for\b", sentence):
            continue  # a misconception or why it matters says nothing of what it builds on
        topics = list({id(lk.node): lk.node for lk in c.link(sentence, resources=False) if isinstance(lk.node, Item)
                       and lk.node is not subject and lk.node not in listed and rm.position(lk.node) < rm.position(subject)}.values())
        if len(topics) >= 2:
            return sorted(topics, key=rm.position)[:3], sentence
        if topics and best is None:
            best = topics, sentence
    return best


EXPECTED = re.compile(r"\b(expects?|assumes?|prerequisites?|should be comfortable|requires? (some|basic|prior)|background in)\b", re.I)


# What a card says a resource takes: "Plan on an afternoon to a couple of days ...". Advice, said as the card's.
ESTIMATE = re.compile(r"\bplan on\b|\b(takes?|took) (about|roughly|around)\b|\bhours? (a|per) week\b", re.I)


def _card_says(c: Composer, subject: Node, cue: re.Pattern = EXPECTED, most: int = 2) -> list[str]:
    """Per resource of the subject, the first sentence of its card that `cue` finds: what the
    resource expects of a learner, or how long it takes."""
    if isinstance(subject, Phase):
        return []
    out = [next((s for s in _card_sentences(c, res) if cue.search(s)), "") for res in unique(c.roadmap.resources_for(subject))]
    return [s for s in out if s][:most]


# A card saying which work comes next: "best read just before or alongside the original paper".
POINTS_ON = re.compile(NEXT_STEP.pattern + r"|\bread (just |right )?before\b|\bbefore or alongside\b|\bcompanion (to|for)\b", re.I)


def _card_points_to(c: Composer, work: Resource) -> tuple[Resource, str] | None:
    """Another work the roadmap links that `work`'s card says goes next or alongside, with that sentence."""
    for sentence in _card_sentences(c, work):
        if POINTS_ON.search(sentence):
            named = [r for r in unique(c.roadmap.resources) if r.title != work.title and len(r.title) > 8
                     and getattr(r.item, "kind", "") != "listing" and re.search(rf"\b{re.escape(r.title)}\b", sentence, re.I)]
            if len(named) == 1:
                return named[0], sentence
    return None


def _card_sentences(c: Composer, res: Resource) -> list[str]:
    """The sentences of a resource's own card; none for a card made from the roadmap's words."""
    card = c.corpus.card(res.url)
    return split_sentences(card.body) if card and not card.from_roadmap else []


LONGEST = re.compile(r"\b(longest|shortest|most time|least time|biggest|quickest|fastest)\b", re.I)


def answer_duration(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    rm = c.roadmap
    if not r.nodes:
        text = total_duration(rm)
        if LONGEST.search(r.text) and (extremes := longest_and_shortest(rm)):
            text = extremes + "\n" + text
        return Facts(text, ["overview", *rm.phases])
    asked = r.nodes
    if (skip := EXCEPT.search(r.text)) and all(isinstance(n, Phase) for n in asked):
        # "the whole roadmap if I leave out Phase 6": every other phase; "skipping phase 1, how long
        # are phases 2 and 3?": the phases named outside the clause that leaves one out
        end = re.compile(r"[.?!;,]").search(r.text, skip.end())
        clause = range(len(WORD.findall(r.text[: skip.start()])), len(WORD.findall(r.text[: end.start() if end else len(r.text)])))
        left_out = [lk.node for lk in r.subjects if lk.start in clause]
        kept = [n for n in asked if n not in left_out]
        asked = kept if kept and left_out else [p for p in rm.phases if p not in asked]
    # "how long until I reach phase 3?", "starting from zero, how long until I'm through phase 3?": from the start;
    # "how long until I'm through phases 2 and 3?": those phases
    # "started 4 months ago and just finishing phase 2. am I behind schedule?": from the start to the end of it as well
    if (UNTIL.search(r.text) and (not THROUGH.search(r.text) or FROM_START.search(r.text)) or SCHEDULE.search(r.text)) \
            and len(asked) == 1 and (reach := time_to_reach(rm, asked[0])) is not None:
        return reach
    by_phase: dict[str, tuple[Phase, list[Node]]] = {}  # the phases asked about, each with its subjects
    for subject in asked:
        if (phase := rm.phase_of(subject)) is not None:
            by_phase.setdefault(phase.id, (phase, []))[1].append(subject)
    lines, nodes = [], []
    for phase, subjects in sorted(by_phase.values(), key=lambda pair: rm.phases.index(pair[0])):
        inner = [s for s in subjects if s is not phase]
        nodes += [*inner, phase]
        if phase.duration is None:  # say so; never guess a length the roadmap does not give
            lines.append(no_duration(inner[0] if len(inner) == 1 else phase, phase))
        elif not inner and phase.duration.low is None:  # "Ongoing"
            lines.append(f"**{label(phase)}** has no set length in the roadmap: it says “{phase.duration.text}”.")
        elif not inner:
            lines.append(f"**{label(phase)}** takes {_length(phase)} in the roadmap.")
        else:
            names = _and([f"**{label(s)}**" for s in inner])
            where_ = "is part of" if len(inner) == 1 else "are both in" if len(inner) == 2 else "are all in"
            lines.append(f"{names} {where_} {label(phase)}, which takes **{_length(phase)}** in the roadmap "
                         "(the roadmap gives durations per phase, not per topic).")
        if len(asked) == 1 and (estimates := _card_says(c, asked[0], ESTIMATE)):
            lines.append("What its resources suggest: " + " ".join(estimates))
    phases = [phase for phase, _ in by_phase.values()]
    if len(phases) == 2 and LONGER.search(r.text) and all(p.duration and p.duration.low is not None for p in phases):
        # "is phase 4 longer than phase 3?": which one, not the two together
        first, second = sorted(phases, key=lambda p: (p.duration.high, p.duration.low), reverse=True)
        if (first.duration.low, first.duration.high) == (second.duration.low, second.duration.high):
            lines.append(f"They take the same time in the roadmap: {_length(first)} each.")
        else:
            lines.append(f"**{label(first)}** is the longer: {_length(first)}, against {_length(second)} for {label(second)}.")
        return Facts("\n".join(lines), nodes)
    if len(phases) > 1 and all(p.duration and p.duration.low is not None for p in phases):
        low, high = sum(p.duration.low for p in phases), sum(p.duration.high for p in phases)
        lines.append(f"Together: about **{low:g}-{high:g} months**." if low != high else f"Together: about **{low:g} months**.")
    return Facts("\n".join(lines), nodes) if lines else None


def longest_and_shortest(rm: Roadmap) -> str:
    """Which phases take longest and shortest, by the upper end of their durations; "" when fewer than two say."""
    timed = [p for p in rm.phases if p.duration and p.duration.high is not None]
    if len(timed) < 2:
        return ""
    top, bottom = max(p.duration.high for p in timed), min(p.duration.high for p in timed)
    longest = [p for p in timed if p.duration.high == top]
    shortest = [p for p in timed if p.duration.high == bottom]
    text = f"Longest: {_and([f'**{label(p)}**' for p in longest])} ({longest[0].duration.text}{' each' if len(longest) > 1 else ''})."
    if bottom != top:
        text += f" Shortest: {_and([f'**{label(p)}**' for p in shortest])} ({shortest[0].duration.text})."
    if open_ended := [p for p in rm.phases if p not in timed]:
        text += f" {_and([label(p) for p in open_ended])} has no end date ({open_ended[0].duration.text if open_ended[0].duration else 'no duration given'})."
    return text


def answer_phase(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    rm = c.roadmap
    lines = []
    for subject in r.nodes[:2]:
        phase = rm.phase_of(subject)
        if isinstance(subject, Phase):
            lines.append(c.describe(subject))
        elif phase is None:
            about = f": {subject.description.rstrip('.')}" if isinstance(subject, Item) and subject.description else ""
            lines.append(f"**{label(subject)}**{about}. It is general advice outside the phases ({where(subject)}).")
            if isinstance(subject, Section) and subject.items:  # "what learning tips does it give?": the tips
                lines += [f"{n}. **{i.title}**" + (f": {i.description}" if i.description else "") for n, i in enumerate(subject.items, 1)]
        else:
            about = f" It covers {_lower_first(subject.description)}." if isinstance(subject, Item) and subject.description else \
                f" Its topics: {'; '.join(i.title for i in subject.items)}." if isinstance(subject, Section) and subject.items else ""
            section = rm.section_of(subject)
            under = f", in the {section.title} section" if section is not None and section is not subject else ""
            # "what's it grouped with?": the other topics of its section
            others = [i.title for i in section.items if i is not subject] if section is not None and isinstance(subject, Item) else []
            beside = f" Alongside it: {'; '.join(others)}." if others else ""
            lines.append(f"**{label(subject)}** is in **{label(phase)}**{under}.{about}{beside}")
    return Facts("\n".join(lines), r.nodes[:2]) if lines else None


def answer_start(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    rm = c.roadmap
    subject = r.subject
    if (opens := OPENS_ASKED.search(r.text)) and (phase := rm.phase(int(opens.group(1) or opens.group(2)))) is not None:
        # "phase 5 finished!! what does phase 6 kick off with": that phase's first step, whatever else is named
        return _phase_start(c, phase, [lk.node for lk in r.subjects if lk.node is not phase])
    # "5 yrs of Python but zero ML background, where do I begin?": what they have or lack is where they
    # stand, not where they start: the beginning, with a word on what they know.
    backgrounds = _backgrounds(r.text, r.subjects)
    skipped = []  # sections of the phase the learner moves past without having said they know them
    later = None  # what they want, when they start well before it
    known = [lk.node for lk, b in zip(r.subjects, backgrounds) if not isinstance(lk.node, Phase | Resource) and b == "has"]
    # "I've trained GANs and VAEs. I want to get into diffusion and LLMs": the earliest thing wanted
    wanted = [lk.node for lk, b in zip(r.subjects, backgrounds) if not isinstance(lk.node, Resource) and b == "wants"] or \
        [lk.node for lk, b in zip(r.subjects, backgrounds) if not isinstance(lk.node, Resource) and not b]
    lacked = [lk.node for lk, b in zip(r.subjects, backgrounds) if b == "lacks" and not isinstance(lk.node, Phase | Resource)]
    if r.resource is not None and (home := r.resource.node.item or r.resource.node.section) is not None:
        # "never touched generative models" names OpenAI's post by its title: the part it is linked in;
        # "I've taken Andrew Ng's deep learning specialization": what it teaches is known
        said = _background(r.text, r.resource)
        if said == "lacks":
            lacked.append(home)
        elif said == "has" and home not in known:
            known.append(home)
    known += [n for n in _implied(rm, known) if n not in lacked]  # "comfortable with numpy": Python too
    if known and not lacked and NO_CODE.search(r.text) and (coding := _programming(rm)) is not None:
        lacked = [coding]  # "comfortable with linear algebra, but I've never programmed": coding is what they lack
    first_lacked = min(lacked, key=rm.position) if lacked else None
    first_wanted = min(wanted, key=rm.position) if wanted else None
    if known and lacked and all(rm.position(k) < rm.position(first_lacked) for k in known) and not _unmentioned(rm, [*known, first_lacked]):
        # "strong in linear algebra, calculus, stats, but zero programming": the first thing they lack, when
        # every section before it holds something they know ("5 yrs of Python, zero ML": the maths is unsaid)
        subject = first_lacked
    elif known and lacked and rm.position(first_lacked) < max(map(rm.position, known)):
        # "I know transformers well but never touched GANs, VAEs or diffusion": the gap before what they know
        subject = first_lacked
    elif known and lacked and all(rm.position(k) < rm.position(first_lacked) for k in known) and _opens_phase(rm, first_lacked):
        # "took an ML course, know some PyTorch, never touched generative models": the phase that opens with what they lack
        subject = rm.phase_of(first_lacked)
    elif known and not wanted and (phase := _wished_phase(rm, r.text, known)) is not None:
        # "I use PyTorch and trained CNNs. I want to get into generative AI": the phase named for it, after what they know
        subject = phase
    elif known and not wanted and (onward := _after_known(rm, known)) is not None:
        subject = onward
        skipped = _unmentioned(rm, known)
    elif known and not wanted and (latest := max(known, key=rm.position)) and (phase := rm.phase_of(latest)) is not None \
            and phase.number >= FAR_PHASE and (steps := rm.after(latest)):
        # "fine-tuned LLMs with LoRA and DPO, trained diffusion models: where would someone like me start?": after the
        # latest of it; the beginning is for someone who named a first step or two, not half the roadmap
        subject = steps[0]
        skipped = _unmentioned(rm, known)
    elif r.subjects and all(b in ("has", "lacks") for b in backgrounds):
        subject = None
    elif known and wanted and BETWEEN.search(r.text) and (steps := rm.after(max(known, key=rm.position))) and \
            rm.position(steps[0]) < rm.position(first_wanted):
        # "did the GAN specialization. do i move to diffusion already or is there something in between?": what is between
        subject, later = steps[0], first_wanted
        skipped = _unmentioned(rm, known)
    elif known and wanted and (onward := _after_known(rm, known)) is not None and \
            rm.phase_of(onward) is not rm.phase_of(first_wanted) and rm.position(onward) < rm.position(first_wanted):
        # "I know the ML basics; now I want to understand LLMs": the next step after what they know, whole phases
        # before what they want; where the wish sits is said after
        subject, later = onward, first_wanted
    elif known and wanted:
        subject = first_wanted  # "run a CNN in production; now I want GANs/VAEs/diffusion": the wish, and what opens its phase
        skipped = _unmentioned(rm, [*known, first_wanted])
    elif wanted and any(b == "wants" for b in backgrounds):
        subject = first_wanted  # "want to learn LoRA + RLHF next": the earlier of the two
    wished = [lk.node for lk, b in zip(r.subjects, backgrounds) if (b == "wants" or not b and WISH_WORD.search(r.text))
              and not isinstance(lk.node, Phase | Resource)]
    if later is None and not known and not lacked and wished and (
            subject is None or subject is rm.phases[0] or any(lk.node is rm.phases[0] for lk in r.subjects) or NEWCOMER.search(r.text)
            or r.resource is None and not NOT_BUILDING.search(r.text) and not EXPERIENCED.search(r.text)
            and (wish_phase := rm.phase_of(min(wished, key=rm.position))) is not None and wish_phase.number >= FAR_PHASE):
        # "I mostly want to understand image generators like Midjourney. Do I have to start from phase 1?": yes, and where that is;
        # "i wanna make ai art. where do i begin": a wish phases away, with nothing said of what they know, starts at the start
        # (unless they will not build anything: "policy person, not planning to code, i care about the ethics side")
        subject, later = None, min(wished, key=rm.position)
    # "no math and no ML. can I skip phase 1?": not when the part skipped teaches what they lack
    parts = [p for n in re.findall(r"\bphase (\d)\b", r.text, re.I) if (p := rm.phase(int(n))) is not None] + \
        [n for n in r.nodes if isinstance(n, Phase | Section)]
    needed = [n for n in lacked if any(p is n or rm.contains(p, n) for p in parts)] if SKIP_ASKED.search(r.text) else []
    first_word = f"Not entirely: {_and([f'**{label(p)}**' for p in parts[:1]])} teaches {_and([f'**{label(n)}**' for n in needed])}, " \
        "which you said you lack.\n\n" if needed else ""
    if subject is not None and not isinstance(subject, Phase):
        # "I forgot everything about calculus, where do I restart?": go back to that topic.
        verb = "Go back to" if FORGOT.search(r.text) else "Start with"
        text = f"{first_word}{verb} {c.describe(subject)}"
        if later is not None:
            text += _comes_later(later)
        if known:
            text += "\n\nYou know " + _and([f"**{label(n)}**" for n in known]) + " already."
        text += _not_mentioned(skipped)
        if NO_CODE.search(r.text) and (coding := _programming(rm)) is not None and coding is not subject and coding not in known:
            text += f"\n\nYou have not coded in Python yet: the roadmap teaches it in {c.describe(coding)}"
        return Facts(text, [subject])
    first = rm.sections[0]
    # the whole first phase, in order: a newcomer sees the maths and the coding it starts with
    text = f"{first_word}Start at the beginning: **{label(rm.phases[0])}** ({_duration(rm.phases[0])}).\n" + \
        "\n".join(f"{n}. {c.describe(s)}" for n, s in enumerate(rm.phases[0].sections, 1))
    if NO_CODE.search(r.text) and (coding := _programming(rm)) is not None and coding not in lacked and coding not in first.items:
        # "never written a line of code": where the roadmap teaches it, said at once
        text += f"\n\nYou have not coded yet: the roadmap teaches it in {c.describe(coding)}"
    if later is not None:
        text += _comes_later(later) + \
            ("" if known else " If you know some of them already, say which, and I will start you after them.")
    if known and subject is None:
        text += "\n\nYou know " + _and([f"**{label(n)}**" for n in known]) + " already: skim " + \
                ("it" if len(known) == 1 else "them") + " when you get there (" + "; ".join(where(n) for n in known) + ")."
    if isinstance(subject, Phase) and subject.number > 1:
        return _phase_start(c, subject, known)
    resources = unique(rm.resources_for(first.items[0]) if first.items else []) or unique(first.resources)
    if resources and WORK_ASKED.search(r.text):  # "what's the very first resource?": that one, said what it is
        text += f"\n\nThe first resource: {c.resource_line(resources[0], summary=True)}"
        return Facts(text, [rm.phases[0], first, resources[0]])
    return Facts(text, [rm.phases[0], first])


def answer_resources(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    subject = r.subject
    if subject is None or isinstance(subject, Resource):  # a work is answered from its card
        return None
    topics = [lk.node for lk in r.subjects if isinstance(lk.node, Item | Section)]
    shared = set.intersection(*({res.url for res in c.roadmap.resources_for(n)} for n in topics)) if topics else set()
    if len(topics) >= 2 and not shared and ONE_WORK.search(r.text) and (resources := _covering(c, topics, r.text)):
        # "clean, commented PyTorch code for DDPM and Stable Diffusion: which resource is that?": no work is linked
        # under all of them, so the works whose cards name them all
        text = f"The roadmap's {'work' if len(resources) == 1 else 'works'} covering {_and([f'**{label(n)}**' for n in topics])} together:\n"
    else:
        if not (resources := unique(c.roadmap.resources_for(subject))):
            return None
        place = "" if isinstance(subject, Phase) else f" ({where(subject)})"  # a phase is its own place
        text = f"For **{label(subject)}**{place}, the roadmap links:\n"
    text += "\n".join(f"- {c.resource_line(res, summary=True)}" for res in resources)
    for aspect in ("cost", "who"):  # "which course for it, and is it free?": what each card says of that
        if CARD_ASKS[aspect].search(r.text) and (said := [line for res in resources if (card := c.corpus.card(res.url)) and (line := card.field_line(aspect))]):
            text += "\n\n" + " ".join(said)
    if (CARD_ASKS["link"].search(r.text) or CARD_ASKS["instead"].search(r.text)) and \
            (said := [s for res in resources for s in _card_sentences(c, res) if LINK_TROUBLE.search(s)][:2]):
        # "which ethics resource, and what should I read if that link doesn't work?": what its card says to do then
        text += "\n\n" + " ".join(said)
    if (verb := CARD_ASKS["covers"].search(r.text)) is not None:
        # what it is asked to cover: the topics named after the verb, else the words after it
        # ("does it actually cover the Bayesian methods part?"), else the topics named
        named = [lk for lk in r.subjects if lk.start >= len(WORD.findall(r.text[: verb.end()].lower()))]
        rest = "" if named else _asked_after(r.text[verb.end():])
        if re.fullmatch(r"(them|those|these|both|all of them|(those|these|both|the) (two|three|methods|topics|things))", rest, re.I):
            rest = ""  # "does it cover them?": the topics named before
        named = named or ([] if rest else list(r.subjects))
        asked = [_as_said(r.question, lk.span) for lk in named] or [rest]
        if said := _coverage(c, resources, [lk.span for lk in named] or [rest]):
            text += f"\n\nDoes it cover {_and(asked)}? Its card says: {said}"
            if LACKS.search(said) and (elsewhere := _covered_elsewhere(c, resources, [lk.span for lk in named] or [rest], said)):
                text += f" {elsewhere}"  # "...but it does not cover DPO." "For DPO, Hugging Face's TRL library offers..."
    return Facts(text, [*resources, subject])


# "does it come before or after the transformer stuff?": an order asked, not a step to go on from
ORDER_OF_TWO = re.compile(r"\b(before or after|after or before)\b", re.I)


# what a card says of an address that moved or does not load
LINK_TROUBLE = re.compile(r"\b(does not|doesn'?t|no longer|won'?t) (load|work|open|show)\w*|\b(now )?(redirects?|leads)\b[^.]{0,20}\bto\b|\bsearch\b[^.]{0,40}\bfor\b", re.I)


# one work asked for: "which resource is that?", "a course covering both", not "resources for GANs and VAEs"
ONE_WORK = re.compile(r"\b(which|what|a|one|any|single) (one|resource|course|tutorial|book|repo|repository|site|website|link|guide)\b(?!s)|\bboth\b", re.I)


def _covering(c: Composer, topics: list[Node], question: str) -> list[Resource]:
    """The works (two at most) whose cards name every one of `topics` (a section by any of its topics),
    those sharing more of the question's words first."""
    rm, asked = c.roadmap, {stem(w) for w in WORD.findall(question.lower()) if stem(w) not in STOPWORDS and len(w) > 2}
    found = []
    for res in unique(rm.resources):
        named = c.card_names(res.url)
        if all(id(n) in named or any(id(i) in named for i in getattr(n, "items", ())) for n in topics):
            found.append((len(asked & _stems(c.corpus.card(res.url).body)), res))
    found.sort(key=lambda f: -f[0])
    return [res for _, res in found[:2]]


def _as_said(question: str, span: str) -> str:
    """A link's words as the question wrote them ("RLHF", not "rlhf")."""
    m = re.search(r"[\W_]+".join(map(re.escape, span.split())), question, re.I)
    return m.group(0) if m else span


def _asked_after(text: str) -> str:
    """The words a coverage question asks about: "the Bayesian methods part?" -> "Bayesian methods"."""
    phrase = re.split(r"[?.!,;]| or | and (?:is|does|how|what)\b", text, maxsplit=1)[0]
    phrase = re.sub(r"^\s*(actually |really |also )?(the |any |anything (on|about) )?", "", phrase, flags=re.I)
    return re.sub(r"\s+(part|stuff|bit|section|side|topics?)\s*$", "", phrase.strip(), flags=re.I)


def _coverage(c: Composer, resources: list[Resource], names: list[str]) -> str:
    """The card sentence that says most about the named subjects ("does it cover RLHF and DPO?"),
    among the sentences that say what a resource does or does not cover."""
    wanted = _stems(" ".join(names))
    best, most = "", 0.0
    for res in resources:
        for sentence in _card_sentences(c, res):
            said = _stems(sentence)  # "deepfakes" says "deepfake"
            # a sentence on what the work lacks answers "does it teach X?" best; one on where the
            # roadmap lists it ("In the roadmap, it is listed under ..., which covers X") least
            hits = len(wanted & said) + 0.5 * bool(LACKS.search(sentence)) - 0.5 * bool(IN_THE_ROADMAP.match(sentence))
            if len(wanted & said) and hits > most and (COVER_VERB.search(sentence) or LACKS.search(sentence)):
                best, most = sentence, hits
    return best


def _stems(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text.lower())}


def _covered_elsewhere(c: Composer, resources: list[Resource], names: list[str], lacking: str) -> str:
    """Where a card that says its work lacks something sends the learner for it: the card's sentence
    that names what was asked and says where to go instead ("For RLHF, PPO and DPO, ... TRL library offers ...")."""
    wanted = _stems(" ".join(names))
    for res in resources:
        for sentence in _card_sentences(c, res):
            said = _stems(sentence)
            if sentence != lacking and wanted & said and not LACKS.search(sentence) and ELSEWHERE.search(sentence):
                return sentence
    return ""


ELSEWHERE = re.compile(r"^For\b|\b(instead|turn to|move on to|offers|library|see|try)\b", re.I)
LACKS = re.compile(r"\b(no dedicated|does not|doesn't|do not|don't|not cover\w*|without|lacks?|skips?)\b", re.I)
IN_THE_ROADMAP = re.compile(r"\s*(in|on) the roadmap\b", re.I)


def answer_contents(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    subject = r.subject
    if subject is None and re.search(r"\bprojects?\b", r.text, re.I) and (projects := [s for s in c.roadmap.sections if s.of_projects]):
        # "what projects does the roadmap have me build?": every section of projects
        return Facts("The roadmap's projects:\n" + "\n".join(f"{n}. {c.describe(s)}" for n, s in enumerate(projects, 1)), projects)
    if subject is None:
        return Facts(phase_list(c.roadmap), ["overview", *c.roadmap.phases])
    topics = [n for n in r.nodes if not isinstance(n, Phase)]
    if BUILD_ASKED.search(r.text) and (phase := c.roadmap.phase_of(topics[0]) if topics else subject if isinstance(subject, Phase) else None):
        # "once I've got GANs and VAEs down, what do I build?": the projects of that phase, if it has any
        if projects := [s for s in phase.sections if s.of_projects]:
            return Facts("\n".join(c.describe(s, full=True) for s in projects), [*projects, phase])
    if isinstance(subject, Phase | Section):
        return Facts(c.describe(subject, full=True), [subject])
    section = c.roadmap.section_of(subject)  # "what else is in that section?" after a topic
    if section is not None and PARTS.search(r.text):
        return Facts(c.describe(section, full=True), [section, subject])
    return None  # "what are the main components of X?" of one topic: its line, notes and cards, from the sources


BUILD_ASKED = re.compile(r"\b(build|make|implement|code up|projects?)\b", re.I)


def answer_quiz(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    """Five questions on the phase the learner names (or of the topic they name; without either,
    the whole roadmap), each with where it comes from but not its answer: the answers are
    checked in the Quiz tab, which the same seed fills with the same questions."""
    rm = c.roadmap
    phase = next((p for p in map(rm.phase_of, r.nodes) if p is not None), None)
    number = phase.number if phase else None
    seed = standard_seed(number)
    questions = c.quiz.questions(number, n=QUESTIONS, seed=seed)
    on = f"**{label(phase)}**" if phase else "**the whole roadmap**"
    text = f"{len(questions)} questions on {on}, from the roadmap and its resource cards:\n"
    text += "\n".join(f"{n}. {q.text} *(from {q.origin})*" for n, q in enumerate(questions, 1))
    pick = label(phase) if phase else "All phases"
    text += (f"\n\nTo answer them and have them checked, open the **Quiz** tab, pick **{pick}**, set the quiz "
             f"number to **{seed}** and press **Start quiz**: the same questions come up. In a terminal: "
             f"`tutor quiz{f' --phase {number}' if number else ''} --seed {seed}`.")
    return Facts(text, [phase] if phase else ["overview"])  # not the questions' own nodes: they name the answers


def answer_people(c: Composer, r: Reading, done: set[str]) -> Facts | None:
    """Every linked resource a person made, in roadmap order, each with where it sits."""
    made = c.made_by.get(r.person, set())
    resources = [res for res in unique(c.roadmap.resources) if res.url in made]
    if not resources:
        return None
    lines = [f"- {c.resource_line(res)}" + (f" ({breadcrumb(res.item or res.section)})" if res.item or res.section else "")
             for res in resources]
    one = len(resources) == 1
    text = f"The roadmap links {'one resource' if one else f'{len(resources)} resources'} by {r.person}:\n" + "\n".join(lines)
    return Facts(text, resources)


ANSWERS: dict[str, Callable[[Composer, Reading, set[str]], Facts | None]] = {
    "next": answer_next, "prereq": answer_prereq, "duration": answer_duration, "phase": answer_phase,
    "start": answer_start, "resources": answer_resources, "contents": answer_contents, "quiz": answer_quiz,
    "people": answer_people,
}


# ---------------------------------------------------------------- small helpers


def _surest(r: Reading) -> list[Node]:
    """The nodes named about as surely as the surest: "model evaluation (metrics...)" means
    Model Evaluation, not the Evaluation Metrics that a description word also names."""
    links = r.subjects or r.followup
    if not links:
        return r.nodes
    best = max(lk.confidence for lk in links)
    return [lk.node for lk in links if lk.confidence >= best - 0.05]


def _in_order(rm: Roadmap, nodes: list[Node]) -> list[Node]:
    """The nodes that sit in the phases, if any do: "the linear algebra Coursera thing, what's
    next" continues from Linear Algebra, not from Coursera's place among the platforms."""
    phased = [n for n in nodes if rm.phase_of(n) is not None]
    return phased or nodes


WORK_ASKED = re.compile(r"\b(resources?|courses?|books?|links?|materials?|tutorials?)\b", re.I)
FORGOT = re.compile(r"\b(forg[eo]t\w*(?! (about )?(the )?(phases?|sections?|parts?) \d)|rusty|gone(?! through)|lost|again|(go|get|come|going|getting|coming) back|back (to|into)|restart|refresh\w*|"
                    r"years since|haven'?t touched)\b", re.I)  # not "a while back", not "forget phases 1 and 2" (skip them)


def _lower_first(text: str) -> str:
    """'Detection and prevention' -> 'detection and prevention'; 'RLHF basics' and 'ReLU, sigmoid' stay."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return text[0].lower() + text[1:] if len(first) > 1 and first[1:].islower() else text


def where(node: Node) -> str:
    crumb = breadcrumb(node)
    return crumb.rsplit(" › ", 1)[0] if " › " in crumb else crumb


def _duration(phase: Phase) -> str:
    return phase.duration.text if phase.duration else "no set duration"


def _length(phase: Phase) -> str:
    """How long, said as a length: "Months 1-2" is a place in a calendar, so it reads "2 months (Months 1-2)"."""
    d = phase.duration
    if d.low is not None and d.low == d.high and not d.text.lstrip("~ ")[:1].isdigit():
        return f"{d.low:g} month{'s' if d.low != 1 else ''} ({d.text})"
    return _duration(phase)


def phase_list(rm: Roadmap) -> str:
    return "The phases:\n" + "\n".join(f"{p.number}. **{p.title}** ({_duration(p)})" for p in rm.phases)


# "How long until I get to transformers?": the time of the phases before it, not its own.
COVER_VERB = re.compile(r"\b(covers?|covered|teach(es)?|taught|includes?|explains?|introduces?|goes into|deals? with|"
                        r"focus(es)? on|reading on|is about|organi[sz]ed around)\b", re.I)


@dataclass(frozen=True)
class Cue:
    """Words next to a topic's name that say what the learner has of it (data/backgrounds.toml)."""
    verdict: str  # "has" | "lacks" | "wants"
    where: str  # "before" | "after"
    regex: re.Pattern
    and_before: re.Pattern | None = None
    must_match: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()

    def matches(self, before: str, after: str) -> bool:
        return bool(self.regex.search(before if self.where == "before" else after)) and \
            (self.and_before is None or bool(self.and_before.search(before)))


def load_backgrounds(path: Path = DATA / "backgrounds.toml") -> tuple[list[Cue], dict[str, list[str]]]:
    """The cues, lacks first, then wants, then has; and what knowing one step means one knows as well."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    cues = [Cue(e["verdict"], e["where"], re.compile(e["pattern"]), re.compile(e["and_before"]) if e.get("and_before") else None,
                tuple(e.get("must_match", ())), tuple(e.get("must_not", ()))) for e in data["cue"]]
    order = {"lacks": 0, "wants": 1, "has": 2}
    return sorted(cues, key=lambda c: order[c.verdict]), data.get("implies", {})


CUES, IMPLIES = load_backgrounds()


def _implied(rm: Roadmap, known: list[Node]) -> list[Node]:
    """What knowing `known` means one knows as well (data/backgrounds.toml [implies]), not already in it."""
    titles = {t for n in known for t in IMPLIES.get(getattr(n, "title", ""), ())}
    return [n for n in [*rm.items, *rm.sections] if n.title in titles and n not in known]


WISH = re.compile(r"\b(want|wanna|would like|'d like|hoping|plan|trying|looking)\b[^.?!]{0,20}\b(get into|get to|move towards?|head towards?|go towards?|learn|move (on )?(in)?to|"
                  r"focus on|switch to|go into|dive into|do)\b(?P<what>[^.?!,;:\u2013\u2014]{0,40}?)(?=\s+-\s|[.?!,;:\u2013\u2014]|$)", re.I)
# "where would I start for the generative AI part?": the part named as where to begin
FOR_PART = re.compile(r"\b(start|begin|jump in|get started|dive in)\b[^.?!]{0,12}?\b(for|with|on) (the )?(?P<what>[^.?!,;:]{1,40}?) "
                      r"(part|side|stuff|bit|section)\b", re.I)


def _comes_later(later: Node) -> str:
    place = "" if isinstance(later, Phase) else f", in {where(later)}"
    return f"\n\n**{label(later)}** comes later{place}: the steps before it build up to it."


def _phase_start(c: Composer, phase: Phase, known: list[Node]) -> Facts:
    """"What do I begin with in phase 2?": that phase's first step, then where a newcomer begins."""
    rm = c.roadmap
    first = rm.sections[0]
    before = rm.phases[: rm.phases.index(phase)]
    knows = f"You know {_and([f'**{label(n)}**' for n in known])} already; if the rest is new to you" if known \
        else "If those are new to you"
    opening = phase.sections[0].items[0] if phase.sections[0].items else None
    text = f"**{label(phase)}** starts with {c.describe(phase.sections[0])}"
    if opening is not None and opening.description:  # "what does phase 5 open with?": its first topic, said what it is
        text += f" Its first topic: **{opening.title}**: {opening.description}."
    if not before:  # "what does phase 1 start with?": where the roadmap starts, nothing before it to go back to
        return Facts(text, [phase.sections[0], phase])
    if any(rm.phase_of(n) is before[-1] and rm.section_of(n) in (before[-1].sections[-1], None) for n in known):
        # they are at the end of the phase before: no need to go back
        return Facts(text + f"\n\nYou know {_and([f'**{label(n)}**' for n in known])} already.", [phase.sections[0], phase])
    text += (f"\n\nIt builds on {', '.join(label(p) for p in before)}. {knows}, start at the beginning: **{label(rm.phases[0])}** ({_duration(rm.phases[0])}) "
             f"with **{first.title}**.")
    return Facts(text, [phase.sections[0], phase, rm.phases[0], first])


def _wished_phase(rm: Roadmap, text: str, known: list[Node]) -> Phase | None:
    """The phase after everything known whose title has the words of a wish: "I want to get into
    generative AI" -> Phase 3: Generative AI Foundations, for someone who knows Phase 2 topics."""
    wish = WISH.search(text) or FOR_PART.search(text)
    if wish is None:
        return None
    words = {stem(w) for w in WORD.findall(wish.group("what").lower())} - STOPWORDS
    latest = max(rm.position(k) for k in known)
    extra = {"specifically", "stuff", "side", "things", "asap", "soon", "quickly", "fast"}
    # "get into generative models": the phase, or the first section, whose title has those words (Generative Models Introduction)
    return next((p for p in rm.phases if rm.position(p) > latest and words and any(
        words <= {stem(w) for w in WORD.findall(part.title.lower())} | extra for part in (p, *p.sections))), None)


def _opens_phase(rm: Roadmap, node: Node) -> bool:
    """Whether `node` is a later phase's first section, or that section's first topic."""
    phase = rm.phase_of(node)
    if phase is None or phase is rm.phases[0] or not phase.sections:
        return False
    first = phase.sections[0]
    return node is first or bool(first.items) and node is first.items[0]


def _after_known(rm: Roadmap, known: list[Node]) -> Node | None:
    """Where a learner who knows `known` goes on: the first topic they do not know when they know
    everything before it ("strong in the maths, I only code in R": Python); else the next phase
    when they know something of a phase's last section, which builds on the rest of the phase
    ("CNNs, RNNs, PyTorch": Phase 3), or the last before its projects. None when neither holds ("I know Python": the beginning)."""
    taught = [i for i in rm.items if i.section.phase is not None]
    unknown = [i for i in taught if not any(k is i or rm.contains(k, i) for k in known)]
    if unknown and unknown[0] is not taught[0]:  # everything before the first unknown topic is known
        return unknown[0]
    taught_known = [k for k in known if rm.phase_of(k) is not None]  # not Kaggle: a platform, not a step
    if not taught_known:
        return None
    latest = max(taught_known, key=rm.position)
    section = latest if isinstance(latest, Section) else rm.section_of(latest)
    phase = rm.phase_of(latest)
    if phase is None or phase is rm.phases[-1] or section not in phase.sections:
        return None
    # "I've built VAEs and GANs": a phase's closing projects practise what came before; they do not hold it back
    if any(not PROJECTS.search(later.title) for later in phase.sections[phase.sections.index(section) + 1:]):
        return None
    return rm.phases[rm.phases.index(phase) + 1].sections[0]


# "what does phase 6 kick off with?"
OPENS_ASKED = re.compile(r"\b(?:what|how) (?:does|do|will) (?:the )?phase (\d) (?:open|start|begin|kick off|lead off)\b|"
                         r"\b(?:very )?first (?:thing|step|topic|section|part) (?:in|of) (?:the )?phase (\d)\b", re.I)
# "is there something in between?", "does the roadmap want me to build something now or go straight to diffusion?"
BETWEEN = re.compile(r"\b(something|anything|stuff|steps?|topics?) (else )?(in )?between\b|\bin[- ]between\b|"
                     r"\b(go|jump|skip|move|head) (straight|right|directly) (on )?(to|into)\b|"  # "do i go straight to pytorch?"
                     r"\b(build|make|do) (something|a project|projects|stuff)( first| now)?\b[^?]{0,20}\bor\b|"
                     r"\b(anything|something|stuff) (left|else|more)\b[^?]{0,30}\b(after|before)\b", re.I)
NOT_BUILDING = re.compile(r"\b(not (planning|going|looking|trying|aiming|hoping)|don'?t (want|plan|intend)|do not (want|plan|intend)|won'?t|will not|no (plans?|intention))\b"
                          r"[^.?!]{0,30}\b(code|coding|program|programming|build|train|training|become an? (engineer|developer|programmer))\b", re.I)
# "i've fine-tuned BERT and done full fine-tuning on a small llm": experience the links did not catch; not "done a bit of scratch"
EXPERIENCED = re.compile(r"\b((i|we)('ve| have)|already) (done|built|trained|fine-?tuned|used|worked( with| on)?|taken|finished|completed|shipped|deployed)\b"
                         r"(?! (a (little |tiny )?bit|a little|nothing)\b)|\b(fine-?tuned|trained|built|deployed|shipped) (a|an|some|my|our|several)\b", re.I)
FAR_PHASE = 3  # a wish from this phase on builds on two phases of groundwork
NEWCOMER = re.compile(r"\b(i'?m new|i am new|(total|complete|absolute) (beginner|newbie|novice)|from scratch|from zero)\b", re.I)
WISH_WORD = re.compile(r"\b(wants?|wanna|hopes?|hoping|interested in|care about|would like|'d like|my goal|goal is|dream)\b", re.I)
PROJECTS = re.compile(r"\bprojects?\b", re.I)


NO_CODE = re.compile(r"\bnever (coded|programmed|(written|wrote) (a (single )?line of |any )?code)\b|\b(no|zero) (coding|programming)\b|"
                     r"\bcan'?t (code|program)\b|\bnever (learned|done) (any )?(coding|programming)\b|"
                     r"\bhave(n'?t| not) (written|done|touched) (any |a line of )?code\b|\bhave(n'?t| not) (coded|programmed)\b|"
                     # "I've only ever coded in Fortran and MATLAB": not in the roadmap's language
                     r"\bonly (ever )?(code|coded|coding|program|programmed|programming|write|wrote|written|used?|work(ed)?) "
                     r"(code )?(in|with) (r|matlab|fortran|julia|java|c\+\+|c#|c|javascript|js|go|rust|excel|sas|stata|sql|octave|php|ruby)\b", re.I)


def _programming(rm: Roadmap) -> Item | None:
    """The roadmap's first topic on programming, if it has one."""
    return next((i for i in rm.items if i.section.phase is not None and re.search(r"\b(python|programming|coding)\b", i.title, re.I)), None)


def _unmentioned(rm: Roadmap, known: list[Node]) -> list[Section]:
    """The sections before the latest known topic, in its phase, that hold nothing the learner said they know."""
    latest = max(known, key=rm.position)
    phase = rm.phase_of(latest)
    return [s for s in (phase.sections if phase else []) if rm.position(s) < rm.position(latest)
            and not any(k is s or rm.contains(s, k) or rm.contains(k, s) for k in known)]


def _not_mentioned(skipped: list[Section]) -> str:
    if not skipped:
        return ""
    one = len(skipped) == 1
    return (" You did not mention " + _and([f"**{s.title}**" for s in skipped]) + f" ({label(skipped[0].phase)}): go back to "
            + ("it if it is" if one else "them if they are") + " new to you.")


def _backgrounds(text: str, links) -> list[str]:
    """`_background` of each link, in order; a topic joined to the one before it by "and" or a comma
    shares its background: "I've trained GANs and VAEs"."""
    said = WORD.findall(text.lower())  # the words lookup counts a link's position in
    spans = [m.span() for m in WORD.finditer(text.lower())]
    found: dict[int, str] = {}
    previous = None
    order = sorted(range(len(links)), key=lambda i: links[i].start)
    for i in order:
        found[i] = _background(text, links[i])
        if not found[i] and previous is not None:
            end = _last_end(links[previous], links[i].start)
            between = said[end: links[i].start]
            gap = text[spans[end - 1][1]: spans[links[i].start][0]] if links[i].start < len(spans) else "."
            # "pandas, sklearn, regression, cross-validation": a list of short names, some the roadmap lacks
            if set(between) <= JOINERS | ALSO_FOR or _short_list(between, gap):
                found[i] = found[previous]
        if not found[i] and links[i].start < len(spans) and (inside := _in_brackets(text, spans[links[i].start][0])) is not None \
                and DID.search(inside):
            found[i] = "has"  # "took an ML class (regression, cross validation)": what the class held
        if not found[i] and links[i].start < len(spans) and (opened := _listed_after_did(text[: spans[links[i].start][0]])) >= 0 \
                and (previous is None or spans[min(links[previous].start, len(spans) - 1)][0] < opened):
            # "comfortable with sklearn, regression, clustering": a list the roadmap names only part of, from its first name
            found[i] = "has"
        previous = i
    for a, b in reversed(list(zip(order, order[1:]))):  # "pandas and sklearn daily": said after the last of them, it holds for each
        between = said[_last_end(links[a], links[b].start): links[b].start]
        gap = text[spans[links[a].end - 1][1]: spans[links[b].start][0]] if links[b].start < len(spans) else "."
        if not found[a] and found[b] == "has" and (set(between) <= JOINERS or _short_list(between, gap)):
            found[a] = "has"
    return [found[i] for i in range(len(links))]


def _short_list(between: list[str], gap: str) -> bool:
    """Whether two names sit in one list of short names, some the roadmap lacks: "pandas, sklearn, regression"."""
    return len(between) <= 4 and "," in gap and not re.search(r"[.?!;:()]", gap)


def _last_end(link, before: int) -> int:
    """Where a link's last naming before `before` ends: "pandas, numpy and jupyter" names NumPy, Pandas, Matplotlib twice."""
    return max([link.end] + [e for _, e in getattr(link, "again", ()) if e <= before])


JOINERS = {"and", "or", "plus", "in", "with", "using", "a", "an", "the"}  # words that join two names of one list ("CNNs and LSTMs in PyTorch")
ALSO_FOR = {"at", "work", "my", "job", "for", "both", "like", "such", "as", "including", "especially", "mostly", "also", "then", "try",
            "next", "later", "eventually", "afterwards"}  # "PyTorch at work for CNNs"
DID = re.compile(r"\b(took|taken|did|done|finished|completed|know|knew|learned|learnt|studied|covered|passed|comfortable with|"
                 r"familiar with|fine with|good at|worked with|used|(?<!to )(use|uses|using)|for (a couple of |a few |many |several |some |\d+ )?(years|ages)|engineer|developer|scientist|researcher)\b[^.?!;]*$", re.I)


def _listed_after_did(before: str) -> int:
    """Where the word of knowing is that opens the list of short names the text before a name ends
    in, or -1: "took an ML class, comfortable with sklearn, regression, " (then "clustering")."""
    clause = re.split(r"[.?!;:()]", before)[-1]
    items = re.split(r",| and | or ", clause)
    for n in range(len(items) - 1, -1, -1):
        if (cue := DID.search(items[n])) is not None and len(WORD.findall(items[n][cue.end():])) <= 3:
            return len(before) - len(clause) + clause.rindex(items[n]) + cue.start() if n < len(items) - 1 else -1
        if len(WORD.findall(items[n])) > 3:
            return -1
    return -1


def _in_brackets(text: str, at: int) -> str | None:
    """The clause before the open bracket that `at` sits inside, or None when it is not in brackets."""
    opened = text.rfind("(", 0, at)
    if opened < 0 or ")" in text[opened: at]:
        return None
    return re.split(r"[.?!;]", text[:opened])[-1]


def _background(text: str, link) -> str:
    """"has" when the question says the learner knows the subject ("5 yrs of Python") or skips it, "lacks" when
    it says they do not ("zero ML background"), "wants" when they wish to learn it, else ""."""
    said = WORD.findall(text.lower())  # the words lookup counts a link's position in
    # each time it is named, first to last: "pandas and matplotlib every day" says it after the second name,
    # "it didn't do LoRA at all. where do I go for LoRA?" before the second
    for start, end in [(link.start, link.end), *getattr(link, "again", ())]:
        before = " ".join(said[max(0, start - 7): start])
        before = " ".join(re.sub(r"( [a-z]+){1,2} s$", "", " " + before).split()[-5:])  # "did Andrew Ng's ML course": what was done
        after = " ".join(said[end: end + 3])
        if verdict := next((cue.verdict for cue in CUES if cue.matches(before, after)), ""):
            return verdict
    return ""


THROUGH = re.compile(r"\buntil (i'?m|i am|we'?re) (through|done|finished)\b|\buntil i('ve| have)? (finish|finished|complete|completed)\b", re.I)
UNTIL = re.compile(r"\b(until|till|til)\b|\bbefore i (can |could )?(get to|reach|start)\b|\b(get|getting) to\b|\breach(ing)?\b"
                   r"|\b(through|to|by) the end of\b|\bup to( and including)?\b|\bfrom (zero|scratch|nothing|the (start|beginning))\b", re.I)
EXCEPT = re.compile(r"\b(leave|leaving|left) out\b|\bwithout (phases?|stages?|the (?!(\w+ )?(breaks?|pauses?|rest|gaps?)))|\bexcept( for)?\b|\bexcluding\b|\bminus\b|\b(skip|skipping) (phase|the)\b|\bbut not\b|"
                    r"\bnot (counting|including)\b|\bapart from\b|\bother than\b", re.I)
SCHEDULE = re.compile(r"\b(behind|ahead of|on) (schedule|track|pace)\b|\b(too slow|too fast|slower than|faster than) (the roadmap|planned|expected|normal)\b", re.I)
FROM_START = re.compile(r"\bfrom (zero|scratch|nothing|the (very )?(start|beginning))\b|\bstarting (from|at) (zero|scratch|nothing)\b|"
                        r"\b(total|complete) (beginner|newbie|noob)\b", re.I)


def time_to_reach(rm: Roadmap, subject: Node) -> Facts | None:
    """The phases before the subject's phase, added up; None when one of them has no length."""
    phase = rm.phase_of(subject)
    if phase is None:
        return None
    before = rm.phases[: rm.phases.index(phase)]
    if any(p.duration is None or p.duration.low is None for p in before):
        return None
    if not before:
        where_ = f" is in {label(phase)}, which" if subject is not phase else ""
        return Facts(f"**{label(subject)}**{where_} is where the roadmap starts: you reach it at once.",
                     [subject, phase] if subject is not phase else [phase])
    low, high = sum(p.duration.low for p in before), sum(p.duration.high for p in before)
    steps = ", ".join(f"{label(p)} ({_length(p)})" for p in before)
    where_ = f" ({label(phase)})" if subject is not phase else ""
    through = ""
    if phase.duration is not None and phase.duration.low is not None:
        through = f" To the end of it: about **{low + phase.duration.low:g}-{high + phase.duration.high:g} months**."
    return Facts(f"From the start of the roadmap, **{label(subject)}**{where_} comes after {steps}: together "
                 f"about **{low:g}-{high:g} months**. {label(phase)} itself then takes {_length(phase)}.{through}",
                 [subject, *before, phase] if subject is not phase else [*before, phase])


def total_duration(rm: Roadmap) -> str:
    low, high, open_ended = rm.total_duration()
    if len(open_ended) == len(rm.phases) and not any(p.duration for p in rm.phases):
        return (f"The roadmap does not say how long it takes: none of its {len(rm.phases)} phases gives a "
                "duration.\n" + phase_list(rm))
    text = f"The whole roadmap takes about **{low:g}-{high:g} months**"
    ongoing = [p for p in open_ended if p.duration]
    if ongoing:
        text += " plus " + ", ".join(f"{label(p)}, which is {_duration(p).lower()}" for p in ongoing)
    missing = [p for p in open_ended if not p.duration]
    if missing:
        text += "; the roadmap gives no duration for " + ", ".join(label(p) for p in missing)
    return text + ".\n" + phase_list(rm)


def no_duration(subject: Node, phase: Phase) -> str:
    if subject is phase:
        return f"The roadmap gives no duration for **{label(phase)}**."
    return (f"**{label(subject)}** is part of {label(phase)}, and the roadmap gives no duration for that phase "
            "(nor for its topics).")





def _and(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
