"""`pqscan scan` (and `conform`) over STARTTLS: real OpenSSL behind the lab's plaintext fronts.

One lab process serves the hybrid-preferred configuration on one port per front
(pqscan.lab.starttls_front.FRONTS): "none" (implicit TLS), each protocol, and refusing
variants. Scripted fake servers appear only for garbage and a greeting that never ends.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import fakepeer
import jsonschema
import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import Lab
from pqscan.lab.defaults import HYBRID_PREFERRED
from pqscan.lab.starttls_front import FRONTS
from pqscan.model.view import probe_list
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target
from pqscan.tls.result import transcript_digest
from pqscan.tls.starttls import PROTOCOLS

SCHEMA = json.loads((Path(__file__).parents[2] / "pqscan" / "data" / "report.schema.json")
                    .read_text())
# the TLS facts that must not depend on how the connection got to TLS
SAME = ("versions", "groups", "group_preference", "negotiated", "hrr", "negotiation_status",
        "cipher_suites", "signature_schemes", "kex_state", "rsa_key_transport")


@pytest.fixture(scope="module")
def fronts() -> Iterator[dict[str, int]]:
    """front name -> port, all served by ONE OpenSSL lab process (hybrid-preferred)."""
    pytest.importorskip("OpenSSL")
    spec = replace(HYBRID_PREFERRED, name="st", starttls=FRONTS)
    with Lab((spec,)) as lab:
        yield {endpoint.name.removeprefix("st-"): endpoint.port for endpoint in lab.endpoints}


@pytest.mark.lab
def test_every_protocol_finds_what_implicit_tls_finds(fronts: dict[str, int]) -> None:
    # URL form for half the protocols, the explicit --starttls form for the others
    targets = [parse_target(f"127.0.0.1:{fronts['none']}", "localhost")]
    for i, proto in enumerate(PROTOCOLS):
        if i % 2:
            targets.append(parse_target(f"{proto}://127.0.0.1:{fronts[proto]}", "localhost"))
        else:
            targets.append(parse_target(f"127.0.0.1:{fronts[proto]}", "localhost",
                                        starttls=proto))
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=64)
    jsonschema.validate(report, SCHEMA)
    plain, *others = report["endpoints"]
    assert plain["status"] == "ok" and plain["starttls"] is None
    truth = HYBRID_PREFERRED.expected
    assert plain["tls"]["kex_state"] == truth.kex_state == "K1"
    assert plain["tls"]["negotiated"] == truth.negotiated
    assert plain["tls"]["groups"]["X25519MLKEM768"]["confirmed"] is True
    for proto, ep in zip(PROTOCOLS, others, strict=True):
        assert (ep["starttls"], ep["status"], ep["error"]) == (proto, "ok", None), ep["error"]
        assert ep["port"] == fronts[proto]
        assert {k: ep["tls"][k] for k in SAME} == {k: plain["tls"][k] for k in SAME}, proto
        assert ep["tls"]["certificate_chain"] == plain["tls"]["certificate_chain"]
        assert all(p["result"] != "inconclusive" for p in ep["probes"]), proto


@pytest.mark.lab
def test_cli_explicit_form_keeps_the_preamble_as_evidence(fronts: dict[str, int],
                                                         tmp_path: Path) -> None:
    out, evidence = tmp_path / "r.json", tmp_path / "ev"
    port = fronts["smtp"]
    result = CliRunner().invoke(cli, ["scan", "--starttls", "SMTP", f"127.0.0.1:{port}",
                                      "--sni", "localhost", "--format", "json", "-o", str(out),
                                      "--evidence", str(evidence)])
    assert result.exit_code == 0, result.output
    ep = json.loads(out.read_text())["endpoints"][0]
    assert (ep["target"], ep["starttls"], ep["tls"]["kex_state"]) == (
        f"127.0.0.1:{port}", "smtp", "K1")
    probe = probe_list(ep)[0]
    kept = json.loads(Path(probe["evidence_file"]).read_text())
    assert kept["starttls"] == "smtp"
    wire = [(r["from"], bytes.fromhex(r["hex"])) for r in kept["wire"]]
    assert [d for d, _ in wire[:5]] == ["server-plain", "client-plain"] * 2 + ["server-plain"]
    assert wire[0][1] == b"220-localhost ESMTP pqscan-lab\r\n220 ready\r\n"
    assert wire[1][1] == b"EHLO [127.0.0.1]\r\n" and wire[3][1] == b"STARTTLS\r\n"
    assert wire[4][1] == b"220 2.0.0 Ready to start TLS\r\n"
    assert wire[5][0] == "client" and wire[5][1][:1] == b"\x16"  # then the ClientHello
    assert transcript_digest(wire) == probe["transcript_sha256"]


REFUSALS = {
    "smtp-refuse": "STARTTLS smtp: no STARTTLS in the EHLO capabilities: server replied "
                   "'250-localhost greets you | 250-PIPELINING | 250 8BITMIME'",
    "smtp-454": "STARTTLS smtp: STARTTLS refused: server replied "
                "'454 4.7.0 TLS not available due to temporary reason'",
    "imap-refuse": "STARTTLS imap: STARTTLS refused: server replied "
                   "'P1 NO [UNAVAILABLE] TLS not configured'",
    "pop3-refuse": "STARTTLS pop3: STLS refused: server replied '-ERR STLS not available'",
    "ftp-refuse": "STARTTLS ftp: AUTH TLS refused: server replied "
                  "'534 Request denied for policy reasons.'",
    "ldap-refuse": "STARTTLS ldap: StartTLS refused, resultCode 52 (unavailable): server "
                   "replied 'TLS not configured'",
    "xmpp-refuse": "STARTTLS xmpp: STARTTLS refused: server replied '...red/></starttls>"
                   "</stream:features><failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                   "</stream:stream>'",
    "postgres-refuse": "STARTTLS postgres: SSLRequest refused: server replied 'N'",
}


@pytest.mark.lab
def test_refused_starttls_is_not_scanned_exit_3_others_still_scanned(
        fronts: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["scan", f"127.0.0.1:{fronts['none']}", "--sni", "localhost", "--timeout", "3",
            "--format", "json", "-o", str(out)]
    for front in REFUSALS:
        args.append(f"{front.split('-')[0]}://127.0.0.1:{fronts[front]}")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    # one line per refusal, in the order the endpoints finished (the report streams)
    expected = sorted(f"pqscan: 127.0.0.1:{fronts[front]}: error: {line}"
                      for front, line in REFUSALS.items())
    assert sorted(result.output.splitlines()) == expected
    report = json.loads(out.read_text())
    jsonschema.validate(report, SCHEMA)
    first = f"127.0.0.1:{fronts['none']}"
    good = next(e for e in report["endpoints"] if e["target"] == first)
    bad = [e for e in report["endpoints"] if e["target"] != first]
    assert good["status"] == "ok" and good["tls"]["kex_state"] == "K1"
    for ep in bad:
        assert ep["tls"] is None and probe_list(ep)
        # the probes say "could not tell", never "the server refused TLS"
        assert {p["result"] for p in probe_list(ep)} == {"inconclusive"}
        assert all(p["attempts"] == 1 for p in probe_list(ep))  # a refusal is not retried
        assert all(p["transcript_sha256"] for p in probe_list(ep))  # the preamble is evidence


def garbage(conn: socket.socket) -> None:
    conn.sendall(b"\x00\xff\x16\x03garbage\x07\r\n")
    threading.Event().wait(3)


def endless_greeting(conn: socket.socket) -> None:
    # a well-formed SMTP continuation line every 0.2 s, forever: never the final "220 "
    for _ in range(100):
        conn.sendall(b"220-still greeting\r\n")
        time.sleep(0.2)


def endless_line(conn: socket.socket) -> None:
    for _ in range(1000):  # a greeting line that never ends, as fast as it goes
        conn.sendall(b"220 " + b"a" * 1000)


@pytest.fixture(scope="module")
def liars() -> Iterator[dict[str, int]]:
    ports, closers = {}, []
    for name, handler in {"garbage": garbage, "endless_greeting": endless_greeting,
                          "endless_line": endless_line}.items():
        ports[name], close = fakepeer.serve(handler)
        closers.append(close)
    yield ports
    for close in closers:
        close()


@pytest.mark.lab
def test_garbage_and_endless_greetings_are_bounded(fronts: dict[str, int],
                                                   liars: dict[str, int],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    start = time.monotonic()
    result = CliRunner().invoke(cli, [
        "scan", "--starttls", "smtp", f"127.0.0.1:{liars['garbage']}",
        f"127.0.0.1:{liars['endless_greeting']}", f"127.0.0.1:{liars['endless_line']}",
        f"127.0.0.1:{fronts['smtp']}", "--sni", "localhost", "--timeout", "1",
        "--format", "json", "-o", str(out)])
    elapsed = time.monotonic() - start
    assert result.exit_code == 3
    assert elapsed < 10  # 1 s per reply, one retry on silence; never the 20 s dribble
    # the report streams: failure lines come in the order endpoints finished; sort them back
    order = [liars[n] for n in ("garbage", "endless_greeting", "endless_line")]
    lines = sorted(result.output.splitlines(),
                   key=lambda line: order.index(int(line.split(":")[2])))
    assert lines[0] == (f"pqscan: 127.0.0.1:{liars['garbage']}: error: STARTTLS smtp: not a "
                        "reply: server replied '....garbage.'")
    assert lines[1] == (f"pqscan: 127.0.0.1:{liars['endless_greeting']}: error: no TLS answer:"
                        " STARTTLS smtp: no complete answer within 1s (after "
                        "'...0-still greeting | 220-still greeting | 220-still greeting | "
                        "220-still greeting | 220-still greeting')")
    assert lines[2].startswith(f"pqscan: 127.0.0.1:{liars['endless_line']}: error: STARTTLS "
                               "smtp: line longer than 4096 bytes: server replied '220 aaaa")
    assert len(lines) == 3 and len(lines[2]) < 250
    report = json.loads(out.read_text())
    status = {ep["port"]: ep["status"] for ep in report["endpoints"]}
    assert status == {**{port: "error" for port in order}, fronts["smtp"]: "ok"}
    assert next(ep for ep in report["endpoints"]
                if ep["port"] == fronts["smtp"])["tls"]["kex_state"] == "K1"


def test_smtp_url_defaults_to_port_25() -> None:
    targets = {"smtp://mail.example.org": 25, "submission://mail.example.org": 587,
               "imap://h.example": 143, "pop3://h.example": 110, "ftp://h.example": 21,
               "ldap://h.example": 389, "xmpp://h.example": 5222, "postgres://h.example": 5432,
               "postgresql://h.example:6432": 6432, "smtps://mail.example.org": 465}
    for text, port in targets.items():
        t = parse_target(text)
        assert t.port == port, text
        assert t.starttls == (None if text.startswith("smtps") else
                              {"submission": "smtp", "postgresql": "postgres"}.get(
                                  text.split(":")[0], text.split(":")[0]))
    assert parse_target("mail.example.org", starttls="smtp").text == "mail.example.org:25"
    assert parse_target("xmpp://im.example", sni="chat.example").preamble() is not None


def test_cli_smtp_url_scans_port_25_with_starttls(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["scan", "smtp://127.0.0.1", "--timeout", "0.5",
                                      "--format", "json", "-o", str(out)])
    ep = json.loads(out.read_text())["endpoints"][0]
    assert (ep["target"], ep["port"], ep["starttls"]) == ("127.0.0.1:25", 25, "smtp")
    assert result.exit_code in (0, 3)  # whatever listens on 25 here, if anything


@pytest.mark.parametrize("args,message", [
    (["--starttls", "smtp", "https://example.org"],
     "pqscan: error: bad target 'https://example.org': https:// is implicit TLS; --starttls "
     "smtp needs host:port or smtp://\n"),
    (["--starttls", "imap", "smtp://example.org"],
     "pqscan: error: bad target 'smtp://example.org': smtp:// is smtp STARTTLS, not "
     "--starttls imap\n"),
    (["--starttls", "gopher", "example.org:70"],
     "pqscan: error: --starttls: unknown protocol 'gopher' (known: smtp, imap, pop3, ftp, "
     "ldap, xmpp, postgres)\n"),
])
def test_bad_starttls_use_is_exit_2_before_any_traffic(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["scan", *args])
    assert result.exit_code == 2
    assert result.output == message


@pytest.mark.lab
def test_conform_over_starttls_matches_implicit_tls(fronts: dict[str, int]) -> None:
    def conform(*args: str) -> dict[str, Any]:
        result = CliRunner().invoke(cli, ["conform", *args, "--sni", "localhost", "--only",
                                          "PQT-001,PQT-002,PQT-010", "--format", "json"])
        assert result.exit_code in (0, 1), result.output
        data: dict[str, Any] = json.loads(result.output)
        return data

    plain = conform(f"127.0.0.1:{fronts['none']}")
    over = conform("--starttls", "pop3", f"127.0.0.1:{fronts['pop3']}")
    ldap = conform(f"ldap://127.0.0.1:{fronts['ldap']}")
    results = [[(c["id"], c["result"]) for c in run["checks"]] for run in (plain, over, ldap)]
    assert results[0] == results[1] == results[2] and len(results[0]) == 3
    bad = CliRunner().invoke(cli, ["conform", "--starttls", "pop3",
                                   f"127.0.0.1:{fronts['pop3-refuse']}", "--timeout", "2"])
    assert bad.exit_code == 3
    assert "STARTTLS pop3: STLS refused: server replied '-ERR STLS not available'" in \
        bad.output
