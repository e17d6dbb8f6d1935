"""Build, save, load and check the FAISS index of the corpus chunks.

index/ holds three files:
    vectors.faiss   IndexFlatIP over unit vectors: inner product equals cosine similarity.
                    Flat (exact) search is right for a corpus of a few hundred chunks.
    chunks.jsonl    one Chunk a line, in the order of the vectors
    manifest.json   what built it: embedder, dimension, corpus hash, chunker version, build time,
                    and the sha256 of the two files above

and may hold a fourth, which the manifest does not vouch for: sentences.npz, the vectors of the
sentences answers pick facts from (facts.FactPicker.keep), taken only if the embedder still gives
them (embed.Remembering.load).

Writes are atomic: the files are written to a temporary folder and moved into place, the
manifest last. A crash part-way leaves a manifest whose file hashes do not match, which `load`
reports as a broken index, so a half-written index is never used. A build that was killed
leaves its temporary folder behind; the next build removes those older than STALE_TMP_SECONDS.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import TutorError, sha256_file
from .corpus import CHUNKER_VERSION, Chunk, Corpus, corpus_fingerprint
from .embed import Embedder

VECTORS, CHUNKS, MANIFEST = "vectors.faiss", "chunks.jsonl", "manifest.json"
STALE_TMP_SECONDS = 3600  # writing the files takes seconds: an older .tmp-* is from a killed build


class IndexProblem(TutorError):
    pass


@dataclass
class Index:
    chunks: list[Chunk]
    faiss: object  # faiss.IndexFlatIP, (n, dim)
    manifest: dict

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine) for the k nearest chunks."""
        k = min(k, len(self.chunks))
        scores, ids = self.faiss.search(vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def staleness(index_dir: Path, corpus_dir: Path, embedder_name: str) -> str | None:
    """Why the index in `index_dir` cannot be used as it is, or None when it is fresh.
    Reads only the manifest and hashes the corpus files: no embedder, no FAISS."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return f"no index in {index_dir}"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return f"the index manifest {path} is unreadable ({e})"
    if not _well_formed(manifest):
        return f"the index manifest {path} is not a JSON object with a 'files' table of names and hashes"
    try:
        corpus_hash = corpus_fingerprint(corpus_dir)
    except OSError as e:
        raise TutorError(f"cannot read the corpus: {e.filename}: {e.strerror}; point --corpus at a "
                         "folder holding roadmap.md and resources/") from None
    expected = {
        "embedder": embedder_name,
        "chunker_version": CHUNKER_VERSION,
        "corpus_hash": corpus_hash,
    }
    for key, want in expected.items():
        if manifest.get(key) != want:
            return f"the index was built with {key}={manifest.get(key)!r}, now {want!r}"
    for name, digest in manifest["files"].items():
        file = Path(index_dir) / name
        if not file.exists() or sha256_file(file) != digest:
            return f"the index file {file} is missing or does not match its manifest"
    return None


def _embed_all(embedder: Embedder, texts: list[str], progress: bool, batch: int = 16) -> np.ndarray:
    """Rows in the order of `texts`, embedded longest first: a batch is padded to its longest
    text, so batches of similar lengths waste little (a 57 KB README's 267 chunks: 11.7 s in document order, 7 s like this)."""
    from tqdm import tqdm

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    batches = [order[i : i + batch] for i in range(0, len(order), batch)]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for rows in tqdm(batches, desc="embedding chunks", unit="batch", disable=not progress):
        vectors[rows] = embedder.embed_batch([texts[i] for i in rows])
    return vectors


def build(corpus: Corpus, embedder: Embedder, index_dir: Path, progress: bool = True) -> Index:
    import faiss

    started = time.perf_counter()
    chunks = corpus.chunks()
    vectors = _embed_all(embedder, [c.text for c in chunks], progress)  # (n_chunks, dim), unit rows
    table = faiss.IndexFlatIP(vectors.shape[1])
    table.add(vectors)

    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_tmp(index_dir)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_dir))
    except OSError as e:
        raise TutorError(f"cannot write the index to {index_dir} ({e.strerror}); make it writable "
                         "or point --index at another folder") from None
    try:
        faiss.write_index(table, str(tmp / VECTORS))
        with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        manifest = {
            "embedder": embedder.name,
            "dim": int(vectors.shape[1]),
            "n_chunks": len(chunks),
            "corpus_hash": corpus.fingerprint(),
            "chunker_version": CHUNKER_VERSION,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 2),
            "files": {VECTORS: sha256_file(tmp / VECTORS), CHUNKS: sha256_file(tmp / CHUNKS)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for name in (VECTORS, CHUNKS, MANIFEST):  # manifest last: it vouches for the others
            os.replace(tmp / name, index_dir / name)
    except OSError as e:
        raise TutorError(f"cannot write the index to {index_dir} ({e.strerror}: {e.filename})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Index(chunks, table, manifest)


def _well_formed(manifest) -> bool:
    """The shape `staleness` and `load` rely on; any valid JSON can sit in manifest.json."""
    files = manifest.get("files") if isinstance(manifest, dict) else None
    return isinstance(files, dict) and all(isinstance(v, str) for v in files.values())


def _remove_stale_tmp(index_dir: Path) -> None:
    for tmp in index_dir.glob(".tmp-*"):
        try:
            stale = tmp.is_dir() and time.time() - tmp.stat().st_mtime > STALE_TMP_SECONDS
        except OSError:  # removed meanwhile by another build
            continue
        if stale:
            shutil.rmtree(tmp, ignore_errors=True)


def load(index_dir: Path) -> Index:
    import faiss

    index_dir = Path(index_dir)
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text())
        if not _well_formed(manifest):
            raise IndexProblem(f"{index_dir / MANIFEST} is not a JSON object with a 'files' table of names and hashes")
        for name, digest in manifest["files"].items():
            if sha256_file(index_dir / name) != digest:
                raise IndexProblem(f"{index_dir / name} does not match its manifest (a build was interrupted?)")
        chunks = [Chunk(**json.loads(line)) for line in (index_dir / CHUNKS).read_text(encoding="utf-8").splitlines()]
        table = faiss.read_index(str(index_dir / VECTORS))
    except IndexProblem:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise IndexProblem(f"the index in {index_dir} is missing or broken ({type(e).__name__}: {e})") from None
    if table.ntotal != len(chunks) or table.d != manifest.get("dim"):
        raise IndexProblem(f"the index in {index_dir} is inconsistent: {table.ntotal} vectors, {len(chunks)} chunks")
    return Index(chunks, table, manifest)
