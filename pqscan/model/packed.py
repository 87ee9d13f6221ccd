"""The packed endpoint: the second step of the compact form (`method.report_form: "compact-2"`,
issue 12 "Report size under control"; docs/json-contract.md "How much a report keeps").

It owns one thing: the lossless re-encoding of the parts of an endpoint that repeat
themselves, and reading it back. `pack_endpoint` writes, `unpack_endpoint` reads; for every
endpoint `unpack_endpoint(pack_endpoint(e)) == e`, key order included (tests/model). Each
packed shape has a different JSON type than the one it stands for, so unpacking is decided by
shape alone (a line of `--format jsonl` carries no marker) and is idempotent:

- a status map (`tls.groups`, `tls.signature_schemes`, `tls.tls12.ecdhe_curves`,
  `tls.tls12.signature_schemes`: an object name -> value) becomes a list of runs
  `[[value, "name name ..."], ...]`: consecutive names sharing one value, in the map's order
  (most of ~40 groups are `{"status": "not_supported", "via": "hrr"}`). An `inconclusive`
  entry with its reason is its own run, exact;
- a list of objects with one key order (`findings`, `verdicts`) becomes a table
  `{"columns": [...], "same": {column: value}, "rows": [[...], ...]}`: the columns once, a
  column whose value is the same scalar in every row once in `same`, the rest per row. A
  verdict table also hoists `evidence.as_of` when every verdict's evidence starts with the
  same one (`"as_of"` in the table);
- `probe_table`'s `transcript_sha256` column (64 hex) becomes `transcript_sha256_b64u`: the
  same 32 bytes in unpadded base64url (RFC 4648 section 5), 43 characters, never truncated.

Standard library only (model/ is the bottom layer); the work is linear in the endpoint's size
and copies only what it changes (issue 13: per-endpoint CPU).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

COMPACT2 = "compact-2"  # method.report_form of a report whose endpoints are packed
HASH_HEX, HASH_B64 = "transcript_sha256", "transcript_sha256_b64u"
TLS_MAPS = ("groups", "signature_schemes")
TLS12_MAPS = ("ecdhe_curves", "signature_schemes")
TABLES = ("findings", "verdicts")
# A finding message that is a pure function of its code and evidence (pqscan.assess writes
# it so): in a findings table its cell is null, and reading puts the text back. Checked per
# finding when packing (the formatted text must equal the message), so a reworded message
# in pqscan.assess is simply kept, never wrong. `{name*}`: the evidence list joined by ", ".
DERIVED_MESSAGES = {
    "alg.quantum_vulnerable": "{algorithm} ({use}, {strength_bits}-bit classical strength)",
    "exposure.auth": "classical authentication: {algorithms*}",
    "exposure.hndl": "{kex_state}: PQ-capable clients can get classical key exchange",
    "exposure.hndl_fallback": "classical-only clients get classical key exchange",
    "tls13.cipher.not_aes256": "accepted: {suites*}",
    "tls12.cipher.broken": "accepted: {suites*}",
    "kex.state.k0": "{kex_state}: PQ key exchange enforced",
    "kex.state.k1": "{kex_state}: PQ chosen whenever offered",
    "kex.state.k2": "{kex_state}: PQ supported but not preferred",
    "kex.state.k3": "{kex_state}: TLS 1.3 with classical groups only",
    "kex.state.k4": "{kex_state}: TLS <= 1.2 only, (EC)DHE",
    "kex.state.k5": "{kex_state}: TLS <= 1.2 only, RSA key transport",
}


# --- status maps: runs of one value ----------------------------------------------------------

def _same(a: Any, b: Any) -> bool:
    """Whether two values have the same JSON text (key order and True vs 1 count), cheaply
    for the common cases: a string, or a flat object of scalars (a GROUP)."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, str):
        return True
    if isinstance(a, dict):  # equal values: the same keys in order, of the same flat types?
        types = tuple(map(type, a.values()))
        if tuple(a) == tuple(b) and types == tuple(map(type, b.values())) and \
                _FLAT.issuperset(types):
            return True
    return json.dumps(a) == json.dumps(b)


_FLAT = frozenset({str, bool, int, float, type(None)})


def pack_map(entries: Any) -> Any:
    """A name -> value map as runs, or `entries` itself when it cannot be packed losslessly
    (not an object, or a name that is empty or holds a space)."""
    if not isinstance(entries, dict) or len(entries) < 2:
        return entries
    runs: list[list[Any]] = []
    last: Any = _NOTHING
    last_types: tuple[type, ...] | None = None  # of the run's value, when it is a flat dict
    names: list[str] = []
    for name, value in entries.items():
        if value == last:
            # a string status (most maps) is compared inline: ~120 entries per endpoint; a
            # flat object (a group entry) against the types of the run's value, found once
            if type(value) is str is type(last):
                names.append(name)
                continue
            if type(value) is dict is type(last):
                if last_types is None:
                    last_types = tuple(map(type, last.values()))
                if tuple(map(type, value.values())) == last_types and \
                        _FLAT.issuperset(last_types) and tuple(value) == tuple(last):
                    names.append(name)
                    continue
            if _same(value, last):
                names.append(name)
                continue
        names = [name]
        runs.append([value, names])
        last, last_types = value, None
    for run in runs:  # each run's names joined, in place
        names = run[1]
        joined = " ".join(names)
        if joined.count(" ") != len(names) - 1 or "" in names:  # a name holds a space, or ""
            return entries
        run[1] = joined
    return runs


_NOTHING = object()  # equal to no value: the first entry starts a run


class PackedError(ValueError):
    """A packed part pqscan did not write (a hostile or corrupt report): readers refuse it
    with this one line, never reading it as something else."""


def unpack_map(runs: Any) -> Any:
    if not isinstance(runs, list):
        return runs
    out: dict[str, Any] = {}
    count = 0
    for index, run in enumerate(runs):
        if not (isinstance(run, list) and len(run) == 2 and isinstance(run[1], str)):
            raise PackedError(f"[{index}]: not a run [value, \"name name ...\"]")
        names = run[1].split(" ")
        count += len(names)
        for name in names:
            out[name] = run[0]
    if count != len(out) or "" in out:
        raise PackedError("a name is empty or in two runs")
    return out


# --- lists of objects: tables ----------------------------------------------------------------

def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def derived_message(finding: Mapping[str, Any]) -> str | None:
    """The message DERIVED_MESSAGES gives `finding` (None when it gives none)."""
    template = DERIVED_MESSAGES.get(str(finding.get("code")))
    evidence = finding.get("evidence")
    if template is None or not isinstance(evidence, Mapping):
        return None
    try:
        # only a `{name*}` template needs the joining view (a copy of the evidence)
        return template.format_map(_Evidence(evidence) if "*" in template else evidence)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError):
        return None


class _Evidence(dict[str, Any]):
    """A finding's evidence for str.format_map: `name*` is the list `name` joined by ", "."""

    def __missing__(self, key: str) -> Any:
        values = self[key[:-1]] if key.endswith("*") else None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise KeyError(key)
        return ", ".join(values)


def _drop_derived(items: list[Any]) -> list[Any]:
    """Findings with a derivable message as null (unless they all have none to drop)."""
    out = [{**f, "message": None}
           if isinstance(f, dict) and isinstance(f.get("message"), str)
           and f["message"] == derived_message(f) else f for f in items]
    return out


def pack_table(items: Any, hoist_as_of: bool = False, messages: bool = False) -> Any:
    """A list of objects with one key order as a table, or `items` itself. `messages`:
    a finding's message that DERIVED_MESSAGES gives back is written as null."""
    if not isinstance(items, list) or len(items) < 2 or not isinstance(items[0], dict):
        return items
    columns = list(items[0])
    for item in items:
        if not isinstance(item, dict) or list(item) != columns:
            return items
    if messages and "message" in columns:
        items = _drop_derived(items)
    same = {}
    for column in columns:
        first = items[0][column]
        if _scalar(first):
            kind = type(first)
            for item in items:
                value = item[column]
                if type(value) is not kind or value != first:
                    break
            else:
                same[column] = first
    table: dict[str, Any] = {"columns": columns, "same": same}
    as_of = _common_as_of(items) if hoist_as_of else None
    varying = [c for c in columns if c not in same]
    rows = [[item[c] for c in varying] for item in items]
    if as_of is not None:  # every evidence is an object starting with it (_common_as_of)
        at = varying.index("evidence")
        for row in rows:
            row[at] = {k: v for k, v in row[at].items() if k != "as_of"}
        table["as_of"] = as_of
    table["rows"] = rows
    return table


def _common_as_of(items: list[dict[str, Any]]) -> str | None:
    """The `evidence.as_of` every item's evidence starts with, if one is shared."""
    first = None
    for item in items:
        evidence = item.get("evidence")
        if not isinstance(evidence, dict) or next(iter(evidence), None) != "as_of" \
                or not isinstance(evidence["as_of"], str):
            return None
        if first is None:
            first = evidence["as_of"]
        elif evidence["as_of"] != first:
            return None
    return first


def unpack_table(table: Any, messages: bool = False) -> Any:
    if not isinstance(table, dict):
        return table
    columns, same, rows = table.get("columns"), table.get("same"), table.get("rows")
    if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)
            and isinstance(same, dict) and isinstance(rows, list)):
        raise PackedError("not a table {columns, same, rows}")
    varying = [c for c in columns if c not in same]
    as_of = table.get("as_of")
    out = []
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(varying):
            raise PackedError(f"rows[{index}]: not {len(varying)} cells")
        cells = dict(zip(varying, row, strict=True))
        if as_of is not None and isinstance(cells.get("evidence"), dict):
            cells["evidence"] = {"as_of": as_of, **cells["evidence"]}
        item = {c: same[c] if c in same else cells[c] for c in columns}
        if messages and "message" in item and item["message"] is None:
            item["message"] = derived_message(item)
            if item["message"] is None:
                raise PackedError(f"rows[{index}]: no message, and none derives from it")
        out.append(item)
    return out


# --- transcript hashes ---------------------------------------------------------------------

def _b64(hex_digest: Any) -> str | None:
    """64 lowercase hex digits as 43 base64url characters; None for anything else."""
    if not isinstance(hex_digest, str) or len(hex_digest) != 64:
        return None
    try:
        raw = bytes.fromhex(hex_digest)
    except ValueError:
        return None
    if raw.hex() != hex_digest:  # upper case or white space: would not read back the same
        return None
    # base64.urlsafe_b64encode without its two Python-level wrappers (~37 per endpoint)
    return binascii.b2a_base64(raw, newline=False)[:43].translate(_URLSAFE).decode()


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _hex(b64: Any) -> Any:
    if not isinstance(b64, str) or len(b64) != 43:
        return b64
    try:
        return base64.urlsafe_b64decode(b64 + "=").hex()
    except (binascii.Error, ValueError):
        return b64


def pack_probe_table(table: Any) -> Any:
    if not isinstance(table, dict) or HASH_HEX not in (table.get("columns") or ()):
        return table
    at = table["columns"].index(HASH_HEX)
    rows = []
    b64 = _b64
    for row in table.get("rows") or ():
        if type(row) is not list and not isinstance(row, list):
            return table
        if len(row) > at and row[at] is not None:
            row = row.copy()
            row[at] = b64(row[at])
            if row[at] is None:
                return table  # not a lowercase SHA-256 hex: kept as written
        rows.append(row)
    columns = list(table["columns"])
    columns[at] = HASH_B64
    return {**table, "columns": columns, "rows": rows}


def unpack_probe_table(table: Any) -> Any:
    if not isinstance(table, dict) or HASH_B64 not in (table.get("columns") or ()):
        return table
    at = table["columns"].index(HASH_B64)
    columns = list(table["columns"])
    columns[at] = HASH_HEX
    rows = [[*row[:at], _hex(row[at]), *row[at + 1:]]
            if isinstance(row, list) and len(row) > at else row
            for row in table.get("rows") or ()]
    return {**table, "columns": columns, "rows": rows}


# --- the endpoint --------------------------------------------------------------------------

def _at(path: str, change: Any, value: Any, **options: Any) -> Any:
    try:
        return change(value, **options)
    except PackedError as exc:
        raise PackedError(f"{path}{'' if str(exc).startswith('[') else ': '}{exc}") from None


def _each_map(tls: Mapping[str, Any], change: Any) -> dict[str, Any]:
    out = dict(tls)
    for name in TLS_MAPS:
        if name in out:
            out[name] = _at(f"tls.{name}", change, out[name])
    tls12 = out.get("tls12")
    if isinstance(tls12, Mapping):
        tls12 = dict(tls12)
        for name in TLS12_MAPS:
            if name in tls12:
                tls12[name] = _at(f"tls.tls12.{name}", change, tls12[name])
        out["tls12"] = tls12
    return out


def pack_endpoint(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """`endpoint` packed (a new dict sharing what did not change; `endpoint` is unchanged)."""
    out = dict(endpoint)
    if isinstance(out.get("tls"), Mapping):
        out["tls"] = _each_map(out["tls"], pack_map)
    if "findings" in out:
        out["findings"] = pack_table(out["findings"], messages=True)
    if "verdicts" in out:
        out["verdicts"] = pack_table(out["verdicts"], hoist_as_of=True)
    if "probe_table" in out:
        out["probe_table"] = pack_probe_table(out["probe_table"])
    return out


def unpack_endpoint(endpoint: Any) -> Any:
    """`endpoint` with every packed part read back (a new dict); anything else unchanged.
    PackedError (a ValueError) naming the part, e.g. "tls.groups[3]: ...", for a packed part
    pqscan did not write."""
    if not isinstance(endpoint, Mapping):
        return endpoint
    out = dict(endpoint)
    if isinstance(out.get("tls"), Mapping):
        out["tls"] = _each_map(out["tls"], unpack_map)
    for name in TABLES:
        if name in out:
            out[name] = _at(name, unpack_table, out[name], messages=name == "findings")
    if "probe_table" in out:
        out["probe_table"] = unpack_probe_table(out["probe_table"])
    return out


UNPACKED = "compact"  # the form a packed report has once its endpoints are unpacked


def unpacked_method(method: Any) -> Any:
    """A report's (or store run's) `method` as it reads once its endpoints are unpacked."""
    if isinstance(method, Mapping) and method.get("report_form") == COMPACT2:
        return {**method, "report_form": UNPACKED}
    return method


def pack_method(method: dict[str, Any]) -> dict[str, Any]:
    """The `method` of a report whose unpacked compact endpoints are written packed again
    (`store export`); `method` itself when its endpoints are not compact (left as they are)."""
    if method.get("report_form") == UNPACKED:
        return {**method, "report_form": COMPACT2}
    return method


def unpack_report(report: dict[str, Any]) -> dict[str, Any]:
    """A loaded report with its endpoints unpacked (in place; returned). Only a report that
    says it is packed is touched: an older one reads exactly as written. PackedError naming
    "endpoints[i].PART" for a packed part pqscan did not write."""
    method = report.get("method")
    if not isinstance(method, Mapping) or method.get("report_form") != COMPACT2:
        return report
    endpoints = report.get("endpoints")
    if isinstance(endpoints, list):
        for index, endpoint in enumerate(endpoints):
            try:
                endpoints[index] = unpack_endpoint(endpoint)
            except PackedError as exc:
                raise PackedError(f"endpoints[{index}].{exc}") from None
    report["method"] = unpacked_method(method)
    return report
