"""The vector-run report (`VectorRun`, the document): table, JSON (schema_version "1"), JUnit
XML, Markdown and HTML. Each `run_*` function is registered in pqscan.report.render.RENDERERS
under the document kind "vectors".

A run holds rows (implementation, group result). The table aggregates per implementation,
family and operation so that it fits 120 columns; every group row is in JSON / HTML / JUnit.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from pqscan.conformance.vectors.model import GroupResult, VectorGroup
from pqscan.model.junit import JUnitCase, JUnitSuite, junit_xml

SCHEMA_VERSION = "1"
WIDTH = 120
Row = tuple[str, GroupResult]
_FAMILY = {"acvp": None, "ML-KEM": "ml-kem", "ML-DSA": "ml-dsa", "SLH-DSA": "slh-dsa"}
_COUNTS = ("passed", "failed", "skipped")


def family(r: GroupResult) -> str:
    ps = r.parameter_set
    return next((f for prefix, f in _FAMILY.items() if f and ps.startswith(prefix)), "other")


def _rows(rows: Sequence[Row] | Sequence[GroupResult], impl: str) -> list[Row]:
    return [r if isinstance(r, tuple) else (impl, r) for r in rows]


def _sum(rows: Sequence[Row]) -> dict[str, int]:
    return {k: sum(getattr(r, k) for _, r in rows) for k in _COUNTS}


def to_dict(impl: str, results: Sequence[Row] | Sequence[GroupResult],
            errors: Sequence[str] = (), warnings: Sequence[str] = (),
            groups: Sequence[VectorGroup] = ()) -> dict[str, Any]:
    rows = _rows(results, impl)
    impls = list(dict.fromkeys(i for i, _ in rows)) or [impl]
    families = sorted({family(r) for _, r in rows})
    return {
        "schema_version": SCHEMA_VERSION,
        "impl": impl,
        "impls": impls,
        "results": [{"impl": i, "family": family(r), **r.to_dict()} for i, r in rows],
        "totals": _sum(rows),
        "families": {f: {i: _sum([x for x in rows if x[0] == i and family(x[1]) == f])
                         for i in impls} for f in families},
        "disagreements": [{"impl": i, "vector_set": r.vector_set, "group": r.group,
                           "parameter_set": r.parameter_set, "reason": r.reason}
                          for i, r in rows if r.failed],
        **breakdown(groups, rows),
        "errors": list(errors),
        "warnings": list(warnings),
    }


def render_json(impl: str, results: Sequence[Row] | Sequence[GroupResult],
                errors: Sequence[str] = (), warnings: Sequence[str] = (),
                groups: Sequence[VectorGroup] = ()) -> str:
    return json.dumps(to_dict(impl, results, errors, warnings, groups), indent=2)


def _aggregate(rows: Sequence[Row]) -> list[list[Any]]:
    agg: dict[tuple[str, str, str], list[Any]] = {}
    for impl, r in rows:
        kind = "differential" if r.vector_set == "differential" else r.vector_set.split("/")[0]
        key = (impl, family(r), kind)
        entry = agg.setdefault(key, [impl[:24], family(r), kind, 0, 0, 0, ""])
        entry[3] += r.passed
        entry[4] += r.failed
        entry[5] += r.skipped
        if r.reason and not entry[6] and (r.failed or not r.passed):
            entry[6] = r.reason
    out = list(agg.values())
    for entry in out:  # the note column gets what is left of 120 columns
        note = str(entry[6])
        entry[6] = note if len(note) <= 40 else note[:37] + "..."
    return out


def render_table(impl: str, results: Sequence[Row] | Sequence[GroupResult],
                 groups: Sequence[VectorGroup] = ()) -> str:
    rows = _rows(results, impl)
    # Implementations are numbered so that long or similar names stay apart in 120 columns.
    names = list(dict.fromkeys(i for i, _ in rows))
    alias = {n: f"[{k}] {n.split()[0]}" for k, n in enumerate(names, 1)}
    aliased = [(alias[i], r) for i, r in rows]
    table = tabulate(_aggregate(aliased), headers=["implementation", "family", "source",
                                                   "passed", "failed", "skipped",
                                                   "note (details: JSON)"], tablefmt="simple")
    lines = ([f"implementation: {impl}"] if len(names) < 2 else
             [f"implementation [{k}]: {n}" for k, n in enumerate(names, 1)]) + [table]
    doc = to_dict(impl, aliased)
    for fam, per_impl in doc["families"].items():
        parts = [f"{i} {c['passed']}/{c['failed']}/{c['skipped']}"
                 for i, c in per_impl.items() if any(c.values())]
        lines.append(f"{fam}: " + ", ".join(parts) + " (passed/failed/skipped)")
    detail = breakdown(groups, aliased)
    for kind in ("test_types", "wycheproof_flags"):
        for label, per_impl in sorted(detail[kind].items()):
            bad = [f"{i} {c['failed']}" for i, c in per_impl.items() if c["failed"]]
            if bad:
                lines.append(f"failed {label}: " + ", ".join(bad))
    totals = doc["totals"]
    lines.append(f"total: {totals['passed']} passed, {totals['failed']} failed, "
                 f"{totals['skipped']} skipped in {len({(r.vector_set, r.group) for _, r in rows})}"
                 " groups")
    # Columns: 24 + 7 + 12 + 3 x 7 + 40 + 6 gaps of 2 = 116; summary lines are cut at 120.
    return "\n".join(line[:WIDTH] for line in "\n".join(lines).splitlines())


def render_markdown(impl: str, results: Sequence[Row] | Sequence[GroupResult]) -> str:
    rows = _rows(results, impl)
    body = tabulate(_aggregate(rows), headers=["implementation", "family", "source", "passed",
                                               "failed", "skipped", "note"], tablefmt="github")
    fails = [f"- **{i}** {r.vector_set} {r.group} [{r.parameter_set}]: {r.reason}"
             for i, r in rows if r.failed]
    return (f"# pqscan vectors: {impl}\n\n{body}\n\n## Failures\n\n"
            + ("\n".join(fails) if fails else "none") + "\n")


def render_html(impl: str, results: Sequence[Row] | Sequence[GroupResult]) -> str:
    rows = _rows(results, impl)
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            i, family(r), r.vector_set, r.group, r.parameter_set, r.passed, r.failed, r.skipped,
            r.reason or "")) + "</tr>\n" for i, r in rows)
    head = "".join(f"<th>{h}</th>" for h in ("implementation", "family", "vector set", "group",
                                             "parameter set", "passed", "failed", "skipped",
                                             "reason"))
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>pqscan vectors: "
            f"{html.escape(impl)}</title></head><body>\n<h1>pqscan vectors: {html.escape(impl)}"
            f"</h1>\n<table>\n<tr>{head}</tr>\n{cells}</table>\n</body></html>\n")


def render_junit(impl: str, results: Sequence[Row] | Sequence[GroupResult]) -> str:
    """JUnit XML: one testcase per implementation and vector group; failures list tcIds."""
    cases = []
    for i, r in _rows(results, impl):
        name = f"{r.group} [{r.parameter_set}]" + (f" ({i})" if i != impl else "")
        counts = f"passed={r.passed} failed={r.failed} skipped={r.skipped}"
        if r.failed:
            cases.append(JUnitCase(r.vector_set, name, "failure", r.reason or "failed",
                                   text="failing tcIds: " + ", ".join(
                                       str(t) for t in r.failed_tc_ids), system_out=counts))
        elif not r.passed:
            cases.append(JUnitCase(r.vector_set, name, "skipped", r.reason or "skipped",
                                   system_out=counts))
        else:
            cases.append(JUnitCase(r.vector_set, name, system_out=counts))
    return junit_xml([JUnitSuite(f"pqscan vectors ({impl})", tuple(cases))])


@dataclass(frozen=True, slots=True)
class VectorRun:
    """The document of one `pqscan vectors run`: the rows and what was loaded."""

    impl: str
    rows: tuple[Row, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    groups: tuple[VectorGroup, ...] = ()


def run_json(run: VectorRun) -> str:
    return render_json(run.impl, run.rows, run.errors, run.warnings, run.groups)


def run_table(run: VectorRun) -> str:
    return render_table(run.impl, run.rows, run.groups)


def run_markdown(run: VectorRun) -> str:
    return render_markdown(run.impl, run.rows)


def run_html(run: VectorRun) -> str:
    return render_html(run.impl, run.rows)


def run_junit(run: VectorRun) -> str:
    return render_junit(run.impl, run.rows)


def breakdown(groups: Sequence[VectorGroup], rows: Sequence[Row]) -> dict[str, Any]:
    """Per test type and per Wycheproof flag: {label: {impl: {passed, failed, skipped}}}.

    A case counts under its test type and under each of its flags; rows are matched to their
    group by (vector set, group), and a case neither passed nor failed counts as skipped.
    """
    by_key = {(g.vector_set, g.group): g for g in groups}
    out: dict[str, dict[str, dict[str, dict[str, int]]]] = {"test_types": {},
                                                             "wycheproof_flags": {}}
    for impl, r in rows:
        g = by_key.get((r.vector_set, r.group))
        if g is None:
            continue  # cross-check rows have no vector cases
        passed, failed = set(r.passed_tc_ids), set(r.failed_tc_ids)
        for c in g.cases:
            verdict = ("passed" if c.tc_id in passed else
                       "failed" if c.tc_id in failed else "skipped")
            labels = [("test_types", c.test_type)] + [("wycheproof_flags", f) for f in c.flags]
            for kind, label in labels:
                counts = out[kind].setdefault(label, {}).setdefault(
                    impl, dict.fromkeys(_COUNTS, 0))
                counts[verdict] += 1
    return out


def render_vector_sets_table(document: dict[str, Any]) -> str:
    """`pqscan vectors list`: one row per vector set."""
    return tabulate([(r["vector_set"], r["groups"], r["cases"], " ".join(r["ops"]))
                     for r in document["vector_sets"]],
                    headers=["vector set", "groups", "cases", "ops"])
