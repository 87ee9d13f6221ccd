"""The lab machinery: abuse resistance, many endpoints per process, start errors, the CLI."""

from __future__ import annotations

import os
import re
import socket
import struct
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from pqscan.cli.lab import lab as lab_command
from pqscan.lab import DEFAULT_LAB, Expected, Lab, LabEndpoint, LabError, ServerSpec
from pqscan.lab.defaults import CLASSICAL, TLSLITE_HYBRID
from pqscan.lab.osslconf import OpenSSLConf, openssl_protocol
from pqscan.lab.serving import http_response

pytestmark = pytest.mark.lab

# A TLS record header announcing a ClientHello that never comes (half-open client).
_PARTIAL_HELLO = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])


def _handshake_ok(port: int) -> bool:
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := tls.recv(4096):
            data += chunk
    return data.startswith(b"HTTP/1.0 200 OK\r\n")


@pytest.mark.parametrize("name", ["classical", "tlslite-hybrid", "mlkem1024-only"])
def test_server_survives_garbage_resets_and_half_open(name: str,
                                                      lab: dict[str, LabEndpoint]) -> None:
    port = lab[name].port
    half_open = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    for sock in half_open:
        sock.sendall(_PARTIAL_HELLO)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as garbage:
        garbage.sendall(os.urandom(2048))
    for _ in range(3):
        reset = socket.create_connection(("127.0.0.1", port), timeout=5)
        reset.sendall(_PARTIAL_HELLO)
        # SO_LINGER 0: close() sends RST instead of FIN.
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.close()
    try:
        if name == "mlkem1024-only":
            # the stdlib client cannot do ML-KEM; a served refusal still proves the server lives
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
        else:
            assert _handshake_ok(port)
    finally:
        for sock in half_open:
            sock.close()


def test_many_endpoints_share_one_process(tmp_path: Path) -> None:
    with Lab.many(CLASSICAL, 25, workdir=tmp_path) as running:
        endpoints = running.endpoints
        assert len(endpoints) == 25
        assert len({ep.port for ep in endpoints}) == 25
        assert len(running.pids) == 1
        assert [ep.name for ep in endpoints[:2]] == ["classical-0", "classical-1"]
        assert all(ep.spec is CLASSICAL and ep.host == "127.0.0.1" for ep in endpoints)
        assert _handshake_ok(endpoints[0].port) and _handshake_ok(endpoints[-1].port)
        pid = running.pids[0]
    # stop() killed the process group and the ports are closed
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", endpoints[0].port), timeout=2).close()


def test_server_that_cannot_start_is_named(tmp_path: Path) -> None:
    broken = replace(TLSLITE_HYBRID, name="broken-groups", groups="no_such_group")
    lab = Lab((CLASSICAL, broken), workdir=tmp_path)
    with pytest.raises(LabError, match=r"lab server 'broken-groups' exited with 1: .*"):
        lab.start()
    assert lab.endpoints == ()
    assert lab.pids == ()


def test_owned_workdir_is_removed() -> None:
    running = Lab((CLASSICAL,)).start()
    workdir = running.workdir
    assert (workdir / "pki" / "rsa-chain.pem").is_file()
    running.stop()
    assert not workdir.exists()


def test_spec_validation() -> None:
    with pytest.raises(ValueError, match="unknown implementation 'gnutls'"):
        replace(CLASSICAL, implementation="gnutls")
    with pytest.raises(ValueError, match="unknown value 'dsa'"):
        replace(CLASSICAL, cert_kinds=("dsa",))
    with pytest.raises(ValueError, match="min_version above max_version"):
        replace(CLASSICAL, min_version="TLSv1.3", max_version="TLSv1.2")
    with pytest.raises(TypeError):
        replace(CLASSICAL, cert_kinds=["rsa"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kex_state"):
        replace(CLASSICAL.expected, kex_state="K9")
    with pytest.raises(TypeError):
        Lab(["classical"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="duplicate"):
        Lab((CLASSICAL, CLASSICAL))
    with pytest.raises(ValueError, match="unknown TLS version 'SSLv3'"):
        openssl_protocol("SSLv3")


def test_to_dict_uses_contract_words() -> None:
    data = DEFAULT_LAB[2].to_dict()
    expected = data["expected"]
    assert isinstance(expected, dict)
    assert expected["versions"] == {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
                                    "TLSv1.2": "supported", "TLSv1.3": "supported"}
    assert expected["negotiated"] == {"browser_like": "X25519MLKEM768",
                                      "x25519_share_first": "X25519MLKEM768",
                                      "classical_only": "x25519"}
    assert expected["hrr"] == {"x25519_share_first": True}
    assert isinstance(DEFAULT_LAB[0].expected, Expected)
    assert all(isinstance(s, ServerSpec) for s in DEFAULT_LAB)


def test_openssl_conf_text() -> None:
    text = OpenSSLConf(groups="X25519MLKEM768/x25519", min_version="TLSv1.0",
                       max_version="TLSv1.3").text()
    assert "Groups = X25519MLKEM768/x25519\nMinProtocol = TLSv1\nMaxProtocol = TLSv1.3\n" in text
    assert text.startswith("openssl_conf = openssl_init\n")


def test_http_response_shape() -> None:
    assert http_response("hi\n") == (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                     b"Content-Length: 3\r\nConnection: close\r\n\r\nhi\n")


def test_cli_lab_prints_table_and_exits_0() -> None:
    result = CliRunner().invoke(lab_command, ["--only", "classical,mlkem1024-only",
                                              "--duration", "0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"name\s+address\s+implementation\s+groups\s+versions\s+certificate\s+"
                        r"expected", lines[0])
    assert re.fullmatch(r"classical\s+127\.0\.0\.1:\d+\s+openssl\s+x25519:secp256r1:secp384r1\s+"
                        r"TLSv1\.2-TLSv1\.3\s+RSA\s+K3", lines[2])
    assert re.fullmatch(r"mlkem1024-only\s+127\.0\.0\.1:\d+\s+openssl\s+"
                        r"MLKEM1024:SecP384r1MLKEM1024\s+TLSv1\.3\s+ML-DSA-87\s+K0", lines[3])
    assert re.fullmatch(r"lab files \(keys, configs, logs; removed on exit\): /\S+", lines[4])
    assert lines[5:] == ["lab running for 0s", "lab stopped"]
    assert len(lines) == 7


def test_cli_lab_unknown_name_is_usage_error() -> None:
    result = CliRunner().invoke(lab_command, ["--only", "classical,nope"])
    assert result.exit_code == 2
    assert "unknown lab server 'nope'" in result.output
