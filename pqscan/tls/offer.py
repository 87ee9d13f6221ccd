"""What a probe asks for: `ClientOffer`, and the ClientHello it turns into.

A `ClientOffer` is a plain description (versions, suites, groups, which groups get key shares,
signature schemes, SNI, padding, record/segment splitting). `build_client_hello` turns it plus
generated key shares into a `ClientHello`; conformance checks use `share_overrides` and
`extra_extensions` to send deliberately broken hellos through the same code path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pqscan.errors import DecodeError
from pqscan.tls import extensions as ext
from pqscan.tls.codec import cached_once
from pqscan.tls.extensions import Extension, KeyShareEntry
from pqscan.tls.messages import TLS12, TLS13, ClientHello

# RFC 8446 §B.4 suites, strongest first
TLS13_SUITES = (0x1302, 0x1303, 0x1301, 0x1304, 0x1305)

DEFAULT_SIGALGS = (
    0x0904, 0x0905, 0x0906,  # mldsa44/65/87 (draft-ietf-tls-mldsa)
    0x0403, 0x0503, 0x0603,  # ecdsa_secp{256,384,521}r1
    0x0807, 0x0808,  # ed25519, ed448
    0x0804, 0x0805, 0x0806,  # rsa_pss_rsae
    0x0809, 0x080A, 0x080B,  # rsa_pss_pss
    0x0401, 0x0501, 0x0601,  # rsa_pkcs1 (TLS 1.2 and certificate signatures)
    0x0201, 0x0203,  # legacy sha1, so that old TLS 1.2 servers still answer
)


@dataclass(frozen=True)
class ClientOffer:
    """One ClientHello's worth of choices. `versions` decides TLS 1.3 vs legacy form."""

    versions: tuple[int, ...] = (TLS13,)
    cipher_suites: tuple[int, ...] = TLS13_SUITES
    groups: tuple[int, ...] = ()
    key_shares: tuple[int, ...] = ()
    signature_schemes: tuple[int, ...] = DEFAULT_SIGALGS
    sni: str | None = None
    extra_extensions: tuple[Extension, ...] = ()
    pad_to: int | None = None
    # conformance: replace the generated key_exchange bytes for a group
    share_overrides: Mapping[int, bytes] = field(default_factory=dict)
    # conformance: add key share entries for groups pqscan has no key for (raw bytes)
    raw_shares: tuple[KeyShareEntry, ...] = ()
    max_fragment: int = 2**14
    tcp_segment: int | None = None  # send the ClientHello in TCP segments of this size

    @cached_once
    def is_tls13(self) -> bool:
        return TLS13 in self.versions

    @cached_once
    def template(self) -> HelloTemplate:
        """The parts of this offer's ClientHello that no connection changes (once per
        instance: probes reuse one offer object per shape, pqscan.scan.context)."""
        shape = (self.sni, self.groups, self.signature_schemes, self.versions, self.is_tls13,
                 self.extra_extensions)
        try:
            return _template(*shape)
        except TypeError:  # a conformance offer with unhashable parts (a list, a bytearray)
            return _build_template(*shape)

    def shape(self) -> tuple[object, ...]:
        """What the method sheet says of this offer (pqscan.scan.context.describe_offer)."""
        return (self.versions, self.cipher_suites, self.groups, self.key_shares,
                self.signature_schemes, self.sni)


def build_client_hello(offer: ClientOffer, shares: tuple[KeyShareEntry, ...],
                       random: bytes | None = None, session_id: bytes | None = None,
                       cookie: bytes | None = None) -> ClientHello:
    """The ClientHello for `offer` with the given key share entries (RFC 8446 §4.1.2)."""
    fixed = offer.template
    tls13 = offer.is_tls13
    wire = fixed.before_bytes
    exts = fixed.before
    types = fixed.types
    if tls13:
        middle = ext.key_share_client(shares)
        wire += middle.to_bytes()
        exts += (middle,)
        if cookie is not None:
            middle = ext.cookie(cookie)
            wire += middle.to_bytes()
            exts += (middle,)
            types = fixed.types_with_cookie
    wire += fixed.after_bytes
    exts += fixed.after
    legacy = TLS12 if tls13 else max(offer.versions)
    if session_id is None:
        # RFC 8446 §D.4 middlebox compatibility: a non-empty legacy_session_id
        session_id = os.urandom(32) if tls13 else b""
    views = fixed.views if types is fixed.types else fixed.views_with_cookie
    hello = ClientHello.with_extension_bytes(random or os.urandom(32), offer.cipher_suites,
                                             exts, legacy, session_id, wire, views)
    if offer.pad_to and len(hello.to_bytes()) < offer.pad_to:
        need = offer.pad_to - len(hello.to_bytes()) - 4  # padding extension header is 4 bytes
        hello = replace(hello, extensions=hello.extensions + (ext.padding(max(need, 0)),))
    return hello


@dataclass(frozen=True, slots=True)
class HelloTemplate:
    """The extensions around the key share, built and encoded once per offer shape, and the
    hello's views that follow from them: probes send a few shapes thousands of times with
    fresh key shares and randoms only (issue 13)."""

    before: tuple[Extension, ...]
    after: tuple[Extension, ...]
    before_bytes: bytes
    after_bytes: bytes
    types: frozenset[int]  # ClientHello.extension_types (key_share included for TLS 1.3)
    types_with_cookie: frozenset[int]
    versions: tuple[int, ...] | None  # ClientHello.offered_versions; None: left to the hello
    views: dict[str, object]  # the two views, as ClientHello.with_extension_bytes takes them
    views_with_cookie: dict[str, object]


def _build_template(sni: str | None, groups: tuple[int, ...], schemes: tuple[int, ...],
                    versions: tuple[int, ...], tls13: bool,
                    extra: tuple[Extension, ...]) -> HelloTemplate:
    if sni:
        # A population has a name per endpoint, so a template per (name, shape) would be
        # built ~30 times per endpoint and never reused (+31 % instructions per connection
        # measured with these caches off; issue 13): the name's extension goes in front of
        # the shape's template, which every name shares.
        try:
            shared = _template(None, groups, schemes, versions, tls13, extra)
        except TypeError:  # unhashable conformance parts
            shared = _build_template(None, groups, schemes, versions, tls13, extra)
        return _with_server_name(shared, sni)
    before: list[Extension] = []
    if groups:
        before.append(ext.supported_groups(groups))
    before.append(ext.ec_point_formats())
    if schemes:
        before.append(ext.signature_algorithms(schemes))
    after: list[Extension] = []
    if tls13:
        before.append(ext.supported_versions_client(versions))
        before.append(ext.psk_key_exchange_modes())
    else:
        after.append(ext.renegotiation_info())
        after.append(Extension(ext.EXTENDED_MASTER_SECRET, b""))
    after.extend(extra)
    types = frozenset(e.extension_type for e in (*before, *after))
    if tls13:
        types |= {ext.KEY_SHARE}
    sv = ext.find((*before, *after), ext.SUPPORTED_VERSIONS)
    try:
        offered = ext.parse_u16_list(sv, 1) if sv else ()
    except DecodeError:  # a deliberately broken extension (conformance): the hello says
        offered = None
    with_cookie = types | {ext.COOKIE}
    known = {} if offered is None else {"offered_versions": offered}
    return HelloTemplate(tuple(before), tuple(after), b"".join([e.to_bytes() for e in before]),
                         b"".join([e.to_bytes() for e in after]), types, with_cookie, offered,
                         {"extension_types": types, **known},
                         {"extension_types": with_cookie, **known})


def _with_server_name(shared: HelloTemplate, sni: str) -> HelloTemplate:
    """`shared` with the server_name extension (RFC 6066 §3) first, where a hello built
    with the name from the start has it."""
    name = ext.server_name(sni)
    types = shared.types | {ext.SERVER_NAME}
    with_cookie = shared.types_with_cookie | {ext.SERVER_NAME}
    known = {} if shared.versions is None else {"offered_versions": shared.versions}
    return HelloTemplate((name, *shared.before), shared.after,
                         name.to_bytes() + shared.before_bytes, shared.after_bytes, types,
                         with_cookie, shared.versions, {"extension_types": types, **known},
                         {"extension_types": with_cookie, **known})


_template = lru_cache(maxsize=1024)(_build_template)
