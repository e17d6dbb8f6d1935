"""Gold questions -> per-question records, summary.json, report.md, report.png (`tutor bench` is in bench.py).

Every question goes through Tutor.answer, the same pipeline as the chat. Source matching: a
retrieved source matches an expected string when the string equals its url (ignoring a
trailing slash) or is a case-insensitive substring of its title or breadcrumb.
"""

from __future__ import annotations

import json
import math
import re
import resource
import subprocess
import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .config import ROOT, Settings, TutorError, sha256_file

REQUIRED = ("id", "question", "answerable")
ORDER_KINDS = ("next", "prereq", "duration")


# ---------------------------------------------------------------- input


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Turn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    role: Literal["user", "assistant"]
    content: str


class Question(BaseModel):
    """One line of a question file. Strict, because the metrics trust the types: an expected
    source "GAN Lab" given as a string instead of a list would be matched letter by letter, and
    an empty string matches every source."""

    model_config = ConfigDict(strict=True, extra="allow")  # unknown fields are kept as they are
    id: str
    question: str
    answerable: bool
    expected_sources: list[Text] = []
    expected_keywords: list[Annotated[list[Text], Field(min_length=1)]] = []  # groups of aliases
    history: list[Turn] = []
    kind: Text = "other"


def load_questions(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_bytes().split(b"\n")
    except OSError as e:
        raise TutorError(f"cannot read {path}: {e.strerror}") from None
    questions, seen = [], set()
    for lineno, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise TutorError(f"{path}:{lineno}: not valid UTF-8 (byte {raw[e.start]:#04x} at column {e.start + 1})") from None
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except ValueError as e:
            raise TutorError(f"{path}:{lineno}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(q, dict):
            raise TutorError(f"{path}:{lineno}: each line must be a JSON object")
        missing = [f for f in REQUIRED if f not in q]
        if missing:
            raise TutorError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
        try:
            q = Question.model_validate(q).model_dump()
        except ValidationError as e:
            raise TutorError(f"{path}:{lineno}: {_first_error(e)}") from None
        if q["id"] in seen:
            raise TutorError(f"{path}:{lineno}: duplicate id {q['id']!r}")
        seen.add(q["id"])
        questions.append(q)
    if not questions:
        raise TutorError(f"{path}: no questions")
    return questions


def _first_error(e: ValidationError) -> str:
    """'expected_keywords[0][1]: Input should be a valid string', and how many more there are."""
    err = e.errors()[0]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in err["loc"]).lstrip(".")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return f"{where}: {err['msg']}{more}"


# ---------------------------------------------------------------- metrics


def matches(expected: str, source: dict) -> bool:
    e = expected.strip()
    if e.rstrip("/").lower() == (source.get("url") or "").rstrip("/").lower() and e:
        return True
    # A heading as the roadmap writes it names its chunk: "Phase 2: ... (2-3 months)" is "Phase 2: ...".
    names = {e.lower(), re.sub(r"\s*\([^()]*\)\s*$", "", e).lower()} - {""}
    return any(n in source.get("title", "").lower() or n in source.get("breadcrumb", "").lower() for n in names)


def by_file(expected: list[str], corpus) -> list[str]:
    """Sources named by their corpus file ("gan-lab.md", "topics/diffusion-models.md") as the titles
    the retriever's sources carry. "roadmap.md" names no source in particular and is left out."""
    titles = {Path(c.path).name.lower(): c.title for c in corpus.cards if c.path}
    titles |= {Path(n.path).name.lower(): n.topic for n in corpus.notes.values()}
    out = []
    for e in expected:
        name = Path(e.strip()).name.lower()
        if name == "roadmap.md":
            continue
        out.append(titles.get(name, e) if name.endswith(".md") else e)
    return list(dict.fromkeys(out))


def retrieval_scores(expected: list[str], sources: list[dict]) -> dict:
    """Binary relevance against the expected strings. nDCG@10 is the standard one: each expected
    string counts once (the first source that matches it), and the ideal ranking puts one
    relevant source per expected string at the top."""
    relevant = [any(matches(e, s) for e in expected) for s in sources[:10]]
    first = next((i for i, r in enumerate(relevant) if r), None)
    credited: set[str] = set()
    dcg = 0.0
    for i, s in enumerate(sources[:10]):
        new = [e for e in expected if e not in credited and matches(e, s)]
        if new:
            credited.add(new[0])
            dcg += 1 / math.log2(i + 2)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(expected), 10)))
    found = [e for e in expected if any(matches(e, s) for s in sources[:5])]
    return {
        "hit_at_1": float(first == 0),
        "hit_at_5": float(first is not None and first < 5),
        "recall_at_5": len(found) / len(expected),
        "mrr_at_10": 1 / (first + 1) if first is not None else 0.0,
        "ndcg_at_10": dcg / ideal if ideal else 0.0,
    }


# The eval's own text checks, kept apart from guard.py on purpose: a sentence or link the guard
# misses must still be counted here.
LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]\"']+|\barxiv(?:\.org/abs/|:\s*)\d{4}\.\d{4,5}", re.I)
FUNCTION_WORDS = frozenset("""a an the and or but of for to in on at by with from into as is are was were be been
    being it its this that these those there here which who what when where why how do does did can could will would
    should may might must has have had not no so than then also very more most such each other their they them
    you your we our i me my he she his her one two about over under after before while both between through""".split())


def _eval_words(text: str) -> list[str]:
    out = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        if w in FUNCTION_WORDS or w.isdigit():
            continue
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _sentences(text: str) -> list[str]:
    text = re.sub(r"^>\s*\*[^*]*\*\s*", "", text.strip())  # the explanation's label
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\[])|\n+", text) if s.strip()]


def answer_scores(q: dict, answer: str, sources: list[str], parts: list[dict], corpus_refs: set[str]) -> dict:
    """Keyword recall (all of the answer, and per part), links outside the corpus, citations,
    and the model's sentences: faithful to their cited sources, degenerate, or repeated."""
    groups = q["expected_keywords"]

    def recall(text: str) -> float | None:
        low = text.lower()
        return sum(any(a.lower() in low for a in g) for g in groups) / len(groups) if groups else None

    data = " ".join(p["text"] for p in parts if p["kind"] == "data")
    model = " ".join(p["text"] for p in parts if p["kind"] == "model")
    refs = [m.group(0).rstrip("/.,;").lower() for m in LINK.finditer(answer)]
    refs = [r if r.startswith(("http", "www")) else re.sub(r"\D*(\d{4}\.\d{4,5})", r"\1", r) for r in refs]
    citations = [int(n) for n in re.findall(r"\[(\d+)\]", answer)]
    model_sentences = _sentences(model)
    faithful, degenerate, repeated = [], 0, 0
    seen = [set(_eval_words(s)) for s in _sentences(data)]
    for s in model_sentences:
        words = _eval_words(re.sub(r"\[\d+\]", "", s))
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", s) if 1 <= int(n) <= len(sources)]
        support = set(_eval_words(" ".join(sources[n - 1] for n in cited) if cited else " ".join(sources)))
        support |= set(_eval_words(q["question"]))
        faithful.append(float(all(w in support for w in words)) if words else 0.0)
        if len(words) < 3 or s.rstrip().endswith(":") or re.fullmatch(r"[\W\d]*", s):
            degenerate += 1
        mine = set(words)
        if mine and any(len(mine & o) / len(mine | o) >= 0.8 for o in seen if o):
            repeated += 1
        seen.append(mine)
    hits = recall(answer)
    return {
        "keyword_recall": hits,
        "key_hit": float(hits == 1.0) if hits is not None else None,
        "keyword_recall_data": recall(data),
        "keyword_recall_model": recall(model) if model else None,
        "hallucinated_links": sum(r not in corpus_refs for r in refs),
        "citations": len(citations),
        "valid_citations": sum(1 <= n <= len(sources) for n in citations),
        "model_sentences": len(model_sentences),
        "faithful_sentences": sum(faithful),
        "degenerate_sentences": degenerate,
        "repeated_sentences": repeated,
    }


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def _pct(values, p: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return round(values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))], 4)


def summarise(records: list[dict], llm: bool) -> dict:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    with_sources = [r for r in answerable if r["expected_sources"]]
    out = {"n": len(records), "errors": sum(bool(r["scores"].get("error")) for r in records)}
    out["retrieval"] = {m: _mean(r["scores"].get(m) for r in with_sources)
                        for m in ("hit_at_1", "hit_at_5", "recall_at_5", "mrr_at_10", "ndcg_at_10")}
    if llm:
        def total(metric):
            return sum(r["scores"].get(metric) or 0 for r in records)

        cits, shown = total("citations"), total("model_sentences")
        open_kinds = [r for r in answerable if r["kind"] in ("concept", "resource")]
        out["answer"] = {
            "keyword_recall": _mean(r["scores"].get("keyword_recall") for r in answerable),
            "key_hit": _mean(r["scores"].get("key_hit") for r in answerable),
            "curriculum_accuracy": _mean(r["scores"].get("key_hit") for r in answerable if r["kind"] in ORDER_KINDS),
            "open_keyword_recall": _mean(r["scores"].get("keyword_recall") for r in open_kinds),
            "open_key_hit": _mean(r["scores"].get("key_hit") for r in open_kinds),
            "keyword_recall_data": _mean(r["scores"].get("keyword_recall_data") for r in answerable),
            "keyword_recall_model": _mean(r["scores"].get("keyword_recall_model") for r in answerable),
            "hallucinated_links": total("hallucinated_links"),
            "citation_validity": round(total("valid_citations") / cits, 4) if cits else 1.0,
            "model_sentences": shown,
            "faithfulness": round(total("faithful_sentences") / shown, 4) if shown else None,
            "degenerate_sentences": total("degenerate_sentences"),
            "repeated_sentences": total("repeated_sentences"),
        }
    # a question of the order whose subject the reading found (named, referred to, or a named work's topic);
    # a clarifying question or a start from nothing counts as not found
    asks_order = [r for r in answerable if r["kind"] in (*ORDER_KINDS, "phase")]
    out["reading"] = {"subject_found": _mean(float(bool(r.get("reading") and (r["reading"]["subjects"] or r["reading"]["followup"]
                                                                                  or r["reading"]["resource"]))) for r in asks_order)}
    out["abstention"] = {
        "rejection_rate": _mean(float(r["abstained"]) for r in unanswerable),
        "false_refusal_rate": _mean(float(r["abstained"]) for r in answerable),
    }
    t = [r["timings"] for r in records]
    out["speed"] = {
        "read_ms_p50": _pct([x.get("read_ms") for x in t], 50),
        "read_ms_p95": _pct([x.get("read_ms") for x in t], 95),
        "retrieval_ms_p50": _pct([x.get("retrieval_ms") for x in t], 50),
        "retrieval_ms_p95": _pct([x.get("retrieval_ms") for x in t], 95),
        "ttft_s_p50": _pct([x.get("ttft_s") for x in t], 50),
        "ttft_s_p95": _pct([x.get("ttft_s") for x in t], 95),
        "llm_ttft_s_p50": _pct([x.get("llm_ttft_s") for x in t], 50),
        "total_s_p50": _pct([x.get("total_s") for x in t], 50),
        "total_s_p95": _pct([x.get("total_s") for x in t], 95),
        "tokens_per_s": _mean(x.get("tokens_per_s") or None for x in t),
    }
    return out


# ---------------------------------------------------------------- the run


def run_eval(args, settings: Settings) -> int:
    from tqdm import tqdm

    from .runtime import open_model, open_tutor

    if args.limit is not None and args.limit < 1:
        raise TutorError(f"--limit must be 1 or more, got {args.limit}")
    questions = load_questions(Path(args.questions))
    if args.limit:
        questions = questions[: args.limit]
    out = Path(args.out)
    try:  # now, not after every question has been answered
        out.mkdir(parents=True, exist_ok=True)
        open(out / "per_question.jsonl", "w").close()
    except OSError as e:
        raise TutorError(f"cannot write to --out {out}: {e.strerror}; choose another folder") from None
    llm = not args.no_llm

    tutor = open_tutor(settings, with_model=False, progress=False)
    questions = [{**q, "expected_sources": by_file(q["expected_sources"], tutor.corpus)} for q in questions]
    model_load_s = None
    if llm:
        started = time.perf_counter()
        tutor.model = open_model(settings)
        tutor.model.warm_up()
        model_load_s = round(time.perf_counter() - started, 3)
    facts_warm_s = None
    if llm:  # as the server does at start: the timings are a warm server's, not a first question's
        started = time.perf_counter()
        tutor.reader.warm()
        if tutor.facts.warm():
            tutor.facts.keep(settings.index_dir)
        facts_warm_s = round(time.perf_counter() - started, 3)
    corpus_refs = _corpus_refs(tutor)

    records = []
    with open(out / "per_question.jsonl", "w", encoding="utf-8") as rows:
        for q in tqdm(questions, desc="evaluating", unit="q"):
            records.append(_evaluate_one(tutor, q, llm, corpus_refs))
            rows.write(json.dumps(records[-1], ensure_ascii=False) + "\n")
            rows.flush()  # as they come: a run stopped half-way keeps every answer so far

    summary = summarise(records, llm)
    summary["speed"]["model_load_s"] = model_load_s
    summary["speed"]["facts_warm_s"] = facts_warm_s
    summary["speed"]["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    summary["config"] = _config(settings, tutor, Path(args.questions), llm)
    kinds = sorted({r["kind"] for r in records})
    summary["by_kind"] = {k: summarise([r for r in records if r["kind"] == k], llm) for k in kinds}

    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "report.md").write_text(_report(summary, records, llm))
    _chart(summary, out / "report.png")
    print(_headline(summary))
    print(f"wrote {out}/per_question.jsonl, summary.json, report.md, report.png")
    return _check_thresholds(args, summary)


def _evaluate_one(tutor, q: dict, llm: bool, corpus_refs: set[str]) -> dict:
    try:
        answer = tutor.answer(q["question"], q["history"], generate=llm).finish()
    except TutorError as e:  # an empty question in the file: counts as refused, run goes on
        return _record(q, [], "", True, {}, {"error": str(e)})
    except Exception as e:  # a bug on one question must not lose the rest of the run, nor hide: it scores as wrong
        failed = retrieval_scores(q["expected_sources"], []) if q["expected_sources"] else {}  # nothing found
        if q["answerable"] and q["expected_keywords"]:
            failed |= {"keyword_recall": 0.0, "key_hit": 0.0, "keyword_recall_data": 0.0}
        return _record(q, [], "", False, {}, failed | {"error": f"{type(e).__name__}: {e}"})
    sources = [h.to_dict() for h in answer.sources]
    text = answer.text if llm else ""
    scores = retrieval_scores(q["expected_sources"], sources) if q["expected_sources"] else {}
    if llm:
        parts = answer.to_dict()["parts"]
        scores.update(answer_scores(q, text, [h.chunk.text for h in answer.sources], parts, corpus_refs))
    record = _record(q, sources, text, answer.abstained, answer.timings, scores, answer.route)
    record["reading"] = answer.reading.to_dict() if answer.reading else None
    record["parts"] = answer.to_dict()["parts"] if llm else []
    return record


def _record(q, sources, text, abstained, timings, scores, route="") -> dict:
    return {"id": q["id"], "question": q["question"], "kind": q["kind"], "answerable": q["answerable"],
            "expected_sources": q["expected_sources"], "expected_keywords": q["expected_keywords"],
            "sources": sources, "answer": text, "abstained": abstained, "route": route, "scores": scores,
            "timings": {k: timings.get(k) for k in ("read_ms", "retrieval_ms", "ttft_s", "llm_ttft_s", "total_s", "tokens_per_s")}}


def _corpus_refs(tutor) -> set[str]:
    refs = {c.url.rstrip("/.,;").lower() for c in tutor.retriever.chunks if c.url}
    for c in tutor.retriever.chunks:
        refs.update(re.findall(r"\d{4}\.\d{4,5}", f"{c.text} {c.url}"))
    return refs


def _config(settings: Settings, tutor, questions: Path, llm: bool) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=5).stdout.strip() or "unknown"
    except OSError:
        commit = "unknown"
    model_path = getattr(tutor.model, "path", None)
    return {
        "git_commit": commit,
        "model": (tutor.model.name if tutor.model else None) if llm else None,
        "model_sha256": sha256_file(model_path) if llm and model_path else None,
        "llm_url": settings.llm_url or None,
        "embedder": settings.embedder,
        "index_manifest_sha256": sha256_file(settings.index_dir / "manifest.json"),
        "k": settings.k, "threads": settings.threads, "seed": settings.seed,
        "temperature": settings.temperature, "max_tokens": settings.max_tokens,
        "questions_sha256": sha256_file(questions),
    }


THRESHOLDS = {  # flag attribute -> (section, metric, direction)
    "min_hit_at_5": ("retrieval", "hit_at_5", ">="),
    "min_mrr_at_10": ("retrieval", "mrr_at_10", ">="),
    "min_keyword_recall": ("answer", "keyword_recall", ">="),
    "min_rejection_rate": ("abstention", "rejection_rate", ">="),
    "min_curriculum_accuracy": ("answer", "curriculum_accuracy", ">="),
    "max_hallucinated_links": ("answer", "hallucinated_links", "<="),
}


def _check_thresholds(args, summary: dict) -> int:
    failed = []
    for flag, (section, metric, op) in THRESHOLDS.items():
        want = getattr(args, flag, None)
        if want is None:
            continue
        got = summary.get(section, {}).get(metric)
        if got is None:
            failed.append(f"{metric} was not measured (needs {'the LLM' if section == 'answer' else 'answerable questions'})")
        elif (op == ">=" and got < want) or (op == "<=" and got > want):
            failed.append(f"{metric} = {got} is not {op} {want}")
    for line in failed:
        print(f"tutor eval: threshold not met: {line}")
    return 1 if failed else 0


def _headline(s: dict) -> str:
    r, a, sp = s["retrieval"], s["abstention"], s["speed"]
    crashed = f"  errors={s['errors']}" if s.get("errors") else ""
    line = (f"n={s['n']}{crashed}  hit@5={r['hit_at_5']}  mrr@10={r['mrr_at_10']}  rejection={a['rejection_rate']}  "
            f"false_refusal={a['false_refusal_rate']}  subject_found={s['reading']['subject_found']}  retrieval p95={sp['retrieval_ms_p95']} ms")
    if "answer" in s:
        line += (f"\nkeyword_recall={s['answer']['keyword_recall']}  curriculum_accuracy={s['answer']['curriculum_accuracy']}  "
                 f"hallucinated_links={s['answer']['hallucinated_links']}  ttft p50={sp['ttft_s_p50']} s  total p95={sp['total_s_p95']} s")
    return line


def _report(summary: dict, records: list[dict], llm: bool) -> str:
    lines = ["# tutor evaluation", "", f"{summary['n']} questions; config: `{json.dumps(summary['config'])}`", ""]
    for section in ("retrieval", "answer", "reading", "abstention", "speed"):
        if section not in summary:
            continue
        lines += [f"## {section}", "", "| metric | all | " + " | ".join(summary["by_kind"]) + " |",
                  "|---|---|" + "---|" * len(summary["by_kind"])]
        for metric, value in summary[section].items():
            per_kind = [summary["by_kind"][k].get(section, {}).get(metric) for k in summary["by_kind"]]
            lines.append(f"| {metric} | {_fmt(value)} | " + " | ".join(_fmt(v) for v in per_kind) + " |")
        lines.append("")
    lines += ["## failures", ""]
    failures = 0
    for r in records:
        why = [f"crashed ({r['scores']['error']})"] if r["scores"].get("error") else []
        if r["answerable"] and r["expected_sources"] and r["scores"].get("hit_at_5") == 0.0:
            why.append("no expected source in the top 5")
        if r["answerable"] and r["abstained"]:
            why.append("refused an answerable question")
        if not r["answerable"] and not r["abstained"]:
            why.append("answered an unanswerable question")
        if llm and r["scores"].get("key_hit") == 0.0:
            why.append("missing keywords")
        if llm and r["scores"].get("hallucinated_links"):
            why.append("link or arXiv id outside the corpus")
        if not why:
            continue
        failures += 1
        got = "; ".join(s["breadcrumb"] for s in r["sources"][:3]) or "(none)"
        lines += [f"- **{r['id']}** ({r['kind']}) {r['question']!r}: {', '.join(why)}",
                  f"  - expected: {r['expected_sources'] or '(refusal)'} {r['expected_keywords'] or ''}",
                  f"  - got: {got}" + (f"; answer: {r['answer'][:200]!r}" if llm else "")]
    if not failures:
        lines.append("none")
    return "\n".join(lines) + "\n"


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _chart(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(summary["by_kind"])
    metrics = [("retrieval", "hit_at_5"), ("retrieval", "mrr_at_10"), ("answer", "key_hit"),
               ("abstention", "rejection_rate")]
    metrics = [m for m in metrics if m[0] in summary]
    fig, ax = plt.subplots(figsize=(max(6, len(kinds) * 1.1), 4))
    width = 0.8 / len(metrics)
    for i, (section, metric) in enumerate(metrics):
        values = [summary["by_kind"][k].get(section, {}).get(metric) or 0 for k in kinds]
        ax.bar([x + i * width for x in range(len(kinds))], values, width, label=metric)
    ax.set_xticks([x + width * (len(metrics) - 1) / 2 for x in range(len(kinds))], kinds, rotation=30)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"tutor eval by kind of question (n={summary['n']})")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
