"""The vector catalog: which vector files exist (shipped or under --vectors) and how to load them.

Shipped vectors live in package `pqscan.testvectors` and are read with importlib.resources.
An ACVP vector set is a directory holding prompt.json plus expectedResults.json (or
internalProjection.json); any other JSON file must be a self-contained ACVP or Wycheproof file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pqscan.conformance.vectors.acvp import is_acvp, parse_acvp
from pqscan.conformance.vectors.model import VectorGroup
from pqscan.conformance.vectors.wycheproof import is_wycheproof, parse_wycheproof
from pqscan.errors import DecodeError, Option, UsageError
from pqscan.inputfile import MAX_REPORT_BYTES, read_bytes, refuse_special

_ACVP_FILES = ("prompt.json", "expectedResults.json", "internalProjection.json",
               "registration.json")
# Files in the shipped tree that are not vectors.
_NOT_VECTORS = ("MANIFEST.json",)


class NotVectors(UsageError):
    """A file that is not vector JSON at all (warned about and skipped in a directory)."""


@dataclass(frozen=True)
class VectorSource:
    """One runnable vector set: its display name and the files (relative paths) it reads."""

    name: str
    files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"vector_set": self.name, "files": list(self.files)}


def shipped_root() -> Traversable:
    return resources.files("pqscan.testvectors")


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                out.extend(_walk(child, rel + "/"))
        else:
            out.append((rel, child))
    return out


def discover(root: Traversable) -> list[VectorSource]:
    """Every vector set under root (a directory or a single JSON file)."""
    if root.is_file():
        return [VectorSource(root.name, ("",))]
    files = [rel for rel, _ in _walk(root) if rel.endswith(".json")
             and rel.rsplit("/", 1)[-1] not in _NOT_VECTORS]
    dirs_with_prompt = {rel.rsplit("/", 1)[0] if "/" in rel else ""
                        for rel in files if rel.rsplit("/", 1)[-1] == "prompt.json"}
    sources: list[VectorSource] = []
    for d in sorted(dirs_with_prompt):
        pre = f"{d}/" if d else ""
        chosen = [f"{pre}prompt.json"]
        for answers in ("expectedResults.json", "internalProjection.json"):
            if f"{pre}{answers}" in files:
                chosen.append(f"{pre}{answers}")
                break
        sources.append(VectorSource(d or root.name, tuple(chosen)))
    for rel in files:
        d, _, name = rel.rpartition("/")
        if d in dirs_with_prompt and name in _ACVP_FILES:
            continue
        if name == "registration.json":
            continue  # ACVP capability registration: describes, never tests
        sources.append(VectorSource(rel.removesuffix(".json"), (rel,)))
    return sorted(sources, key=lambda s: s.name)


def _read_json(root: Traversable, rel: str, display_root: str) -> Any:
    node = root if rel == "" else root.joinpath(*rel.split("/"))
    where = f"{display_root}{rel}" if rel else display_root or root.name
    try:
        if isinstance(node, Path):  # a user's file: regular files only, size-capped
            return json.loads(read_bytes(node, MAX_REPORT_BYTES))
        return json.loads(node.read_bytes())
    except (OSError, ValueError) as exc:
        raise NotVectors(f"{where}: unknown vector format (not readable JSON: "
                         f"{str(exc).splitlines()[0]})") from None


@dataclass(frozen=True, slots=True)
class VectorFormat:
    """One vector file format: `detect(document)` and `parse(set name, first file, document,
    companion)` where `companion()` reads the set's second file (None when there is none)."""

    name: str
    detect: Callable[[Any], bool]
    parse: Callable[[str, str, Any, Callable[[], Any]], list[VectorGroup]]


def _acvp(name: str, first: str, data: Any, companion: Callable[[], Any]) -> list[VectorGroup]:
    if first.endswith("expectedResults.json"):
        raise DecodeError("expectedResults.json without prompt.json has no inputs")
    return parse_acvp(name, data, companion())


def _wycheproof(name: str, first: str, data: Any,
                companion: Callable[[], Any]) -> list[VectorGroup]:
    return parse_wycheproof(name, data)


# The one registry of vector formats: adding one is a parser module and a line here.
FORMATS: tuple[VectorFormat, ...] = (
    VectorFormat("acvp", is_acvp, _acvp),
    VectorFormat("wycheproof", is_wycheproof, _wycheproof),
)


def load(root: Traversable, source: VectorSource, display_root: str = "") -> list[VectorGroup]:
    """Parse one vector set; UsageError (one line naming the file) for anything unusable."""
    first = source.files[0]
    where = f"{display_root}{first}" if first else display_root or source.name
    data = _read_json(root, first, display_root)
    fmt = next((f for f in FORMATS if f.detect(data)), None)
    if fmt is None:
        raise NotVectors(f"{where}: unknown vector format (neither ACVP nor Wycheproof JSON)")

    def companion() -> Any:
        return (_read_json(root, source.files[1], display_root) if len(source.files) > 1
                else None)

    try:
        return fmt.parse(source.name, first, data, companion)
    except DecodeError as exc:
        raise UsageError(f"{where}: bad vector file: {exc}") from None


def resolve_root(path: str | None) -> tuple[Traversable, str]:
    """The root to discover under: --vectors PATH, or the shipped vectors."""
    if path is None:
        return shipped_root(), ""
    p = Path(path)
    if not p.exists():
        raise UsageError(Option("vectors"), f" {path}: no such file or directory")
    if not p.is_dir():
        refuse_special(p)  # a FIFO or device is refused, never read (issue 10 §6)
    return p, (f"{path.rstrip('/')}/" if p.is_dir() else path)
