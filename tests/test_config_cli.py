import json

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


def test_bad_flag_values_give_one_clear_line(capsys):
    assert main(["ask", "hi", "--temperature", "9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tutor: error: setting temperature=9.0 is out of range") and "Traceback" not in err


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
    assert main(["search", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_missing_corpus_is_reported(tmp_path, capsys):
    assert main(["search", "GANs", "--corpus", str(tmp_path), "--index", str(tmp_path / "i")]) == 2
    assert "no roadmap.md" in capsys.readouterr().err
