"""The `tutor` command: init | index | search | ask | chat | models | eval | bench | serve | plan | quiz.

Names and paths become objects here (via runtime.py). Each subcommand offers only the settings
it uses, with their defaults. Errors become one line on stderr and an exit code (see EXIT_CODES);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .config import Settings, TutorError

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = """exit codes:
  0    success
  1    a runtime error (no index, no model, server unreachable, ...) or a failed check (eval thresholds)
  2    a usage error: unknown command or flag, missing argument, setting out of range
  130  interrupted with Ctrl-C"""


class UsageError(TutorError):
    """The command line itself is wrong: exit code 2, like argparse's own errors."""


SETTING_FLAGS = {  # setting name -> flag
    "corpus_dir": "--corpus", "index_dir": "--index", "embedder": "--embedder", "k": "--k",
    "model": "--model", "llm_url": "--llm-url", "temperature": "--temperature",
    "max_tokens": "--max-tokens", "threads": "--threads", "n_ctx": "--n-ctx",
    "models_file": "--models-file", "models_dir": "--models-dir",
    "feedback_file": "--feedback-file", "host": "--host", "port": "--port",
    "llm_concurrency": "--llm-concurrency", "allow_model_switch": "--allow-model-switch",
}
# The settings each subcommand uses, and so offers as flags.
INDEX = ("corpus_dir", "index_dir", "embedder")
MODEL = ("model", "llm_url", "temperature", "max_tokens", "threads", "n_ctx", "models_file", "models_dir")
REGISTRY = ("models_file", "models_dir")
ANSWER = INDEX + ("k",) + MODEL


def _add_settings(parser: argparse.ArgumentParser, names: tuple[str, ...], **defaults) -> None:
    """Flags for these settings. A flag left out stays None, so the Settings default applies;
    `defaults` replace the Settings default for this subcommand (search lists 5 hits; answers use k=4)."""
    described = {name: (default, help) for name, default, help in Settings.describe()}
    group = parser.add_argument_group("settings")
    for name in names:
        default, help = described[name]
        shown = defaults.get(name, default)
        metavar = "PATH" if isinstance(default, Path) else {int: "N", float: "X"}.get(type(default), "TEXT")
        group.add_argument(SETTING_FLAGS[name], dest=name, metavar=metavar, default=defaults.get(name),
                           help=f"{help} (default: {shown if shown != '' else 'none'})")


def _version() -> str:
    try:
        return version("tutor")
    except PackageNotFoundError:  # running from a checkout that was never pip-installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tutor", description="Offline tutor for the Generative AI learning roadmap.",
                                epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"tutor {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="make a corpus from your own roadmap (a Markdown file) and index it")
    s.add_argument("source", metavar="PATH_OR_FILE",
                   help="a Markdown roadmap, or a folder holding roadmap.md or README.md")
    s.add_argument("--out", metavar="DIR", help="the corpus folder to make (default: ./tutor-<name of the roadmap>)")
    s.add_argument("--index", dest="init_index", metavar="PATH", help="where to build the index (default: DIR/index)")
    s.add_argument("--force", action="store_true", help="replace a different roadmap.md already in DIR")
    _add_settings(s, ("embedder",))

    s = sub.add_parser("index", help="build the search index (only if stale)")
    s.add_argument("--rebuild", action="store_true", help="rebuild even when the index is fresh")
    s.add_argument("--verbose", action="store_true", help="also say what the roadmap parser found and skipped")
    _add_settings(s, INDEX)

    s = sub.add_parser("search", help="show the ranked chunks for a query")
    s.add_argument("query")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    s.add_argument("--phase", type=int, help="only chunks from this phase")
    s.add_argument("--kind", help="only this kind: topic, section, resource, or a resource kind such as paper")
    _add_settings(s, INDEX + ("k",), k=5)

    s = sub.add_parser("ask", help="answer one question (streamed), then list the sources")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    _add_settings(s, ANSWER)

    s = sub.add_parser("chat", help="a terminal chat with history (Ctrl-C stops an answer, Ctrl-D quits)")
    _add_settings(s, ANSWER)

    s = sub.add_parser("models", help="list the models in models.txt, or pull one")
    s.add_argument("action", nargs="?", choices=["list", "pull"], default="list", help="(default: list)")
    s.add_argument("name", nargs="?", help="with pull: the model to download")
    _add_settings(s, REGISTRY)

    s = sub.add_parser("eval", help="measure answer quality and speed on a question file")
    s.add_argument("questions")
    s.add_argument("--out", required=True, help="folder for per_question.jsonl, summary.json, report.md, report.png")
    s.add_argument("--no-llm", action="store_true", help="retrieval and curriculum only; no generation")
    s.add_argument("--limit", type=int, help="only the first N questions")
    for metric in ("hit-at-5", "mrr-at-10", "keyword-recall", "rejection-rate", "curriculum-accuracy"):
        s.add_argument(f"--min-{metric}", type=float, metavar="X", help=f"fail unless {metric.replace('-', '_')} >= X")
    s.add_argument("--max-hallucinated-links", type=int, metavar="N", help="fail if more than N invented links")
    _add_settings(s, ANSWER)

    s = sub.add_parser("bench", help="raw llama.cpp speed vs. the tutor's own TTFT and tokens/s")
    s.add_argument("--runs", type=int, default=5, help="(default: 5)")
    s.add_argument("--threads-compare", action="store_true",
                   help="instead: prompt and decode speed for n_threads and n_threads_batch 1 and 2, "
                        "with and without a CPU-bound neighbour process the bench starts (--runs rounds)")
    _add_settings(s, ANSWER)

    s = sub.add_parser("serve", help="start the browser chat")
    s.add_argument("--auth", help="user:password required to open the app (other local users can see it in the "
                   "process list: prefer --auth-file or the TUTOR_AUTH environment variable)")
    s.add_argument("--auth-file", metavar="PATH", help="a file whose first line is user:password")
    s.add_argument("--allow-model-switch", dest="allow_model_switch", action="store_true", default=None,
                   help="let the page switch the model everyone shares (default: the picker is read-only)")
    _add_settings(s, ANSWER + ("llm_concurrency", "feedback_file", "host", "port"))

    # plan and quiz read only the corpus: no index, embedder or model is loaded.
    from .plan import BASELINE_HOURS, MAX_HOURS, MIN_HOURS, OPEN_PHASE_HOURS

    s = sub.add_parser("plan", help="a week-by-week study plan to a target, as Markdown (and .ics)")
    s.add_argument("--target", required=True, help='where the plan leads: a phase, section or topic, e.g. "Diffusion Models" or "phase 4"')
    s.add_argument("--hours", type=_hours, default=BASELINE_HOURS, metavar="H",
                   help=f"hours of study a week, {MIN_HOURS:g} to {MAX_HOURS:g} (default: {BASELINE_HOURS:g}, "
                        "what the roadmap's durations are read as)")
    s.add_argument("--done", metavar="FILE", help="your progress file (JSON, as `tutor quiz --done` writes it): ticked steps are left out")
    s.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="the first week starts on this day (default: next Monday)")
    s.add_argument("--open-hours", type=_step_hours, default=OPEN_PHASE_HOURS, metavar="H",
                   help=f"hours per step of a phase with no bounded duration (default: {OPEN_PHASE_HOURS:g})")
    s.add_argument("--ics", metavar="FILE", help="also write the plan as a calendar, one event per week")
    s.add_argument("--markdown", metavar="FILE", help="also write the plan to this Markdown file")
    s.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    _add_settings(s, ("corpus_dir",))

    s = sub.add_parser("quiz", help="questions from the roadmap and its cards; answers checked against the data")
    s.add_argument("--phase", type=int, metavar="N", help="quiz on this phase (default: the whole roadmap)")
    s.add_argument("--questions", type=int, default=5, metavar="N", help="(default: 5)")
    s.add_argument("--seed", type=int, metavar="N", help="the same seed gives the same quiz (default: a new one, printed)")
    s.add_argument("--json", action="store_true", help="print the questions with their answers and sources as JSON, and ask nothing")
    s.add_argument("--done", metavar="FILE", help="your progress file: topics whose questions you pass can be ticked in it")
    _add_settings(s, ("corpus_dir",))
    return p


def _hours(text: str) -> float:
    from .plan import check_hours

    try:
        return check_hours(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of hours, got {text!r}") from None
    except TutorError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _step_hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of hours, got {text!r}") from None
    if not 0 < value <= 168:
        raise argparse.ArgumentTypeError(f"hours per step must be more than 0 and at most 168, got {text}")
    return value


def _date(text: str):
    from .plan import parse_start

    try:
        return parse_start(text)
    except TutorError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def settings_from(args: argparse.Namespace) -> Settings:
    values = {name: getattr(args, name, None) for name in SETTING_FLAGS}
    try:
        return Settings.from_overrides(**values)
    except TutorError as e:
        raise UsageError(str(e)) from None


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error argparse has already printed
        return e.code
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings) or OK
    except UsageError as e:
        print(f"tutor {args.command}: error: {e}", file=sys.stderr)
        return USAGE
    except TutorError as e:
        print(f"tutor: error: {e}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as e:  # a bug: one line for the user, the traceback only on request
        if os.environ.get("TUTOR_DEBUG"):
            raise
        print(f"tutor: unexpected error ({type(e).__name__}: {e}); set TUTOR_DEBUG=1 to see where", file=sys.stderr)
        return FAILED


# ---------------------------------------------------------------- commands


def cmd_init(args, settings: Settings) -> int:
    """Copy a roadmap into a new corpus folder (unchanged, as roadmap.md), index it, and say what
    was found. The roadmap is parsed before anything is written, so a bad file leaves nothing behind."""
    import dataclasses
    import shutil

    from .lookup import Lookup, load_aliases
    from .roadmap import example_questions, load, slugify

    started = time.perf_counter()
    source = Path(args.source)
    if source.is_dir():
        found = [p for p in sorted(source.iterdir()) if p.name.lower() in ("roadmap.md", "readme.md")]
        if not found:
            raise TutorError(f"{source} holds no roadmap.md or README.md; name the Markdown file itself")
        source = found[0]
    roadmap = load(source)  # a RoadmapError names the line
    name = roadmap.title if roadmap.title != "Roadmap" else (source.parent.name if source.stem.lower() == "readme" else source.stem)
    out = Path(args.out) if args.out else Path.cwd() / f"tutor-{slugify(name)[:40]}"
    target = out / "roadmap.md"
    data = source.read_bytes()
    if target.exists() and target.read_bytes() != data and not args.force:
        raise TutorError(f"{out} already holds a different roadmap.md; pass --force to replace it, or pick another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            shutil.copyfile(source, target)  # byte for byte: the user's document stays theirs
    except OSError as e:
        raise TutorError(f"cannot write the corpus to {out} ({e.strerror}); pick another --out") from None
    index_dir = Path(args.init_index) if args.init_index else out / "index"
    settings = dataclasses.replace(settings, corpus_dir=out, index_dir=index_dir)

    c = roadmap.counts()
    print(f"{roadmap.title}: {source} -> {target}")
    print(f"found {c['parts']} parts" + (f" (and {c['other parts']} outside the order of study)" if c["other parts"] else "")
          + f", {c['sections']} sections, {c['topics']} topics and {c['resources']} resources")
    for phase in roadmap.phases:
        d = f", {phase.duration.text}" if phase.duration else ""
        print(f"  {phase.number}. {phase.title}{d}: {len(phase.sections)} sections, "
              f"{sum(len(s.items) for s in phase.sections)} topics, {len({r.url for r in phase.resources})} resources")
    if not any(p.duration for p in roadmap.phases):
        print("no part gives a duration, so the tutor will say so when asked how long something takes")
    _print_skipped(roadmap)

    from .index import staleness

    reason = staleness(index_dir, out, settings.embedder)
    if reason is None:
        print(f"index is up to date ({index_dir})")
    else:
        from .runtime import open_index

        t0 = time.perf_counter()
        index, _ = open_index(settings)  # says on stderr why it builds
        m = index.manifest
        print(f"built {m['n_chunks']} chunks x {m['dim']} dims with {m['embedder']} in "
              f"{time.perf_counter() - t0:.1f} s -> {index_dir}")
    where = f"--corpus {_quote(out)} --index {_quote(index_dir)}"
    print("\ntry:")
    for question in example_questions(roadmap, Lookup(roadmap, load_aliases()).find):
        print(f"  tutor ask {where} {_quote(question)}")
    print(f"or open the page: tutor serve {where}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return OK


def _print_skipped(roadmap) -> None:
    if not roadmap.skipped:
        print("skipped nothing")
        return
    print(f"skipped {len(roadmap.skipped)} places that are not curriculum:")
    for line, reason in roadmap.skipped:
        print(f"  line {line}: {reason}")


def _quote(value) -> str:
    import shlex

    return shlex.quote(str(value))


def cmd_index(args, settings: Settings) -> int:
    from .index import staleness

    started = time.perf_counter()
    if args.verbose:
        from .roadmap import load

        roadmap = load(settings.corpus_dir / "roadmap.md")
        c = roadmap.counts()
        print(f"{roadmap.title}: {c['parts']} parts, {c['sections']} sections, {c['topics']} topics, "
              f"{c['resources']} resources")
        _print_skipped(roadmap)
    reason = None if args.rebuild else staleness(settings.index_dir, settings.corpus_dir, settings.embedder)
    if not args.rebuild and reason is None:
        print(f"index is up to date ({settings.index_dir}, checked in {time.perf_counter() - started:.2f} s)")
        return 0
    from .runtime import open_index, open_tutor

    index, _ = open_index(settings, rebuild=True)
    m = index.manifest
    print(f"built {m['n_chunks']} chunks x {m['dim']} dims with {m['embedder']} in "
          f"{time.perf_counter() - started:.1f} s -> {settings.index_dir}")
    started = time.perf_counter()
    tutor = open_tutor(settings, with_model=False, progress=False)
    count = tutor.facts.warm()
    kept = tutor.facts.keep(settings.index_dir)
    print(f"embedded {count} sentences that answers pick from in {time.perf_counter() - started:.1f} s"
          + ("" if kept else f" (not kept: {settings.index_dir} is not writable)"))
    return 0


def cmd_search(args, settings: Settings) -> int:
    from .runtime import open_tutor

    tutor = open_tutor(settings, with_model=False, progress=not args.json)
    t0 = time.perf_counter()
    reading = tutor.read(args.query)
    results = tutor.search(reading, k=settings.k, phase=args.phase, kind=args.kind)
    ms = (time.perf_counter() - t0) * 1000
    if args.json:
        print(json.dumps({"query": reading.question, "retrieval_ms": round(ms, 2), "best_cosine": round(results.best_dense, 4),
                          "reading": reading.to_dict(), "hits": [h.to_dict() for h in results.hits]},
                         indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(results.hits, 1):
        print(f"{n}. [{hit.score:.4f}] {hit.chunk.breadcrumb}")
        if hit.chunk.url:
            print(f"   {hit.chunk.url}")
    if not results.hits:
        print("no matches")
    print(f"({ms:.1f} ms)")
    return 0


def cmd_ask(args, settings: Settings, open_tutor=None) -> int:
    from .terminal import answer_once, console_for

    if open_tutor is None:
        from .runtime import open_tutor
    tutor = open_tutor(settings, progress=not args.json)
    if args.json:
        answer = tutor.answer(args.question).finish()
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return OK
    return answer_once(tutor, args.question, console_for())


def cmd_chat(args, settings: Settings, open_tutor=None) -> int:
    """`open_tutor(settings)` builds the tutor; by default the real one from runtime.py."""
    from .terminal import chat, console_for

    if open_tutor is None:
        from .runtime import open_tutor
    return chat(open_tutor(settings), console_for())


def cmd_models(args, settings: Settings) -> int:
    from .models import find_model, pull, read_registry

    specs = read_registry(settings.models_file)
    if args.action == "pull":
        if not args.name:
            raise UsageError("say which model to pull, e.g. `tutor models pull qwen2.5-0.5b`")
        path = pull(find_model(specs, args.name), settings.models_dir)
        print(f"{args.name}: {path}")
        return 0
    print(f"{'':2}{'name':<15}{'size':>8}  {'status':<11} source")
    for n, spec in enumerate(specs):
        status = "available" if spec.available(settings.models_dir) else "not pulled"
        mark = "*" if n == 0 else " "
        print(f"{mark} {spec.name:<15}{spec.size:>8}  {status:<11} {spec.source}")
    print("\n* default. Download with `tutor models pull NAME`; files go to", settings.models_dir)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from .evaluate import run_eval

    return run_eval(args, settings)


def cmd_bench(args, settings: Settings) -> int:
    from .bench import run_bench

    return run_bench(args, settings)


def cmd_serve(args, settings: Settings) -> int:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # Gradio reads it; set before it is first imported
    from .web.security import read_credentials

    try:  # a malformed or unreadable password is a usage error, found before anything loads
        credentials = read_credentials(args.auth, args.auth_file, os.environ.get("TUTOR_AUTH"))
    except TutorError as e:
        raise UsageError(str(e)) from None
    if settings.llm_concurrency > 1 and not settings.llm_url:
        raise UsageError("--llm-concurrency above 1 needs --llm-url: in-process llama.cpp writes one answer at a time")
    from .web import serve

    return serve(settings, credentials=credentials)


def cmd_plan(args, settings: Settings) -> int:
    from .corpus import Corpus
    from .plan import make_plan, resolve_target, to_ics, to_markdown
    from .progress import Progress, read_progress

    roadmap = Corpus.load(settings.corpus_dir).roadmap
    progress = read_progress(args.done, roadmap) if args.done else Progress(roadmap)
    if progress.unknown:
        print(f"note: {args.done} has {len(progress.unknown)} id(s) this roadmap does not have, ignored: "
              + ", ".join(progress.unknown), file=sys.stderr)
    plan = make_plan(roadmap, resolve_target(roadmap, args.target), args.hours, progress, start=args.start,
                     open_hours=args.open_hours)
    markdown = to_markdown(plan)
    if args.markdown:
        _write(args.markdown, markdown, "the plan")
    if args.ics:
        _write(args.ics, to_ics(plan), f"{len(plan.weeks)} weekly events")
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(markdown, end="")
    return OK


def _write(path: str, text: str, what: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8", newline="")  # newline="": the .ics keeps its CRLF
    except OSError as e:
        raise TutorError(f"cannot write {path}: {e.strerror}") from None
    print(f"wrote {what} to {path}", file=sys.stderr)


def cmd_quiz(args, settings: Settings) -> int:
    import random

    from .corpus import Corpus
    from .quiz import Quiz

    corpus = Corpus.load(settings.corpus_dir)
    n_phases = len(corpus.roadmap.phases)
    if args.phase is not None and corpus.roadmap.phase(args.phase) is None:
        raise UsageError(f"there is no phase {args.phase}; the roadmap has phases 1 to {n_phases}")
    if not 1 <= args.questions <= 50:
        raise UsageError(f"--questions must be between 1 and 50, got {args.questions}")
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    quiz = Quiz(corpus)
    questions = quiz.questions(args.phase, n=args.questions, seed=seed)
    if args.json:
        print(json.dumps({"phase": args.phase, "seed": seed, "questions": [q.to_dict() for q in questions]},
                         indent=2, ensure_ascii=False))
        return OK
    return _ask_quiz(quiz, questions, args, seed)


def _ask_quiz(quiz, questions, args, seed: int) -> int:
    """Questions on stdout, answers from stdin; end of input stops the quiz, not the program."""
    from .progress import Progress, read_progress, write_progress
    from .quiz import score, tickable

    where = f"Phase {args.phase}" if args.phase is not None else "the whole roadmap"
    print(f"Quiz on {where}: {len(questions)} questions (seed {seed}). An empty line skips; Ctrl-D stops.")
    results = []
    for n, q in enumerate(questions, 1):
        print(f"\n{n}/{len(questions)}. {q.text}")
        try:
            given = input("> ")
        except EOFError:
            print("\n(stopped)")
            break
        if not sys.stdin.isatty():  # answers piped in: show them, so the transcript reads as a dialogue
            print(given)
        r = quiz.check(q, given)
        results.append(r)
        mark = {"correct": "Correct.", "partly right": f"Partly right ({r.score:.0%}).", "wrong": "Not quite."}[r.verdict]
        print(f"{mark} {r.note.capitalize() + '. ' if r.note else ''}Answer: {q.answer}"
              + (f" (you named: {', '.join(r.matched)})" if q.parts and r.matched and r.score < 1 else ""))
        print(f"Source: {q.source}")
    if not results:
        return OK
    print(f"\nScore: {score(results):g} of {len(results)}.")
    passed = tickable(results)
    if not passed:
        return OK
    roadmap = quiz.roadmap
    titles = ", ".join(roadmap.node(i).title for i in passed)
    print(f"You answered every question on: {titles}.")
    if not args.done:
        print("Tick them in the page, or run the quiz with --done FILE to tick them in your progress file.")
        return OK
    path = Path(args.done)
    progress = read_progress(path, roadmap) if path.exists() else Progress(roadmap)
    new = [i for i in passed if not progress.is_done(roadmap.node(i))]
    if not new:
        print(f"They are already ticked in {path}.")
        return OK
    try:
        reply = input(f"Tick {len(new)} in {path}? [y/N] ")
    except EOFError:
        print()
        return OK
    if not sys.stdin.isatty():
        print(reply)
    if reply.strip().lower() in ("y", "yes"):
        progress = Progress(roadmap, [*progress.ticked, *new])
        write_progress(path, progress)
        print(f"Ticked. {progress.summary().splitlines()[0]}")
    return OK


COMMANDS = {
    "init": cmd_init, "index": cmd_index, "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat, "models": cmd_models,
    "eval": cmd_eval, "bench": cmd_bench, "serve": cmd_serve, "plan": cmd_plan, "quiz": cmd_quiz,
}


def run() -> int:
    """The `tutor` command. Once the work is done the process only exits: freezing the objects
    spares the exit's garbage collection over everything torch and transformers built (1.4 s)."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
