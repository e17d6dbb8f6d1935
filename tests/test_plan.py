"""Progress (ticks, months left, the progress file) and the study plan, on the real roadmap.

Figures worth checking by hand: the roadmap has 58 steps inside its phases (9, 9, 7, 12, 12, 9);
phases 1-5 take 1-2, 2-3, 2-3, 3-4 and 3-4 months (11-16 in all) and Phase 6 is "Ongoing".
At the 10 h/week baseline a phase's midpoint, shared by its steps and rounded to the half hour,
gives 7 h (Phase 1), 12 h (2), 15.5 h (3) and 12.5 h (4 and 5) per step.
"""

import json
import math
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from tutor.cli import main
from tutor.config import TutorError
from tutor.plan import (
    WEEKS_PER_MONTH,
    check_hours,
    make_plan,
    parse_start,
    resolve_target,
    step_hours,
    targets,
    to_ics,
    to_markdown,
)
from tutor.progress import Progress, export, parse_progress, read_progress, write_progress

PYTORCH = "phase-2/deep-learning-frameworks/pytorch"
START = date(2025, 1, 6)  # a Monday


def steps_of(roadmap, phase_number):
    return [i for s in roadmap.phase(phase_number).sections for i in s.items]


# ---------------------------------------------------------------- progress


def test_percent_and_ticks_per_phase_count_a_ticked_phase_or_section_as_all_its_steps(roadmap):
    p = Progress(roadmap, ["phase-1", "phase-2/neural-network-basics", PYTORCH, "no-such-step"])
    # Phase 1 (9) + Neural Network Basics (3) + PyTorch (1) = 13 of 58
    assert len(p.steps()) == 58
    assert len(p.done_steps()) == 13
    assert p.percent() == pytest.approx(100 * 13 / 58)
    assert [(t.phase.number, t.done, t.total) for t in p.phases()] == [
        (1, 9, 9), (2, 4, 9), (3, 0, 7), (4, 0, 12), (5, 0, 12), (6, 0, 9)]
    assert p.unknown == ["no-such-step"]
    assert p.next_step().title == "TensorFlow/Keras"  # Neural Network Basics and PyTorch are ticked
    summary = p.summary()
    assert summary.startswith("22% done (13 of 58 steps)")
    assert "Phase 2: Deep Learning Fundamentals: 4/9" in summary and "no-such-step" in summary


def test_tips_outside_the_phases_are_known_but_never_counted(roadmap):
    tip = roadmap.extras[0].items[0]
    p = Progress(roadmap, [tip.id])
    assert p.unknown == [] and p.percent() == 0


def test_months_left_from_nothing_is_the_whole_roadmap_plus_the_ongoing_phase(roadmap):
    low, high, open_ended = Progress(roadmap).months_left()
    assert (low, high) == roadmap.total_duration()[:2] == (11, 16)
    assert [p.number for p in open_ended] == [6]
    assert Progress(roadmap).months_left_text() == (
        "11-16 months left, plus Phase 6: Cutting-Edge Research & Development, which is ongoing")


def test_a_partly_done_phase_counts_its_remaining_share(roadmap):
    p = Progress(roadmap, ["phase-1", "phase-2/neural-network-basics", PYTORCH])
    low, high, _ = p.months_left()
    # Phase 2 has 5 of 9 steps left: 2*5/9 and 3*5/9 months; phases 3-5 are whole: 8 and 11.
    assert low == pytest.approx(8 + 2 * 5 / 9) and high == pytest.approx(11 + 3 * 5 / 9)
    assert p.months_left_text().startswith("9-12.5 months left, plus Phase 6")


def test_months_left_when_only_the_open_phase_or_nothing_is_left(roadmap):
    five = Progress(roadmap, [f"phase-{n}" for n in range(1, 6)])
    assert five.months_left()[:2] == (0, 0)
    assert five.months_left_text() == "no timed phase left, plus Phase 6: Cutting-Edge Research & Development, which is ongoing"
    done = Progress(roadmap, [p.id for p in roadmap.phases])
    assert done.percent() == 100 and done.next_step() is None
    assert done.months_left_text().startswith("nothing left")


def test_export_and_import_round_trip(roadmap, tmp_path):
    p = Progress(roadmap, [PYTORCH, "phase-1", "gone-from-the-roadmap"])
    path = tmp_path / "progress.json"
    write_progress(path, p)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["format"] == "tutor-progress" and data["roadmap"] == roadmap.title
    assert data["done"] == ["phase-1", PYTORCH]  # roadmap order; the unknown id is not exported
    back = read_progress(path, roadmap)
    assert back.ticked == p.ticked and back.unknown == []
    assert export(back) == data


@pytest.mark.parametrize("text, message", [
    ('{"format": "tutor-progress", "version": 1, "done": [', r"progress.json:1:\d+: not valid JSON"),
    ('["phase-1"]', "not a tutor progress file"),
    ('{"version": 1, "done": []}', "not a tutor progress file"),
    ('{"format": "tutor-progress", "version": 2, "done": []}', "version 2, but this tutor reads version 1 .written by a newer tutor"),
    ('{"format": "tutor-progress", "version": "1", "done": []}', "version '1', but this tutor reads version 1"),
    ('{"format": "tutor-progress", "done": []}', "version None"),
    ('{"format": "tutor-progress", "version": 1, "done": "phase-1"}', '"done" must be a list'),
    ('{"format": "tutor-progress", "version": 1, "done": [1, 2]}', '"done" must be a list'),
])
def test_bad_progress_files_are_one_clear_error(roadmap, text, message):
    with pytest.raises(TutorError, match=message):
        parse_progress(text, roadmap, "progress.json")


def test_unknown_ids_are_reported_not_fatal(roadmap):
    text = json.dumps({"format": "tutor-progress", "version": 1, "roadmap": "Another roadmap",
                       "done": ["phase-1", "phase-9/quantum", "phase-3/gans"]})
    p = parse_progress(text, roadmap)
    assert p.ticked == {"phase-1"} and p.unknown == ["phase-9/quantum", "phase-3/gans"]


def test_unreadable_progress_files(roadmap, tmp_path):
    with pytest.raises(TutorError, match="cannot read the progress file .*missing.json"):
        read_progress(tmp_path / "missing.json", roadmap)
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not json")
    with pytest.raises(TutorError, match="not valid UTF-8"):
        read_progress(binary, roadmap)


# ---------------------------------------------------------------- the target


@pytest.mark.parametrize("words, title", [
    ("Diffusion Models", "Diffusion Models"),
    ("difusion modles", "Diffusion Models"),
    ("phase 4", "Advanced Generative Models"),
    ("the last phase", "Cutting-Edge Research & Development"),
    ("LoRA", "Parameter-Efficient Fine-Tuning"),
    ("GAN Lab", "Generative Adversarial Networks (GANs)"),  # a resource stands for the step it serves
])
def test_targets_resolve_from_loose_words(roadmap, words, title):
    assert resolve_target(roadmap, words).title == title


def test_targets_are_every_phase_section_and_step_in_order_and_resolve_by_id(roadmap):
    shown = targets(roadmap)
    steps = [i for s in roadmap.sections for i in s.items]
    assert len(shown) == len(roadmap.phases) + len(roadmap.sections) + len(steps) == 6 + len(roadmap.sections) + 58
    assert shown[0] == ("Phase 1: Foundations", "phase-1")
    assert shown[1] == ("Phase 1 › Mathematics & Statistics Fundamentals", "phase-1/mathematics-statistics-fundamentals")
    assert ("Phase 4 › Diffusion Models › DDPM, DDIM", "phase-4/diffusion-models/ddpm-ddim") in shown
    assert [roadmap.position(roadmap.node(i)) for _, i in shown] == sorted(roadmap.position(roadmap.node(i)) for _, i in shown)
    for _, node_id in shown:
        assert resolve_target(roadmap, node_id).id == node_id
    assert resolve_target(roadmap, "phase-4/diffusion-models").title == "Diffusion Models"


def test_an_unknown_target_lists_close_names(roadmap):
    with pytest.raises(TutorError, match="no phase, section or topic .* 'reinforcment lerning'; close names: .*RLHF"):
        resolve_target(roadmap, "reinforcment lerning")
    with pytest.raises(TutorError, match="'zzz'; the phases are: Phase 1: Foundations; .*Phase 6"):
        resolve_target(roadmap, "zzz")
    with pytest.raises(TutorError, match="'Learning Tips' is not part of a phase"):
        resolve_target(roadmap, "Learning Tips")
    with pytest.raises(TutorError, match="say where the plan should lead"):
        resolve_target(roadmap, "  ")


# ---------------------------------------------------------------- the plan


def test_step_hours_are_the_phase_midpoint_at_the_baseline_shared_by_its_steps(roadmap):
    for phase in roadmap.phases[:5]:
        hours, assumed = step_hours(phase)
        exact = (phase.duration.low + phase.duration.high) / 2 * WEEKS_PER_MONTH * 10 / len(steps_of(roadmap, phase.number))
        assert not assumed and abs(hours - exact) <= 0.25
    assert [step_hours(roadmap.phase(n))[0] for n in (1, 2, 3, 4)] == [7, 12, 15.5, 12.5]
    assert step_hours(roadmap.phase(6)) == (12, True)
    assert step_hours(roadmap.phase(6), open_hours=20) == (20, True)


@pytest.mark.parametrize("hours", [8, 20])
def test_plan_to_diffusion_models_from_scratch(roadmap, hours):
    target = resolve_target(roadmap, "Diffusion Models")
    plan = make_plan(roadmap, target, hours, start=START)
    # Every step of phases 1-3, then the three of Diffusion Models: 9*7 + 9*12 + 7*15.5 + 3*12.5 = 317 h
    expected = [i for n in (1, 2, 3) for i in steps_of(roadmap, n)] + target.items
    assert [s.item for s in plan.steps] == expected and len(expected) == 28
    assert plan.total_hours == 317
    assert len(plan.weeks) == math.ceil(317 / hours)  # 40 weeks at 8 h, 16 at 20 h
    assert all(w.hours == pytest.approx(hours) for w in plan.weeks[:-1])
    assert 0 < plan.weeks[-1].hours <= hours
    assert [w.start for w in plan.weeks] == [START + timedelta(weeks=n) for n in range(len(plan.weeks))]
    for step in plan.steps:  # each step's hours are all scheduled, in order, starting once and ending once
        slots = [s for w in plan.weeks for s in w.slots if s.step is step]
        assert sum(s.hours for s in slots) == pytest.approx(step.hours)
        assert [s.starts for s in slots] == [True] + [False] * (len(slots) - 1)
        assert [s.ends for s in slots] == [False] * (len(slots) - 1) + [True]
    order = [s.step.item for w in plan.weeks for s in w.slots]
    assert list(dict.fromkeys(order)) == expected


def test_more_hours_a_week_means_proportionally_fewer_weeks(roadmap):
    target = resolve_target(roadmap, "phase 5")
    slow, fast = (make_plan(roadmap, target, h, start=START) for h in (5, 15))
    assert slow.total_hours == fast.total_hours
    assert len(slow.weeks) == pytest.approx(3 * len(fast.weeks), abs=3)


def test_ticked_steps_are_left_out(roadmap):
    target = resolve_target(roadmap, "Diffusion Models")
    plan = make_plan(roadmap, target, 8, Progress(roadmap, ["phase-1", PYTORCH]), start=START)
    titles = [s.item.title for s in plan.steps]
    assert titles[0] == "Perceptrons & Multi-layer Networks" and "PyTorch" not in titles
    assert "TensorFlow/Keras" in titles and plan.skipped == 10
    assert plan.total_hours == 317 - 9 * 7 - 12
    assert "10 ticked step(s) are left out" in to_markdown(plan)


def test_a_target_already_done_leaves_nothing_to_plan(roadmap):
    plan = make_plan(roadmap, resolve_target(roadmap, "Calculus"), 8, Progress(roadmap, ["phase-1"]), start=START)
    assert plan.steps == [] and plan.weeks == []
    assert "Nothing to plan: every step up to **Calculus** is ticked" in to_markdown(plan)
    assert to_ics(plan).count("BEGIN:VEVENT") == 0


def test_a_phase_without_a_duration_uses_the_assumed_hours_and_says_so(roadmap):
    target = roadmap.phase(6)
    done = Progress(roadmap, [f"phase-{n}" for n in range(1, 6)])
    plan = make_plan(roadmap, target, 6, done, start=START, open_hours=10)
    assert plan.total_hours == 9 * 10 and all(s.assumed for s in plan.steps)
    md = to_markdown(plan)
    assert "has no bounded duration (Ongoing): 10 h per step is assumed" in md


@pytest.mark.parametrize("hours", [0, 0.5, 80.5, 168, -3, float("nan"), float("inf")])
def test_hours_a_week_outside_1_to_80_are_refused_with_the_range(roadmap, hours):
    with pytest.raises(TutorError, match="hours a week must be between 1 and 80, got"):
        check_hours(hours)
    with pytest.raises(TutorError, match="between 1 and 80"):
        make_plan(roadmap, roadmap.phase(1), hours)


def test_hours_at_the_bounds_are_planned(roadmap):
    assert check_hours(1) == 1 and check_hours(80) == 80
    assert len(make_plan(roadmap, roadmap.phase(1), 80, start=START).weeks) == 1  # 9 steps x 7 h = 63 h


@pytest.mark.parametrize("text, expected", [
    ("2025-09-01", date(2025, 9, 1)), (" 2025-09-03 ", date(2025, 9, 3)), ("", None), ("  ", None),
])
def test_start_dates(text, expected):
    assert parse_start(text) == expected


@pytest.mark.parametrize("text, message", [
    ("next week", "expected a start date as YYYY-MM-DD, got 'next week'"),
    ("2025-02-30", "expected a start date as YYYY-MM-DD"),
    ("9999-12-27", "between 2000 and 2100, got 9999-12-27"),  # weeks after it would not fit in a date
    ("1999-12-31", "between 2000 and 2100"),
])
def test_bad_start_dates_are_refused(text, message):
    with pytest.raises(TutorError, match=message):
        parse_start(text)


def test_markdown_states_the_baseline_and_lists_each_weeks_topics_and_resources(roadmap):
    plan = make_plan(roadmap, resolve_target(roadmap, "Diffusion Models"), 8, start=START)
    md = to_markdown(plan)
    assert "# Study plan: Diffusion Models" in md
    assert "read as 10 hours of study a week; this plan scales them to your 8 hours a week" in md
    assert "Phase 4: Advanced Generative Models: 3-4 months taken as 3.5 months" in md
    assert f"**{len(plan.weeks)} weeks**" in md
    assert md.count("\n## Week ") == len(plan.weeks)
    week_one = md.split("## Week 1 ")[1].split("## Week 2 ")[0]
    assert "Linear Algebra (Phase 1 › Mathematics & Statistics Fundamentals): 7 h" in week_one
    assert "(https://www.coursera.org/specializations/mathematics-machine-learning)" in week_one
    last = md.split(f"## Week {len(plan.weeks)} ")[1]
    assert "Latent Diffusion Models" in last and "https://huggingface.co/docs/diffusers/index" in last


def test_markdown_headings_can_start_deeper(roadmap):
    plan = make_plan(roadmap, resolve_target(roadmap, "phase 1"), 8, start=START)
    md, deeper = to_markdown(plan), to_markdown(plan, level=3)
    assert deeper.startswith("### Study plan: Phase 1: Foundations\n") and "\n#### Week 1 (from 2025-01-06, 8 h)\n" in deeper
    assert deeper.replace("### Study", "# Study").replace("#### Week", "## Week") == md


def test_the_ics_parses_with_one_all_day_event_per_week(roadmap):
    plan = make_plan(roadmap, resolve_target(roadmap, "Diffusion Models"), 8, start=START)
    text = to_ics(plan, stamp=datetime(2025, 1, 1, 12, 0))
    assert all(line.endswith("\r") for line in text.split("\n")[:-1])  # CRLF line ends
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75  # folded
    cal = Calendar.from_ical(text)
    events = cal.walk("VEVENT")
    assert len(events) == len(plan.weeks)
    assert len({str(e["UID"]) for e in events}) == len(events)
    for event, week in zip(events, plan.weeks):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and start == week.start and start.weekday() == 0
        assert end - start == timedelta(days=7)
        description = str(event["DESCRIPTION"])
        for slot in week.slots:
            assert slot.step.item.title in description
            assert slot.step.item.title in str(event["SUMMARY"])
        for r in week.resources(roadmap):
            assert r.url in description
    assert "Probability & Statistics" in str(events[0]["SUMMARY"])  # commas and ampersands survive escaping


def test_ics_folding_never_splits_a_character(roadmap, monkeypatch):
    item = roadmap.phase(1).sections[0].items[0]
    monkeypatch.setattr(item, "title", "Algèbre linéaire — vecteurs, matrices; « transformations » " * 3)
    plan = make_plan(roadmap, item, 8, start=START)
    text = to_ics(plan)
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert item.title.strip() in str(event["DESCRIPTION"])


# ---------------------------------------------------------------- tutor plan


def test_cli_plan_prints_markdown_and_writes_ics_and_markdown(tmp_path, capsys, roadmap):
    ics, md = tmp_path / "plan.ics", tmp_path / "plan.md"
    argv = ["plan", "--hours", "8", "--target", "Diffusion Models", "--start", "2025-01-06",
            "--ics", str(ics), "--markdown", str(md)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    expected = make_plan(roadmap, resolve_target(roadmap, "Diffusion Models"), 8, start=START)
    assert out == to_markdown(expected) == md.read_text()
    assert f"wrote {len(expected.weeks)} weekly events to {ics}" in err
    assert len(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == len(expected.weeks)


def test_cli_plan_reads_the_progress_file(tmp_path, capsys, roadmap):
    done = tmp_path / "progress.json"
    done.write_text(json.dumps({"format": "tutor-progress", "version": 1, "roadmap": roadmap.title,
                                "done": ["phase-1", "old/step"]}))
    assert main(["plan", "--target", "phase 2", "--done", str(done), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["plan"][0]["steps"][0]["title"] == "Perceptrons & Multi-layer Networks"
    assert data["skipped"] == 9 and data["hours_per_week"] == 10
    assert data["total_hours"] == 9 * 12 and data["weeks"] == math.ceil(9 * 12 / 10)
    assert "1 id(s) this roadmap does not have, ignored: old/step" in err


@pytest.mark.parametrize("argv, code, message", [
    (["plan", "--target", "quantum computing"], 1, "tutor: error: no phase, section or topic"),
    (["plan", "--target", "GANs", "--hours", "0"], 2, "hours a week must be between 1 and 80, got 0"),
    (["plan", "--target", "GANs", "--hours", "200"], 2, "hours a week must be between 1 and 80, got 200"),
    (["plan", "--target", "GANs", "--hours", "many"], 2, "expected a number of hours"),
    (["plan", "--target", "GANs", "--open-hours", "0"], 2, "hours per step must be more than 0"),
    (["plan", "--target", "GANs", "--start", "next week"], 2, "expected a start date as YYYY-MM-DD"),
    (["plan", "--hours", "8"], 2, "the following arguments are required: --target"),
    (["plan", "--target", "GANs", "--done", "/nonexistent/progress.json"], 1, "cannot read the progress file"),
])
def test_cli_plan_errors(argv, code, message, capsys):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_plan_and_quiz_load_no_model_or_embedder(tmp_path):
    code = ("import sys; from tutor.cli import main; "
            f"assert main(['plan', '--target', 'GANs', '--ics', {str(tmp_path / 'p.ics')!r}]) == 0; "
            "assert main(['quiz', '--phase', '3', '--seed', '1', '--json']) == 0; "
            "heavy = {'sentence_transformers', 'llama_cpp', 'torch', 'faiss', 'gradio'} & set(sys.modules); "
            "assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
