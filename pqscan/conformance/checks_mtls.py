"""Client-certificate (mTLS) checks with ML-DSA client keys (PQT-035, PQT-036, PQT-037).

The server is the verifier here: pqscan sends an ML-DSA client certificate and a
CertificateVerify it has corrupted, mislabelled, or placed in TLS 1.2, and expects the fatal
alert draft-ietf-tls-mldsa (I-D) and RFC 8446 §4.4.3 call for. Every TLS 1.3 check first sends
an untouched flight (`_baseline`): if the server does not ask for a certificate, does not list
the ML-DSA scheme, or refuses the honest flight (an untrusted client CA), the check is
not_applicable or inconclusive, never a fail.
"""

from __future__ import annotations

from collections.abc import Callable

from pqscan.conformance.model import FAIL, INCONCLUSIVE, NOT_APPLICABLE, PASS, Verdict, register
from pqscan.conformance.probe import (
    MLDSA_SCHEMES,
    X25519,
    Probe,
    observed,
)
from pqscan.conformance.script import tls12_client_certificate
from pqscan.registry.tls import signature_scheme
from pqscan.tls import messages
from pqscan.tls.clientauth import MLDSA44, MLDSA65, MLDSA87, ClientAuth
from pqscan.tls.offer import ClientOffer, build_client_hello
from pqscan.tls.result import HandshakeResult

# FIPS 204 Table 2 signature layout: c~ (lambda/4 bytes) || z (l polys) || h (omega + k bytes)
_LAYOUT = {MLDSA44: (32, 2304, 84), MLDSA65: (48, 3200, 61), MLDSA87: (64, 4480, 83)}
_SIG_LEN = {scheme: sum(parts) for scheme, parts in _LAYOUT.items()}

Tamper = Callable[[bytes], bytes]


def _zero(start: int, length: int) -> Tamper:
    return lambda sig: sig[:start] + bytes(length) + sig[start + length:]


def _resize(length: int) -> Tamper:
    return lambda sig: (sig + bytes(length))[:length]


def corruptions(scheme: int) -> list[tuple[str, Tamper]]:
    """The PQT-035 signature corruptions for one ML-DSA parameter set, named for the report."""
    c_len, z_len, h_len = _LAYOUT[scheme]
    other = next(s for s in (MLDSA65, MLDSA44) if s != scheme)
    return [
        ("bit flip", lambda sig: sig[:100] + bytes([sig[100] ^ 0x01]) + sig[101:]),
        ("one byte short", lambda sig: sig[:-1]),
        ("one byte long", lambda sig: sig + b"\x00"),
        ("empty", lambda sig: b""),
        ("all-zero c~", _zero(0, c_len)),
        ("all-zero z", _zero(c_len, z_len)),
        ("all-zero h", _zero(c_len + z_len, h_len)),
        (f"{_SIG_LEN[other]}-byte ({_name(other)}) length", _resize(_SIG_LEN[other])),
    ]


def _name(scheme: int | None) -> str:
    return "none" if scheme is None else signature_scheme(scheme).name


async def _baseline(probe: Probe, expected: str) -> Verdict | None:
    """None when the server asks for, lists and accepts our honest ML-DSA client flight."""
    cred = probe.credential()
    if not cred.is_mldsa:
        return Verdict(NOT_APPLICABLE, expected, "the client credential is not ML-DSA "
                       f"({_name(cred.scheme)}); give an ML-DSA client certificate and key")
    r = await probe.honest_client_flight()
    if r.outcome == "server_hello" and r.cert_request_schemes is None:
        return Verdict(NOT_APPLICABLE, expected, "server does not request a client certificate")
    if r.cert_request_schemes is not None and cred.scheme not in r.cert_request_schemes:
        return Verdict(NOT_APPLICABLE, expected, f"CertificateRequest does not list "
                       f"{_name(cred.scheme)} (lists {len(r.cert_request_schemes)} schemes)")
    if r.client_auth != "accepted":
        return Verdict(INCONCLUSIVE, expected, f"the honest {_name(cred.scheme)} client flight "
                       f"was not accepted ({observed(r)}); give a client certificate and key "
                       "the server trusts")
    return None


def _judge(results: list[tuple[str, HandshakeResult]], allowed: str, expected: str) -> Verdict:
    parts, worst = [], PASS
    for label, r in results:
        if r.outcome == "alert" and r.client_auth == "alert":
            ok = r.alert_name == allowed
            parts.append(f"{label}: {r.alert_name}")
        elif r.client_auth in ("accepted", "no_answer"):
            ok = False
            parts.append(f"{label}: ACCEPTED" if r.client_auth == "accepted"
                         else f"{label}: no alert within the read timeout")
        elif r.outcome == "error":
            parts.append(f"{label}: {observed(r)}")
            worst = INCONCLUSIVE if worst == PASS else worst
            continue
        else:
            ok = False
            parts.append(f"{label}: {observed(r)}")
        if not ok:
            worst = FAIL
    return Verdict(worst, expected, "; ".join(parts))


@register("PQT-035", "mtls", "sigalgs")
async def corrupted_client_signature(probe: Probe) -> Verdict:
    expected = "fatal decrypt_error for every corrupted ML-DSA CertificateVerify"
    skip = await _baseline(probe, expected)
    if skip is not None:
        return skip
    cred, offer = probe.credential(), await probe.pq_offer()
    results = []
    for label, tamper in corruptions(cred.scheme):
        r = await probe.handshake(**offer, client_auth=ClientAuth(cred, tamper=tamper))
        results.append((label, r))
    return _judge(results, "decrypt_error", expected)


@register("PQT-036", "mtls", "sigalgs")
async def mismatched_client_scheme(probe: Probe) -> Verdict:
    expected = ("fatal illegal_parameter for a genuine ML-DSA signature labelled with another "
                "ML-DSA scheme or a non-ML-DSA scheme")
    skip = await _baseline(probe, expected)
    if skip is not None:
        return skip
    cred, offer = probe.credential(), await probe.pq_offer()
    labels = [s for s in MLDSA_SCHEMES if s != cred.scheme] + [0x0403, 0x0804, 0x0807]
    results = []
    for label in labels:
        r = await probe.handshake(**offer, client_auth=ClientAuth(cred, scheme=label))
        results.append((f"labelled {_name(label)}", r))
    return _judge(results, "illegal_parameter", expected)


# alerts that judge the client certificate rather than its signature (RFC 8446 §6.2)
_CERT_REFUSALS = ("bad_certificate", "unsupported_certificate", "certificate_unknown",
                  "unknown_ca", "access_denied", "certificate_required")
_TLS12_SUITES = (0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9)
_TLS12_SIGALGS = (0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501) + MLDSA_SCHEMES


@register("PQT-037", "mtls", "tls12", "sigalgs")
async def mldsa_client_signature_in_tls12(probe: Probe) -> Verdict:
    expected = "fatal illegal_parameter for a TLS 1.2 CertificateVerify labelled ML-DSA " \
               "(draft-ietf-tls-mldsa: ML-DSA MUST NOT be used in TLS 1.2)"
    cred = probe.credential()
    if not cred.is_mldsa:
        return Verdict(NOT_APPLICABLE, expected, "the client credential is not ML-DSA")
    offer = ClientOffer(versions=(messages.TLS12,), cipher_suites=_TLS12_SUITES,
                        groups=(X25519, 0x0017, 0x0018), signature_schemes=_TLS12_SIGALGS,
                        sni=probe.sni)
    ans = await tls12_client_certificate(probe.host, probe.port, build_client_hello(offer, ()),
                                         probe.limits, ClientAuth(cred))
    if ans.outcome == "refused_hello":
        return Verdict(NOT_APPLICABLE, expected, f"no TLS 1.2 ECDHE: {ans.reason}")
    if ans.outcome == "no_request":
        return Verdict(NOT_APPLICABLE, expected, "server does not request a client certificate "
                       "in TLS 1.2")
    trusted = await _baseline(probe, expected) is None
    listed = ans.request is not None and any(s in MLDSA_SCHEMES
                                             for s in ans.request.signature_schemes)
    note = "the TLS 1.2 CertificateRequest itself lists ML-DSA" if listed else ""
    obs = f"{_name(cred.scheme)} CertificateVerify in TLS 1.2: {ans.reason}"
    if ans.outcome == "alert" and ans.alert_name in _CERT_REFUSALS:
        # refused the certificate itself, before the CertificateVerify: compliant if the same
        # credential works in TLS 1.3 (so the refusal is about TLS 1.2), else undecided
        if trusted:
            return Verdict(PASS, expected, obs, "the ML-DSA certificate itself is refused in TLS "
                           "1.2, though accepted in TLS 1.3")
        return Verdict(INCONCLUSIVE, expected, obs + "; the credential is not accepted in TLS "
                       "1.3 either: give a client certificate and key the server trusts", note)
    if ans.outcome == "alert":
        return Verdict(PASS if ans.alert_name == "illegal_parameter" else FAIL, expected, obs,
                       note)
    if ans.outcome in ("no_answer", "closed"):
        return Verdict(FAIL, expected, obs, note)
    return Verdict(INCONCLUSIVE, expected, obs, note)
