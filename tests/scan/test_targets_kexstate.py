"""Target parsing and the K-state derivation (pure functions, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pqscan.assess.kexstate import derive_kex_state
from pqscan.errors import UsageError
from pqscan.scan.targets import parse_target, read_target_file


@pytest.mark.parametrize("text,host,port,sni,shown", [
    ("example.org", "example.org", 443, "example.org", "example.org:443"),
    ("Example.ORG:8443", "example.org", 8443, "example.org", "example.org:8443"),
    ("127.0.0.1:4433", "127.0.0.1", 4433, None, "127.0.0.1:4433"),
    ("[::1]:8443", "::1", 8443, None, "[::1]:8443"),
    ("::1", "::1", 443, None, "[::1]:443"),
    ("https://svc.example.org/path?q=1", "svc.example.org", 443, "svc.example.org",
     "svc.example.org:443"),
    ("https://svc.example.org:9443", "svc.example.org", 9443, "svc.example.org",
     "svc.example.org:9443"),
    ("imaps://mail.example.org", "mail.example.org", 993, "mail.example.org",
     "mail.example.org:993"),
])
def test_parse_target(text: str, host: str, port: int, sni: str | None, shown: str) -> None:
    t = parse_target(text)
    assert (t.host, t.port, t.sni, t.text) == (host, port, sni, shown)


@pytest.mark.parametrize("text,message", [
    ("host:0", "port '0' is not 1-65535"),
    ("host:99999", "port '99999' is not 1-65535"),
    ("bad host", "is not a host name"),
    ("[::1", "missing ']'"),
    ("[nothex]:1", "is not an IPv6 address"),
    ("smtp://mail.example.org:99999", "bad port"),  # STARTTLS schemes parse (test_starttls.py)
    ("gopher://x", "unknown scheme"),
    ("", "empty"),
])
def test_bad_targets_name_the_culprit(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_target(text)
    assert repr(text) in str(info.value)


def test_sni_override() -> None:
    assert parse_target("127.0.0.1:1", sni="localhost").sni == "localhost"


def test_target_file_reports_every_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("# comment\nexample.org\n\nbad host\nhost:0  # trailing comment\n")
    with pytest.raises(UsageError) as info:
        read_target_file(f)
    assert f"{f}:4:" in str(info.value) and f"{f}:5:" in str(info.value)
    f.write_text("a.example\nb.example:444 # x\n")
    assert [t.text for t in read_target_file(f)] == ["a.example:443", "b.example:444"]


def _tls(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "versions": {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
                     "TLSv1.2": "supported", "TLSv1.3": "supported"},
        "groups": {"X25519MLKEM768": {"status": "supported"}, "x25519": {"status": "supported"}},
        "negotiated": {"browser_like": "X25519MLKEM768", "x25519_share_first": "x25519",
                       "classical_only": "x25519"},
        "negotiation_status": {"browser_like": "ok", "x25519_share_first": "ok",
                               "classical_only": "ok"},
        "rsa_key_transport": False,
    }
    base.update(kw)
    return base


def test_k2_k1_k0() -> None:
    assert derive_kex_state(_tls())[0] == "K2"
    k1 = _tls(negotiated={"browser_like": "X25519MLKEM768",
                          "x25519_share_first": "X25519MLKEM768", "classical_only": "x25519"})
    assert derive_kex_state(k1)[0] == "K1"
    k0 = _tls(negotiated={"browser_like": None, "x25519_share_first": None,
                          "classical_only": None},
              negotiation_status={"browser_like": "refused", "x25519_share_first": "refused",
                                  "classical_only": "refused"})
    assert derive_kex_state(k0)[0] == "K0"


def test_k3_k4_k5() -> None:
    assert derive_kex_state(_tls(groups={"x25519": {"status": "supported"}}))[0] == "K3"
    legacy = {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
              "TLSv1.2": "supported", "TLSv1.3": "not_supported"}
    assert derive_kex_state(_tls(versions=legacy))[0] == "K4"
    assert derive_kex_state(_tls(versions=legacy, rsa_key_transport=True))[0] == "K5"


def test_inconclusive_inputs_give_no_state() -> None:
    state, reason = derive_kex_state(_tls(versions={"TLSv1.3": "inconclusive"}))
    assert state is None and "inconclusive" in reason
    incon = _tls(negotiation_status={"browser_like": "ok", "x25519_share_first": "ok",
                                     "classical_only": "inconclusive"})
    assert derive_kex_state(incon)[0] is None
    pq_unknown = _tls(groups={"x25519": {"status": "supported"},
                              "MLKEM1024": {"status": "inconclusive"}})
    assert derive_kex_state(pq_unknown)[0] is None
    legacy = {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
              "TLSv1.2": "supported", "TLSv1.3": "not_supported"}
    assert derive_kex_state(_tls(versions=legacy, rsa_key_transport=None))[0] is None
