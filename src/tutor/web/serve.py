"""Starting the page, closed by default.

`start` is the one place that launches Gradio (serve and the tests both use it): loopback unless
told otherwise, never a share link, uploads off (any file over one byte is refused), no run
history, no monitoring dashboard, no MCP server, errors shown as chat messages rather than
tracebacks, and logins through the LoginGuard. Telemetry is switched off by the CLI before
Gradio is first imported (cli.cmd_serve), and by `analytics_enabled=False` on the Blocks.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time

import gradio as gr

from ..config import Settings
from .page import CSS, HEAD, THEME, build_app
from .security import EXPOSED, LoginGuard, is_loopback

HEADLESS = "/headless"  # the page's `ask` endpoint without the page: POST /headless/gradio_api/run/ask


def start(app: gr.Blocks, host: str = "127.0.0.1", port: int | None = None,
          credentials: tuple[str, str] | None = None, block: bool = False) -> gr.Blocks:
    guard = LoginGuard(credentials) if credentials else None  # one guard: its backoff counts both doors
    app.launch(server_name=host, server_port=port, auth=guard,
               share=False, show_error=False, quiet=True, prevent_thread_lock=True,
               max_file_size=1, run_history=False, enable_monitoring=False, mcp_server=False, ssr_mode=False,
               max_threads=100,  # waiting in the LLM lane holds a worker thread; 40 is too few under load
               css=CSS, head=HEAD, theme=THEME)
    if (headless := getattr(app, "headless", None)) is not None:
        # Mounted on the running server; its startup hook (which starts a queue) never runs, and its
        # one endpoint does not use a queue.
        gr.mount_gradio_app(app.server_app, headless, HEADLESS, auth=guard, show_error=False, max_file_size=1,
                            run_history=False, enable_monitoring=False, mcp_server=False, ssr_mode=False)
        first_request(app.local_url, credentials)
    if block:
        app.block_thread()
    return app


def first_request(url: str, credentials: tuple[str, str] | None, at_once: int = 32) -> None:
    """Ask the headless endpoint `at_once` questions at the same time, so that no learner pays for
    Gradio's first requests: the first one alone takes 0.5 s, and the first burst of 32 clients
    had graph answers wait 0.5 s (p95) against 0.2 s in every burst after it."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    def one(n: int) -> None:
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                if credentials:
                    client.post("login", data={"username": credentials[0], "password": credentials[1]})
                client.post(f"{HEADLESS.lstrip('/')}/gradio_api/run/ask",
                            json={"data": ["What are the phases?", [], []], "session_hash": f"first-request-{n}"})
        except httpx.HTTPError:  # a warm-up that fails costs the first learners a little time, nothing more
            pass

    one(0)
    with ThreadPoolExecutor(at_once) as pool:
        list(pool.map(one, range(1, at_once + 1)))


def bound_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads that allocate at the same time arenas of their own and keeps them: with
    32 requests in flight, the server's peak memory grew by about 300 MB. This is what the
    MALLOC_ARENA_MAX environment variable does, set from inside (glibc only; elsewhere a no-op)."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8: M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def warm_quietly(tutor) -> None:
    """Embed the answers' sentences not yet kept with the index, keep them, and say so. The thread
    runs at the lowest CPU priority (Linux schedules each thread on its own), but that covers only
    its own work, splitting the cards into sentences: the forward passes run on the shared
    embedder's worker (embed.Gathering), where questions that arrive meanwhile join them."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (OSError, AttributeError):  # not Linux, or not allowed: warm at the usual priority
        pass
    started = time.perf_counter()
    tutor.reader.warm()
    count = tutor.facts.warm()
    if count:  # the next start finds them with the index
        tutor.facts.keep(tutor.settings.index_dir)
        print(f"warmed up: {count} sentences embedded in {time.perf_counter() - started:.1f} s", flush=True)


def serve(settings: Settings, credentials: tuple[str, str] | None = None) -> int:
    from ..runtime import open_model, open_tutor

    bound_malloc_arenas()
    if credentials is None and not is_loopback(settings.host):
        print(EXPOSED.format(host=settings.host), file=sys.stderr)
    tutor = open_tutor(settings)
    # Every sentence an answer can show is embedded: kept with the index (`tutor index` writes them),
    # or embedded while the page is already up (about 16 s on one thread) and then kept. Until then,
    # a learner's first question about a card waits for its sentences, and a burst of them slows
    # every other answer (32 clients at once: graph answers p95 0.7 s against 0.2 s).
    threading.Thread(target=warm_quietly, args=(tutor,), name="warm-facts", daemon=True).start()
    app = build_app(tutor, settings, loader=open_model)
    start(app, settings.host, settings.port, credentials)
    # said once its first requests are answered: a script may wait for this line before it asks
    print(f"tutor is running at http://{settings.host}:{settings.port} (Ctrl-C to stop)", flush=True)
    app.block_thread()
    return 0
