"""The Plan and Quiz tabs without a browser: their event functions on the real roadmap and cards.

The panels are built inside a Blocks (as the page builds them) and their events are called
directly; each returns the page's new values. What they show must be what plan.py and quiz.py
say, so the expected values are computed with the domain modules, never typed in.
"""

import random
from datetime import date, timedelta
from types import SimpleNamespace

import gradio as gr
import pytest
from icalendar import Calendar

from tutor.plan import make_plan, resolve_target, to_markdown
from tutor.progress import Progress
from tutor.quiz import QUESTIONS, Quiz, standard_seed, tickable
from tutor.web import plan as plan_module
from tutor.web.plan import PlanPanel
from tutor.web.quiz import MAX_ANSWER, QuizPanel

START = "2025-01-06"  # a Monday
DIFFUSION = "phase-4/diffusion-models"


@pytest.fixture(scope="module")
def tabs(real_corpus, tmp_path_factory):
    plan = PlanPanel(real_corpus.roadmap, tmp_path_factory.mktemp("plans"))
    quiz = QuizPanel(real_corpus, seeds=random.Random(7))
    with gr.Blocks():
        done = gr.BrowserState([])
        plan.build()
        quiz.build()
        plan.wire(done)
        quiz.wire(done)
    return SimpleNamespace(plan=plan, quiz=quiz, done=done)


@pytest.fixture(scope="module")
def quiz(real_corpus):
    return Quiz(real_corpus)


# ---------------------------------------------------------------- the Plan tab


def test_the_plan_runs_from_the_ticks_to_a_picked_target(tabs, roadmap):
    shown, md, ics = tabs.plan.on_make(DIFFUSION, 8, START, ["phase-1", "phase-2/neural-network-basics"])
    expected = make_plan(roadmap, roadmap.node(DIFFUSION), 8, Progress(roadmap, ["phase-1", "phase-2/neural-network-basics"]),
                         start=date(2025, 1, 6))
    assert shown == to_markdown(expected, level=3)
    assert shown.startswith("### Study plan: Diffusion Models\n") and "\n#### Week 1 (from 2025-01-06, 8 h)\n" in shown
    assert shown.count("From **PyTorch** (Phase 2: Deep Learning Fundamentals)") == 1 and "12 ticked step(s) are left out" in shown
    assert md["visible"] and ics["visible"]
    assert md["value"].endswith("/study-plan-diffusion-models.md") and ics["value"].endswith("/study-plan-diffusion-models.ics")
    with open(md["value"], encoding="utf-8") as f:
        assert f.read() == to_markdown(expected)  # the download keeps its own top-level headings


def test_the_calendar_download_parses_with_one_event_per_week_and_its_resources(tabs, roadmap):
    _, _, ics = tabs.plan.on_make(DIFFUSION, 8, START, [])
    plan = make_plan(roadmap, roadmap.node(DIFFUSION), 8, start=date(2025, 1, 6))
    with open(ics["value"], "rb") as f:
        raw = f.read()
    assert raw.count(b"\r\n") == raw.count(b"\n"), "CRLF line ends survive the write"
    events = Calendar.from_ical(raw).walk("VEVENT")
    assert len(events) == len(plan.weeks) == 40
    for event, week in zip(events, plan.weeks):
        assert event.decoded("DTSTART") == week.start and event.decoded("DTEND") == week.start + timedelta(days=7)
        description = str(event["DESCRIPTION"])
        resources = week.resources(roadmap)
        assert resources and all(r.url in description and r.title in description for r in resources)
        assert all(slot.step.item.title in description for slot in week.slots)
    assert "Latent Diffusion Models" in str(events[-1]["SUMMARY"])


@pytest.mark.parametrize("typed", ["Diffusion Models", "difusion modles", "phase-4/diffusion-models"])
def test_a_typed_target_is_resolved_like_the_cli_does(tabs, roadmap, typed):
    shown, _, _ = tabs.plan.on_make(typed, 10, START, [])
    assert shown == to_markdown(make_plan(roadmap, resolve_target(roadmap, "Diffusion Models"), 10,
                                          start=date(2025, 1, 6)), level=3)


def test_without_a_start_date_the_plan_starts_next_monday(tabs):
    shown, _, _ = tabs.plan.on_make("phase 1", 10, None, [])
    monday = date.today() + timedelta(days=-date.today().weekday() % 7)
    assert f"from Monday {monday.isoformat()}" in shown


@pytest.mark.parametrize("hours", [0, 0.5, 81, 500, -8])
def test_hours_out_of_range_give_the_range_and_no_downloads(tabs, hours):
    shown, md, ics = tabs.plan.on_make(DIFFUSION, hours, START, [])
    assert shown == f"⚠️ Hours a week must be between 1 and 80, got {hours:g}."
    assert md == ics == gr.update(value=None, visible=False)


def test_missing_hours_ask_for_a_number(tabs):
    shown, md, _ = tabs.plan.on_make(DIFFUSION, None, START, [])
    assert shown == "⚠️ Type how many hours a week you can study, 1 to 80." and not md["visible"]


def test_an_unknown_target_names_close_matches(tabs):
    shown, md, _ = tabs.plan.on_make("reinforcment lerning", 8, START, [])
    assert shown.startswith("⚠️ No phase, section or topic of the roadmap is called 'reinforcment lerning'; close names:")
    assert "RLHF" in shown and not md["visible"]
    shown, _, _ = tabs.plan.on_make("zzz", 8, START, [])
    assert "the phases are: Phase 1: Foundations;" in shown


@pytest.mark.parametrize("target, start, message", [
    ("", START, "⚠️ Pick where the plan should lead"),
    (None, START, "⚠️ Pick where the plan should lead"),
    (DIFFUSION, "next week", "⚠️ Expected a start date as YYYY-MM-DD, got 'next week'."),
    (DIFFUSION, "9999-12-27", "⚠️ The start date must be between 2000 and 2100"),
    ("Learning Tips", START, "⚠️ 'Learning Tips' is not part of a phase"),
])
def test_other_bad_inputs_say_what_to_change(tabs, target, start, message):
    shown, md, ics = tabs.plan.on_make(target, 8, start, [])
    assert shown.startswith(message) and not md["visible"] and not ics["visible"]


def test_a_ticked_target_leaves_nothing_to_plan_and_no_calendar(tabs):
    shown, md, ics = tabs.plan.on_make("Calculus", 8, START, ["phase-1"])
    assert "Nothing to plan: every step up to **Calculus** is ticked." in shown
    assert md["visible"] and not ics["visible"]


def test_ticks_the_browser_sends_are_checked(tabs, roadmap):
    clean, _, _ = tabs.plan.on_make(DIFFUSION, 8, START, ["phase-1"])
    assert tabs.plan.on_make(DIFFUSION, 8, START, ["phase-1", 7, None, {"id": "x"}, "no-such-step"])[0] == clean
    plain, _, _ = tabs.plan.on_make(DIFFUSION, 8, START, [])
    assert tabs.plan.on_make(DIFFUSION, 8, START, "phase-1")[0] == plain  # not a list: no ticks


def test_each_plan_has_its_own_folder_and_old_ones_are_removed(real_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(plan_module, "KEEP_PLANS", 2)
    panel = PlanPanel(real_corpus.roadmap, tmp_path)
    with gr.Blocks():
        panel.build()
    first = panel.on_make("phase 1", 8, START, [])[1]["value"]
    assert panel.on_make("phase 1", 8, START, [])[1]["value"] == first  # the same plan, the same file
    panel.on_make("phase 2", 8, START, [])
    panel.on_make("phase 3", 8, START, [])
    folders = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(folders) == 2
    assert not any(p.name.endswith(".part") for f in folders for p in f.iterdir()), "no half-written files left"


# ---------------------------------------------------------------- the Quiz tab


def shown_questions(tabs, out) -> list[str]:
    return [out[q] for q in tabs.quiz.questions]


def test_a_numbered_quiz_is_the_domain_quiz_with_that_seed_and_the_chats(tabs, quiz):
    out = tabs.quiz.on_start("3", "3")
    expected = quiz.questions(3, n=QUESTIONS, seed=standard_seed(3))
    assert shown_questions(tabs, out) == [f"**{n}.** {q.text}" for n, q in enumerate(expected, 1)]
    assert out[tabs.quiz.state] == {"phase": 3, "seed": 3, "passed": []}
    assert out[tabs.quiz.header].startswith("Quiz number **3** on **Phase 3: Generative AI Foundations**.")
    assert all(out[row]["visible"] for row in tabs.quiz.rows) and out[tabs.quiz.check]["visible"]
    assert all(out[a] == "" for a in tabs.quiz.answers) and all(out[r] == "" for r in tabs.quiz.results)
    assert not out[tabs.quiz.tick]["visible"]


def test_a_new_quiz_without_a_number_gives_new_questions(tabs):
    seeds = [tabs.quiz.on_start("all", "")[tabs.quiz.state]["seed"] for _ in range(4)]
    assert len(set(seeds)) == 4
    first, second = (tabs.quiz.on_start("4", None) for _ in range(2))
    assert shown_questions(tabs, first) != shown_questions(tabs, second)


@pytest.mark.parametrize("phase, number, message", [
    ("9", "", '⚠️ Pick a phase to be quizzed on, or "All phases".'),
    (None, "", '⚠️ Pick a phase to be quizzed on, or "All phases".'),
    ("phase three", "", '⚠️ Pick a phase'),
    ("3", "-1", "⚠️ The quiz number is a whole number from 0 to 999,999, or blank for new questions."),
    ("3", "seven", "⚠️ The quiz number is a whole number"),
    ("3", "1000000", "⚠️ The quiz number is a whole number"),
    ("3", "²", "⚠️ The quiz number is a whole number"),
])
def test_bad_quiz_inputs_say_what_to_change_and_keep_the_quiz_on_screen(tabs, phase, number, message):
    out = tabs.quiz.on_start(phase, number)
    assert out == {tabs.quiz.status: out[tabs.quiz.status]} and out[tabs.quiz.status].startswith(message)


def answers_for(questions, wrong: int | None = None) -> list[str]:
    return ["I have no idea" if n == wrong else q.answer for n, q in enumerate(questions)]


def test_right_answers_score_five_and_offer_to_tick_the_passed_topics(tabs, quiz, roadmap):
    state = tabs.quiz.on_start("3", "3")[tabs.quiz.state]
    questions = quiz.questions(3, seed=3)
    out = tabs.quiz.on_check(state, [], *answers_for(questions))
    passed = tickable([quiz.check(q, q.answer) for q in questions])
    assert passed, "seed 3 asks at least one topic question"
    for box, q in zip(tabs.quiz.results, questions):
        assert out[box] == f"✓ **Right.** Answer: {q.answer}  \nSource: {q.source}"
    titles = ", ".join(roadmap.node(i).title for i in passed)
    assert out[tabs.quiz.score] == f"**Score: 5 of 5.** You answered every question on: {titles}."
    n = len(passed)
    assert out[tabs.quiz.tick] == gr.update(visible=True, value=f"Tick {n} passed topic{'s' * (n != 1)}")
    assert out[tabs.quiz.state]["passed"] == passed


def test_a_wrong_answer_is_marked_with_the_right_one_and_its_source(tabs, quiz):
    state = tabs.quiz.on_start("3", "3")[tabs.quiz.state]
    questions = quiz.questions(3, seed=3)
    out = tabs.quiz.on_check(state, [], *answers_for(questions, wrong=1))
    assert out[tabs.quiz.results[1]] == f"✗ **Not quite.** Answer: {questions[1].answer}  \nSource: {questions[1].source}"
    assert out[tabs.quiz.score].startswith("**Score: 4 of 5.**")


def test_blank_answers_count_as_not_known_and_long_ones_are_cut(tabs, quiz):
    state = tabs.quiz.on_start("3", "3")[tabs.quiz.state]
    questions = quiz.questions(3, seed=3)
    given = [questions[0].answer + " " * 10, "", None, "x" * 5000, questions[4].answer]
    out = tabs.quiz.on_check(state, [], *given)
    assert out[tabs.quiz.results[1]].startswith("✗ **Not quite.** No answer. Answer: ")
    assert out[tabs.quiz.results[2]].startswith("✗ **Not quite.** No answer. Answer: ")
    assert out[tabs.quiz.results[0]].startswith("✓ **Right.**")
    assert len("x" * 5000) > MAX_ANSWER and out[tabs.quiz.score].startswith("**Score: 2 of 5.**")


def test_checking_before_a_quiz_or_with_no_answer_at_all_says_so(tabs):
    out = tabs.quiz.on_check(None, [], *["GANs"] * QUESTIONS)
    assert out == {tabs.quiz.status: "⚠️ Start a quiz first: pick a phase and press **Start quiz**."}
    state = tabs.quiz.on_start("2", "1")[tabs.quiz.state]
    out = tabs.quiz.on_check(state, [], *["  "] * QUESTIONS)
    assert out == {tabs.quiz.status: "⚠️ Type an answer to at least one question, then press **Check answers**."}


def test_ticking_writes_the_passed_topics_to_the_ticks_once(tabs, quiz, roadmap):
    state = tabs.quiz.on_start("3", "3")[tabs.quiz.state]
    questions = quiz.questions(3, seed=3)
    state = tabs.quiz.on_check(state, ["phase-1"], *answers_for(questions))[tabs.quiz.state]
    out = tabs.quiz.on_tick(state, ["phase-1", 42])
    new = sorted({"phase-1", *state["passed"]})
    assert out[tabs.done] == new, "the ticks gain the passed topics (and lose what is not an id)"
    assert set(out) == {tabs.quiz.state, tabs.done, tabs.quiz.tick, tabs.quiz.note}
    assert not out[tabs.quiz.tick]["visible"]
    assert out[tabs.quiz.note].startswith("Ticked: ") and "Chat tab" in out[tabs.quiz.note]
    assert tabs.quiz.on_tick(out[tabs.quiz.state], new) == {tabs.quiz.tick: gr.update(visible=False)}
    again = tabs.quiz.on_check(state, new, *answers_for(questions))  # all passed, all ticked now
    assert not again[tabs.quiz.tick]["visible"] and again[tabs.quiz.score].endswith("They are already ticked in your progress.")


def test_a_ticked_phase_counts_for_its_topics(tabs, quiz):
    state = tabs.quiz.on_start("3", "3")[tabs.quiz.state]
    out = tabs.quiz.on_check(state, ["phase-3"], *answers_for(quiz.questions(3, seed=3)))
    assert out[tabs.quiz.state]["passed"] == [] and not out[tabs.quiz.tick]["visible"]
