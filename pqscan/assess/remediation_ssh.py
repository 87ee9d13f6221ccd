"""SSH remediation for renderers: the fixes of the shared catalogue (pqscan.assess.remediation,
data in `pqscan/data/remediation/ssh.toml`) that answer an SSH endpoint's findings, for the
product the server names in its identification line, flagged when the server is older than the
fix needs."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from pqscan.assess.remediation import Fix, fixes_for


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


def endpoint_fixes(endpoint: Mapping[str, Any]) -> list[tuple[Fix, bool | None]]:
    """(fix, server too old for it?) for the endpoint's finding codes, in catalogue order;
    only fixes for the product in the identification (RFC 4253 §4.2), each once."""
    ssh = endpoint.get("ssh")
    ident = (ssh.get("identification") if isinstance(ssh, Mapping) else None) or {}
    product = str(ident.get("product") or "").lower()
    running = _version(str(ident.get("version") or ""))
    out: list[tuple[Fix, bool | None]] = []
    seen: set[str] = set()
    for finding in endpoint.get("findings") or []:
        if not isinstance(finding, Mapping):
            continue
        for fix in fixes_for(str(finding.get("code"))):
            if fix.id in seen or fix.product.lower() != product:
                continue
            seen.add(fix.id)
            old = running < _version(fix.min_version) if running and fix.min_version else None
            out.append((fix, old))
    return out


def fix_text(fix: Fix, too_old: bool | None) -> str:
    """`CONFIG  # Product >= version; note` (+ "upgrade first" when the server is older)."""
    since = f" >= {fix.min_version}" if fix.min_version else ""
    note = f"; {fix.note}" if fix.note else ""
    old = " (this server is older: upgrade first)" if too_old else ""
    return f"{fix.config}  # {fix.product}{since}{note}{old}"
