"""The real app (python app.py, real models) driven in headless Chromium and through gradio_client.

Debian's chromium is installed by `make test` (Makefile target `browser`); Playwright cannot
download its own browser here.
"""

import json
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from gradio_client import Client

from conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "screenshots"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("app") / "app.log"
    feedback = log.parent / "feedback.jsonl"
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--feedback-file", str(feedback)],
                            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        pytest.fail("the app did not start within 120 s")
    yield SimpleNamespace(url=url, feedback=feedback, pid=proc.pid)
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def ask_in_page(page, question: str) -> str:
    page.wait_for_selector("#question textarea")
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_selector("#chat >> text=Sources", timeout=60_000)
    return page.inner_text("#chat")


def test_ask_in_the_browser_then_tick_and_reload(app, browser):
    url, feedback = app.url, app.feedback
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    answer = ask_in_page(page, "What should I learn after GANs?")
    assert "Diffusion" in answer and "First Implementation Projects" in answer
    assert page.locator("#chat a[href='https://arxiv.org/abs/2208.11970']").count() >= 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "answer.png"), full_page=True)

    # Thumbs up lands in the feedback log with the question and the sources.
    page.locator("#chat button[aria-label='Like']").last.click()
    deadline = time.time() + 10
    while time.time() < deadline and not (feedback.exists() and feedback.read_text().strip()):
        time.sleep(0.2)
    vote = json.loads(feedback.read_text().splitlines()[-1])
    assert vote["vote"] == "up" and vote["question"] == "What should I learn after GANs?" and vote["sources"]

    # Tick a topic, reload, and find it still ticked.
    box = page.get_by_label("Linear Algebra", exact=True)
    box.check()
    page.wait_for_timeout(1000)  # the tick is written to localStorage by a round trip to the server
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_timeout(1500)
    assert page.get_by_label("Linear Algebra", exact=True).is_checked()
    assert not page.get_by_label("Calculus", exact=True).is_checked()
    context.close()


def test_progress_changes_what_next_in_the_browser(browser, app):
    url = app.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    for topic in ["Linear Algebra", "Probability & Statistics", "Calculus"]:
        page.get_by_label(topic, exact=True).check()
    page.wait_for_timeout(1000)
    assert "Python Programming" in ask_in_page(page, "What should I learn next?")
    context.close()


def test_the_real_app_answers_through_gradio_client(app):
    url = app.url
    client = Client(url, verbose=False)
    out = client.predict("What should I learn after GANs?", [], [], api_name="/ask")
    assert "Diffusion Models" in out["answer"]
    question = [{"role": "user", "content": [{"type": "text", "text": "What is the CLIP paper about?"}]}]
    history = client.predict(question, [], 4, 160, 0.2, api_name="/chat")
    reply = history[-1]["content"]
    reply = reply if isinstance(reply, str) else "".join(p.get("text", "") for p in reply)
    assert "**Sources**" in reply and "CLIP" in reply


QUESTIONS = ["What should I learn after GANs?", "How long is phase {n}?", "What is the CLIP paper about?"]


def test_load_16_clients_3_questions_each(app):
    """Every request answered, none lost or mixed up; throughput and p95 go to the report."""
    url = app.url

    def client_session(n: int):
        client = Client(url, verbose=False)
        results = []
        for template in QUESTIONS:
            question = template.format(n=n % 6 + 1)
            started = time.perf_counter()
            out = client.submit(question, [], [], api_name="/ask").result(timeout=300)
            results.append((question, out, time.perf_counter() - started))
        return results

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        sessions = list(pool.map(client_session, range(16)))
    wall = time.perf_counter() - started
    latencies = []
    for n, results in enumerate(sessions):
        assert len(results) == 3
        for question, out, seconds in results:
            assert out["question"] == question, "an answer went to the wrong request"
            assert out["answer"].strip()
            latencies.append(seconds)
        assert f"{['1-2', '2-3', '2-3', '3-4', '3-4', 'Ongoing'][n % 6]}" in results[1][1]["answer"]
    p95 = statistics.quantiles(latencies, n=20)[18]
    status = Path(f"/proc/{app.pid}/status").read_text()
    peak_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    report = {"clients": 16, "requests": len(latencies), "wall_s": round(wall, 2), "server_peak_rss_mb": round(peak_mb),
              "throughput_rps": round(len(latencies) / wall, 2), "latency_p50_s": round(statistics.median(latencies), 2),
              "latency_p95_s": round(p95, 2)}
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "load-report.json").write_text(json.dumps(report, indent=2) + "\n")
    print("load test:", report)
    assert len(latencies) == 48
