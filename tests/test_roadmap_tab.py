"""The Roadmap tab and the progress panel without a browser, on the real roadmap: the map's HTML,
the topic panel, the phase labels and the overall line, and the progress file carried out and back.

Figures to check by hand (test_plan.py has the same): 58 steps (9, 9, 7, 12, 12, 9 per phase);
Phase 3 takes 2-3 months, 2.5 * 52/12 * 10 h = 108 h over 7 steps = 15.5 h each.
"""

import json
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote

import gradio as gr
import pytest

from conftest import REAL_CORPUS, FakeModel, HashEmbedder
from tutor.config import Settings, TutorError
from tutor.plan import step_hours
from tutor.progress import Progress, export
from tutor.retrieve import Retriever
from tutor.roadmap import parse
from tutor.tutor import Tutor
from tutor.web import roadmap_map, topic
from tutor.web.chat import ChatPanel
from tutor.web.conversation import MAX_UNANSWERED, Conversation
from tutor.web.feedback import FeedbackLog
from tutor.web.lanes import Lane, Router
from tutor.web.progress import (
    MAX_IMPORT_BYTES,
    BoxEcho,
    ProgressPanel,
    carry_html,
    overall,
    phase_label,
    read_import,
    ticks_of,
)

GANS = "phase-3/early-generative-architectures/generative-adversarial-networks-gans"
PYTORCH = "phase-2/deep-learning-frameworks/pytorch"
ACTIVATION = "phase-2/neural-network-basics/activation-functions"


class Tags(HTMLParser):
    """Every start tag with its attributes and the text inside it (to its end tag)."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[dict] = []
        self.open: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.tags.append(node)
        if tag not in ("input", "br", "img"):
            self.open.append(node)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for node in self.open:
            node["text"] += data

    def find(self, tag: str, cls: str = "") -> list[dict]:
        return [t for t in self.tags if t["tag"] == tag and cls in t.get("class", "").split() + [""]]


def steps_on_map(html: str) -> list[dict]:
    return Tags(html).find("button", "step")


# ---------------------------------------------------------------- the map


def test_the_map_shows_every_step_once_in_roadmap_order_under_its_phase_and_section(roadmap):
    html = roadmap_map.render(Progress(roadmap))
    buttons = steps_on_map(html)
    assert [b["data-id"] for b in buttons] == [i.id for i in Progress(roadmap).steps()]
    assert len(buttons) == 58 and all(b["type"] == "button" for b in buttons)
    tags = Tags(html)
    phases = [h["text"] for h in tags.find("h2")]
    assert phases[1] == "Phase 2: Deep Learning Fundamentals2-3 months0/9 steps done"
    assert phases[5].startswith("Phase 6: Cutting-Edge Research & DevelopmentOngoing0/9")
    assert [h["text"] for h in tags.find("h3")] == [s.title for s in roadmap.sections]
    projects = [b for b in buttons if "project" in b["text"]]
    assert [b["data-id"] for b in projects] == [i.id for i in roadmap.items if i.kind == "project"]


def test_ticked_steps_show_a_mark_and_words_not_colour_alone_and_the_next_step_is_labelled(roadmap):
    progress = Progress(roadmap, ["phase-1", "phase-2/neural-network-basics", PYTORCH])
    buttons = {b["data-id"]: b for b in steps_on_map(roadmap_map.render(progress))}
    done = [i for i, b in buttons.items() if "done" in b["class"].split()]
    assert done == [i.id for i in progress.done_steps()] and len(done) == 13
    for step_id in done:
        assert buttons[step_id]["text"].startswith("✓") and buttons[step_id]["text"].endswith(", done")
    nxt = [b for b in buttons.values() if "next" in b["class"].split()]
    assert [b["data-id"] for b in nxt] == ["phase-2/deep-learning-frameworks/tensorflow-keras"]
    assert nxt[0]["aria-current"] == "step" and nxt[0]["text"] == "→TensorFlow/Kerasnext"
    untouched = buttons["phase-3/early-generative-architectures/autoencoders"]
    assert untouched["text"] == "○Autoencoders" and "aria-current" not in untouched
    assert "22% done · 9-12.5 months left" in roadmap_map.render(progress)


def test_the_opened_step_is_outlined_and_a_finished_roadmap_has_no_next(roadmap):
    html = roadmap_map.render(Progress(roadmap, [p.id for p in roadmap.phases]), selected=GANS)
    buttons = steps_on_map(html)
    assert [b["data-id"] for b in buttons if "open" in b["class"].split()] == [GANS]
    assert not [b for b in buttons if "next" in b["class"].split()] and "Your next step" not in html
    assert "100% done · nothing left" in html


def test_the_map_escapes_what_the_roadmap_says():
    rm = parse("# R\n## Phase 1: Bits & <3 bytes (1 month)\n### A \"quoted\" section\n"
               "- **Tom & Jerry <3**: fun\n- **${value} {{x}}**: template markers stay text\n")
    html = roadmap_map.render(Progress(rm))
    assert "Bits &amp; &lt;3 bytes" in html and "A &quot;quoted&quot; section" in html
    assert "Tom &amp; Jerry &lt;3" in html and "<3" not in html.replace("&lt;3", "")
    assert [b["text"] for b in steps_on_map(html)] == ["→Tom & Jerry <3next", "○${value} {{x}}"]


# ---------------------------------------------------------------- the topic panel


def test_the_topic_panel_shows_where_a_step_sits_its_time_resources_and_neighbours(real_corpus, roadmap):
    gans = roadmap.node(GANS)
    head, body = topic.render(real_corpus, gans, Progress(roadmap))
    assert "Phase 3: Generative AI Foundations › Early Generative Architectures" in Tags(head).find("p", "where")[0]["text"]
    assert Tags(head).find("h2")[0]["text"] == gans.title and "Architecture, training dynamics" in head
    assert "Not done yet" in head
    links = Tags(body).find("a")
    assert [(a["text"], a["href"]) for a in links] == [(r.title, r.url) for r in gans.resources]
    assert all(a["rel"] == "noopener noreferrer" for a in links)
    for r in gans.resources:  # each card's summary, from the card itself
        assert real_corpus.card(r.url).summary() in Tags(body).find("span", "summary")[gans.resources.index(r)]["text"]
    assert step_hours(gans.phase) == (15.5, False)
    assert "About 15.5 h, or 1.6 weeks at 10 h a week: Phase 3: Generative AI Foundations takes 2-3 months, " \
           "taken as 2.5 months = 108 h, shared by its 7 steps." in body
    hops = [(b["data-id"], b["text"]) for b in Tags(body).find("button", "hop")]
    assert hops == [
        ("phase-3/early-generative-architectures/autoencoders", "Autoencoders"),  # before, nearest first
        ("phase-3/generative-models-introduction/types-of-generative-models", "Generative Models Introduction"),
        ("phase-3/first-implementation-projects/build-a-simple-vae-for-image-generation", "First Implementation Projects"),
        ("phase-4/diffusion-models/diffusion-process", "Diffusion Models"),  # after
    ]
    assert [n.title for n in roadmap.before(gans)] == ["Autoencoders", "Generative Models Introduction"]
    assert [n.title for n in roadmap.after(gans)] == ["First Implementation Projects", "Diffusion Models"]


def resources_part(body: str) -> str:
    return body[body.index("<h3>Resources</h3>"): body.index("<h3>Before it</h3>")]


def test_a_step_without_resources_of_its_own_says_whose_they_are(real_corpus, roadmap):
    activation = roadmap.node(ACTIVATION)
    assert not activation.resources
    _, body = topic.render(real_corpus, activation, Progress(roadmap))
    listed = Tags(resources_part(body))
    assert [a["text"] for a in listed.find("a")] == ["Deep Learning Specialization"]
    assert [s["text"] for s in listed.find("span", "via")] == ["(for the whole section)"]
    attention = roadmap.node("phase-4/transformer-based-models/attention-mechanism")
    _, body = topic.render(real_corpus, attention, Progress(roadmap))
    assert [s["text"] for s in Tags(resources_part(body)).find("span", "via")] == [
        "(linked under Transformer Architecture)", "(linked under Large Language Models (LLMs))"]
    _, body = topic.render(real_corpus, roadmap.node(GANS), Progress(roadmap))
    assert Tags(resources_part(body)).find("span", "via") == [], "a step's own resources need no note"


def test_the_topic_panel_at_both_ends_and_in_the_ongoing_phase(real_corpus, roadmap):
    steps = Progress(roadmap).steps()
    _, first = topic.render(real_corpus, steps[0], Progress(roadmap))
    assert "Nothing: this is the first step of the roadmap." in first
    last = steps[-1]
    head, body = topic.render(real_corpus, last, Progress(roadmap, ["phase-6"]))
    assert "Nothing: this is the last step of the roadmap." in body and "✓ Done" in head
    assert step_hours(last.phase) == (12.0, True)
    assert "About 12 h, assumed: Phase 6: Cutting-Edge Research & Development is ongoing, so the study plan " \
           "counts 12 h for each of its 9 steps." in unescape(body)
    head, _ = topic.render(real_corpus, steps[0], Progress(roadmap))
    assert "→ Your next step" in head


def test_with_nothing_opened_the_panel_offers_the_next_step(real_corpus, roadmap):
    head, body = topic.render(real_corpus, None, Progress(roadmap, ["phase-1"]))
    assert body == "" and "Pick a step on the map" in head
    assert [b["data-id"] for b in Tags(head).find("button", "hop")] == ["phase-2/neural-network-basics/perceptrons-multi-layer-networks"]


def test_picking_checks_the_id_and_marking_toggles_one_step(real_corpus, roadmap):
    panel = topic.TopicPanel(real_corpus)
    picked = panel.on_pick([], gr.EventData(None, {"id": GANS}))
    assert picked[0] == GANS and "Generative Adversarial Networks" in picked[1]
    assert picked[4].value == "Mark as done" and picked[4].visible is True
    for bad in ({"id": "phase-9/nope"}, {"id": "x" * 5000}, {"id": ["a"]}, {}, None):
        assert all(v == gr.skip() for v in panel.on_pick([], gr.EventData(None, bad)))

    ticked = panel.on_mark(GANS, ["phase-1"])
    assert Progress(roadmap, ticked).is_done(roadmap.node(GANS)) and ticked[-1] == GANS
    assert panel.show(GANS, ticked)[3].value == "Mark as not done"
    assert panel.on_mark(GANS, ticked) == export(Progress(roadmap, ["phase-1"]).marked(roadmap.node(GANS), False))["done"]
    assert panel.on_mark("not-a-step", ticked) == gr.skip()


def test_unticking_one_step_of_a_ticked_phase_keeps_the_others(roadmap):
    calculus = roadmap.node("phase-1/mathematics-statistics-fundamentals/calculus")
    p = Progress(roadmap, ["phase-1", PYTORCH]).marked(calculus, False)
    assert len(p.done_steps()) == 9 and not p.is_done(calculus)
    assert p.marked(calculus).ticked == {i.id for i in Progress(roadmap, ["phase-1", PYTORCH]).done_steps()}


@pytest.fixture
def chat(real_corpus, fake_index, tmp_path):
    settings = Settings(corpus_dir=REAL_CORPUS, index_dir=tmp_path / "index", feedback_file=tmp_path / "feedback.jsonl")
    tutor = Tutor(real_corpus, Retriever(fake_index, HashEmbedder(), 60), FakeModel(), settings)
    panel = ChatPanel(Router(tutor, Lane(1)), settings, FeedbackLog(settings.feedback_file))
    with gr.Blocks():
        panel.build()
    return panel


def test_ask_about_this_asks_the_chat_and_switches_to_it(real_corpus, chat):
    panel = topic.TopicPanel(real_corpus)
    panel.chat = chat
    conv = Conversation()
    tabs, kick, *view = panel.on_ask(GANS, conv)
    assert tabs.selected == "chat-tab" and isinstance(kick, int)
    assert [t.question for t in conv.turns] == ["Tell me about Generative Adversarial Networks (GANs)"]
    assert len(view) == len(chat.question_outputs()) - 1
    assert all(v == gr.skip() for v in panel.on_ask("nope", conv)) and len(conv.turns) == 1


def test_asking_from_the_page_respects_the_chats_limits(chat):
    conv = Conversation()
    for n in range(MAX_UNANSWERED):
        conv.add(f"question {n}")
    with pytest.warns(UserWarning, match="already waiting"):  # gr.Warning, outside a running page
        kick, *_ = chat.ask_question("Tell me about GANs", conv)
    assert kick == gr.skip() and len(conv.turns) == MAX_UNANSWERED
    conv = Conversation()
    chat.ask_question("  " + "x" * (chat.base.max_query_chars + 50), conv)
    assert len(conv.turns[0].question) == chat.base.max_query_chars


# ---------------------------------------------------------------- the progress panel


def test_phase_labels_and_the_overall_line_count_ticks(roadmap):
    progress = Progress(roadmap, ["phase-1", "phase-2/neural-network-basics", PYTORCH])
    assert [phase_label(t) for t in progress.phases()][:3] == [
        "Phase 1: Foundations (1-2 months) · 9/9", "Phase 2: Deep Learning Fundamentals (2-3 months) · 4/9",
        "Phase 3: Generative AI Foundations (2-3 months) · 0/7"]
    assert phase_label(progress.phases()[5]) == "Phase 6: Cutting-Edge Research & Development (Ongoing) · 0/9"
    assert overall(progress) == ("22% done · 9-12.5 months left, plus Phase 6: Cutting-Edge Research & "
                                 "Development, which is ongoing")


def built_panel(roadmap) -> ProgressPanel:
    panel = ProgressPanel(roadmap)
    with gr.Blocks():
        panel.build()
    return panel


def test_the_panel_redraws_everything_from_the_ticks_but_keeps_boxes_the_learner_just_set(roadmap):
    panel = built_panel(roadmap)
    echo = BoxEcho()
    ticked = panel.save(echo, ["Linear Algebra"], *[[]] * (len(panel.groups) - 1))
    assert ticked == ["phase-1/mathematics-statistics-fundamentals/linear-algebra"]
    out = panel.refresh(ticked, echo)
    boxes, labels = out[: len(panel.groups)], out[len(panel.groups): len(panel.groups) + 6]
    assert all(b == gr.skip() for b in boxes), "the boxes made this change: they show it already"
    assert labels[0].label == "Phase 1: Foundations (1-2 months) · 1/9"
    assert out[-2].startswith("2% done") and "tutor-progress.json" in out[-1]

    out = panel.refresh(["phase-2"], echo)  # from elsewhere: the topic panel, an import, the quiz
    boxes = out[: len(panel.groups)]
    assert boxes[0].value == [] and boxes[3].value == ["Perceptrons & Multi-layer Networks", "Activation Functions", "Loss Functions"]
    assert all(b.interactive for b in boxes), "the first redraw opens the boxes to clicks"
    out = panel.refresh(ticked, echo)  # the same ticks again, imported: the boxes made them, but long ago
    assert out[0].value == ["Linear Algebra"]
    assert panel.refresh("not a list")[len(panel.groups)].label.endswith("· 0/9")


def test_the_browser_copy_of_the_ticks_is_checked(roadmap):
    assert ticks_of(roadmap, {"phase-1": True}).ticked == frozenset()
    assert ticks_of(roadmap, ["phase-1", 3, None]).ticked == {"phase-1"}
    assert len(ticks_of(roadmap, ["phase-1"] * 100_000).ticked) == 1


def exported_file(html: str) -> str:
    href = Tags(html).find("a", "carry-button")[0]["href"]
    prefix = "data:application/json;charset=utf-8,"
    assert href.startswith(prefix)
    return unquote(href[len(prefix):])


def test_export_then_import_gives_the_same_ticks(roadmap):
    progress = Progress(roadmap, ["phase-1", GANS])
    html = carry_html(progress)
    assert Tags(html).find("a", "carry-button")[0]["download"] == "tutor-progress.json"
    text = exported_file(html)
    assert json.loads(text) == export(progress)
    back = read_import(roadmap, "tutor-progress.json", len(text.encode()), text)
    assert back.ticked == progress.ticked and back.unknown == []


@pytest.mark.parametrize("name, size, text, message", [
    ("notes.json", 10, "not json", r"notes.json:1:1: not valid JSON"),
    ("list.json", 11, '["phase-1"]', "list.json: not a tutor progress file"),
    ("new.json", 60, '{"format": "tutor-progress", "version": 9, "done": []}', "written by a newer tutor"),
    ("big.json", MAX_IMPORT_BYTES + 1, "", r"big.json: 200 KB, but a progress file is at most 200 KB"),
    ("photo.json", 4, "\ufffd\ufffdPNG", "photo.json: not UTF-8 text"),
    ("empty.json", 0, "", "empty.json: the file is empty"),
    ("../../etc/passwd", 3, "{}", r"^passwd: not a tutor progress file"),
    (None, "3", "{}", "tutor-progress.json: too big"),
])
def test_a_bad_import_names_the_problem(roadmap, name, size, text, message):
    with pytest.raises(TutorError, match=message):
        read_import(roadmap, name, size, text)


def test_an_import_replaces_the_ticks_and_a_bad_one_changes_nothing(roadmap, monkeypatch):
    panel = built_panel(roadmap)
    said = []
    monkeypatch.setattr(gr, "Warning", lambda message, *a, **k: said.append(("warning", message)))
    monkeypatch.setattr(gr, "Info", lambda message, *a, **k: said.append(("info", message)))
    text = json.dumps({"format": "tutor-progress", "version": 1, "done": [GANS, "phase-9/<b>gone</b>"]})
    event = gr.EventData(None, {"name": "mine.json", "size": len(text), "text": text})
    assert panel.on_import(["phase-1"], event) == [GANS]
    assert said[0] == ("info", "Imported 1 ticked step(s) of 58; they replace this browser's ticks.")
    assert said[1][0] == "warning" and "phase-9/&lt;b&gt;gone&lt;/b&gt;" in said[1][1], "toasts render HTML: escaped"
    said.clear()
    bad = gr.EventData(None, {"name": "<img src=x>.json", "size": 3, "text": "{]"})
    assert panel.on_import(["phase-1"], bad) == gr.skip()
    assert said == [("warning", "Nothing was imported. &lt;img src=x&gt;.json:1:2: not valid JSON (Expecting "
                                "property name enclosed in double quotes); export your progress again from the page or the CLI")]


def test_a_late_redraw_of_the_boxes_own_change_leaves_them_alone(roadmap):
    import copy

    echo = BoxEcho()
    echo.said(["a"])
    echo.said(["a", "b"])  # clicked again before the first redraw came back
    assert echo.take(["a"]), "the first redraw, late: the screen shows more already"
    assert echo.take(["a", "b"]) and not echo.take(["a", "b"]) and not echo.take(["a"])
    for n in range(BoxEcho.KEEP + 5):
        echo.said([str(n)])
    assert len(echo.waiting) == BoxEcho.KEEP and not echo.take(["0"]) and echo.take([str(BoxEcho.KEEP + 4)])
    assert echo.waiting == [] and not echo.take("a")
    echo.said(["a"])
    assert copy.deepcopy(echo).waiting == []


def test_the_page_builds_with_the_roadmap_tab(chat):
    from tutor.web import build_app

    app = build_app(chat.router.tutor, chat.base)
    ids = {getattr(b, "elem_id", None) for b in app.blocks.values()}
    assert {"roadmap-map", "topic", "topic-head", "topic-body", "ask-about", "mark-done", "carry", "overall"} <= ids
