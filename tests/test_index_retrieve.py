import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import HashEmbedder
from tutor import embed
from tutor.config import TutorError
from tutor.corpus import Corpus
from tutor.embed import (
    Gathering,
    OnnxEmbedder,
    Remembering,
    SentenceTransformerEmbedder,
    load_embedder,
)
from tutor.guard import Guard
from tutor.index import IndexProblem, build, load, staleness
from tutor.retrieve import Retriever, clean_query


def test_build_writes_a_manifest_that_load_checks(tmp_path, real_corpus):
    built = build(real_corpus, HashEmbedder(), tmp_path, progress=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["embedder"] == "hash-embedder" and manifest["dim"] == 2048
    assert manifest["n_chunks"] == len(built.chunks) == load(tmp_path).faiss.ntotal
    assert staleness(tmp_path, real_corpus.folder, "hash-embedder") is None
    assert "embedder" in staleness(tmp_path, real_corpus.folder, "another-model")
    assert not list(tmp_path.glob(".tmp-*")), "the temporary build folder was left behind"


def test_each_chunk_keeps_its_own_vector_though_they_are_embedded_longest_first(tmp_path, real_corpus):
    class Recording(HashEmbedder):
        batches = []

        def embed_batch(self, texts):
            self.batches.append(texts)
            return super().embed_batch(texts)

    embedder = Recording()
    index = build(real_corpus, embedder, tmp_path / "index", progress=False)
    chunks = real_corpus.chunks()
    assert len(embedder.batches) > 1 and len(embedder.batches[0][0]) == max(len(c.text) for c in chunks)
    rows = index.faiss.reconstruct_n(0, len(chunks))
    assert rows == pytest.approx(HashEmbedder().embed_batch([c.text for c in chunks]))


def test_a_changed_corpus_makes_the_index_stale(tmp_path, corpus_copy):
    build(Corpus.load(corpus_copy), HashEmbedder(), tmp_path, progress=False)
    (corpus_copy / "roadmap.md").write_text((corpus_copy / "roadmap.md").read_text() + "\n")
    assert "corpus_hash" in staleness(tmp_path, corpus_copy, "hash-embedder")


def test_a_corrupt_or_missing_index_is_reported_not_crashed(tmp_path, real_corpus):
    assert "no index" in staleness(tmp_path, real_corpus.folder, "hash-embedder")
    with pytest.raises(IndexProblem, match="missing or broken"):
        load(tmp_path)
    build(real_corpus, HashEmbedder(), tmp_path, progress=False)
    (tmp_path / "chunks.jsonl").write_text("garbage")
    assert "does not match" in staleness(tmp_path, real_corpus.folder, "hash-embedder")
    with pytest.raises(IndexProblem, match="does not match its manifest"):
        load(tmp_path)


def test_a_crash_mid_build_leaves_the_old_index_usable(tmp_path, real_corpus, monkeypatch):
    build(real_corpus, HashEmbedder(), tmp_path, progress=False)
    before = (tmp_path / "manifest.json").read_text()

    class Exploding(HashEmbedder):
        def embed_batch(self, texts):
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        build(real_corpus, Exploding(), tmp_path, progress=False)
    assert (tmp_path / "manifest.json").read_text() == before
    assert load(tmp_path).faiss.ntotal > 0


def test_hybrid_search_ranks_the_obvious_chunk_first(fake_index, roadmap):
    r = Retriever(fake_index, HashEmbedder(), 60)
    top = r.search("Carl Doersch", k=5).hits
    assert top[0].chunk.title == "Tutorial on Variational Autoencoders"
    assert top[0].chunk.url == "https://arxiv.org/abs/1606.05908"


def test_boosts_bring_the_named_steps_into_the_top_5(fake_index, roadmap):
    r = Retriever(fake_index, HashEmbedder(), 60)
    steps = roadmap.after(roadmap.items[[i.title for i in roadmap.items].index("Generative Adversarial Networks (GANs)")])
    hits = r.search("what comes after GANs", k=5, boosts=[s.id for s in steps], ordered=True).hits
    assert any("Diffusion Models" in h.chunk.breadcrumb for h in hits)
    plain = r.search("what comes after GANs", k=5).hits
    assert not any("Diffusion" in h.chunk.breadcrumb for h in plain), "the boosts made the difference"


def test_filters_by_phase_and_kind(fake_index):
    r = Retriever(fake_index, HashEmbedder())
    assert {h.chunk.phase for h in r.search("models", k=10, phase=4).hits} == {4}
    papers = r.search("attention transformer", k=10, kind="paper").hits
    assert papers and all(h.chunk.resource_kind == "paper" for h in papers)


@pytest.mark.parametrize("raw, cleaned", [
    ("  what\tafter\x00 GANs\n ", "what after GANs"),
    ("x" * 100_000, "x" * 2000),
    ("¿Qué viene después de las GAN?", "¿Qué viene después de las GAN?"),
])
def test_queries_are_cleaned(raw, cleaned):
    assert clean_query(raw, 2000) == cleaned


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01"])
def test_empty_queries_get_a_clear_error(raw):
    with pytest.raises(TutorError, match="empty"):
        clean_query(raw, 2000)


def test_odd_queries_do_not_crash_search(fake_index):
    r = Retriever(fake_index, HashEmbedder())
    for q in ["x" * 2000, "日本語の質問", "!!!", "the of and"]:
        assert len(r.search(q, k=3).hits) <= 3


def test_open_index_rebuilds_a_corrupt_index(tmp_path, settings):
    import dataclasses

    from tutor.runtime import open_index

    s = dataclasses.replace(settings, index_dir=tmp_path / "idx", embedder="hash-embedder")
    first, _ = open_index(s, embedder=HashEmbedder(), progress=False)  # missing -> built
    (s.index_dir / "vectors.faiss").write_bytes(b"not faiss")
    again, _ = open_index(s, embedder=HashEmbedder(), progress=False)  # corrupt -> rebuilt
    assert again.faiss.ntotal == first.faiss.ntotal == len(again.chunks)
    assert load(s.index_dir).manifest["files"] == again.manifest["files"]


def test_remembering_embeds_each_text_once_and_forgets_the_oldest():
    class Counting(HashEmbedder):
        seen: list = []

        def embed_batch(self, texts):
            self.seen.extend(texts)
            return super().embed_batch(texts)

    inner = Counting()
    memo = Remembering(inner, size=3)
    first = memo.embed_batch(["a cat", "a dog", "a cat"])
    assert inner.seen == ["a cat", "a dog"]
    assert first == pytest.approx(HashEmbedder().embed_batch(["a cat", "a dog", "a cat"]))
    memo.embed_batch(["a dog", "a fox", "an owl"])  # four texts now: "a cat" is the oldest and goes
    assert inner.seen == ["a cat", "a dog", "a fox", "an owl"] and list(memo.vectors) == ["a dog", "a fox", "an owl"]
    memo.embed_batch(["a cat"])
    assert inner.seen[-1] == "a cat" and memo.embed_batch([]).shape == (0, inner.dim)


def test_texts_that_arrive_during_a_pass_share_the_next_one_and_each_caller_gets_its_own_rows():
    started, release = threading.Event(), threading.Event()

    class Slow(HashEmbedder):
        passes = []

        def embed_batch(self, texts):
            self.passes.append(list(texts))
            started.set()
            release.wait(5)
            if "boom" in texts:
                raise ValueError("boom")
            return super().embed_batch(texts)

    shared = Gathering(Slow())
    asked = [["a cat"], ["a dog", "a fox"], ["an owl", "a dog"], []]
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(shared.embed_batch, asked[0])
        started.wait(5)  # the first pass runs; the others arrive meanwhile
        rest = [pool.submit(shared.embed_batch, texts) for texts in asked[1:]]
        time.sleep(0.2)
        release.set()
        got = [first.result(5)] + [r.result(5) for r in rest]
    # two passes for three callers; "a dog", asked twice in one pass, is embedded once
    assert [sorted(p) for p in Slow.passes] == [["a cat"], ["a dog", "a fox", "an owl"]]
    for texts, rows in zip(asked, got):
        assert rows.shape == (len(texts), HashEmbedder.dim)
        assert rows == pytest.approx(HashEmbedder().embed_batch(texts))
    with pytest.raises(ValueError, match="boom"):
        shared.embed_batch(["boom"])
    assert shared.embed_batch(["a cat"]) == pytest.approx(HashEmbedder().embed_batch(["a cat"]))  # still working


def test_the_guard_remembers_source_sentences_but_not_the_models():
    memory = Remembering(HashEmbedder())
    source = "A variational autoencoder learns a latent space with an encoder and a decoder."
    guard = Guard([source], [], [], question="what is a VAE?", embedder=memory)
    sentence = "The variational autoencoder learns a latent space with an encoder."
    assert guard.check(sentence) == sentence
    assert list(memory.vectors) == [source]


def test_the_embedder_gives_each_text_its_own_row_whatever_the_passes(minilm, monkeypatch):
    texts = ["GANs", "A generative adversarial network trains a generator against a discriminator.", "VAEs", "LoRA"]
    alone = np.stack([minilm.embed_batch([t])[0] for t in texts])
    monkeypatch.setattr(type(minilm), "BATCH", 3)  # two passes, sorted by length, put back in order
    together = minilm.embed_batch(texts)
    assert together.shape == (4, minilm.dim) and np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert minilm.embed_batch([]).shape == (0, minilm.dim)


@pytest.mark.slow
def test_the_embedder_is_exported_once_and_then_loads_without_torch(tmp_path):
    texts = ["what should I learn after GANs?", "DDPM vs DDIM", "LoRA " * 200]  # the last one past the token limit
    first = load_embedder(cache=tmp_path)
    assert isinstance(first, OnnxEmbedder) and len(list(tmp_path.glob("*.onnx"))) == 1
    reference = SentenceTransformerEmbedder().embed_batch(texts)
    assert np.allclose(first.embed_batch(texts), reference, atol=1e-4)
    # A second process reads the exported graph: no export, and torch is never imported.
    probe = ("import sys, json; from pathlib import Path; from tutor.embed import load_embedder; "
             f"e = load_embedder(cache=Path({str(tmp_path)!r})); "
             f"print(json.dumps([type(e).__name__, 'torch' in sys.modules, e.embed_batch({texts!r}).tolist()]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    kind, torch_loaded, vectors = json.loads(out.splitlines()[-1])
    assert kind == "OnnxEmbedder" and not torch_loaded
    assert np.allclose(np.array(vectors), reference, atol=1e-4)


@pytest.mark.slow
def test_an_unreadable_exported_graph_falls_back_to_sentence_transformers(tmp_path):
    graph = embed._graph_path(Path(embed._bundled_path()), tmp_path)
    graph.parent.mkdir(parents=True, exist_ok=True)
    graph.write_bytes(b"not an onnx graph")
    graph.with_suffix(".json").write_text("{}")
    fallback = load_embedder(cache=tmp_path)
    assert isinstance(fallback, SentenceTransformerEmbedder)
    assert fallback.embed_batch(["GANs"]).shape == (1, 384)


def test_an_export_that_failed_is_not_tried_again_and_older_exports_are_removed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(embed, "SentenceTransformerEmbedder", lambda name, threads=None: "torch embedder")
    monkeypatch.setattr(embed, "_export", lambda model, graph, folder: calls.append(graph) or False)
    assert load_embedder(cache=tmp_path) == "torch embedder" and len(calls) == 1
    assert load_embedder(cache=tmp_path) == "torch embedder" and len(calls) == 1  # the marker: no second try
    graph = calls[0]
    assert graph.with_suffix(".failed").exists()

    # A later export of the same model (changed contents) clears the earlier files, and only those.
    older = [tmp_path / f"{graph.stem.rsplit('-', 1)[0]}-{'0' * 16}{ext}" for ext in (".onnx", ".json")]
    other = tmp_path / f"{graph.stem.rsplit('-', 1)[0]}-custom-{'1' * 16}.onnx"
    for f in [*older, other]:
        f.write_text("x")
    embed._forget_older(graph)
    assert not any(f.exists() for f in older) and other.exists() and graph.with_suffix(".failed").exists()
