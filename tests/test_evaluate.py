import json
import math
from types import SimpleNamespace

import pytest

from tutor.config import TutorError
from tutor.evaluate import (
    _check_thresholds,
    answer_scores,
    by_file,
    load_questions,
    matches,
    retrieval_scores,
    summarise,
)

GAN_LAB = {"title": "GAN Lab", "url": "https://poloclub.github.io/ganlab/",
           "breadcrumb": "Phase 3: Generative AI Foundations › Early Generative Architectures › GAN Lab"}
OTHER = {"title": "Calculus", "url": "", "breadcrumb": "Phase 1: Foundations › Calculus"}


def test_source_matching_rule():
    assert matches("https://poloclub.github.io/ganlab", GAN_LAB)  # trailing slash ignored
    assert matches("early generative", GAN_LAB)  # substring of the breadcrumb, any case
    assert not matches("https://poloclub.github.io", GAN_LAB)
    assert not matches("GAN Lab", OTHER)
    assert matches("Phase 3: Generative AI Foundations (2-3 months)", GAN_LAB)  # the heading as the roadmap writes it
    assert not matches("Phase 1: Foundations (1-2 months)", GAN_LAB)


def test_sources_named_by_their_corpus_file(real_corpus):
    named = by_file(["attention-is-all-you-need.md", "topics/activation-functions.md", "roadmap.md", "GAN Lab",
                     "no-such-card.md"], real_corpus)
    assert named[0] == next(c.title for c in real_corpus.cards if c.path.endswith("attention-is-all-you-need.md"))
    assert named[1:] == ["Activation Functions", "GAN Lab", "no-such-card.md"]  # roadmap.md names no source


def test_retrieval_scores_by_hand():
    s = retrieval_scores(["GAN Lab"], [OTHER, GAN_LAB, OTHER])
    assert s["hit_at_1"] == 0.0 and s["hit_at_5"] == 1.0 and s["mrr_at_10"] == 0.5
    assert s["recall_at_5"] == 1.0 and 0 < s["ndcg_at_10"] < 1
    many = retrieval_scores(["Phase 3"], [GAN_LAB, GAN_LAB, GAN_LAB])
    assert many["ndcg_at_10"] == pytest.approx(1.0)  # never above 1 when several chunks match
    # Standard nDCG: the ideal ranking holds one relevant source per expected string.
    two = retrieval_scores(["GAN Lab", "Nowhere"], [GAN_LAB, OTHER])
    assert two["ndcg_at_10"] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert retrieval_scores(["GAN Lab"], [OTHER] * 6)["mrr_at_10"] == 0.0


def test_answer_scores_count_invented_links_and_bad_citations():
    q = {"expected_keywords": [["diffusion"], ["Phase 4", "fourth phase"]], "question": "after GANs?"}
    answer = "Diffusion comes in Phase 4 [1], see https://made.up/x and arXiv:2401.00001 [3]."
    parts = [{"kind": "data", "text": answer}]
    s = answer_scores(q, answer, ["diffusion models phase", "other"], parts, {"https://poloclub.github.io/ganlab"})
    assert s["keyword_recall"] == 1.0 and s["key_hit"] == 1.0 and s["keyword_recall_data"] == 1.0
    assert s["hallucinated_links"] == 2 and s["citations"] == 2 and s["valid_citations"] == 1


def test_model_sentences_are_scored_apart_from_the_facts():
    q = {"expected_keywords": [["ReLU"], ["tanh"]], "question": "Which activation functions should I know?"}
    data = "- **Activation Functions**: ReLU, sigmoid, tanh [1]"
    model = ("ReLU, sigmoid and tanh are the activation functions [1]. Sigmoid: 3. "
             "Activation functions include dropout layers [1]. ReLU, sigmoid and tanh are the activation functions [1].")
    parts = [{"kind": "data", "text": data}, {"kind": "model", "text": model}]
    s = answer_scores(q, data + "\n\n" + model, ["Activation Functions: ReLU, sigmoid, tanh"], parts, set())
    assert s["model_sentences"] == 4
    assert s["faithful_sentences"] == 3  # "dropout layers" is in no source
    assert s["degenerate_sentences"] == 1  # "Sigmoid: 3."
    assert s["repeated_sentences"] == 2  # the facts line said it; then the model said it twice
    assert s["keyword_recall_data"] == 1.0 and s["keyword_recall_model"] == 1.0


def test_question_files_keep_unknown_fields_and_name_bad_lines(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"id": "a", "question": "GANs?", "answerable": True, "note": "kept"}) + "\n\n")
    q = load_questions(f)[0]
    assert q["note"] == "kept" and q["expected_sources"] == [] and q["kind"] == "other"
    f.write_text('{"id": "a", "question": "x", "answerable": true}\n{"id": "a", "question": "y", "answerable": true}\n')
    with pytest.raises(TutorError, match="q.jsonl:2: duplicate id 'a'"):
        load_questions(f)
    f.write_text('{"id": "a", "question": "x", "answerable": "yes"}\n')
    with pytest.raises(TutorError, match="q.jsonl:1: answerable: Input should be a valid boolean"):
        load_questions(f)


def test_thresholds_name_what_failed(capsys):
    summary = {"retrieval": {"hit_at_5": 0.9, "mrr_at_10": 0.9}, "abstention": {"rejection_rate": 1.0}}
    args = SimpleNamespace(min_hit_at_5=0.95, min_mrr_at_10=0.85, min_keyword_recall=0.5)
    assert _check_thresholds(args, summary) == 1
    out = capsys.readouterr().out
    assert "hit_at_5 = 0.9 is not >= 0.95" in out and "keyword_recall was not measured" in out
    assert "mrr_at_10" not in out


def test_subject_found_counts_order_questions_whose_reading_named_something():
    def row(kind, reading):
        return {"kind": kind, "answerable": True, "abstained": False, "scores": {}, "timings": {}, "reading": reading,
                "expected_sources": []}
    named = {"subjects": [{"id": "phase-3"}], "followup": [], "resource": None}
    nothing = {"subjects": [], "followup": [], "resource": None}
    records = [row("next", named), row("phase", nothing), row("duration", None), row("concept", nothing)]
    assert summarise(records, llm=False)["reading"]["subject_found"] == pytest.approx(1 / 3, abs=1e-3)
