"""The `tutor` command: index | search | ask | chat | models | eval | bench | serve.

Names and paths become objects here (via runtime.py). Each subcommand offers only the settings
it uses, with their defaults. Errors become one line on stderr and an exit code (see EXIT_CODES);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
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

    s = sub.add_parser("index", help="build the search index (only if stale)")
    s.add_argument("--rebuild", action="store_true", help="rebuild even when the index is fresh")
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
    _add_settings(s, ANSWER)

    s = sub.add_parser("serve", help="start the browser chat")
    s.add_argument("--auth", help="user:password required to open the app (other local users can see it in the "
                   "process list: prefer --auth-file or the TUTOR_AUTH environment variable)")
    s.add_argument("--auth-file", metavar="PATH", help="a file whose first line is user:password")
    s.add_argument("--allow-model-switch", dest="allow_model_switch", action="store_true", default=None,
                   help="let the page switch the model everyone shares (default: the picker is read-only)")
    _add_settings(s, ANSWER + ("llm_concurrency", "feedback_file", "host", "port"))
    return p


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


def cmd_index(args, settings: Settings) -> int:
    from .index import staleness

    started = time.perf_counter()
    reason = None if args.rebuild else staleness(settings.index_dir, settings.corpus_dir, settings.embedder)
    if not args.rebuild and reason is None:
        print(f"index is up to date ({settings.index_dir}, checked in {time.perf_counter() - started:.2f} s)")
        return 0
    from .runtime import open_index

    index, _ = open_index(settings, rebuild=True)
    m = index.manifest
    print(f"built {m['n_chunks']} chunks x {m['dim']} dims with {m['embedder']} in "
          f"{time.perf_counter() - started:.1f} s -> {settings.index_dir}")
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
    from .evaluate import run_bench

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


COMMANDS = {
    "index": cmd_index, "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat, "models": cmd_models,
    "eval": cmd_eval, "bench": cmd_bench, "serve": cmd_serve,
}


if __name__ == "__main__":
    sys.exit(main())
