"""Chain-lint and profile checks: PQT-034 (PQ chain lints) and PQT-038 (CNSA 2.0 profile).

PQT-034 lints every chain the server serves with pqscan.certs.lint and reads the findings as the
catalogue's section 2.4 rules CL-01..CL-07 (RFC 9881, RFC 9909, FIPS 203/204/205).
PQT-038 probes every non-CNSA option alone; the allowed algorithms come from the shipped
cnsa-2.0 profile data (profiles/cnsa-2.0.toml), never from constants here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography import x509

from pqscan.certs import der
from pqscan.certs.lint import lint_certificate
from pqscan.certs.lints import LINTS, Finding
from pqscan.conformance.model import FAIL, INCONCLUSIVE, NOT_APPLICABLE, PASS, Verdict, register
from pqscan.conformance.probe import (
    CLASSICAL_SIGALGS,
    MLDSA_SCHEMES,
    Probe,
    gname,
    observed,
)
from pqscan.errors import DecodeError
from pqscan.policy.conditions import Condition
from pqscan.policy.loader import load_profile
from pqscan.registry.oids import algorithm
from pqscan.registry.tls import GROUPS, SIGNATURE_SCHEMES, GroupFamily, cipher_suite, group
from pqscan.registry.tls import signature_scheme as scheme_of
from pqscan.tls.keyshare import can_generate
from pqscan.tls.messages import TLS12, TLS13
from pqscan.tls.result import HandshakeResult

# --- PQT-034 ------------------------------------------------------------------------------

# Catalogue section 2.4 rule -> the pqscan lint codes that decide it (declared once, here).
# CL-01 also takes algorithm_mismatch: the "no parameters" rule reads the AlgorithmIdentifier,
# which RFC 5280 §4.1.1.2 requires to be identical in TBSCertificate and the outer signature.
# CL-03 takes signature.invalid for every certificate: a chain signature that does not verify
# is the "and verifies" half of the rule whatever the algorithm.
# CL-06 is x509.oid.pre_standard (FIPS 20x ipd and round-3 OIDs, pqscan.registry.oids): a warning
# for a certificate on its own, but the catalogue rule says a served chain carries none, so in
# this check it fails whatever its severity (_STRICT).
# CL-07 has no lint: the profile allow-list is judged by pqscan policy (CNSA2-SIG-MLDSA87) and
# by PQT-038, not by the certificate linter.
_FAMILIES = ("mldsa", "slhdsa", "mlkem", "composite_mldsa", "composite_mlkem")
CL_LINTS: dict[str, tuple[str, ...]] = {
    "CL-01": tuple(f"x509.{f}.params_present" for f in _FAMILIES)
    + ("x509.signature.algorithm_mismatch",),
    "CL-02": tuple(f"x509.{f}.public_key_length" for f in _FAMILIES),
    "CL-03": ("x509.mldsa.signature_length", "x509.slhdsa.signature_length",
              "x509.composite_mldsa.signature_length", "x509.signature.invalid"),
    "CL-04": tuple(f"x509.{f}.key_usage" for f in _FAMILIES),
    "CL-05": ("x509.mldsa.hash_variant", "x509.slhdsa.mode_mismatch"),
    "CL-06": ("x509.oid.pre_standard",),
    "CL-07": (),
}
_CL_OF = {code: cl for cl, codes in CL_LINTS.items() for code in codes}
_STRICT = {"CL-06"}
if set(_CL_OF) - set(LINTS):  # pragma: no cover - a declaration error, caught at import
    raise RuntimeError(f"CL_LINTS names undeclared lints {sorted(set(_CL_OF) - set(LINTS))}")

CHAIN_NOTE = ("CL-05: pqscan flags HashML-DSA in any certificate and HashSLH-DSA only when a "
              "self-signed certificate's key and signature modes differ; CL-06: only the IPD / "
              "round-3 OIDs of the IETF hackathon's historical OID table are known; CL-07: no "
              "lint in pqscan (see PQT-038 / pqscan policy)")
_CLASSICAL_FAMILIES = {"RSA", "ECDSA", "EC", "DSA", "DH", "EdDSA", "ECDH"}


@dataclass(frozen=True)
class ServedChain:
    """One chain as received: which offer got it, the DER certificates (leaf first), and how
    the handshake ended (empty certificates when none arrived)."""

    label: str
    certificates: tuple[bytes, ...]
    how: str

    def __post_init__(self) -> None:
        if not isinstance(self.certificates, tuple) or not all(
                isinstance(c, bytes) for c in self.certificates):
            raise TypeError("certificates must be a tuple of DER bytes")


def _algorithms(cert: bytes) -> tuple[str, str, bool]:
    """(key name, signature name, is PQ); unknown OIDs count as PQ: they may be pre-standard."""
    parts = der.certificate_parts(cert)
    key = algorithm(parts.spki.algorithm.oid)
    sig = algorithm(parts.signature_algorithm.oid)
    pq = key.family not in _CLASSICAL_FAMILIES or sig.family not in _CLASSICAL_FAMILIES
    return key.name, sig.name, pq


def _readable(cert: bytes) -> bool:
    try:
        x509.load_der_x509_certificate(cert)
    except ValueError:
        return False
    return True


def _subject(cert: bytes) -> str:
    try:
        return x509.load_der_x509_certificate(cert).subject.rfc4514_string() or "(empty subject)"
    except ValueError:
        return "(subject unreadable)"


def _lint_chain(certs: tuple[bytes, ...]) -> tuple[list[str], list[str], list[str], bool]:
    """(errors, other findings, algorithm texts, any PQ) for one chain; each certificate is
    linted with the certificates after it as candidate issuers (RFC 5280 §6.1)."""
    errors: list[str] = []
    others: list[str] = []
    algs: list[str] = []
    any_pq = False
    readable = [_readable(c) for c in certs]
    for i, cert in enumerate(certs):
        where = f"#{i} {_subject(cert)}"
        # only readable issuers: an undecodable one is reported at its own index
        issuers = [c for c, ok in zip(certs[i + 1:], readable[i + 1:], strict=True) if ok]
        try:
            key, sig, pq = _algorithms(cert)
            findings: list[Finding] = lint_certificate(cert, issuers)
        except DecodeError as exc:
            errors.append(f"{where}: not a decodable certificate ({exc})")
            algs.append(f"#{i} undecodable")
            continue
        any_pq = any_pq or pq
        algs.append(f"#{i} {key}" + ("" if sig == key else f" signed {sig}"))
        for f in findings:
            cl = _CL_OF.get(f.code)
            text = f"{where}: {f.code}" + (f" ({cl})" if cl else "")
            if cl is not None and (f.severity == "error" or cl in _STRICT):
                errors.append(text)
            elif f.severity in ("error", "warning", "notice"):
                others.append(text)
    return errors, others, algs, any_pq


def chains_verdict(chains: Sequence[ServedChain]) -> Verdict:
    """The PQT-034 verdict for the chains a server served (pure: no network)."""
    expected = ("no error-severity finding of the CL-01..CL-07 lints (catalogue section 2.4) "
                "in any certificate of any served chain")
    served = [c for c in chains if c.certificates]
    if not served:
        why = "; ".join(f"{c.label}: {c.how}" for c in chains) or "no handshake made"
        return Verdict(INCONCLUSIVE, expected, f"no certificate chain received ({why})")
    seen: dict[tuple[bytes, ...], str] = {}
    texts: list[str] = []
    errors: list[str] = []
    others: list[str] = []
    any_pq = False
    for c in chains:
        if not c.certificates:
            texts.append(f"{c.label}: no chain ({c.how})")
            continue
        if c.certificates in seen:
            texts.append(f"{c.label}: same chain as {seen[c.certificates]}")
            continue
        seen[c.certificates] = c.label
        errs, other, algs, pq = _lint_chain(c.certificates)
        any_pq = any_pq or pq
        errors += [f"{c.label} {e}" for e in errs]
        others += [f"{c.label} {o}" for o in other]
        texts.append(f"{c.label}: {', '.join(algs)}; "
                     + (f"{len(errs)} error finding(s)" if errs else "no error finding"))
    obs = "; ".join(texts)
    if others:
        obs += "; other findings: " + ", ".join(others)
    if errors:
        return Verdict(FAIL, expected, "errors: " + ", ".join(errors) + "; " + obs, CHAIN_NOTE)
    if not any_pq:
        return Verdict(NOT_APPLICABLE, expected, f"no PQ certificate served ({obs})")
    return Verdict(PASS, expected, obs, CHAIN_NOTE)


@register("PQT-034", "chain", "sigalgs")
async def pq_chain_lints(probe: Probe) -> Verdict:
    # Two offers: a dual-certificate server picks its chain by signature_algorithms
    # (RFC 8446 §4.4.2.2), so ML-DSA + classical and classical-only can get different chains.
    offer = await probe.pq_offer()
    chains = []
    for label, schemes in (("ML-DSA+classical offer", MLDSA_SCHEMES + CLASSICAL_SIGALGS),
                           ("classical offer", CLASSICAL_SIGALGS)):
        r = await probe.handshake(**offer, signature_schemes=schemes)
        chains.append(ServedChain(label, tuple(r.certificates), observed(r)))
    return chains_verdict(chains)


# --- PQT-038 ------------------------------------------------------------------------------

PROFILE_ID = "cnsa-2.0"
# The fields of the profile whose `subset_of` lists are the CNSA 2.0 allow-lists.
_GROUPS_FIELD = "tls/group_preference"
_SUITES_FIELD = "tls/cipher_suites/TLSv1.3"
_KEY_OID_FIELD = "tls/certificate_chain/*/public_key/oid"
# TLS 1.2 offer wide enough that any TLS 1.2 server answers it (ECDHE, DHE, RSA transport).
_TLS12_SUITES = (0xC02C, 0xC030, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0x009F, 0x009E, 0x009D, 0x009C)
_TLS12_GROUPS = (0x0018, 0x0017, 0x001D, 0x0019, 0x0100)
_OTHER_TLS13_SUITES = (0x1301, 0x1303)  # the TLS 1.3 suites pqscan's engine runs besides 0x1302
CNSA_NOTE = ("The exact TLS rules of draft-becker-cnsa2-tls-profile (I-D) are not confirmed "
             "(catalogue caveat); this check follows the CNSA 2.0 algorithm table as written in "
             "profiles/cnsa-2.0.toml (secondary source S23)")


@dataclass(frozen=True)
class CNSAAllowList:
    """What the cnsa-2.0 profile allows, as TLS codepoints (pure groups first)."""

    groups: tuple[int, ...]
    suites: tuple[int, ...]
    schemes: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"groups": [gname(g) for g in self.groups],
                "suites": [cipher_suite(s).name for s in self.suites],
                "schemes": [scheme_of(s).name for s in self.schemes]}


def _subset_lists(cond: Condition, field: str) -> list[tuple[Any, ...]]:
    found = [tuple(cond.value)] if cond.op == "field" and cond.path == field \
        and cond.compare == "subset_of" else []
    for child in cond.children:
        found += _subset_lists(child, field)
    return found


@cache
def cnsa_allow_list() -> CNSAAllowList:
    """Read the allow-lists from the profile's requirement conditions (intersection of all)."""
    profile = load_profile(PROFILE_ID)

    def allowed(field: str) -> list[Any]:
        lists = [v for req in profile.requirements for v in _subset_lists(req.condition, field)]
        if not lists:
            raise ValueError(f"profile {PROFILE_ID} has no subset_of condition on {field}")
        return [v for v in lists[0] if all(v in other for other in lists[1:])]

    groups = sorted((group(n) for n in allowed(_GROUPS_FIELD)),
                    key=lambda g: g.family != GroupFamily.PURE_PQ)
    suites = tuple(cipher_suite(n).code for n in allowed(_SUITES_FIELD))
    oids = set(allowed(_KEY_OID_FIELD))
    schemes = tuple(s.code for s in SIGNATURE_SCHEMES.values() if s.oid in oids)
    return CNSAAllowList(tuple(g.code for g in groups), suites, schemes)


def _kind(r: HandshakeResult) -> str:
    if r.outcome == "server_hello":
        return "accepted"
    return "refused" if r.refused else "inconclusive"


async def _baseline_group(probe: Probe, allow: CNSAAllowList
                          ) -> tuple[int | None, list[str], bool]:
    """The allowed group to build the baseline on (pure ML-KEM-1024 first), the evidence, and
    whether support of some allowed group stayed undecided."""
    evidence: list[str] = []
    undecided = False
    for g in allow.groups:
        ok, why = await probe.support(g)
        if ok:
            return g, evidence, False
        undecided = undecided or ok is None
        evidence.append(why if ok is False else f"undecided: {why}")
    return None, evidence, undecided


@register("PQT-038", "profile")
async def cnsa2_profile(probe: Probe) -> Verdict:
    allow = cnsa_allow_list()
    names = allow.to_dict()
    expected = (f"only TLS 1.3 + {'/'.join(names['suites'])} + {'/'.join(names['groups'])} + "
                f"{'/'.join(names['schemes'])} complete a handshake; each other option offered "
                f"alone is refused ({PROFILE_ID} profile data)")
    base_group, evidence, undecided = await _baseline_group(probe, allow)
    if base_group is None:
        result = INCONCLUSIVE if undecided else NOT_APPLICABLE
        # not_applicable, not fail: like the other PQ checks, the suite asks whether a server
        # that offers the profile's key exchange implements the profile; whether a server
        # ought to be CNSA 2.0 at all is pqscan policy's CNSA2-KEX-MLKEM1024-SUPPORT.
        return Verdict(result, expected, "no ML-KEM-1024 group supported: " + "; ".join(evidence),
                       CNSA_NOTE)
    base: dict[str, Any] = {"versions": (TLS13,), "cipher_suites": allow.suites,
                            "groups": (base_group,), "key_shares": (base_group,),
                            "signature_schemes": allow.schemes}
    notes = [CNSA_NOTE]
    if base_group != allow.groups[0]:
        notes.append(f"baseline built on the transition group {gname(base_group)} (allowed by "
                     f"the profile); {gname(allow.groups[0])} is not supported")
    r = await probe.handshake(**base)
    lines = [f"baseline ({gname(base_group)}): {_cv_text(r)}"]
    if not (r.outcome == "server_hello" and r.finished_ok is True
            and r.cv_scheme in allow.schemes):
        result = INCONCLUSIVE if _kind(r) == "inconclusive" else FAIL
        return Verdict(result, expected, f"not CNSA-capable: baseline {_cv_text(r)}; option "
                       "probes skipped (no CNSA baseline to vary)", "; ".join(notes))

    bad: list[str] = []
    unsure: list[str] = []
    # (b) TLS 1.2 only (depth "hello": a TLS 1.2 ServerHello is already an acceptance)
    r = await probe.handshake(depth="hello", versions=(TLS12,), cipher_suites=_TLS12_SUITES,
                              groups=_TLS12_GROUPS, key_shares=())
    _record("TLS 1.2 only", r, _kind(r), lines, bad, unsure)
    # (c) one non-CNSA TLS 1.3 suite at a time
    for s in _OTHER_TLS13_SUITES:
        if s not in allow.suites:
            r = await probe.handshake(**{**base, "cipher_suites": (s,)})
            _record(f"{cipher_suite(s).name} only", r, _kind(r), lines, bad, unsure)
    # (d) every other group the server supports, alone with its share
    for g in sorted(GROUPS):
        if g == base_group or not can_generate(g):
            continue
        ok, why = await probe.support(g)
        if ok is None:
            unsure.append(f"{gname(g)} support undecided")
            lines.append(f"{gname(g)}: support undecided ({why})")
        if not ok:
            continue
        r = await probe.handshake(**{**base, "groups": (g,), "key_shares": (g,)})
        kind = _kind(r)
        if kind == "accepted" and g in allow.groups:
            notes.append(f"{gname(g)} accepted: a transition group the profile allows")
            kind = "allowed"
        _record(f"{gname(g)} only", r, kind, lines, bad, unsure)
    # (e) signature schemes other than the allowed ones: no non-CNSA CertificateVerify
    others = tuple(s for s in MLDSA_SCHEMES if s not in allow.schemes)
    sig_probes: list[tuple[str, tuple[int, ...]]] = [("classical sigalgs only", CLASSICAL_SIGALGS)]
    if others:
        sig_probes.append((" + ".join(scheme_of(s).name for s in others) + " only", others))
    for label, schemes in sig_probes:
        r = await probe.handshake(**{**base, "signature_schemes": schemes})
        kind = _kind(r)
        if kind == "accepted" and r.cv_scheme in allow.schemes:
            notes.append(f"{label}: server ignored signature_algorithms (RFC 8446 §4.4.2.2) "
                         f"but still signed with {scheme_of(r.cv_scheme).name}")
            kind = "allowed"
        elif kind == "accepted" and r.cv_scheme is None:
            kind = "inconclusive"
        _record(label, r, kind, lines, bad, unsure)

    obs = "; ".join(lines)
    if bad:
        return Verdict(FAIL, expected, f"accepted non-CNSA: {', '.join(bad)}; {obs}",
                       "; ".join(notes))
    if unsure:
        return Verdict(INCONCLUSIVE, expected, f"undecided: {', '.join(unsure)}; {obs}",
                       "; ".join(notes))
    return Verdict(PASS, expected, obs, "; ".join(notes))


def _cv_text(r: HandshakeResult) -> str:
    text = observed(r)
    if r.cv_scheme is not None:
        text += f", CertificateVerify {scheme_of(r.cv_scheme).name}"
    return text


def _record(label: str, r: HandshakeResult, kind: str, lines: list[str], bad: list[str],
            unsure: list[str]) -> None:
    lines.append(f"{label}: {kind} ({_cv_text(r)})")
    if kind == "accepted":
        bad.append(label)
    elif kind == "inconclusive":
        unsure.append(label)
