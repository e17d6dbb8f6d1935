"""`tutor chat` and `tutor ask` in a terminal and in a pipe.

The chat test runs this file as a program in a real pseudo-terminal (pexpect), so readline,
rich and Ctrl-C (SIGINT from the terminal) are all real; only the model and the embedder are
fakes, as everywhere else.
"""

from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path

import pexpect

from conftest import REAL_CORPUS, FakeModel, HashEmbedder
from tutor.cli import build_parser, cmd_ask, cmd_chat, settings_from
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.index import build
from tutor.retrieve import Retriever
from tutor.terminal import answer_once, console_for, show
from tutor.tutor import Tutor

UP = "\x1b[A"
AFTER_GANS = "What should I learn after GANs?"  # a curriculum answer: Markdown from the graph, no model
URLS = ["https://www.kaggle.com/notebooks", "https://arxiv.org/abs/2208.11970",
        "https://huggingface.co/docs/diffusers/index"]  # the links in its answer
SLOW_REPLY = "A VAE has an encoder and a decoder [1]. " * 30  # 270 words: most of a minute at DELAY each
DELAY = 0.2


class SlowModel(FakeModel):
    """The fake model, generating one word every DELAY seconds, like a model on a busy CPU."""

    def stream(self, messages, max_tokens, temperature):
        for piece in super().stream(messages, max_tokens, temperature):
            time.sleep(DELAY)
            yield piece


def fake_tutor(index_dir: Path, model):
    """An `open_tutor` for cmd_chat: settings -> a Tutor on the real corpus with the fakes."""

    def open_tutor(settings: Settings, progress: bool = True) -> Tutor:
        settings = Settings.from_overrides(settings, min_relevance=0.15)  # the hash embedder's cosines are lower
        corpus = Corpus.load(REAL_CORPUS)
        index = build(corpus, HashEmbedder(), index_dir, progress=False)
        return Tutor(corpus, Retriever(index, HashEmbedder(), settings.rrf_k), model, settings)

    return open_tutor


def run_chat(index_dir: str) -> int:
    """`tutor chat` with the slow fake model: what the pty test talks to."""
    args = build_parser().parse_args(["chat"])
    model = SlowModel(SLOW_REPLY, "A VAE has an encoder and a decoder [1].")
    return cmd_chat(args, settings_from(args), open_tutor=fake_tutor(Path(index_dir), model))


if __name__ == "__main__":
    sys.exit(run_chat(sys.argv[1]))


# ---------------------------------------------------------------- in a real terminal


def test_chat_in_a_terminal_recalls_questions_and_ctrl_c_stops_only_the_answer(tmp_path):
    env = {"TERM": "xterm-256color", "INPUTRC": "/dev/null", "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    child = pexpect.spawn(sys.executable, [__file__, str(tmp_path / "index")], env=env, encoding="utf-8",
                          dimensions=(40, 100), timeout=60)
    try:
        child.expect("you> ")
        child.sendline(AFTER_GANS)
        child.expect("Sources:")
        assert "**" not in child.before  # Markdown, rendered
        assert all(url in child.before for url in URLS)  # long lines wrapped, not cut off
        child.expect("you> ")

        child.send(UP)  # readline recalls the last question; Enter asks it again
        child.expect(re.escape(AFTER_GANS))
        child.send("\r")
        child.expect_exact(URLS[-1])
        child.expect("Sources:")
        child.expect("you> ")

        child.sendline("What is a variational autoencoder and how is it trained?")  # the slow model
        child.expect("tutor>")
        time.sleep(1.0)  # the answer is streaming now (its roadmap breadcrumb is already shown)
        started = time.perf_counter()
        child.sendintr()
        child.expect_exact("(stopped)", timeout=5)
        assert time.perf_counter() - started < 5  # not the minute the whole answer would take
        child.expect("you> ")
        assert "Sources:" not in child.before  # the stopped answer did not go on

        child.sendintr()  # Ctrl-C at an empty prompt: a fresh prompt, no crash
        child.expect("you> ")
        child.sendline("What is a variational autoencoder?")  # the chat and its model still work
        child.expect("Sources:", timeout=30)
        child.expect("you> ")

        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before


# ---------------------------------------------------------------- rendering


def plain_answer(make_tutor, capsys, monkeypatch) -> str:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # either would make rich treat a pipe as a terminal
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["ask", AFTER_GANS])
    assert cmd_ask(args, settings_from(args), open_tutor=lambda settings, progress: make_tutor()) == 0
    return capsys.readouterr().out


def test_answers_in_a_pipe_stay_plain_text(make_tutor, capsys, monkeypatch):
    out = plain_answer(make_tutor, capsys, monkeypatch)
    assert out.startswith("After **Generative Adversarial Networks (GANs)**")
    assert "[Understanding Diffusion Models](https://arxiv.org/abs/2208.11970)" in out
    assert "\nSources:\n  [1] " in out and "\x1b[" not in out


def test_answers_on_a_terminal_are_rendered_markdown(make_tutor, capsys, monkeypatch):
    urls = re.findall(r"\]\((\S+?)\)", plain_answer(make_tutor, capsys, monkeypatch))
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich's switch for "this is a terminal"
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    assert answer_once(make_tutor(), AFTER_GANS, console_for(out)) == 0
    shown = out.getvalue()
    assert "**" not in shown and "](" not in shown
    assert "\x1b[1mGenerative Adversarial Networks (GANs)" in shown  # bold
    assert "Understanding Diffusion Models" in shown and "Sources:" in shown
    assert urls == URLS and all(url in shown for url in urls)  # links keep their URL


def test_ctrl_c_during_a_stream_keeps_what_was_shown():
    def pieces():
        yield "first part. "
        raise KeyboardInterrupt

    text, stopped = show(pieces(), console_for(io.StringIO()))
    assert (text, stopped) == ("first part.", True)
