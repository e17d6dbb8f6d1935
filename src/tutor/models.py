"""The model registry (models.txt) and downloads of GGUF files.

A model is available when its file is on disk and looks whole: inside an installed PyPI
package for `pypi:` sources, or in the models folder for https sources. `pull` downloads to
`<file>.part`, resumes a partial download with an HTTP Range request when the server allows it
(else restarts from zero), and renames the file to its final name only once it is complete: the
size the server announced, a GGUF header, and the sha256 when the registry gives one. A half
file never carries the final name.

What `available` checks is cheap (four bytes and the size, never a hash): the GGUF magic, a
minimum size, and not under half the size models.txt states (the column is approximate).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .config import TutorError, sha256_file

COLUMNS = ("name", "source", "file", "size", "sha256", "chat_format", "n_ctx")
GGUF_MAGIC = b"GGUF"  # the first four bytes of every GGUF file
MIN_GGUF_BYTES = 1 << 20  # no chat model fits in less: a smaller "GGUF" is a stub or a cut file


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
        return path is not None and path.is_file() and gguf_problem(path, self) is None


def gguf_problem(path: Path, spec: ModelSpec, expected: int | None = None) -> str | None:
    """Why `path` cannot be `spec`'s model file, or None. Reads four bytes; never hashes."""
    size, magic = path.stat().st_size, _magic(path)
    if magic != GGUF_MAGIC:
        return f"it is not a GGUF file (it starts with {magic!r}, not {GGUF_MAGIC!r})"
    if expected is not None and size != expected:
        return f"it holds {size} of the {expected} bytes the server announced"
    stated = approx_bytes(spec.size)
    if size < MIN_GGUF_BYTES or (stated and size < stated // 2):
        return f"it holds only {size} bytes" + (f", not about {spec.size}" if stated else "")
    return None


def _magic(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(len(GGUF_MAGIC))


def approx_bytes(size: str) -> int | None:
    """models.txt's size column ("98MB", "~0.4GB") in bytes; None when absent or unreadable."""
    m = re.fullmatch(r"~?\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B", size.strip(), re.I)
    if not m:
        return None
    return int(float(m.group(1)) * 1000 ** " KMGT".index(m.group(2).upper() or " "))


def _plain_gguf_name(name: str) -> bool:
    """A .gguf file name that stays inside the folder it is joined to: no folders, no '..'."""
    return Path(name).name == name and "\\" not in name and name.lower().endswith(".gguf")


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
        if not _plain_gguf_name(row["file"]):
            raise TutorError(f"{path}:{lineno}: file must be a plain file name ending in .gguf, "
                             f"with no folder in it; got {row['file']!r}")
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
    how = f"run `make install` (package {spec.source[5:]})" if spec.source.startswith("pypi:") else f"run `tutor models pull {spec.name}`"
    if path is None or not path.is_file():
        raise TutorError(f"model {spec.name!r} is not on this machine: {how}")
    problem = gguf_problem(path, spec)
    if problem:
        raise TutorError(f"model {spec.name!r}: {path} is not usable: {problem}; {how} again")
    return path


def pull(spec: ModelSpec, models_dir: Path, progress: bool = True) -> Path:
    """Download `spec` into `models_dir` and return the final path."""
    import httpx

    if spec.source.startswith("pypi:"):
        return resolve_model_path(spec, models_dir)
    if not _plain_gguf_name(spec.file):
        raise TutorError(f"model {spec.name}: file {spec.file!r} must be a plain file name ending in .gguf")
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / spec.file
    if spec.available(models_dir):
        return final  # a file that is not usable is downloaded again, then replaced
    part = final.with_name(final.name + ".part")
    try:
        expected = _download(spec, part, progress)
    except httpx.HTTPError as e:
        raise TutorError(f"download of {spec.name} interrupted ({e}); run the same command again to resume") from None
    problem = gguf_problem(part, spec, expected)
    if problem:
        size = part.stat().st_size
        if _magic(part) == GGUF_MAGIC and (expected is None or size < expected):
            raise TutorError(f"download of {spec.name} is incomplete: {problem}; "
                             f"run the same command again to resume from {part}")
        part.unlink()
        raise TutorError(f"download of {spec.name} from {spec.source} failed: {problem}; the partial file was removed")
    if spec.sha256:
        digest = sha256_file(part)
        if digest != spec.sha256:
            part.unlink()
            raise TutorError(f"{spec.file}: sha256 {digest} does not match models.txt ({spec.sha256}); the partial file was removed")
    os.replace(part, final)
    return final


def _download(spec: ModelSpec, part: Path, progress: bool) -> int | None:
    """Bring `part` up to the whole of spec.source; return the full size when the server said it."""
    import httpx
    from tqdm import tqdm

    have = part.stat().st_size if part.exists() else 0
    headers = {"Accept-Encoding": "identity"}  # sizes are counted in bytes as stored, never gzipped
    if have:
        headers["Range"] = f"bytes={have}-"
    with httpx.stream("GET", spec.source, headers=headers, follow_redirects=True, timeout=30) as r:
        if r.status_code == 416:  # nothing left to send: the .part may already hold the whole file
            return _range(r.headers.get("content-range", ""))[1]
        if r.status_code not in (200, 206):
            raise TutorError(f"download of {spec.name} failed: HTTP {r.status_code} from {spec.source}")
        if r.status_code == 206:
            start, total = _range(r.headers.get("content-range", ""))
            if start != have:  # not the rest of our .part: start again from zero
                part.unlink()
                if not have:
                    raise TutorError(f"download of {spec.name} failed: {spec.source} sent a part of the file that was not asked for")
                return _download(spec, part, progress)
        else:  # 200: the whole file, whatever Range asked for, so it restarts from zero
            have = 0
            length = r.headers.get("content-length", "")
            total = int(length) if length.isdigit() else None
        with open(part, "ab" if have else "wb") as f, tqdm(
            total=total, initial=have, unit="B", unit_scale=True, desc=spec.file, disable=not progress
        ) as bar:
            for block in r.iter_bytes():  # as received, so an interruption keeps every byte
                f.write(block)
                bar.update(len(block))
    return total


def _range(header: str) -> tuple[int | None, int | None]:
    """(first byte, full size) from a Content-Range header: "bytes 100-199/1000", "bytes */1000"."""
    m = re.fullmatch(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", header.strip())
    if not m:
        return None, None
    return (int(m.group(1)) if m.group(1) else None), (int(m.group(2)) if m.group(2).isdigit() else None)
