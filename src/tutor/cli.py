"""The `tutor` command: index | search | ask | chat | models | eval | bench | serve.

Names and paths become objects here (via runtime.py). Every TutorError becomes one line on
stderr and exit code 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from .config import Settings, TutorError

SETTING_FLAGS = {  # flag -> setting name; shared by every subcommand that answers
    "--model": "model", "--llm-url": "llm_url", "--k": "k", "--temperature": "temperature",
    "--max-tokens": "max_tokens", "--threads": "threads", "--n-ctx": "n_ctx",
    "--corpus": "corpus_dir", "--index": "index_dir", "--embedder": "embedder",
    "--models-file": "models_file", "--models-dir": "models_dir", "--feedback-file": "feedback_file",
}


def _settings_parser() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    helps = {name: help for name, _, help in Settings.describe()}
    for flag, name in SETTING_FLAGS.items():
        parent.add_argument(flag, dest=name, metavar=name.upper(), help=helps[name])
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parser()
    p = argparse.ArgumentParser(prog="tutor", description="Offline tutor for the Generative AI learning roadmap.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("index", parents=[common], help="build the search index (only if stale)")
    s.add_argument("--rebuild", action="store_true", help="rebuild even when the index is fresh")

    s = sub.add_parser("search", parents=[common], help="show the ranked chunks for a query")
    s.add_argument("query")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    s.add_argument("--phase", type=int, help="only chunks from this phase")
    s.add_argument("--kind", help="only this kind: topic, section, resource, or a resource kind such as paper")

    s = sub.add_parser("ask", parents=[common], help="answer one question (streamed), then list the sources")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    sub.add_parser("chat", parents=[common], help="a terminal chat with history (Ctrl-D to quit)")

    s = sub.add_parser("models", parents=[common], help="list the models in models.txt, or pull one")
    s.add_argument("action", nargs="?", choices=["list", "pull"], default="list")
    s.add_argument("name", nargs="?", help="with pull: the model to download")

    s = sub.add_parser("eval", parents=[common], help="measure answer quality and speed on a question file")
    s.add_argument("questions")
    s.add_argument("--out", required=True, help="folder for per_question.jsonl, summary.json, report.md, report.png")
    s.add_argument("--no-llm", action="store_true", help="retrieval and curriculum only; no generation")
    s.add_argument("--limit", type=int, help="only the first N questions")
    for metric in ("hit-at-5", "mrr-at-10", "keyword-recall", "rejection-rate", "curriculum-accuracy"):
        s.add_argument(f"--min-{metric}", type=float, metavar="X", help=f"fail unless {metric.replace('-', '_')} >= X")
    s.add_argument("--max-hallucinated-links", type=int, metavar="N", help="fail if more than N invented links")

    s = sub.add_parser("bench", parents=[common], help="raw llama.cpp speed vs. the tutor's own TTFT and tokens/s")
    s.add_argument("--runs", type=int, default=5)

    s = sub.add_parser("serve", parents=[common], help="start the browser chat")
    s.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default 7860)")
    s.add_argument("--auth", help="user:password required to open the app")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    values = {name: getattr(args, name, None) for name in SETTING_FLAGS.values()}
    if getattr(args, "host", None):
        values["host"] = args.host
    if getattr(args, "port", None):
        values["port"] = args.port
    return Settings.from_overrides(**values)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings) or 0
    except TutorError as e:
        print(f"tutor: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line for the user, the traceback only on request
        if os.environ.get("TUTOR_DEBUG"):
            raise
        print(f"tutor: unexpected error ({type(e).__name__}: {e}); set TUTOR_DEBUG=1 to see where", file=sys.stderr)
        return 1


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
    results = tutor.search(reading, k=settings.k if args.k else 5, phase=args.phase, kind=args.kind)
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


def cmd_ask(args, settings: Settings) -> int:
    from .runtime import open_tutor

    tutor = open_tutor(settings, progress=not args.json)
    answer = tutor.answer(args.question)
    if args.json:
        answer.finish()
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0
    for piece in answer:
        print(piece, end="", flush=True)
    print()
    print_sources(answer.sources)
    return 0


def print_sources(hits) -> None:
    if not hits:
        return
    print("\nSources:")
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        print(f"  [{n}] {c.breadcrumb}" + (f"\n      {c.url}" if c.url else ""))


def cmd_chat(args, settings: Settings) -> int:
    from .runtime import open_tutor

    tutor = open_tutor(settings)
    history: list[dict] = []
    print("Ask about the Generative AI roadmap. Ctrl-D or 'quit' to leave.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() in ("quit", "exit"):
            return 0
        if not question:
            continue
        try:
            answer = tutor.answer(question, history)
            print("tutor> ", end="")
            for piece in answer:
                print(piece, end="", flush=True)
            print()
            print_sources(answer.sources)
        except TutorError as e:  # a bad question must not end the conversation
            print(f"tutor: {e}")
            continue
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def cmd_models(args, settings: Settings) -> int:
    from .models import find_model, pull, read_registry

    specs = read_registry(settings.models_file)
    if args.action == "pull":
        if not args.name:
            raise TutorError("say which model to pull, e.g. `tutor models pull qwen2.5-0.5b`")
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
    from .web import serve

    return serve(settings, auth=args.auth)


COMMANDS = {
    "index": cmd_index, "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat, "models": cmd_models,
    "eval": cmd_eval, "bench": cmd_bench, "serve": cmd_serve,
}


if __name__ == "__main__":
    sys.exit(main())
