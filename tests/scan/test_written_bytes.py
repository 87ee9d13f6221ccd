"""The bytes `pqscan scan` writes for real nginx endpoints do not change by accident (issue 13,
session 7: the writer was made cheaper without changing one byte of its output), whether an
endpoint is judged in this process or in a worker (`--workers N`: pqscan.cli.scanrun.Judged).

tests/data/report/nginx-unjudged.json holds two real Debian nginx endpoints (ECDSA P-256 and
RSA 2048) as the scanner built them; nginx-lines.jsonl the lines the writer made of them before
that work (PROVENANCE.md). A deliberate change to judging regenerates the golden lines with
`.venv/bin/python tests/scan/test_written_bytes.py` (and says so in its commit).
"""

from __future__ import annotations

import io
import json
import pickle
from datetime import date
from pathlib import Path
from typing import Any

from pqscan.cli.scanrun import EndpointWriter
from pqscan.policy.loader import load_profile
from pqscan.scan.progress import Progress
from pqscan.scan.run import RunSettings
from pqscan.scan.stream import Collector, JSONLStream, Sink, compact

DATA = Path(__file__).resolve().parent.parent / "data" / "report"
AS_OF = date(2026, 12, 1)


def _writer(sinks: list[Sink]) -> EndpointWriter:
    settings = RunSettings(profiles=(load_profile("pq-baseline"),), as_of=AS_OF, quiet=True)
    writer = EndpointWriter(sinks, None, settings, Progress(0, True))
    writer.judge.observed_on = AS_OF  # the golden lines' findings are as of this day
    return writer


def _endpoints() -> list[dict[str, Any]]:
    return json.loads((DATA / "nginx-unjudged.json").read_text())  # type: ignore[no-any-return]


def _written(in_worker: bool) -> tuple[str, EndpointWriter]:
    out = io.StringIO()
    writer = _writer([JSONLStream(out)])
    for endpoint in _endpoints():
        if in_worker:
            assert writer.worker_judge is not None
            # what crosses the process boundary is pickled, as multiprocessing does
            writer.write(pickle.loads(pickle.dumps(writer.worker_judge(endpoint))))
        else:
            writer.write(endpoint)
    return out.getvalue(), writer


def test_real_nginx_endpoints_are_written_byte_for_byte_as_before() -> None:
    text, writer = _written(in_worker=False)
    assert text == (DATA / "nginx-lines.jsonl").read_text()
    assert writer.written == 2 and writer.errors == []


def test_a_worker_judged_endpoint_is_written_and_counted_as_one_judged_here() -> None:
    here, local = _written(in_worker=False)
    there, worker = _written(in_worker=True)
    assert there == here
    assert vars(worker.tally) == vars(local.tally)
    assert local.tally.endpoints == 2 and local.tally.fix_ids
    for name in ("written", "errors", "recomputed", "failures", "incomplete",
                 "incomplete_count", "policy_failures"):
        assert getattr(worker, name) == getattr(local, name), name
    assert worker.outcome(None) == local.outcome(None)


def test_a_collecting_format_keeps_judging_in_the_parent() -> None:
    """Table, HTML ... render from the endpoints themselves: workers send them unjudged."""
    assert _writer([Collector("2026-12-01T00:00:00Z")]).worker_judge is None
    assert _writer([JSONLStream(io.StringIO())]).worker_judge is not None


def test_the_line_is_what_json_dumps_writes() -> None:
    for line in (DATA / "nginx-lines.jsonl").read_text().splitlines():
        value = json.loads(line)
        assert compact(value) == json.dumps(value, separators=(",", ":")) == line


if __name__ == "__main__":  # regenerate the golden lines after a deliberate change
    lines, _ = _written(in_worker=False)
    (DATA / "nginx-lines.jsonl").write_text(lines)
