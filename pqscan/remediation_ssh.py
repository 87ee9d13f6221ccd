"""SSH remediation lines: `pqscan/data/remediation/ssh.toml` read once, and the lines that
answer an endpoint's findings (for renderers). Data, not code: a later issue generalises it."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Fix:
    id: str
    applies_to: tuple[str, ...]
    product: str
    config: str
    min_version: str
    source: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "product": self.product, "config": self.config,
                "min_version": self.min_version, "source": self.source, "note": self.note}

    @property
    def text(self) -> str:
        note = f"; {self.note}" if self.note else ""
        return f"{self.config}  # {self.product} >= {self.min_version}{note}"


@lru_cache(maxsize=1)
def ssh_fixes() -> tuple[Fix, ...]:
    text = resources.files("pqscan.data").joinpath("remediation/ssh.toml").read_text("utf-8")
    return tuple(Fix(**{**e, "applies_to": tuple(e["applies_to"])})
                 for e in tomllib.loads(text)["fix"])


def _version(text: str) -> tuple[int, ...]:
    """"9.2p1" -> (9, 2); () when there is no leading number."""
    parts = []
    for piece in text.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, piece))
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) < len(piece):
            break
    return tuple(parts)


def fixes_for(endpoint: Mapping[str, Any]) -> list[tuple[Fix, bool | None]]:
    """(fix, server too old for it?) for the findings the endpoint has, in file order; only
    fixes for the product the server names in its identification (RFC 4253 §4.2)."""
    codes = {str(f.get("code")) for f in endpoint.get("findings") or []
             if isinstance(f, Mapping)}
    ssh = endpoint.get("ssh")
    ident = (ssh.get("identification") if isinstance(ssh, Mapping) else None) or {}
    product = str(ident.get("product") or "").lower()
    running = _version(str(ident.get("version") or ""))
    out: list[tuple[Fix, bool | None]] = []
    for fix in ssh_fixes():
        if codes.intersection(fix.applies_to) and fix.product.lower() == product:
            out.append((fix, running < _version(fix.min_version) if running else None))
    return out
