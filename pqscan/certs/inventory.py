"""The file inventory: walk files and directories, describe every certificate, key and CSR found.

The walk never leaves the roots it was given: a symlink whose target resolves outside its root is
not followed, and a directory reached twice (a symlink loop) is reported, not re-entered. Every
problem is one error entry for that path; the rest of the inventory goes on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from pqscan.certs import der
from pqscan.certs.info import certificate_info, public_key_info, summarize_spki
from pqscan.certs.load import LoadedObject, UnrecognizedFormatError, load_objects
from pqscan.errors import DecodeError, UsageError
from pqscan.inputfile import os_reason, read_bytes
from pqscan.registry.oids import algorithm

DEFAULT_MAX_SIZE = 10 * 1024 * 1024

# RFC 9881 s6 / RFC 9935 s6 (reference x509_profile_rules.parse_by_tag): the privateKey CHOICE
# is told apart by its first tag, not by its length.
_KEY_FORM_BY_TAG = {0x80: "seed", 0x04: "expandedKey", 0x30: "both"}


@dataclass(frozen=True)
class FileResult:
    """One file of the inventory: the objects found in it, or why it could not be read."""

    path: str
    status: str  # "ok" | "error"
    error: str | None = None
    objects: tuple[dict[str, Any], ...] = field(default=())
    recognized: bool = True  # False: bytes of no known format (not part of the JSON)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "objects": list(self.objects),
        }


@dataclass(frozen=True)
class Inventory:
    files: tuple[FileResult, ...]
    skipped: int = 0  # files met while walking a directory that hold no known format

    @property
    def complete(self) -> bool:
        return all(f.status == "ok" for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": "1", "files": [f.to_dict() for f in self.files]}


def _private_key(obj: LoadedObject) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "private_key", "sha256": hashlib.sha256(obj.der).hexdigest()}
    if obj.encrypted:
        out.update(encrypted=True, public_key=None)
        return out
    data = obj.der
    parts = der.children(data, der.parse_whole(data))
    alg = der.algorithm_identifier(data, parts[1])
    inner = parts[2].value(data)
    # Summarise as if it were a public key of the same algorithm (curve and size still apply).
    fake = der.SPKI(alg, b"", b"")
    info = summarize_spki(fake).to_dict()
    if algorithm(alg.oid).family == "RSA":
        try:
            rsa_parts = der.children(inner, der.parse_whole(inner))
            info["size_bits"] = der.integer_value(inner, rsa_parts[1]).bit_length()
        except (DecodeError, IndexError):
            pass
    out.update(encrypted=False, public_key=info)
    if algorithm(alg.oid).family in ("ML-DSA", "ML-KEM") and inner:
        out["private_key_format"] = _KEY_FORM_BY_TAG.get(inner[0], "unknown")
    return out


def _csr(obj: LoadedObject) -> dict[str, Any]:
    data = obj.der
    outer = der.children(data, der.parse_whole(data))
    info = der.children(data, outer[0])
    spki = der.parse_spki(data, info[2])
    sig = algorithm(der.algorithm_identifier(data, outer[1]).oid)
    try:
        subject = x509.load_der_x509_csr(data).subject.rfc4514_string()
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(f"corrupt CSR: {exc}") from None
    return {
        "kind": "csr",
        "subject": subject,
        "sha256": hashlib.sha256(data).hexdigest(),
        "public_key": summarize_spki(spki).to_dict(),
        "signature_algorithm": {"name": sig.name, "oid": sig.oid},
    }


def describe(obj: LoadedObject) -> dict[str, Any]:
    """The JSON object for one loaded object (CERT fields where they apply)."""
    if obj.kind == "certificate":
        return {"kind": "certificate", **certificate_info(obj.der).to_dict()}
    if obj.kind == "public_key":
        return {
            "kind": "public_key",
            "sha256": hashlib.sha256(obj.der).hexdigest(),
            "public_key": public_key_info(obj.der),
        }
    if obj.kind == "csr":
        return _csr(obj)
    return _private_key(obj)


def read_file(path: str, max_size: int, limit_name: str = "the size limit"
              ) -> tuple[bytes | None, str | None]:
    """(data, None) or (None, one-line reason): a regular file only (a FIFO or device is
    refused, not read), size cap first, then the read itself (pqscan.inputfile)."""
    try:
        return read_bytes(path, max_size, limit_name), None
    except UsageError as exc:
        # the path is the caller's to print; the reason is what follows it
        return None, str(exc).removeprefix(f"{path}: ")


def inventory_file(path: str, password: bytes | None, max_size: int,
                   limit_name: str = "the size limit") -> FileResult:
    """Read and describe one regular file; every failure becomes an error entry."""
    data, error = read_file(path, max_size, limit_name)
    if data is None:
        return FileResult(path, "error", error)
    try:
        objects = tuple(describe(o) for o in load_objects(data, password))
    except UnrecognizedFormatError as exc:
        return FileResult(path, "error", str(exc), recognized=False)
    except DecodeError as exc:
        return FileResult(path, "error", str(exc))
    return FileResult(path, "ok", None, objects)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _walk(root: str) -> Iterator[tuple[str, str | None]]:
    """(path, error) for every file under `root`; error set for entries that cannot be visited."""
    real_root = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = os.stat(directory)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                yield directory, "directory loop (already visited through a symlink)"
                continue
            seen.add(key)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield directory, os_reason(exc)
            continue
        subdirs: list[str] = []
        for entry in entries:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not os.path.exists(target) and os.path.lexists(entry.path):
                    try:
                        os.stat(entry.path)
                    except OSError as exc:
                        yield entry.path, os_reason(exc)
                        continue
                if not _inside(target, real_root):
                    yield entry.path, "symlink points outside the root; not followed"
                    continue
            try:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif entry.is_file():
                    yield entry.path, None
            except OSError as exc:
                yield entry.path, os_reason(exc)
        stack.extend(reversed(subdirs))


def inventory(
    paths: Sequence[str], password: bytes | None = None, max_size: int = DEFAULT_MAX_SIZE,
    limit_name: str = "the size limit",
) -> Inventory:
    """Inventory every file given or found under a given directory; `limit_name` is how the
    caller names `max_size` in an error (the CLI: its flag)."""
    if isinstance(paths, str | bytes):
        raise TypeError("paths must be a sequence of path strings")
    if max_size <= 0:
        raise ValueError("max_size must be positive")
    results: list[FileResult] = []
    skipped = 0
    for root in paths:
        if os.path.isdir(root):
            for path, error in _walk(root):
                if error is not None:
                    results.append(FileResult(path, "error", error))
                    continue
                result = inventory_file(path, password, max_size, limit_name)
                # Files of no known format inside a directory (README, ciphertexts) are not errors.
                if not result.recognized:
                    skipped += 1
                    continue
                results.append(result)
        else:
            results.append(inventory_file(root, password, max_size, limit_name))
    return Inventory(tuple(results), skipped)

