"""The shared report view: how STARTTLS endpoints and client-certificate requests read."""

from __future__ import annotations

from pqscan.model import view
from pqscan.report.markdown import render_markdown
from pqscan.report.table import render_table


def _ep(**extra: object) -> dict[str, object]:
    return {"target": "mail.example.org:25", "host": "mail.example.org", "port": 25,
            "sni": None, "status": "error", "error": "STARTTLS smtp: refused", "tls": None,
            "probes": [], "connections": 0, "findings": [], "verdicts": [], **extra}


def test_starttls_endpoint_reads_as_a_url() -> None:
    assert view.target(_ep(starttls="smtp")) == "smtp://mail.example.org:25"
    assert view.target(_ep(starttls=None)) == "mail.example.org:25"
    assert view.target(_ep()) == "mail.example.org:25"  # reports from before the field


def test_client_certificate_summary() -> None:
    req = {"requested": True, "signature_schemes": ["mldsa65", "ecdsa_secp256r1_sha256"],
           "pq_signature_schemes": ["mldsa65"], "source": "behaviour.browser_like"}
    assert view.client_auth(_ep(tls={"client_certificate_request": req})) == \
        "requested (mldsa65)"
    classical = {**req, "pq_signature_schemes": []}
    assert view.client_auth(_ep(tls={"client_certificate_request": classical})) == \
        "requested (no PQ schemes)"
    assert view.client_auth(_ep(tls={"client_certificate_request": None})) == "-"
    assert view.client_auth(_ep()) == "-"


def test_table_and_markdown_show_the_starttls_url() -> None:
    report = {"schema_version": "1", "endpoints": [_ep(starttls="smtp")]}
    assert "smtp://mail.example.org:25" in render_table(report)
    assert "### smtp://mail.example.org:25" in render_markdown(report)


def test_csv_carries_starttls_and_client_certificate() -> None:
    import csv
    import io

    from pqscan.report.render import render

    report = {"schema_version": "1", "endpoints": [_ep(starttls="smtp")]}
    row = next(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert row["starttls"] == "smtp" and row["client_certificate"] == ""
