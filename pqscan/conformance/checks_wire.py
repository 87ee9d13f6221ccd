"""Record/segment handling, server authentication and survival checks (PQT-024, 028..033).

ClientHello splitting exercises RFC 8446 §5.1 (handshake messages may span records and TCP
segments); the ML-DSA checks follow draft-ietf-tls-mldsa (I-D) and RFC 8446 §4.2.3 / §4.4.3.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import mldsa

from pqscan.conformance.model import FAIL, INCONCLUSIVE, NOT_APPLICABLE, PASS, Verdict, register
from pqscan.conformance.probe import (
    CLASSICAL,
    CLASSICAL_SIGALGS,
    MLDSA_SCHEMES,
    Probe,
    observed,
)
from pqscan.conformance.script import exchange, ske_signature_scheme
from pqscan.errors import DecodeError
from pqscan.registry.tls import signature_scheme
from pqscan.tls import messages
from pqscan.tls.offer import ClientOffer, build_client_hello
from pqscan.tls.result import HandshakeResult

_MLDSA_KEY = {0x0904: mldsa.MLDSA44PublicKey, 0x0905: mldsa.MLDSA65PublicKey,
              0x0906: mldsa.MLDSA87PublicKey}


def _completes(r: HandshakeResult, expected: str, alert_ok: bool = False) -> Verdict:
    if r.outcome == "server_hello" and r.finished_ok is True:
        return Verdict(PASS, expected, observed(r))
    if alert_ok and r.outcome == "alert":
        return Verdict(PASS, expected, observed(r), "refused by size policy with a clean alert")
    return Verdict(FAIL, expected, observed(r))


@register("PQT-028", "robustness", "transport")
async def split_tcp(probe: Probe) -> Verdict:
    r = await probe.handshake(tcp_segment=200, **await probe.pq_offer())
    return _completes(r, "handshake completes with the hello in 200-byte TCP segments")


@register("PQT-029", "robustness", "transport")
async def split_records(probe: Probe) -> Verdict:
    # 512-byte records put a record boundary inside any ML-KEM key_share (>= 800 bytes)
    r = await probe.handshake(max_fragment=512, **await probe.pq_offer())
    return _completes(r, "handshake completes with the hello in 512-byte records")


@register("PQT-030", "robustness", "transport")
async def large_hello(probe: Probe) -> Verdict:
    r = await probe.handshake(pad_to=20000, **await probe.pq_offer())
    return _completes(r, "handshake (or a clean alert) for a 20000-byte ClientHello in two "
                      "records; never a hang", alert_ok=True)


def _leaf_matches(r: HandshakeResult) -> tuple[bool, str]:
    if not r.certificates or r.cv_scheme not in _MLDSA_KEY:
        return False, "no ML-DSA CertificateVerify"
    try:
        key = x509.load_der_x509_certificate(r.certificates[0]).public_key()
    except ValueError as exc:
        return False, f"leaf certificate unreadable: {exc}"
    if not isinstance(key, _MLDSA_KEY[r.cv_scheme]):
        return False, f"leaf key {type(key).__name__} does not match {_name(r.cv_scheme)}"
    return True, "leaf key matches"


def _name(scheme: int | None) -> str:
    return "none" if scheme is None else signature_scheme(scheme).name


@register("PQT-031", "sigalgs")
async def mldsa_server_auth(probe: Probe) -> Verdict:
    expected = ("ML-DSA CertificateVerify whose scheme matches the leaf key (OID 2.16.840.1."
                "101.3.4.3.17/18/19) and verifies with the empty FIPS 204 context")
    r = await probe.handshake(**await probe.pq_offer(), signature_schemes=MLDSA_SCHEMES)
    if r.outcome == "alert" and r.alert_name == "handshake_failure":
        return Verdict(NOT_APPLICABLE, expected, f"no ML-DSA certificate: {observed(r)}")
    if r.outcome != "server_hello":
        return Verdict(INCONCLUSIVE if r.outcome == "error" else FAIL, expected, observed(r))
    match, why = _leaf_matches(r)
    obs = f"CertificateVerify {_name(r.cv_scheme)}, verified={r.cv_verified}; {why}"
    return Verdict(PASS if match and r.cv_verified is True else FAIL, expected, obs)


@register("PQT-032", "sigalgs")
async def cert_selection(probe: Probe) -> Verdict:
    expected = ("classical sigalgs only -> no ML-DSA CertificateVerify; ML-DSA only -> ML-DSA "
                "chain or handshake_failure (RFC 8446 §4.4.2.2, §4.4.3)")
    offer = await probe.pq_offer()
    a = await probe.handshake(**offer, signature_schemes=CLASSICAL_SIGALGS)
    b = await probe.handshake(**offer, signature_schemes=MLDSA_SCHEMES)
    if "error" in (a.outcome, b.outcome):
        return Verdict(INCONCLUSIVE, expected, f"classical: {observed(a)}; ML-DSA: {observed(b)}")
    ok_a = a.outcome == "alert" or (a.cv_scheme not in MLDSA_SCHEMES and a.cv_verified is True)
    ok_b = (b.outcome == "alert" and b.alert_name == "handshake_failure") or (
        b.cv_scheme in MLDSA_SCHEMES and b.cv_verified is True)
    obs = (f"classical: {_cv(a)}; ML-DSA only: {_cv(b)}")
    return Verdict(PASS if ok_a and ok_b else FAIL, expected, obs)


def _cv(r: HandshakeResult) -> str:
    if r.outcome != "server_hello":
        return observed(r)
    return f"CertificateVerify {_name(r.cv_scheme)} verified={r.cv_verified}"


_TLS12_SUITES = (0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9)


@register("PQT-033", "sigalgs", "tls12")
async def no_mldsa_in_tls12(probe: Probe) -> Verdict:
    expected = "TLS 1.2 ServerKeyExchange never signed with an ML-DSA scheme (draft-ietf-tls-" \
               "mldsa: MUST NOT)"
    seen = []
    for label, schemes in (("ML-DSA only", MLDSA_SCHEMES),
                           ("ML-DSA + classical", MLDSA_SCHEMES + CLASSICAL_SIGALGS)):
        offer = ClientOffer(versions=(messages.TLS12,), cipher_suites=_TLS12_SUITES,
                            groups=CLASSICAL, signature_schemes=schemes, sni=probe.sni)
        ex = await exchange(probe.host, probe.port, build_client_hello(offer, ()),
                            probe.limits, tls12_flight=True)
        if ex.outcome == "alert":
            if label == "ML-DSA + classical":
                return Verdict(NOT_APPLICABLE, expected, f"no TLS 1.2: {ex.observed()}")
            seen.append(f"{label}: {ex.observed()}")
            continue
        if ex.outcome != "server_hello":
            return Verdict(INCONCLUSIVE, expected, f"{label}: {ex.observed()}")
        ske = [body for t, body in ex.tls12_messages if t == messages.SERVER_KEY_EXCHANGE]
        if not ske:
            return Verdict(INCONCLUSIVE, expected, f"{label}: no ServerKeyExchange")
        try:
            scheme = ske_signature_scheme(ske[0])
        except DecodeError as exc:
            return Verdict(INCONCLUSIVE, expected, f"{label}: {exc}")
        seen.append(f"{label}: ServerKeyExchange signed with {_name(scheme)}")
        if scheme in MLDSA_SCHEMES:
            return Verdict(FAIL, expected, "; ".join(seen))
    return Verdict(PASS, expected, "; ".join(seen))


@register("PQT-024", "robustness")
async def survives(probe: Probe) -> Verdict:
    """Evaluated last by the runner: a sanity handshake after all hostile checks."""
    r = await probe.sanity()
    return _completes(r, "sanity handshake succeeds before and after the hostile checks")
