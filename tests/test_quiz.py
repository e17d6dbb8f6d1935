"""The quiz on the real roadmap and cards: questions from the data, answers checked against it."""

import io
import json
from pathlib import Path

import pytest

from conftest import FakeModel
from tutor.cli import main
from tutor.progress import Progress, read_progress, write_progress
from tutor.quiz import QUESTIONS, Quiz, score, standard_seed, tickable

ROADMAP_MD = Path(__file__).resolve().parents[1] / "corpus" / "roadmap.md"


@pytest.fixture(scope="module")
def quiz(real_corpus):
    return Quiz(real_corpus)


@pytest.fixture(scope="module")
def every_question(quiz):
    """Every question the data supports, on each phase and on the whole roadmap."""
    out = []
    for phase in [*quiz.roadmap.phases, None]:
        for questions in quiz.candidates(phase).values():
            out += questions
    return out


def question(quiz, kind, contains, phase=None):
    matches = [q for q in quiz.candidates(phase)[kind] if contains in q.text]
    assert matches, f"no {kind} question with {contains!r}"
    return matches[0]


# ---------------------------------------------------------------- the questions


def test_a_phase_3_quiz_has_five_questions_of_at_least_four_kinds(quiz):
    for seed in range(10):
        qs = quiz.questions(3, n=5, seed=seed)
        assert len(qs) == 5 and len({q.text for q in qs}) == 5
        assert len({q.kind for q in qs}) >= 4
        assert all(q.about is None or q.about.phase.number == 3 for q in qs)


def test_the_same_seed_gives_the_same_quiz_and_other_seeds_others(quiz):
    texts = [[q.text for q in quiz.questions(3, seed=s)] for s in (7, 7, 8, 9)]
    assert texts[0] == texts[1]
    assert texts[0] != texts[2] or texts[0] != texts[3]


def test_over_a_few_seeds_every_kind_is_asked(quiz):
    kinds = {q.kind for s in range(30) for q in quiz.questions(3, seed=s)}
    assert kinds == {"term", "list", "after", "before", "section", "resource", "duration"}
    whole = {q.kind for s in range(30) for q in quiz.questions(None, n=8, seed=s)}
    assert "phase" in whole  # "which phase covers LoRA?" only makes sense across phases


def test_questions_come_from_the_data(quiz):
    lora = question(quiz, "phase", "“LoRA”")
    assert lora.answer == "Phase 5: Specialization & Advanced Applications"
    after = question(quiz, "after", "after “Generative Adversarial Networks (GANs)”", quiz.roadmap.phase(3))
    assert after.answer == "First Implementation Projects"  # Roadmap.after, as in test_roadmap
    autoencoders = question(quiz, "list", "under Autoencoders")
    assert [forms[0] for forms in autoencoders.parts] == ["Vanilla", "variational (VAEs)", "denoising"]
    gan_lab = question(quiz, "resource", "interactive visualization")
    assert gan_lab.answer == "GAN Lab" and gan_lab.about.title == "Generative Adversarial Networks (GANs)"
    duration = question(quiz, "duration", "Phase 3")
    assert duration.answer == quiz.roadmap.phase(3).duration.text == "2-3 months"


def test_card_questions_do_not_give_the_name_away(quiz, real_corpus):
    for q in quiz.candidates(None)["resource"]:
        if "Which resource is this" in q.text:
            res = q.nodes[0]
            assert real_corpus.card(res.url).title not in q.text, q.text
            assert q.text.split("“")[1].startswith(("It ", "This ")), q.text


def test_every_source_names_a_roadmap_line_that_holds_the_answer(every_question):
    lines = ROADMAP_MD.read_text(encoding="utf-8").splitlines()
    for q in every_question:
        assert q.source.startswith("roadmap.md line "), q.source
        line = lines[int(q.source.split()[2].rstrip(":")) - 1]
        if q.kind == "resource":
            assert q.nodes[0].title in line and q.nodes[0].url in line
            assert "card resources/" in q.source or not q.text.startswith("Which resource is this")
        elif q.kind == "list":
            assert q.answer in line
        elif q.kind == "phase":
            assert q.forbidden[0] in line  # the topic line holding the term; its phase is the answer
        else:
            assert q.answer in line, (q.text, line)


def test_the_origin_says_where_a_question_comes_from_without_its_answer(quiz, every_question):
    for q in every_question:
        kind, line = q.origin.rsplit(", ", 1)
        assert line == q.source.split(":")[0] and line.startswith("roadmap.md line "), q.origin
        assert q.answer not in q.origin and " › " not in q.origin
        assert kind == ("a resource card" if q.text.startswith("Which resource is this") else {
            "term": "a topic's description", "phase": "a topic's description", "list": "a topic's list",
            "after": "the order of study", "before": "the order of study", "section": "the outline",
            "resource": "a resource's note", "duration": "a phase heading"}[q.kind])


def test_the_candidates_of_a_phase_are_built_once(quiz, monkeypatch):
    quiz.questions(2, seed=1)
    monkeypatch.setattr(quiz, "candidates", lambda phase: pytest.fail("built again"))
    assert [q.text for q in quiz.questions(2, seed=1)] == [q.text for q in quiz.questions(2, seed=1)]


def test_a_missing_phase_is_refused(quiz):
    with pytest.raises(Exception, match="there is no phase 9; the roadmap has phases 1 to 6"):
        quiz.questions(9)


# ---------------------------------------------------------------- checking answers


def test_every_question_accepts_its_own_answer(quiz, every_question):
    for q in every_question:
        result = quiz.check(q, q.answer)
        assert result.score == 1, (q.text, q.answer, result)


def test_a_term_question_refuses_other_topics_and_its_own_term(quiz):
    terms = [q for q in quiz.candidates(None)["term"]]
    for q in terms:
        for other in {o.answer for o in terms} - {q.answer}:
            assert quiz.check(q, other).score == 0, (q.text, other)
        repeated = quiz.check(q, q.forbidden[0])
        assert repeated.score == 0 and "term from the question" in repeated.note


@pytest.mark.parametrize("kind, contains, answer, score", [
    ("term", "“FID”", "Evaluaton Metrcs", 1),  # typos
    ("term", "“FID”", "the evaluation metrics", 1),
    ("term", "“FID”", "Model Evaluation", 0),
    ("phase", "“LoRA”", "phase five", 1),
    ("phase", "“LoRA”", "the 5th phase", 1),
    ("phase", "“LoRA”", "5", 1),
    ("phase", "“LoRA”", "Specialisation and Advanced Applications", 1),
    ("phase", "“LoRA”", "Phase 4", 0),
    ("before", "before “Generative Adversarial Networks (GANs)”", "VAEs", 1),  # an acronym of Autoencoders
    ("before", "before “Generative Adversarial Networks (GANs)”", "GANs", 0),
    ("after", "after “Generative Adversarial Networks (GANs)”", "first implementaton projects", 1),
    ("after", "after “Generative Adversarial Networks (GANs)”", "Diffusion Models", 0),
    ("resource", "interactive visualization", "gan lab", 1),
    ("resource", "interactive visualization", "GANLab", 1),
    ("resource", "interactive visualization", "GAN Specialization", 0),
    ("section", "“Autoencoders”", "early generative architecture", 1),
    ("section", "“Autoencoders”", "Generative Models Introduction", 0),
    ("duration", "Phase 3", "2-3 months", 1),
    ("duration", "Phase 3", "two to three months", 1),
    ("duration", "Phase 3", "3 months", 0.5),  # inside the range: half
    ("duration", "Phase 3", "10 weeks", 0.5),  # 2.3 months
    ("duration", "Phase 3", "6 months", 0),
    ("duration", "Phase 3", "a while", 0),
    ("duration", "Phase 6", "it's ongoing", 1),
    ("duration", "Phase 6", "Phase 6", 0),
    ("list", "under Autoencoders", "Vanila, varitional autoencoders and denoisng", 1),
    ("list", "under Autoencoders", "denoising and VAEs", 2 / 3),
    ("list", "under Autoencoders", "sparse, contractive", 0),
    ("list", "under Evaluation Metrics", "inception, fid, bleu", 1),
    ("list", "under Evaluation Metrics", "FID", 1 / 3),
    ("list", "under Evaluation Metrics", "fidelity", 0),
    ("list", "under Parameter-Efficient Fine-Tuning", "LoRA, adaptors", 2 / 3),
    ("term", "“FID”", "", 0),
])
def test_answers_are_checked_against_the_data(quiz, kind, contains, answer, score):
    q = question(quiz, kind, contains)
    assert quiz.check(q, answer).score == pytest.approx(score)


def test_partial_lists_report_what_was_named_and_what_was_missed(quiz):
    q = question(quiz, "list", "under Autoencoders")
    r = quiz.check(q, "variational, and vanilla I think")
    assert r.verdict == "partly right" and r.score == pytest.approx(2 / 3)
    assert r.matched == ("Vanilla", "variational (VAEs)") and r.missed == ("denoising",)
    assert r.to_dict()["source"].startswith("roadmap.md line ")


def test_one_answer_word_counts_for_one_point_only(quiz):
    q = question(quiz, "list", "under Autoencoders")
    assert quiz.check(q, "variational variational variational").score == pytest.approx(1 / 3)


def test_the_score_adds_partial_credit_to_one_decimal(quiz):
    autoencoders = question(quiz, "list", "under Autoencoders")
    fid = question(quiz, "term", "“FID”")
    results = [quiz.check(autoencoders, "vanilla, VAEs"), quiz.check(fid, "evaluation metrics"), quiz.check(fid, "")]
    assert score(results) == 1.7 and score([]) == 0


def test_passed_topics_can_be_ticked_and_order_questions_tick_nothing(quiz):
    fid = question(quiz, "term", "“FID”")
    metrics = question(quiz, "list", "under Evaluation Metrics")
    lab = question(quiz, "resource", "interactive visualization")
    after = question(quiz, "after", "after “Autoencoders”")
    results = [quiz.check(fid, "evaluation metrics"), quiz.check(metrics, "FID, BLEU, inception score"),
               quiz.check(lab, "GAN Specialization"), quiz.check(after, "GANs")]
    assert [r.score for r in results] == [1, 1, 0, 1]
    assert tickable(results) == [fid.about.id]  # GANs failed its question; "after" knows order, not a topic
    half = [quiz.check(fid, "evaluation metrics"), quiz.check(metrics, "FID")]
    assert tickable(half) == []  # a topic is ticked only when all its questions are passed


# ---------------------------------------------------------------- tutor quiz


def test_cli_quiz_json_is_the_seeded_quiz(capsys, quiz):
    assert main(["quiz", "--phase", "3", "--seed", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["phase"] == 3 and data["seed"] == 4
    assert data["questions"] == [q.to_dict() for q in quiz.questions(3, seed=4)]
    assert len({q["kind"] for q in data["questions"]}) >= 4
    assert all(q["answer"] and q["source"] for q in data["questions"])
    assert main(["quiz", "--phase", "3", "--seed", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_cli_quiz_without_a_seed_prints_the_one_it_used(capsys):
    assert main(["quiz", "--json", "--questions", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data["seed"], int) and len(data["questions"]) == 3 and data["phase"] is None


@pytest.mark.parametrize("argv, message", [
    (["quiz", "--phase", "9"], "there is no phase 9; the roadmap has phases 1 to 6"),
    (["quiz", "--questions", "0"], "--questions must be between 1 and 50"),
    (["quiz", "--phase", "three"], "invalid int value"),
])
def test_cli_quiz_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def run_quiz(monkeypatch, capsys, argv, lines):
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = main(argv)
    return code, capsys.readouterr().out


def test_cli_quiz_interactive_right_answers_then_tick(monkeypatch, capsys, quiz, roadmap, tmp_path):
    questions = quiz.questions(3, seed=0)
    passable = [q.about.id for q in questions if q.ticks]
    assert passable, "seed 0 should ask at least one topic question"
    done = tmp_path / "progress.json"
    write_progress(done, Progress(roadmap, ["phase-1"]))
    code, out = run_quiz(monkeypatch, capsys, ["quiz", "--phase", "3", "--seed", "0", "--done", str(done)],
                         [q.answer for q in questions] + ["y"])
    assert code == 0
    assert out.count("Correct.") == 5 and out.count("Source: roadmap.md line ") == 5
    assert "Score: 5 of 5." in out
    assert f"Tick {len(set(passable))} in {done}? [y/N]" in out
    ticked = read_progress(done, roadmap).ticked
    assert ticked == {"phase-1", *passable}


def test_cli_quiz_interactive_wrong_and_partial_answers_show_the_answer(monkeypatch, capsys, quiz):
    questions = quiz.questions(3, seed=0)
    code, out = run_quiz(monkeypatch, capsys, ["quiz", "--phase", "3", "--seed", "0"],
                         ["I have no idea"] * len(questions))
    assert code == 0 and out.count("Not quite.") == len(questions)
    for q in questions:
        assert f"Answer: {q.answer}" in out and q.source in out
    assert "Score: 0 of 5." in out and "Tick" not in out


def test_cli_quiz_stops_gracefully_at_end_of_input(monkeypatch, capsys, quiz):
    questions = quiz.questions(3, seed=2)
    code, out = run_quiz(monkeypatch, capsys, ["quiz", "--phase", "3", "--seed", "2"], [questions[0].answer])
    assert code == 0
    assert "(stopped)" in out and "Score: 1 of 1." in out
    assert questions[1].text in out and questions[2].text not in out


# ---------------------------------------------------------------- the quiz in the chat


def test_the_chat_quiz_is_the_numbered_quiz_of_the_phase_asked_without_answers(make_tutor, quiz):
    model = FakeModel("should never be asked")
    answer = make_tutor(model=model).answer("Quiz me on phase 3").finish()
    assert answer.route == "curriculum" and model.prompts == [], "a quiz never depends on the model"
    assert standard_seed(3) == 3
    questions = quiz.questions(3, n=QUESTIONS, seed=3)
    numbered = [line for line in answer.text.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert numbered == [f"{n}. {q.text} *(from {q.origin})*" for n, q in enumerate(questions, 1)]
    assert answer.text.startswith("5 questions on **Phase 3: Generative AI Foundations**")
    assert "open the **Quiz** tab, pick **Phase 3: Generative AI Foundations**, set the quiz number to **3**" in answer.text
    assert "`tutor quiz --phase 3 --seed 3`" in answer.text
    for q in questions:
        if q.kind not in ("after", "before"):  # an order question names a step that another may have as its answer
            assert q.answer not in answer.text, q.answer
    assert [h.chunk.title for h in answer.sources] == ["Phase 3: Generative AI Foundations"], "no source names an answer"


@pytest.mark.parametrize("question, phase, pick", [
    ("test me on transformers phase", 4, "Phase 4: Advanced Generative Models"),
    ("Quiz me on GANs", 3, "Phase 3: Generative AI Foundations"),  # the phase of the topic named
    ("can you quiz me?", None, "All phases"),
])
def test_the_chat_quiz_reads_the_phase_from_what_is_named(make_tutor, quiz, question, phase, pick):
    answer = make_tutor().answer(question).finish()
    first = quiz.questions(phase, seed=standard_seed(phase))[0]
    assert answer.route == "curriculum" and f"1. {first.text}" in answer.text
    assert f"pick **{pick}**, set the quiz number to **{standard_seed(phase)}**" in answer.text


def test_a_quiz_on_a_missing_phase_says_which_there_are(make_tutor):
    answer = make_tutor().answer("quiz me on phase 9").finish()
    assert "there is no phase 9" in answer.text and "Quiz" not in answer.text
