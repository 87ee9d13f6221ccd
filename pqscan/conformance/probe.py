"""The per-target probing context shared by all checks (`Probe`) and outcome wording helpers.

A `Probe` runs handshakes on pqscan's own TLS engine, caches what it learnt about group support
(decided by the HRR / alert answer to an offer without key shares, RFC 8446 §4.1.1), and turns
a `HandshakeResult` into the one-line "observed" text of a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pqscan.conformance.model import FAIL, INCONCLUSIVE, PASS, Verdict
from pqscan.registry.tls import group
from pqscan.tls.clientauth import ClientAuth, ClientCredential
from pqscan.tls.handshake import run_handshake
from pqscan.tls.keyshare import can_generate
from pqscan.tls.offer import ClientOffer
from pqscan.tls.result import HandshakeResult
from pqscan.tls.transport import Limits

X25519, SECP256R1, SECP384R1 = 0x001D, 0x0017, 0x0018
X25519MLKEM768, SECP256R1MLKEM768, SECP384R1MLKEM1024 = 0x11EC, 0x11EB, 0x11ED
MLKEM512, MLKEM768, MLKEM1024 = 0x0200, 0x0201, 0x0202  # draft-ietf-tls-mlkem (I-D)
HYBRIDS = (X25519MLKEM768, SECP256R1MLKEM768, SECP384R1MLKEM1024)
PURE = (MLKEM768, MLKEM1024, MLKEM512)
PQ_GROUPS = HYBRIDS + PURE
CLASSICAL = (X25519, SECP256R1, SECP384R1)
MLDSA_SCHEMES = (0x0904, 0x0905, 0x0906)  # draft-ietf-tls-mldsa (I-D)
CLASSICAL_SIGALGS = (0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
                     0x0809, 0x080A, 0x080B, 0x0401, 0x0501, 0x0601)


# a connection that ended this way gave no answer: nothing may be decided on it
NO_ANSWER = frozenset({"timeout", "reset", "eof", "limit", "connect_timeout", "refused",
                       "unreachable", "starttls"})


class Undecided(Exception):
    """A check cannot decide: something it depends on stayed inconclusive (the runner makes
    the check inconclusive with this reason)."""


def gname(code: int | None) -> str:
    return "none" if code is None else group(code).name


def observed(r: HandshakeResult) -> str:
    """One line saying how a handshake ended."""
    if r.outcome == "alert":
        where = " after HelloRetryRequest" if r.alert_after_hrr else ""
        if r.client_auth == "alert":
            where = " after the client certificate flight"
        return f"fatal alert {r.alert_name}{where}"
    if r.outcome == "hrr":
        return f"HelloRetryRequest for {gname(r.hrr_group)}"
    if r.outcome == "server_hello":
        text = "ServerHello"
        if r.hrr_group is not None:
            text = f"HelloRetryRequest({gname(r.hrr_group)}) then ServerHello"
        if r.group is not None:
            text += f" with {gname(r.group)}"
        if r.server_share_len is not None:
            text += f" (server share {r.server_share_len} B)"
        if r.finished_ok is not None:
            text += ", Finished " + ("verifies" if r.finished_ok else "does NOT verify")
        return text
    if r.outcome == "closed":
        return f"connection closed without an alert: {r.reason} ({r.error_kind})"
    if r.group is not None:
        # a ServerHello arrived but the engine stopped: e.g. it accepted a share we broke
        return f"ServerHello with {gname(r.group)}, then: {r.reason}"
    return f"no usable answer: {r.reason} ({r.error_kind})"


def expect_alert(r: HandshakeResult, allowed: tuple[str, ...], why: str = "") -> Verdict:
    """Pass on a fatal alert in `allowed`; acceptance or another alert fails; a close, reset,
    silence or garbage is no server answer, so the check stays inconclusive."""
    expected = "fatal " + " or ".join(allowed)
    if len(allowed) > 1:
        expected += " (the references allow either)"
    if why:
        expected += f"; {why}"
    obs = observed(r)
    if r.outcome == "alert":
        ok = r.alert_name in allowed
        return Verdict(PASS if ok else FAIL, expected, obs)
    if r.outcome in ("server_hello", "hrr") or r.group is not None:
        return Verdict(FAIL, expected, obs)
    # a close, reset, silence or garbage is no answer: the check stays undecided (issue 10)
    return Verdict(INCONCLUSIVE, expected, obs)


@dataclass
class Probe:
    """Where and how to connect, plus caches shared by the checks of one run."""

    host: str
    port: int
    sni: str | None = None
    limits: Limits = field(default_factory=Limits)
    # mTLS checks (PQT-035..037): the vendor's credential, else a throw-away ML-DSA-65 one
    client_credential: ClientCredential | None = None
    _support: dict[int, tuple[bool | None, str]] = field(default_factory=dict)
    _full: dict[int, HandshakeResult] = field(default_factory=dict)
    _honest_client_flight: HandshakeResult | None = None
    # what went wrong on the wire during the current check (runner.py resets it per check)
    trouble: list[str] = field(default_factory=list)

    async def handshake(self, *, depth: str = "full", follow_hrr: bool = True,
                        client_auth: ClientAuth | None = None, **offer: Any) -> HandshakeResult:
        """One handshake with a ClientOffer built from keyword arguments."""
        o = ClientOffer(sni=self.sni, **offer)
        r = await run_handshake(self.host, self.port, o, depth=depth, follow_hrr=follow_hrr,
                                limits=self.limits, client_auth=client_auth)
        if r.outcome in ("error", "closed") and r.error_kind in NO_ANSWER:
            self.trouble.append(f"{observed(r)}")
        return r

    def credential(self) -> ClientCredential:
        """The client credential of this run (made once when none was given)."""
        if self.client_credential is None:
            self.client_credential = ClientCredential.ephemeral()
        return self.client_credential

    async def support(self, g: int) -> tuple[bool | None, str]:
        """(supported?, evidence). Offered alone without a share, a server supporting the group
        MUST answer HelloRetryRequest (RFC 8446 §4.1.1, §4.1.4); an alert means no."""
        if g not in self._support:
            r = await self.handshake(depth="hello", follow_hrr=False, groups=(g,), key_shares=())
            if r.outcome == "hrr" and r.hrr_group == g:
                self._support[g] = (True, f"HelloRetryRequest for {gname(g)}")
            elif r.refused:
                self._support[g] = (False, f"{gname(g)} offered alone: {observed(r)}")
            else:
                self._support[g] = (None, f"{gname(g)} offered alone: {observed(r)}")
        return self._support[g]

    async def supported(self, candidates: tuple[int, ...]) -> list[int]:
        """The candidates the server supports and pqscan can generate shares for; Undecided
        when the support of one of them could not be decided (never read as "no")."""
        out = []
        for g in candidates:
            if not can_generate(g):
                continue
            ok, why = await self.support(g)
            if ok is None:
                raise Undecided(f"support undecided: {why}")
            if ok:
                out.append(g)
        return out

    async def first_pq(self, candidates: tuple[int, ...] = PQ_GROUPS) -> int | None:
        """The first supported candidate; Undecided when none is and one stayed undecided."""
        undecided: str | None = None
        for g in candidates:
            if not can_generate(g):
                continue
            ok, why = await self.support(g)
            if ok:
                return g
            if ok is None and undecided is None:
                undecided = why
        if undecided is not None:
            raise Undecided(f"support undecided: {undecided}")
        return None

    async def honest_client_flight(self) -> HandshakeResult:
        """A PQ handshake answering any CertificateRequest with the run's credential and a
        genuine signature (made once per run; the mTLS checks' common baseline)."""
        if self._honest_client_flight is None:
            self._honest_client_flight = await self.handshake(
                **await self.pq_offer(), client_auth=ClientAuth(self.credential()))
        return self._honest_client_flight

    async def pq_offer(self) -> dict[str, Any]:
        """ClientOffer keywords for a PQ hello: every group pqscan can generate, a share for the
        first supported PQ group (else X25519MLKEM768) and one for x25519."""
        pq = await self.first_pq() or X25519MLKEM768
        groups = tuple(g for g in PQ_GROUPS + CLASSICAL if can_generate(g))
        return {"groups": groups, "key_shares": (pq, X25519)}

    async def group_handshake(self, g: int) -> HandshakeResult:
        """A full handshake offering only `g` with a share (cached per run)."""
        if g not in self._full:
            self._full[g] = await self.handshake(groups=(g,), key_shares=(g,))
        return self._full[g]

    async def sanity(self) -> HandshakeResult:
        """A browser-like TLS 1.3 handshake that any TLS 1.3 server should complete."""
        groups = tuple(g for g in PQ_GROUPS + CLASSICAL if can_generate(g))
        return await self.handshake(groups=groups, key_shares=(X25519MLKEM768, X25519))


def no_pq_verdict(expected: str, evidence: str = "") -> Verdict:
    from pqscan.conformance.model import NOT_APPLICABLE

    return Verdict(NOT_APPLICABLE, expected,
                   "server supports none of the PQ groups pqscan offers" +
                   (f" ({evidence})" if evidence else ""))
