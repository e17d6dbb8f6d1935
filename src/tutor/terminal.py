"""Answers in the terminal: `tutor ask` prints one, `tutor chat` is a conversation.

On a terminal the answer is Markdown, rendered by rich and re-rendered as each piece arrives;
in a pipe or a file it stays the plain text the tutor wrote, printed as it streams. The chat
edits lines and recalls earlier questions (Up arrow) with the stdlib readline. Ctrl-C during
an answer stops that answer only; Ctrl-C at the prompt clears the line; Ctrl-D or 'quit' leaves.

Deliberately left out: keeping the question history between sessions, colours in a pipe.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown

from .config import TutorError

STOPPED = "(stopped)"


def console_for(file=None) -> Console:
    # highlight=False: rich would otherwise colour every number and quoted word it sees.
    return Console(file=file or sys.stdout, highlight=False)


def show(pieces: Iterable[str], console: Console) -> tuple[str, bool]:
    """Print an answer while it streams. Returns (the text shown, whether Ctrl-C stopped it)."""
    shown: list[str] = []
    try:
        if console.is_terminal:
            # hyperlinks=False: the URL is printed after the link text, not hidden in an
            # escape sequence that many terminals ignore; the learner needs to see it.
            with Live(console=console, auto_refresh=False, vertical_overflow="visible") as live:
                for piece in pieces:
                    shown.append(piece)
                    live.update(Markdown("".join(shown), hyperlinks=False), refresh=True)
        else:
            for piece in pieces:
                shown.append(piece)
                console.file.write(piece)
                console.file.flush()
            console.file.write("\n")
    except KeyboardInterrupt:
        return "".join(shown).strip(), True
    return "".join(shown).strip(), False


def print_sources(hits, console: Console) -> None:
    if not hits:
        return
    lines = ["", "Sources:"]
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        lines.append(f"  [{n}] {c.breadcrumb}" + (f"\n      {c.url}" if c.url else ""))
    # markup=False: breadcrumbs and URLs may contain [brackets] that are not rich markup;
    # soft_wrap=True: plain lines are left to the terminal to wrap, and never cut in a pipe.
    console.print("\n".join(lines), markup=False, soft_wrap=True)


def answer_once(tutor, question: str, console: Console) -> int:
    """`tutor ask`: one streamed answer, then its sources. 130 if Ctrl-C stopped it."""
    answer = tutor.answer(question)
    _, stopped = show(answer, console)
    if stopped:
        console.print(STOPPED)
        return 130
    print_sources(answer.sources, console)
    return 0


def chat(tutor, console: Console) -> int:
    """`tutor chat`: questions and answers until Ctrl-D or 'quit'; the history follows along,
    so "how long does it take?" knows what "it" is."""
    try:
        import readline  # noqa: F401  (importing it is what gives input() editing and history)
    except ImportError:  # no readline on Windows: input() still works, without history
        pass
    history: list[dict] = []
    console.print("Ask about the Generative AI roadmap. Ctrl-C stops an answer; Ctrl-D or 'quit' leaves.",
                  soft_wrap=True)
    while True:
        console.print()
        try:
            question = input("you> ").strip()
        except EOFError:
            console.print()
            return 0
        except KeyboardInterrupt:  # like a shell: drop the line, offer a fresh prompt
            console.print()
            continue
        if question.lower() in ("quit", "exit"):
            return 0
        if not question:
            continue
        try:
            answer = tutor.answer(question, history)
            console.print("tutor>", style="bold", end="\n" if console.is_terminal else " ")
            text, stopped = show(answer, console)
        except TutorError as e:  # a bad question must not end the conversation
            console.print(f"tutor: {e}", markup=False, soft_wrap=True)
            continue
        except KeyboardInterrupt:  # Ctrl-C while the sources were being looked up
            answer, text, stopped = None, "", True
        if stopped:
            _stop(answer)
            console.print(STOPPED)
        else:
            print_sources(answer.sources, console)
        if text:  # a stopped answer stays in the history as far as it was shown
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": text}]


def _stop(answer) -> None:
    """Close the answer's stream now rather than when it is garbage: the in-process model
    holds a lock while it generates."""
    close = getattr(getattr(answer, "pieces", None), "close", None)
    if close is not None:
        close()
