"""Integrity of the shipped remediation catalogue (pqscan/data/remediation/*.toml).

Every entry validates and names real finding codes / profile requirements; every finding of
severity medium or worse and every MUST requirement about key exchange or authentication has a
fix, unless it is in EXCEPTIONS with the reason.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from pqscan.assess.catalogue import FINDINGS, SEVERITIES
from pqscan.assess.remediation import Fix, fixes_for, load_fixes
from pqscan.policy.evaluate import available_profiles
from pqscan.registry.tls import group

FIXES = load_fixes()
PROFILES = available_profiles()
REQUIREMENTS = {r.id: (p.id, r) for p in PROFILES for r in p.requirements}
# Finding codes / requirement ids that need a fix but deliberately have none, with the reason.
# Empty today; an entry here must still exist and must still lack a fix (checked below).
EXCEPTIONS: dict[str, str] = {
    "ssh.protocol.violation": "a server bug (RFC 4253 broken on the wire): no configuration "
                              "line fixes it; the finding names the probe and the violation",
}
# Words containing "mlkem"/"kyber" in config lines that are not TLS group names.
NOT_GROUPS = {"tlsmlkem", "tlssecpmlkem", "kyber", "mlkem"}


def test_catalogue_is_loaded_once_and_not_empty() -> None:
    assert FIXES and load_fixes() is FIXES
    assert len({f.id for f in FIXES}) == len(FIXES)
    assert {f.defined_in for f in FIXES} >= {
        "remediation/certificates.toml", "remediation/tls-cloud.toml",
        "remediation/tls-runtimes.toml", "remediation/tls-servers.toml",
        "remediation/ssh.toml"}


@pytest.mark.parametrize("fix", FIXES, ids=lambda f: f.id)
def test_every_entry_round_trips(fix: Fix) -> None:
    assert Fix.from_dict(fix.to_dict()) == fix


@pytest.mark.parametrize("fix", FIXES, ids=lambda f: f.id)
def test_applies_to_names_real_codes(fix: Fix) -> None:
    unknown = [c for c in fix.applies_to if c not in FINDINGS and c not in REQUIREMENTS]
    assert not unknown, f"{fix.defined_in}: {fix.id}: no finding or requirement {unknown}"


@pytest.mark.parametrize("fix", FIXES, ids=lambda f: f.id)
def test_sources_are_urls_or_document_references(fix: Fix) -> None:
    for source in fix.source:
        if source.startswith(("http://", "https://")):
            url = urlparse(source.split()[0])
            assert url.scheme == "https" and "." in url.netloc, source
        else:  # a document reference names a document, e.g. "RFC 5280 §4.1.2.5"
            assert re.search(r"[A-Za-z]{2,}.* \S", source) and len(source) >= 10, source


def _ssh_only(fix: Fix) -> bool:
    """SSH fixes (issue 15's ssh.toml) name SSH algorithms, not TLS groups."""
    return all(code.startswith("ssh.") or "-SSH-" in code for code in fix.applies_to)


@pytest.mark.parametrize("fix", [f for f in FIXES if not _ssh_only(f)], ids=lambda f: f.id)
def test_group_names_in_config_exist(fix: Fix) -> None:
    # A typo'd group name (X25519MLKEM786) in a config line would break the user's server.
    for word in re.findall(r"\w*(?:mlkem|kyber)\w*", fix.config, flags=re.IGNORECASE):
        if word.lower() not in NOT_GROUPS:
            group(word)  # ValueError names the unknown group


def test_every_medium_or_worse_finding_has_a_fix() -> None:
    medium = SEVERITIES.index("medium")
    needed = {code for code, spec in FINDINGS.items()
              if SEVERITIES.index(spec.severity) >= medium}
    missing = sorted(c for c in needed - EXCEPTIONS.keys() if not fixes_for(c))
    assert not missing, f"finding codes without a fix: {missing}"


def test_every_must_kex_or_auth_requirement_has_a_fix() -> None:
    needed = {rid for rid, (_, req) in REQUIREMENTS.items() if req.severity == "MUST"
              and {"key_exchange", "authentication"} & set(req.applies_to)}
    assert needed  # the shipped profiles do have such requirements
    missing = sorted(f"{REQUIREMENTS[r][0]}:{r}" for r in needed - EXCEPTIONS.keys()
                     if not fixes_for(r))
    assert not missing, f"MUST requirements without a fix: {missing}"


def test_exceptions_are_current() -> None:
    for code, reason in EXCEPTIONS.items():
        assert code in FINDINGS or code in REQUIREMENTS, code
        assert reason.strip(), code
        assert not fixes_for(code), f"{code} has fixes now: drop it from EXCEPTIONS"


@pytest.mark.parametrize("needle", [
    "OpenSSL", "nginx", "Apache", "HAProxy", "Caddy", "Go crypto/tls", "Java", "Schannel",
    ".NET", "AWS", "Google Cloud", "Azure", "Cloudflare (visitor", "Cloudflare (edge to origin",
])
def test_issue_14_products_are_covered(needle: str) -> None:
    kex = [f for f in FIXES if needle in f.product and "exposure.hndl" in f.applies_to]
    assert kex, f"no key-exchange fix for {needle}"


def test_certificate_guidance_is_covered() -> None:
    auth = [f for f in FIXES if "exposure.auth" in f.applies_to]
    assert {f.kind for f in auth} >= {"guidance", "service"}
    assert any("ML-DSA" in f.config for f in auth)
    assert any("composite" in f.config.lower() for f in auth)


def test_unconfirmed_entries_say_why() -> None:
    unconfirmed = [f for f in FIXES if f.confidence == "unconfirmed"]
    assert unconfirmed  # several versions could not be confirmed: they must be marked
    for fix in unconfirmed:
        assert re.search(r"(?i)unconfirmed|not confirmed|not found|no .* found", fix.note), fix.id


def test_versions_where_the_sources_give_them() -> None:
    # Spot checks of data against the sources cited in the entries.
    assert next(f for f in FIXES if f.id == "openssl.groups.hybrid-preferred").min_version \
        == "3.5.0"
    assert next(f for f in FIXES if f.id == "go.curve-preferences").min_version == "1.24"
    assert next(f for f in FIXES if f.id == "java.named-groups").min_version == "27"
    schannel = next(f for f in FIXES if f.id == "windows.schannel-mlkem")
    assert schannel.confidence == "unconfirmed" and schannel.min_version is None


def test_fixes_for() -> None:
    hndl = fixes_for("exposure.hndl")
    assert isinstance(hndl, tuple) and hndl == tuple(f for f in FIXES
                                                     if "exposure.hndl" in f.applies_to)
    assert fixes_for("no.such.code") == ()
    with pytest.raises(TypeError):
        fixes_for(3)  # type: ignore[arg-type]
