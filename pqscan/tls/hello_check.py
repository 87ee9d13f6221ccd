"""The server's hello checked against the client's offer: a ServerHello or HelloRetryRequest
that names something the client never offered is a protocol violation, not an answer.

Each check returns None (consistent) or a one-line reason naming the field, the value and the
rule (RFC 8446 §4.1.3, §4.1.4, §4.2.1, §4.2.8, §4.2; RFC 5246 §7.4.1.3, §7.4.1.4). The
handshake driver turns a reason into `outcome: error, error_kind: violation` and aborts with an
illegal_parameter alert, as those sections require of the client.
"""

from __future__ import annotations

from pqscan.tls import extensions as ext
from pqscan.tls.messages import TLS12, TLS13, ClientHello, ServerHello

# RFC 8446 §4.2: the extensions a TLS 1.3 ServerHello / HelloRetryRequest may carry
_SH13 = frozenset({ext.KEY_SHARE, ext.SUPPORTED_VERSIONS, 41})  # 41: pre_shared_key
_HRR13 = frozenset({ext.KEY_SHARE, ext.SUPPORTED_VERSIONS, ext.COOKIE})


def _common(sh: ServerHello, hello: ClientHello, what: str) -> str | None:
    """Suite, compression and extensions: the same rules for every server hello."""
    if sh.cipher_suite not in hello.cipher_suites:
        return (f"{what} cipher_suite 0x{sh.cipher_suite:04x} was never offered "
                "(RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)")
    if sh.compression_method != 0:
        return (f"{what} compression_method {sh.compression_method} was never offered "
                "(RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)")
    offered = hello.extension_types
    seen: set[int] = set()
    for e in sh.extensions:
        if e.extension_type in seen:
            return f"{what} repeats extension {e.extension_type} (RFC 8446 §4.2)"
        seen.add(e.extension_type)
        if e.extension_type not in offered and not (sh.is_hrr and e.extension_type == ext.COOKIE):
            return (f"{what} extension {e.extension_type} was never offered "
                    "(RFC 8446 §4.2, RFC 5246 §7.4.1.4)")
    return None


def _tls13_version(sh: ServerHello, hello: ClientHello, what: str) -> str | None:
    """RFC 8446 §4.2.1: the selected version must be one the client offered, and TLS 1.3."""
    chosen = sh.version
    if chosen not in hello.offered_versions or chosen < TLS13:
        return (f"{what} supported_versions selects 0x{chosen:04x}, which was never offered "
                "(RFC 8446 §4.2.1)")
    if sh.legacy_version != TLS12:
        return (f"{what} legacy_version 0x{sh.legacy_version:04x} is not 0x0303 "
                "(RFC 8446 §4.1.3)")
    if sh.session_id != hello.session_id:
        return f"{what} legacy_session_id_echo does not echo the client's (RFC 8446 §4.1.3)"
    return None


def _allowed(sh: ServerHello, allowed: frozenset[int], what: str) -> str | None:
    bad = [e.extension_type for e in sh.extensions if e.extension_type not in allowed]
    return f"{what} extension {bad[0]} is not allowed there (RFC 8446 §4.2)" if bad else None


def check_hrr(hrr: ServerHello, hello: ClientHello, shared: frozenset[int],
              offered_groups: tuple[int, ...], previous_hrr: bool) -> str | None:
    """A HelloRetryRequest against the ClientHello it answers (RFC 8446 §4.1.4)."""
    if previous_hrr:
        return "second HelloRetryRequest (RFC 8446 §4.1.4)"
    if not hello.offered_versions:
        return ("HelloRetryRequest to a TLS <= 1.2 ClientHello (RFC 8446 §4.1.4; RFC 5246 "
                "§7.4.1.3 has no such message)")
    why = _common(hrr, hello, "HelloRetryRequest") or _tls13_version(
        hrr, hello, "HelloRetryRequest")
    if why:
        return why
    why = _allowed(hrr, _HRR13, "HelloRetryRequest")
    if why:
        return why
    group = hrr.hrr_group
    if group is not None and group not in offered_groups:
        return (f"HelloRetryRequest key_share selects group 0x{group:04x}, which was never "
                "offered (RFC 8446 §4.2.8)")
    if group is not None and group in shared:
        return (f"HelloRetryRequest asks for group 0x{group:04x}, for which the client "
                "already sent a key share: it would change nothing (RFC 8446 §4.1.4)")
    if group is None and hrr.extension(ext.COOKIE) is None:
        return "HelloRetryRequest that would change nothing (RFC 8446 §4.1.4)"
    return None


def check_server_hello(sh: ServerHello, hello: ClientHello, shared: frozenset[int],
                       offered_groups: tuple[int, ...], hrr: ServerHello | None) -> str | None:
    """A ServerHello against the ClientHello it answers (and the HRR before it, if any)."""
    why = _common(sh, hello, "ServerHello")
    if why:
        return why
    offered = hello.offered_versions
    if sh.extension(ext.SUPPORTED_VERSIONS) is None:
        # RFC 5246 §7.4.1.3: the server picks a version <= the client's; lower is the client's
        # call to make (a "not supported"), higher was never offered
        if sh.legacy_version > hello.legacy_version:
            return (f"ServerHello version 0x{sh.legacy_version:04x} is above the offered "
                    f"0x{hello.legacy_version:04x} (RFC 5246 §7.4.1.3)")
        if hrr is not None:
            return "ServerHello after a HelloRetryRequest is not TLS 1.3 (RFC 8446 §4.1.4)"
        return None
    if not offered:
        return "ServerHello extension 43 was never offered (RFC 8446 §4.2, RFC 5246 §7.4.1.4)"
    why = _tls13_version(sh, hello, "ServerHello") or _allowed(sh, _SH13, "ServerHello")
    if why:
        return why
    share = sh.key_share
    if hrr is not None:
        if sh.cipher_suite != hrr.cipher_suite:
            return (f"ServerHello cipher_suite 0x{sh.cipher_suite:04x} differs from the "
                    f"HelloRetryRequest's 0x{hrr.cipher_suite:04x} (RFC 8446 §4.1.4)")
        if share is not None and hrr.hrr_group is not None and share.group != hrr.hrr_group:
            return (f"ServerHello key_share group 0x{share.group:04x} is not the group "
                    f"0x{hrr.hrr_group:04x} the HelloRetryRequest asked for (RFC 8446 §4.2.8)")
    if share is not None and share.group not in shared:
        known = share.group in offered_groups
        return (f"ServerHello key_share group 0x{share.group:04x} "
                + ("has no client key share" if known else "was never offered")
                + " (RFC 8446 §4.2.8)")
    return None
