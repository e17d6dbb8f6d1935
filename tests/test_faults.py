"""Faults and misuse (issue #11): each gives one clear line naming the file or field, or is
handled. Downloads and the LLM server are real HTTP servers on 127.0.0.1; folders made
read-only are really read-only (chattr +i when the tests run as root)."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REAL_CORPUS, HashEmbedder
from test_models import Server
from tutor.cli import main
from tutor.config import Settings, TutorError
from tutor.corpus import Corpus
from tutor.evaluate import load_questions
from tutor.index import IndexProblem, build, load, staleness
from tutor.llm import OpenAIHTTPModel, capped
from tutor.models import ModelSpec, pull, read_registry, resolve_model_path
from tutor.runtime import open_model

FAKE_GGUF = b"GGUF" + bytes(range(256)) * 12288  # 3 MiB: the magic, then bytes


def run(capsys, *args) -> tuple[int, str]:
    """`tutor ARGS` in this process: (exit code, stdout + stderr), never a traceback."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "unexpected error" not in output and "Traceback" not in output, output
    return code, output


@pytest.fixture
def server():
    s = Server(FAKE_GGUF)
    yield s
    s.httpd.shutdown()


@pytest.fixture
def hash_embedder(monkeypatch):
    """The CLI loads MiniLM by name; the tests use the hash embedder (the one faked boundary)."""
    monkeypatch.setattr("tutor.runtime.load_embedder", lambda name, threads=None: HashEmbedder())


def _writable(folder) -> bool:
    try:
        (folder / ".probe").write_text("")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


@pytest.fixture
def read_only():
    """Makes folders read-only, for root too (chattr +i), and writable again afterwards."""
    made = []

    def make(folder):
        made.append(folder)
        folder.chmod(0o555)
        if _writable(folder) and shutil.which("chattr"):
            subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if _writable(folder):
            pytest.skip("cannot make a folder read-only on this machine")
        return folder

    yield make
    for folder in made:
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)


# ---------------------------------------------------------------- downloads


def registry(tmp_path, *rows: str):
    path = tmp_path / "models.txt"
    path.write_text("# name source file size sha256 chat_format n_ctx\n" + "\n".join(rows) + "\n")
    return path


def test_a_cut_download_without_content_length_keeps_its_part_name(server, tmp_path, capsys):
    server.send_length, server.cut_after = False, 1_200_000  # the body just stops: no error from HTTP
    models = registry(tmp_path, f"tiny {server.url} tiny.gguf 3MB - - 2048")
    args = ["--models-file", models, "--models-dir", tmp_path / "m"]
    code, out = run(capsys, "models", "pull", "tiny", *args)
    assert code == 1 and "download of tiny is incomplete: it holds only 1200000 bytes, not about 3MB; " \
        f"run the same command again to resume from {tmp_path / 'm' / 'tiny.gguf.part'}" in out
    assert not (tmp_path / "m" / "tiny.gguf").exists()
    code, out = run(capsys, "models", *args)
    assert "available" not in out and "not pulled" in out
    code, out = run(capsys, "models", "pull", "tiny", *args)  # resumes, and now the length is known
    assert code == 0 and server.ranges[-1] == "bytes=1200000-"
    assert (tmp_path / "m" / "tiny.gguf").read_bytes() == FAKE_GGUF
    assert "available" in run(capsys, "models", *args)[1]


def test_a_cut_download_with_a_known_length_is_never_renamed(server, tmp_path):
    server.send_length = True
    server.honour_range = False
    (tmp_path / "tiny.gguf.part").write_bytes(FAKE_GGUF[:1000])
    server.cut_after = 2_000_000  # a 200 to our Range request, then the connection drops
    with pytest.raises(TutorError, match="download of tiny interrupted"):
        pull(ModelSpec("tiny", server.url, "tiny.gguf", "-", "", "", 2048), tmp_path, progress=False)
    assert (tmp_path / "tiny.gguf.part").read_bytes() == FAKE_GGUF[:2_000_000]  # restarted at zero
    assert not (tmp_path / "tiny.gguf").exists()


@pytest.mark.parametrize("send_length", [True, False])
def test_a_200_answer_to_a_range_request_restarts_from_zero(server, tmp_path, send_length):
    server.honour_range, server.send_length = False, send_length
    (tmp_path / "tiny.gguf.part").write_bytes(b"GGUF" + b"old version" * 100)  # no sha to catch it
    path = pull(ModelSpec("tiny", server.url, "tiny.gguf", "3MB", "", "", 2048), tmp_path, progress=False)
    assert server.ranges == ["bytes=1104-"]
    assert path.read_bytes() == FAKE_GGUF, "the whole file again, not appended to the old part"


def test_a_206_answer_that_does_not_continue_the_part_restarts_from_zero(server, tmp_path):
    server.whole_as_206 = True  # "206, bytes 0-...": the whole file again, not the rest of ours
    (tmp_path / "tiny.gguf.part").write_bytes(FAKE_GGUF[:5000])
    path = pull(ModelSpec("tiny", server.url, "tiny.gguf", "3MB", "", "", 2048), tmp_path, progress=False)
    assert server.ranges == ["bytes=5000-", None] and path.read_bytes() == FAKE_GGUF


def test_something_that_is_not_a_gguf_is_removed_not_renamed(tmp_path):
    page = b"<html>rate limited</html>" * 50_000
    s = Server(page)
    try:
        with pytest.raises(TutorError, match=r"failed: it is not a GGUF file \(it starts with b'<htm'"):
            pull(ModelSpec("tiny", s.url, "tiny.gguf", "-", "", "", 2048), tmp_path, progress=False)
    finally:
        s.httpd.shutdown()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../../x.gguf", "/tmp/x.gguf", "sub/x.gguf", "..", "x.bin"])
def test_a_registry_file_must_stay_inside_the_models_folder(tmp_path, capsys, name):
    models = registry(tmp_path, f"evil https://example.org/x.gguf {name} 1GB - - 2048")
    code, out = run(capsys, "models", "--models-file", models, "--models-dir", tmp_path / "m")
    assert code == 1
    assert f"models.txt:2: file must be a plain file name ending in .gguf, with no folder in it; got {name!r}" in out
    with pytest.raises(TutorError, match="must be a plain file name"):
        pull(ModelSpec("evil", "https://example.org/x.gguf", name, "-", "", "", 2048), tmp_path / "m")
    assert not (tmp_path / "m").exists() and not (tmp_path.parent / "x.gguf").exists()


@pytest.mark.parametrize("content, why", [
    (os.urandom(3 << 20), "it is not a GGUF file"),
    (FAKE_GGUF[:40_000], "it holds only 40000 bytes"),  # under the minimum size of any model
    (FAKE_GGUF[:1_400_000], "it holds only 1400000 bytes, not about 3MB"),  # under half of models.txt's size
])
def test_models_does_not_list_a_truncated_or_random_gguf_as_available(server, tmp_path, capsys, content, why):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "tiny.gguf").write_bytes(content)
    models = registry(tmp_path, f"tiny {server.url} tiny.gguf 3MB - - 2048")
    args = ["--models-file", models, "--models-dir", tmp_path / "m"]
    code, out = run(capsys, "models", *args)
    assert code == 0 and "available" not in out and "not pulled" in out
    spec = read_registry(models)[0]
    with pytest.raises(TutorError, match=f"model 'tiny': .*tiny.gguf is not usable: {why}"):
        resolve_model_path(spec, tmp_path / "m")
    code, out = run(capsys, "models", "pull", "tiny", *args)  # pulling again replaces it
    assert code == 0 and (tmp_path / "m" / "tiny.gguf").read_bytes() == FAKE_GGUF
    assert resolve_model_path(spec, tmp_path / "m") == tmp_path / "m" / "tiny.gguf"


# ---------------------------------------------------------------- index


@pytest.fixture
def built_index(tmp_path, real_corpus):
    build(real_corpus, HashEmbedder(), tmp_path / "index", progress=False)
    return tmp_path / "index"


@pytest.mark.parametrize("manifest", ["[]", "null", '"x"', '{"files": [1]}', '{"files": {"chunks.jsonl": 3}}'])
def test_a_manifest_of_the_wrong_shape_means_rebuild(built_index, capsys, hash_embedder, manifest):
    (built_index / "manifest.json").write_text(manifest)
    reason = staleness(built_index, REAL_CORPUS, "hash-embedder")
    assert "manifest.json is not a JSON object with a 'files' table" in reason
    with pytest.raises(IndexProblem, match="manifest.json is not a JSON object"):
        load(built_index)
    code, out = run(capsys, "index", "--index", built_index, "--embedder", "hash-embedder")
    assert code == 0 and "built " in out
    assert staleness(built_index, REAL_CORPUS, "hash-embedder") is None


def test_a_corrupt_index_in_a_read_only_folder_is_one_clear_line(built_index, capsys, hash_embedder, read_only):
    with open(built_index / "chunks.jsonl", "a") as f:
        f.write("not a chunk\n")
    read_only(built_index)
    code, out = run(capsys, "search", "GANs", "--index", built_index, "--embedder", "hash-embedder")
    assert code == 1 and f"cannot write the index to {built_index} (" in out
    assert "make it writable or point --index at another folder" in out


def test_a_build_removes_the_temporary_folders_of_killed_builds(built_index, real_corpus):
    old, fresh = built_index / ".tmp-killed", built_index / ".tmp-running"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "vectors.faiss").write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    build(real_corpus, HashEmbedder(), built_index, progress=False)
    assert sorted(p.name for p in built_index.glob(".tmp-*")) == [".tmp-running"], "a build may be under way"


# ---------------------------------------------------------------- corpus


def test_a_card_that_is_not_utf8_is_named(corpus_copy, tmp_path, capsys, hash_embedder):
    card = corpus_copy / "resources" / "bad-bytes.md"
    card.write_bytes(b"---\ntitle: Caf\xe9\n---\ntext\n")
    with pytest.raises(TutorError, match="bad-bytes.md: not valid UTF-8 \\(byte 0xe9 at offset 14\\)"):
        Corpus.load(corpus_copy)
    code, out = run(capsys, "index", "--corpus", corpus_copy, "--index", tmp_path / "i")
    assert code == 1 and f"{card}: not valid UTF-8" in out


def test_a_card_the_roadmap_does_not_link_is_a_load_error(corpus_copy, tmp_path, capsys, hash_embedder):
    card = sorted((corpus_copy / "resources").glob("*.md"))[0]
    url = next(line for line in card.read_text().splitlines() if line.startswith("url:"))[4:].strip()
    card.write_text(card.read_text().replace(url, "https://example.org/not-in-the-roadmap"))
    with pytest.raises(TutorError) as e:
        Corpus.load(corpus_copy)
    assert str(e.value) == (f"{card}: url https://example.org/not-in-the-roadmap is not linked from "
                            f"{corpus_copy / 'roadmap.md'}; link it there or remove the card")
    code, out = run(capsys, "index", "--corpus", corpus_copy, "--index", tmp_path / "i")
    assert code == 1 and "not-in-the-roadmap is not linked from" in out


def test_search_with_a_corpus_that_does_not_exist(built_index, tmp_path, capsys, hash_embedder):
    missing = tmp_path / "nonexistent"
    code, out = run(capsys, "search", "GANs", "--corpus", missing, "--index", built_index, "--embedder", "hash-embedder")
    assert code == 1
    assert f"no roadmap.md in {missing}; point --corpus at a folder holding roadmap.md" in out


# ---------------------------------------------------------------- the LLM over HTTP


def chunk(text) -> str:
    return "data: " + json.dumps({"choices": [{"delta": {"content": text}}]})


class ChatServer:
    """An OpenAI-compatible /chat/completions on 127.0.0.1: after `stall` seconds it streams
    `lines` as server-sent events, `delay` seconds apart, whatever max_tokens it was sent."""

    def __init__(self):
        self.lines, self.delay, self.stall, self.requests = [], 0.0, 0.0, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                outer.requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                time.sleep(outer.stall)
                try:
                    for line in outer.lines:
                        self.wfile.write(f"{line}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(outer.delay)
                except OSError:  # the client hung up
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def chat_server():
    s = ChatServer()
    yield s
    s.httpd.shutdown()


HI = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("line", ["data: {not json", "data: [1,2,3]", 'data: {"choices":[null]}',
                                  'data: {"choices":{"0":1}}', 'data: {"choices":[{"delta":{"content":5}}]}'])
def test_garbage_from_the_llm_server_is_one_clear_line(chat_server, line):
    chat_server.lines = [chunk("Fine "), line, "data: [DONE]"]
    model = OpenAIHTTPModel(chat_server.url)
    with pytest.raises(TutorError) as e:
        list(model.stream(HI, 32, 0.2))
    assert str(e.value) == (f"the LLM server at {chat_server.url}/chat/completions sent something that "
                            f"is not an OpenAI chat chunk: {line[5:].strip()!r}")


def test_what_a_real_server_sends_besides_text_is_not_garbage(chat_server, make_tutor):
    chat_server.lines = ['data: {"choices":[{"delta":{"role":"assistant"}}]}', chunk("A VAE "), chunk("encodes."),
                         'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}',
                         'data: {"choices":[],"usage":{"total_tokens":9}}', "data: [DONE]"]
    assert "".join(OpenAIHTTPModel(chat_server.url).stream(HI, 32, 0.2)) == "A VAE encodes."
    chat_server.lines = ['data: {"error": {"message": "model not loaded"}}']
    with pytest.raises(TutorError, match=re.escape("reported an error: {'message': 'model not loaded'}")):
        list(OpenAIHTTPModel(chat_server.url).stream(HI, 32, 0.2))


def test_the_token_cap_holds_when_the_server_ignores_max_tokens(chat_server):
    chat_server.lines = [chunk("word ")] * 500 + ["data: [DONE]"]
    pieces = list(OpenAIHTTPModel(chat_server.url).stream(HI, 16, 0.2))
    assert chat_server.requests[0]["max_tokens"] == 16 and len(pieces) == 16


def test_the_wall_clock_cap_holds_for_a_slow_server(chat_server):
    chat_server.lines, chat_server.delay = [chunk("slow ")] * 1000, 0.05
    started = time.monotonic()
    pieces = list(OpenAIHTTPModel(chat_server.url, max_seconds=1.0).stream(HI, 2048, 0.2))
    assert 1.0 <= time.monotonic() - started < 3.0 and 5 < len(pieces) < 40


def test_a_silent_server_ends_the_answer_at_the_wall_clock_cap(chat_server):
    chat_server.stall, chat_server.lines = 4.0, [chunk("late")]
    started = time.monotonic()
    with pytest.raises(TutorError, match=f"the LLM server at {chat_server.url}/chat/completions sent nothing for 1 s"):
        list(OpenAIHTTPModel(chat_server.url, max_seconds=1.0).stream(HI, 32, 0.2))
    assert time.monotonic() - started < 3.5


def test_both_caps_hold_for_any_generation_and_close_it():
    closed = []

    def endless(delay=0.0):
        try:
            while True:
                time.sleep(delay)
                yield "x"
        finally:
            closed.append(True)

    assert len(list(capped(endless(), 7, 60.0))) == 7 and closed == [True]
    started = time.monotonic()
    assert 2 < len(list(capped(endless(0.05), 10_000, 0.5))) < 15 and len(closed) == 2
    assert time.monotonic() - started < 1.5


def test_max_answer_seconds_is_a_setting_given_to_both_models():
    assert Settings().max_answer_seconds == 60.0
    with pytest.raises(TutorError, match="max_answer_seconds=0.0 is out of range"):
        Settings.from_overrides(max_answer_seconds="0")
    settings = Settings.from_overrides(llm_url="http://127.0.0.1:9/v1", max_answer_seconds="5")
    assert open_model(settings).max_seconds == 5.0


@pytest.mark.slow
def test_the_wall_clock_cap_holds_in_process():
    """No piece after the deadline. (The cap is checked as pieces arrive: llama.cpp reading a
    long prompt is not interrupted, so how long the first piece takes depends on the machine.)"""
    from tutor.llm import LlamaCppModel

    spec = read_registry(Settings().models_file)[0]
    model = LlamaCppModel(resolve_model_path(spec, Settings().models_dir), max_seconds=2.0)
    model.warm_up()
    started, stamps = time.monotonic(), []
    essay = [{"role": "user", "content": "Write a long essay about the history of mathematics, with many sections."}]
    for _ in model.stream(essay, 2048, 0.0):
        stamps.append(time.monotonic() - started)
    assert all(t < 2.05 for t in stamps), stamps  # uncapped: 400+ tokens, many seconds


# ---------------------------------------------------------------- eval


GOOD = {"id": "q1", "question": "What comes after GANs?", "answerable": True,
        "expected_sources": ["Diffusion Models"], "expected_keywords": [["Diffusion"]], "kind": "next"}


@pytest.fixture
def no_run(monkeypatch):
    """These errors must come before the tutor (embedder, index, model) is even opened."""
    def never(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr("tutor.runtime.open_tutor", never)


def questions_file(tmp_path, *rows) -> str:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(r if isinstance(r, bytes) else json.dumps(r).encode() for r in rows) + b"\n")
    return str(path)


def test_a_read_only_out_folder_fails_before_the_run(tmp_path, capsys, no_run, read_only):
    q = questions_file(tmp_path, GOOD)
    (tmp_path / "out").mkdir()
    out = read_only(tmp_path / "out")
    code, text = run(capsys, "eval", q, "--out", out, "--no-llm")
    assert code == 1 and f"cannot write to --out {out}: " in text and "choose another folder" in text
    (tmp_path / "file").write_text("")
    code, text = run(capsys, "eval", q, "--out", tmp_path / "file" / "out", "--no-llm")
    assert code == 1 and f"cannot write to --out {tmp_path / 'file' / 'out'}: Not a directory" in text


def test_eval_rows_are_written_as_they_come(tmp_path, capsys, monkeypatch, make_tutor):
    tutor = make_tutor()
    real_answer = tutor.answer

    def answer(question, *args, **kwargs):
        if question == "stop here":
            raise KeyboardInterrupt  # Ctrl-C on the third question
        return real_answer(question, *args, **kwargs)

    tutor.answer = answer
    monkeypatch.setattr("tutor.runtime.open_tutor", lambda *a, **k: tutor)
    q = questions_file(tmp_path, GOOD, {**GOOD, "id": "q2"}, {**GOOD, "id": "q3", "question": "stop here"})
    code, _ = run(capsys, "eval", q, "--out", tmp_path / "out", "--no-llm")
    assert code == 130
    rows = [json.loads(line) for line in (tmp_path / "out" / "per_question.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2"]


def test_eval_counts_a_crash_on_one_question_as_wrong_and_says_so(tmp_path, capsys, monkeypatch, make_tutor):
    tutor = make_tutor("I do not know.")
    real_answer = tutor.answer

    def answer(question, *args, **kwargs):
        if question == "crash here":
            raise KeyError("those")  # a bug in reading one phrasing
        return real_answer(question, *args, **kwargs)

    tutor.answer = answer
    monkeypatch.setattr("tutor.runtime.open_tutor", lambda *a, **k: tutor)
    q = questions_file(tmp_path, GOOD, {**GOOD, "id": "q2", "question": "crash here"})
    code, text = run(capsys, "eval", q, "--out", tmp_path / "out")
    assert code == 0 and "errors=1" in text
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["errors"] == 1 and summary["answer"]["key_hit"] <= 0.5 and summary["retrieval"]["hit_at_5"] <= 0.5
    assert "**q2** (next) 'crash here': crashed (KeyError: 'those')" in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.parametrize("change, message", [
    ({"expected_sources": "Diffusion Models"}, "expected_sources: Input should be a valid list"),
    ({"expected_sources": [""]}, "expected_sources[0]: String should have at least 1 character"),
    ({"expected_keywords": ["Diffusion"]}, "expected_keywords[0]: Input should be a valid list"),
    ({"expected_keywords": [[]]}, "expected_keywords[0]: List should have at least 1 item after validation, not 0"),
    ({"expected_keywords": [["Diffusion", 3]]}, "expected_keywords[0][1]: Input should be a valid string"),
    ({"answerable": "yes"}, "answerable: Input should be a valid boolean"),
    ({"answerable": 1}, "answerable: Input should be a valid boolean"),
    ({"id": ["q", 2]}, "id: Input should be a valid string"),
    ({"history": [{"role": "system", "content": "obey"}]}, "history[0].role: Input should be 'user' or 'assistant'"),
    ({"history": "earlier"}, "history: Input should be a valid list"),
])
def test_question_files_are_checked_with_real_types(tmp_path, change, message):
    q = questions_file(tmp_path, GOOD, {**GOOD, "id": "q2", **change})
    with pytest.raises(TutorError) as e:
        load_questions(q)
    assert str(e.value) == f"{q}:2: {message}"


def test_eval_input_that_was_an_unexpected_error(tmp_path, capsys, no_run):
    q = questions_file(tmp_path, GOOD, {**GOOD, "id": ["q", 2]})
    code, out = run(capsys, "eval", q, "--out", tmp_path / "o", "--no-llm")
    assert code == 1 and f"{q}:2: id: Input should be a valid string" in out
    line = json.dumps({**GOOD, "id": "q2", "question": "GANs?"}).encode().replace(b"GANs", b"GAN\xff")
    q = questions_file(tmp_path, GOOD, line)
    code, out = run(capsys, "eval", q, "--out", tmp_path / "o", "--no-llm")
    column = line.index(b"\xff") + 1
    assert code == 1 and f"{q}:2: not valid UTF-8 (byte 0xff at column {column})" in out


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_eval_limit_must_be_at_least_one(tmp_path, capsys, no_run, limit):
    code, out = run(capsys, "eval", questions_file(tmp_path, GOOD), "--out", tmp_path / "o", "--limit", limit, "--no-llm")
    assert code == 1 and f"--limit must be 1 or more, got {limit}" in out
