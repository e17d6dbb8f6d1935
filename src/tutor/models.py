"""The model registry (models.txt) and downloads of GGUF files.

A model is available when its file is on disk: inside an installed PyPI package for `pypi:`
sources, or in the models folder for https sources. `pull` downloads to `<file>.part`, resumes
a partial download with an HTTP Range request when the server allows it (else restarts), checks
the sha256 when the registry gives one, and only then renames the file to its final name, so a
half file never carries the final name.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from .config import TutorError, sha256_file

COLUMNS = ("name", "source", "file", "size", "sha256", "chat_format", "n_ctx")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    source: str  # "pypi:<package>" or an https URL
    file: str
    size: str
    sha256: str  # "" when not given
    chat_format: str  # "" = the template stored in the GGUF
    n_ctx: int

    def path(self, models_dir: Path) -> Path | None:
        """Where the GGUF is (or would be) on this machine; None if its package is not installed."""
        if self.source.startswith("pypi:"):
            spec = importlib.util.find_spec(self.source[5:])  # find_spec does not run the package
            if spec is None or not spec.submodule_search_locations:
                return None
            return Path(spec.submodule_search_locations[0]) / self.file
        return Path(models_dir) / self.file

    def available(self, models_dir: Path) -> bool:
        path = self.path(models_dir)
        return path is not None and path.is_file()


def read_registry(path: Path) -> list[ModelSpec]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise TutorError(f"cannot read the model registry {path}: {e.strerror}") from None
    specs = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split()
        if len(cols) != len(COLUMNS):
            raise TutorError(f"{path}:{lineno}: expected {len(COLUMNS)} columns ({' '.join(COLUMNS)}), got {len(cols)}")
        row = dict(zip(COLUMNS, ("" if c == "-" else c for c in cols)))
        if not (row["source"].startswith("pypi:") or row["source"].startswith(("https://", "http://"))):
            raise TutorError(f"{path}:{lineno}: source must be pypi:<package> or an http(s) URL")
        try:
            n_ctx = int(row.pop("n_ctx"))
        except ValueError:
            raise TutorError(f"{path}:{lineno}: n_ctx must be a whole number") from None
        specs.append(ModelSpec(**row, n_ctx=n_ctx))
    if not specs:
        raise TutorError(f"{path}: no models listed")
    return specs


def find_model(specs: list[ModelSpec], name: str) -> ModelSpec:
    for spec in specs:
        if spec.name == name:
            return spec
    raise TutorError(f"unknown model {name!r}; models.txt lists: {', '.join(s.name for s in specs)}")


def resolve_model_path(spec: ModelSpec, models_dir: Path) -> Path:
    path = spec.path(models_dir)
    if path is None or not path.is_file():
        how = f"run `make install` (package {spec.source[5:]})" if spec.source.startswith("pypi:") else f"run `tutor models pull {spec.name}`"
        raise TutorError(f"model {spec.name!r} is not on this machine: {how}")
    return path


def pull(spec: ModelSpec, models_dir: Path, progress: bool = True) -> Path:
    """Download `spec` into `models_dir` and return the final path."""
    import httpx
    from tqdm import tqdm

    if spec.source.startswith("pypi:"):
        return resolve_model_path(spec, models_dir)
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / spec.file
    if final.is_file():
        return final
    part = final.with_name(final.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with httpx.stream("GET", spec.source, headers=headers, follow_redirects=True, timeout=30) as r:
            if r.status_code == 416:  # the .part already holds the whole file
                pass
            elif r.status_code not in (200, 206):
                raise TutorError(f"download of {spec.name} failed: HTTP {r.status_code} from {spec.source}")
            else:
                if r.status_code == 200:  # the server ignored Range: start again from zero
                    have = 0
                total = int(r.headers.get("content-length", 0)) + have or None
                with open(part, "ab" if have else "wb") as f, tqdm(
                    total=total, initial=have, unit="B", unit_scale=True, desc=spec.file, disable=not progress
                ) as bar:
                    for block in r.iter_bytes():  # as received, so an interruption keeps every byte
                        f.write(block)
                        bar.update(len(block))
    except httpx.HTTPError as e:
        raise TutorError(f"download of {spec.name} interrupted ({e}); run the same command again to resume") from None
    if spec.sha256:
        digest = sha256_file(part)
        if digest != spec.sha256:
            part.unlink()
            raise TutorError(f"{spec.file}: sha256 {digest} does not match models.txt ({spec.sha256}); the partial file was removed")
    os.replace(part, final)
    return final
