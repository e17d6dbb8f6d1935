"""`tutor bench --threads-compare`: the table, the CPU-bound neighbour, and one real comparison."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.bench import BUSY_LOOP, Neighbour, compare_threads, format_threads_table
from tutor.cli import main
from tutor.config import Settings
from tutor.models import read_registry, resolve_model_path


def gone(pid: int, within: float = 10.0) -> bool:
    """True once `pid` has exited (a zombie counts: it runs no more)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def report(rows, load=None) -> dict:
    return {"model": "m", "cores": 2, "runs": 3, "prompt_tokens": 256, "decode_tokens": 64,
            "loadavg_before": "0.50 0.40 0.30", "loadavg_after": "1.50 0.60 0.35",
            "load": load or {"without_neighbour": {"machine": 1.02, "neighbour": 0.0, "others": 0.03},
                             "with_neighbour": {"machine": 2.0, "neighbour": 0.98, "others": 0.04}},
            "rows": rows}


def row(threads, batch, neighbour, prompt, decode):
    return {"threads": threads, "batch_threads": batch, "neighbour": neighbour, "prompt_tps": prompt,
            "decode_tps": decode, "decode_tps_min": decode - 1, "decode_tps_max": decode + 1,
            "decode_per_cpu_s": decode * 1.5}


# ---------------------------------------------------------------- the table


def test_the_table_names_the_load_and_lists_idle_rows_before_neighbour_rows():
    text = format_threads_table(report([row(2, 2, True, 40.0, 2.4), row(1, 1, False, 880.4, 120.0),
                                        row(1, 1, True, 700.0, 110.2), row(2, 2, False, 1500.0, 140.0)]))
    assert "before: 0.50 0.40 0.30, after: 1.50 0.60 0.35; 2 cores" in text
    assert "without the neighbour: 1.02 cores busy on average, 0.03 of them other processes" in text
    assert "with the neighbour: 2.00 cores busy on average, 0.04 of them other processes, 0.98 of them the neighbour" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| n_threads | n_threads_batch | CPU-bound neighbour |")
    assert table[1:] == ["| 1 | 1 | no | 880 | 120.0 (119.0-121.0) | 180 |",
                         "| 2 | 2 | no | 1500 | 140.0 (139.0-141.0) | 210 |",
                         "| 1 | 1 | yes | 700 | 110.2 (109.2-111.2) | 165 |",
                         "| 2 | 2 | yes | 40 | 2.4 (1.4-3.4) | 4 |"]


def test_without_proc_the_table_still_prints_and_says_the_load_is_unknown():
    unknown = {"machine": None, "neighbour": None, "others": None}
    r = report([row(1, 1, False, 10.0, 5.0)], load={"without_neighbour": unknown, "with_neighbour": unknown})
    r["loadavg_before"] = r["loadavg_after"] = None
    text = format_threads_table(r)
    assert "before: unknown, after: unknown" in text and "cores busy" not in text
    assert "| 1 | 1 | no | 10 | 5.0 (4.0-6.0) | 8 |" in text


# ---------------------------------------------------------------- the neighbour


def test_the_neighbour_runs_inside_the_block_and_is_stopped_after_it():
    with Neighbour() as nb:
        assert nb.running
        pid = nb.proc.pid
    assert not nb.running and gone(pid)


def test_the_neighbour_is_stopped_when_the_block_fails():
    with pytest.raises(RuntimeError, match="measurement broke"):
        with Neighbour() as nb:
            pid = nb.proc.pid
            raise RuntimeError("measurement broke")
    assert not nb.running and gone(pid)


def test_the_neighbour_stops_itself_after_its_time_limit():
    nb = Neighbour(max_seconds=0.2).__enter__()  # never told to stop
    try:
        nb.proc.wait(timeout=20)
        assert nb.proc.returncode == 0
    finally:
        nb.stop()


def test_the_neighbour_stops_itself_when_the_bench_dies_first():
    """A parent that exits without stopping it (as a bench killed with SIGKILL would)."""
    orphan_maker = ("import os, subprocess, sys\n"
                    f"p = subprocess.Popen([sys.executable, '-c', {BUSY_LOOP!r}, '600', str(os.getpid())],\n"
                    "                     stdout=subprocess.DEVNULL)\n"
                    "print(p.pid, flush=True)\n")
    out = subprocess.run([sys.executable, "-c", orphan_maker], capture_output=True, text=True, timeout=30)
    assert gone(int(out.stdout)), "the orphaned busy loop kept running"


def test_bench_offers_the_comparison_and_refuses_a_server(capsys):
    assert main(["bench", "--threads-compare", "--llm-url", "http://127.0.0.1:9/v1"]) == 1
    assert "drop --llm-url" in capsys.readouterr().err


# ---------------------------------------------------------------- the real model


@pytest.mark.slow
def test_a_tiny_real_comparison_has_every_configuration_and_stops_every_neighbour():
    started = []

    class Recorded(Neighbour):
        def __enter__(self):
            started.append(super().__enter__())
            return started[-1]

    spec = read_registry(Settings().models_file)[0]
    r = compare_threads(resolve_model_path(spec, Settings().models_dir), name=spec.name, runs=1,
                        prompt_tokens=8, decode_tokens=3, max_seconds=2.0, neighbour=Recorded, progress=False)
    assert {(x["threads"], x["batch_threads"], x["neighbour"]) for x in r["rows"]} == {
        (t, b, n) for t in (1, 2) for b in (1, 2) for n in (False, True)}
    assert all(x["prompt_tps"] > 0 and x["decode_tps"] > 0 and x["decode_per_cpu_s"] >= 0 for x in r["rows"]), r["rows"]
    assert r["prompt_tokens"] == 8 and r["decode_tokens"] == 3
    assert len(started) == 1 and not started[0].running and gone(started[0].proc.pid)
    assert r["load"]["with_neighbour"]["neighbour"] is None or r["load"]["with_neighbour"]["neighbour"] > 0
    table = format_threads_table(r)
    assert sum(line.startswith("| 1 ") or line.startswith("| 2 ") for line in table.splitlines()) == 8
