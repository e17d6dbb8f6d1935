"""`tutor bench`: how fast the in-process model reads a prompt and writes tokens.

Two measurements:
- run_bench: raw llama.cpp prompt and decode speed next to the tutor's own time to first token
  and tokens/s, so whatever the pipeline adds shows as a ratio.
- compare_threads (`tutor bench --threads-compare`): prompt and decode speed for every
  n_threads x n_threads_batch in THREAD_COUNTS, once with the machine as it is and once next to
  a CPU-bound neighbour that the bench starts and stops itself. The configurations take turns
  (round-robin, rotated every run), so a change in load from elsewhere falls on all of them
  alike; and the load is measured and printed with the table, because a speed measured on a
  shared machine means little without it.

Decode speed is counted as the tutor counts it: tokens after the first, over the time since
the first. Left out on purpose: servers (--llm-url; their speed is the server's business), GPU
offload, and any tuning of OpenMP itself (OMP_WAIT_POLICY and friends are process environment,
which nothing below the CLI sets).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, TutorError

BENCH_QUESTIONS = [
    "What is a variational autoencoder?",
    "Explain self-attention in simple words.",
    "What does the CLIP paper do?",
    "Why learn PyTorch?",
    "What is quantization?",
]
BENCH_PROMPT = " ".join(["The roadmap moves from linear algebra to diffusion models."] * 25)  # ~250 tokens


# ---------------------------------------------------------------- the tutor against raw llama.cpp


def run_bench(args, settings: Settings) -> int:
    from .llm import LlamaCppModel
    from .runtime import open_tutor

    if settings.llm_url:
        raise TutorError("bench measures the in-process model; drop --llm-url")
    if getattr(args, "threads_compare", False):
        return run_threads_compare(args, settings)
    tutor = open_tutor(settings, progress=False)
    model = tutor.model
    if not isinstance(model, LlamaCppModel):
        raise TutorError("bench needs the in-process llama.cpp model")
    llm = model.llm
    prompt = BENCH_PROMPT
    n_prompt = len(llm.tokenize(prompt.encode()))
    raw_prompt, raw_gen = [], []
    for _ in range(args.runs):
        llm.reset()  # no prompt cache: measure the full prompt every time
        t0 = time.perf_counter()
        llm.create_completion(prompt, max_tokens=1, temperature=0.0)
        raw_prompt.append(time.perf_counter() - t0)
        stamps = [time.perf_counter() for _ in llm.create_completion(
            "Once upon a time", max_tokens=64, temperature=0.8, stream=True)]
        if len(stamps) > 1:  # decode speed, as the tutor measures it: after the first token
            raw_gen.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    started = time.perf_counter()
    tutor.reader.warm()
    tutor.facts.warm()  # as a server does at start: the answers below are a warm server's, as in eval
    facts_warm_s = time.perf_counter() - started
    ttft, llm_ttft, tps, totals, prompt_tokens = [], [], [], [], []
    for i in range(args.runs):
        a = tutor.answer(BENCH_QUESTIONS[i % len(BENCH_QUESTIONS)]).finish()
        ttft.append(a.timings["ttft_s"])
        llm_ttft.append(a.timings.get("llm_ttft_s"))
        tps.append(a.timings.get("tokens_per_s"))
        totals.append(a.timings["total_s"])
        prompt_tokens.append(a.timings.get("prompt_tokens", 0))
    p50 = statistics.median
    raw_tps = p50(raw_gen)
    tutor_tps = p50([t for t in tps if t]) if any(tps) else 0.0
    report = {
        "model": model.name, "threads": settings.threads, "runs": args.runs,
        "raw_prompt_tokens": n_prompt, "raw_prompt_s_p50": round(p50(raw_prompt), 3),
        "raw_prompt_tokens_per_s": round(n_prompt / p50(raw_prompt), 1),
        "raw_generation_tokens_per_s": round(raw_tps, 1),
        "tutor_ttft_s_p50": round(p50(ttft), 3),
        "tutor_llm_ttft_s_p50": round(p50([t for t in llm_ttft if t is not None]), 3) if any(llm_ttft) else None,
        "tutor_total_s_p50": round(p50(totals), 3),
        "tutor_tokens_per_s": round(tutor_tps, 1),
        "overhead_ratio": round(raw_tps / tutor_tps, 2) if tutor_tps else None,
        "tutor_prompt_tokens_p50": p50(prompt_tokens),
        "ttft_overhead_ratio": round(p50([t for t in llm_ttft if t]) / (p50(prompt_tokens) * p50(raw_prompt) / n_prompt), 2)
        if any(llm_ttft) and any(prompt_tokens) else None,
        "facts_warm_s": round(facts_warm_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    for key, value in report.items():
        print(f"{key:>30}: {value}")
    print("overhead_ratio: raw decode tokens/s over the tutor's decode tokens/s (1.0 = the pipeline adds nothing)")
    print("ttft_overhead_ratio: the tutor's time to its first generated token over the time raw llama.cpp")
    print("  needs to read a prompt of the same length (from raw_prompt_tokens_per_s)")
    return 0


# ---------------------------------------------------------------- threads, with and without a neighbour


THREAD_COUNTS = (1, 2)  # the machine this was built on has two cores; issue 11 compares 1 with 2

# The neighbour: one busy Python loop. It stops by itself after argv[1] seconds or once its
# parent, the bench (pid argv[2]), is gone, so not even a bench killed with SIGKILL leaves it
# spinning. The pid is passed rather than read with getppid() at start: a parent that dies
# while the child is still starting up would otherwise go unnoticed.
BUSY_LOOP = """
import os, sys, time
deadline, parent = time.monotonic() + float(sys.argv[1]), int(sys.argv[2])
while os.getppid() == parent and time.monotonic() < deadline:
    for _ in range(200_000):
        pass
"""


class Neighbour:
    """A CPU-bound child process for as long as the `with` block runs; stopped (killed and
    reaped) on the way out, however the block ends."""

    def __init__(self, max_seconds: float = 900.0):
        self.command = [sys.executable, "-c", BUSY_LOOP, str(max_seconds), str(os.getpid())]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Neighbour:
        try:
            # Its own session, as another program would be: where the kernel groups CPU time
            # by session (autogroup), a child in ours would share our share instead of competing.
            self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            raise TutorError(f"cannot start the CPU-bound neighbour for the bench: {e}") from None
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float:
        """The CPU time it has used so far, while it runs (0 where /proc is not there)."""
        return (_process_cpu_seconds(self.proc.pid) or 0.0) if self.running else 0.0


def _process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live process, from /proc/<pid>/stat (fields 14 and 15)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": field 3 is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot, from the first line of /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str | None:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return None


@dataclass
class Usage:
    """Where the machine's CPU went over the stretches of one phase: this process, the
    neighbour, and everything else (other users of the machine)."""

    wall: float = 0.0
    machine: float | None = 0.0
    ours: float = 0.0
    neighbour: float = 0.0

    def add(self, wall: float, machine: float | None, ours: float, neighbour: float) -> None:
        self.wall += wall
        self.machine = None if machine is None or self.machine is None else self.machine + machine
        self.ours += ours
        self.neighbour += neighbour

    def cores(self) -> dict:
        """Average number of busy cores over the phase: machine, neighbour, others."""
        if not self.wall:
            return {"machine": None, "neighbour": None, "others": None}
        machine = None if self.machine is None else self.machine / self.wall
        others = None if self.machine is None else max(0.0, self.machine - self.ours - self.neighbour) / self.wall
        return {"machine": _r(machine, 2), "neighbour": _r(self.neighbour / self.wall, 2), "others": _r(others, 2)}


def _our_cpu_seconds() -> float:
    """CPU time of this process, all its threads (llama.cpp's workers too), in microseconds' steps."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def measure(llm, prompt: list[int], decode_tokens: int, max_seconds: float) -> tuple[float, float, float]:
    """(prompt tokens/s, decode tokens/s, decode tokens per CPU-second) for one llama_cpp.Llama.
    The prompt is read in one batch (n_threads_batch), from an empty cache; then `decode_tokens`
    tokens are written one at a time (n_threads) after a first one, or as many as fit in
    `max_seconds`. Per CPU-second is what a core to ourselves would give; threads spinning
    while they wait for each other lower it."""
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    prompt_tps = len(prompt) / (time.perf_counter() - t0)
    start = llm.tokenize(b"Once upon a time")
    llm.reset()
    stamps: list[float] = []
    cpu = 0.0
    deadline = time.perf_counter() + max_seconds
    # generate() never stops at end-of-text, so every run writes the same number of tokens.
    for _ in llm.generate(start, temp=0.8, repeat_penalty=1.15, reset=True):
        stamps.append(time.perf_counter())
        if len(stamps) == 1:
            cpu = _our_cpu_seconds()
        if len(stamps) > decode_tokens or (len(stamps) > 1 and stamps[-1] > deadline):
            break
    tokens, cpu = len(stamps) - 1, _our_cpu_seconds() - cpu
    return prompt_tps, tokens / (stamps[-1] - stamps[0]), tokens / cpu if cpu > 0 else 0.0


def compare_threads(path: Path, name: str = "", counts: tuple[int, ...] = THREAD_COUNTS, runs: int = 3,
                    prompt_tokens: int = 256, decode_tokens: int = 64, max_seconds: float = 10.0,
                    neighbour: type[Neighbour] = Neighbour, progress: bool = True) -> dict:
    """Every (n_threads, n_threads_batch) from `counts`, without and with a neighbour, `runs`
    times each, interleaved. Returns the medians per configuration and the load it ran under."""
    from tqdm import tqdm

    from .llm import LlamaCppModel

    if runs < 1 or prompt_tokens < 2 or decode_tokens < 1:
        raise TutorError("the threads comparison needs runs >= 1, prompt_tokens >= 2 and decode_tokens >= 1")
    configs = [(t, b) for t in counts for b in counts]
    n_ctx = max(512, prompt_tokens + decode_tokens + 64)
    models = {c: LlamaCppModel(path, name=name, n_ctx=n_ctx, threads=c[0], batch_threads=c[1]) for c in configs}
    try:
        first = models[configs[0]]
        text = " ".join([BENCH_PROMPT] * (1 + prompt_tokens // 200))
        prompt = first.llm.tokenize(text.encode())[:prompt_tokens]
        samples: dict[tuple, tuple[list, list, list]] = {(c, n): ([], [], []) for n in (False, True) for c in configs}
        usage = {False: Usage(), True: Usage()}
        before = loadavg()
        bar = tqdm(total=runs * 2 * len(configs), desc="threads", unit="run", disable=not progress)
        for r in range(runs):
            order = configs[r % len(configs):] + configs[: r % len(configs)]  # no one always goes first
            for busy in (False, True):
                with neighbour() if busy else nullcontext() as nb:
                    wall, machine, ours = time.perf_counter(), _machine_busy_seconds(), _our_cpu_seconds()
                    for c in order:
                        for kept, value in zip(samples[c, busy], measure(models[c].llm, prompt, decode_tokens, max_seconds)):
                            kept.append(value)
                        bar.update()
                    if nb is not None and not nb.running:
                        raise TutorError("the CPU-bound neighbour stopped before the measurement ended")
                    end_machine = _machine_busy_seconds()
                    nb_cpu = nb.cpu_seconds() if nb is not None else 0.0
                    usage[busy].add(time.perf_counter() - wall,
                                    None if machine is None or end_machine is None else end_machine - machine,
                                    _our_cpu_seconds() - ours, nb_cpu)
        bar.close()
    finally:
        for m in models.values():
            m.llm.close()
    p50 = statistics.median
    rows = [{"threads": c[0], "batch_threads": c[1], "neighbour": busy,
             "prompt_tps": round(p50(s[0]), 1), "decode_tps": round(p50(s[1]), 1),
             "decode_tps_min": round(min(s[1]), 1), "decode_tps_max": round(max(s[1]), 1),
             "decode_per_cpu_s": round(p50(s[2]), 1)}
            for (c, busy), s in samples.items()]
    return {
        "model": name or Path(path).stem, "cores": os.cpu_count(), "runs": runs,
        "prompt_tokens": len(prompt), "decode_tokens": decode_tokens,
        "loadavg_before": before, "loadavg_after": loadavg(),
        "load": {"without_neighbour": usage[False].cores(), "with_neighbour": usage[True].cores()},
        "rows": rows,
    }


def format_threads_table(report: dict) -> str:
    """The comparison as a few lines naming the load, then a Markdown table (README-ready)."""
    lines = [
        f"{report['model']}: {report['prompt_tokens']}-token prompt, {report['decode_tokens']} decoded tokens, "
        f"{report['runs']} interleaved run(s) per configuration; medians, decode min-max in brackets",
        f"load average (1/5/15 min) before: {report['loadavg_before'] or 'unknown'}, "
        f"after: {report['loadavg_after'] or 'unknown'}; {report['cores']} cores",
    ]
    for phase, label in (("without_neighbour", "without the neighbour"), ("with_neighbour", "with the neighbour")):
        load = report["load"][phase]
        if load["machine"] is not None:
            extra = f", {load['neighbour']:.2f} of them the neighbour" if phase == "with_neighbour" else ""
            lines.append(f"{label}: {load['machine']:.2f} cores busy on average, {load['others']:.2f} of them "
                         f"other processes{extra}")
    lines += ["", "| n_threads | n_threads_batch | CPU-bound neighbour | prompt tokens/s | decode tokens/s "
                  "| decode tokens per CPU-second |", "|---:|---:|---|---:|---:|---:|"]
    for row in sorted(report["rows"], key=lambda r: (r["neighbour"], r["threads"], r["batch_threads"])):
        lines.append(f"| {row['threads']} | {row['batch_threads']} | {'yes' if row['neighbour'] else 'no'} | "
                     f"{row['prompt_tps']:.0f} | {row['decode_tps']:.1f} "
                     f"({row['decode_tps_min']:.1f}-{row['decode_tps_max']:.1f}) | {row['decode_per_cpu_s']:.0f} |")
    return "\n".join(lines)


def run_threads_compare(args, settings: Settings) -> int:
    from .models import find_model, read_registry, resolve_model_path

    if args.runs < 1:
        raise TutorError(f"--runs must be 1 or more, got {args.runs}")
    spec = find_model(read_registry(settings.models_file), settings.model)
    path = resolve_model_path(spec, settings.models_dir)
    report = compare_threads(path, name=spec.name, runs=args.runs)
    print(format_threads_table(report))
    return 0


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
