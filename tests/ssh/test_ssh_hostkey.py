"""Host keys without a network: ML-DSA host key blobs (draft-sfluhrer-ssh-mldsa §3, no server
offers one yet), OpenSSH certificates made by ssh-keygen (a tampered one fails its CA check),
fingerprints as ssh-keygen prints them, and the SSH K-state's honesty rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa

from pqscan.assess.kexstate import derive_ssh_state
from pqscan.lab.ssh_keys import fingerprint_with_ssh_keygen, make_host_keys
from pqscan.registry.ssh import host_key_algorithm, kex_method
from pqscan.ssh.hostkey import parse_host_key, verify_signature
from pqscan.ssh.wire import string

H = bytes(range(32))  # stands for an exchange hash


@pytest.mark.parametrize("name,cls", [("ssh-mldsa-44", mldsa.MLDSA44PrivateKey),
                                      ("ssh-mldsa-65", mldsa.MLDSA65PrivateKey),
                                      ("ssh-mldsa-87", mldsa.MLDSA87PrivateKey)])
def test_mldsa_host_keys(name: str, cls: type) -> None:
    private = cls.generate()  # type: ignore[attr-defined]
    blob = string(name.encode()) + string(private.public_key().public_bytes_raw())
    key = parse_host_key(blob)
    assert key.key_type == name and key.size_bits == int(name[-2:])
    good = string(name.encode()) + string(private.sign(H))
    assert verify_signature(key, good, H, name) == (True, "signature verifies")
    assert verify_signature(key, good, H[::-1], name)[0] is False
    alg = host_key_algorithm(name)
    assert alg.family == "pure_pq" and alg.quantum_vulnerable is False


def _b64_blob(pub: Path) -> bytes:
    import base64

    return base64.b64decode(pub.read_text().split()[1])


def test_certificate_fields_and_tampering(tmp_path: Path) -> None:
    keys = make_host_keys(tmp_path, ("ed25519",), certificate=True)
    blob = _b64_blob(keys["cert"])
    key = parse_host_key(blob)
    assert key.fingerprint == fingerprint_with_ssh_keygen(keys["cert"])
    cert = key.certificate
    assert cert is not None and cert.cert_type == 2 and cert.serial == 42
    assert cert.principals == ("localhost", "127.0.0.1") and cert.signature_valid is True
    assert cert.ca.fingerprint == fingerprint_with_ssh_keygen(keys["ca"].with_suffix(".pub"))
    i = blob.index(b"pqscan-lab-host")
    tampered = blob[:i] + b"X" + blob[i + 1:]  # same length: only the CA signature breaks
    assert parse_host_key(tampered).certificate.signature_valid is False  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_fingerprint_as_ssh_keygen(tmp_path: Path, kind: str) -> None:
    path = make_host_keys(tmp_path, (kind,), False)[kind].with_suffix(".pub")
    assert parse_host_key(_b64_blob(path)).fingerprint == fingerprint_with_ssh_keygen(path)


def _ssh(kex: list[str], status: dict[str, str], negotiated: dict[str, str | None]
         ) -> dict[str, object]:
    return {"kex_algorithms": {n: {"family": kex_method(n).family} for n in kex},
            "negotiation_status": status, "negotiated": negotiated}


def test_state_never_derived_from_an_undecided_behaviour() -> None:
    pq = ["mlkem768x25519-sha256", "curve25519-sha256"]
    ok = {"openssh_10": "ok", "openssh_9": "ok"}
    # a reset or timeout for the classical-only client is not a refusal: undecided
    state, reason = derive_ssh_state(_ssh(pq, {**ok, "classical_only": "inconclusive"},
                                          {"openssh_10": pq[0]}))
    assert state is None and "inconclusive" in reason
    assert derive_ssh_state(_ssh(pq, {**ok, "classical_only": "refused"},
                                 {"openssh_10": pq[0]}))[0] == "K0"
    assert derive_ssh_state(_ssh(pq, {**ok, "classical_only": "ok"},
                                 {"openssh_10": pq[0]}))[0] == "K1"
    assert derive_ssh_state(_ssh(pq, {"openssh_10": "inconclusive", "classical_only": "ok"},
                                 {}))[0] is None
    assert derive_ssh_state(_ssh(["curve25519-sha256"], {}, {}))[0] == "K3"
    assert derive_ssh_state(_ssh(["diffie-hellman-group14-sha1"], {}, {}))[0] == "K4"

