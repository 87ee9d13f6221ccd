"""Small TLS registries: alert descriptions, extension types and protocol versions.

Owns `ALERTS` (RFC 8446 §6 AlertDescription), `EXTENSIONS` (IANA "TLS ExtensionType Values",
RFC 8446 §4.2 and the RFCs named per entry) and `VERSIONS` (RFC 8446 §4.1.2 / §4.2.1), each
with a name function that never fails on an unknown value.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pqscan.registry.common import check_code, grease_name, is_grease

# RFC 8446 §6 enum AlertDescription (the *_RESERVED values are kept: TLS 1.2 peers send them).
ALERTS: Mapping[int, str] = MappingProxyType({
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed_RESERVED",
    22: "record_overflow",
    30: "decompression_failure_RESERVED",
    40: "handshake_failure",
    41: "no_certificate_RESERVED",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    60: "export_restriction_RESERVED",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation_RESERVED",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable_RESERVED",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value_RESERVED",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
})


def alert_name(code: int) -> str:
    """RFC 8446 §6 name of an alert description; unknown -> "alert_0x.."."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"alert code must be an int, not {type(code).__name__}")
    if not 0 <= code <= 0xFF:
        raise ValueError(f"alert code {code} is outside 0..255")
    return ALERTS.get(code, f"alert_0x{code:02x}")


# IANA ExtensionType values. RFC 8446 §4.2 defines the TLS 1.3 set; the others cite their RFC.
EXTENSIONS: Mapping[int, str] = MappingProxyType({
    0: "server_name",  # RFC 6066
    1: "max_fragment_length",  # RFC 6066
    2: "client_certificate_url",  # RFC 6066
    3: "trusted_ca_keys",  # RFC 6066
    4: "truncated_hmac",  # RFC 6066
    5: "status_request",  # RFC 6066
    6: "user_mapping",  # RFC 4681
    7: "client_authz",  # RFC 5878
    8: "server_authz",  # RFC 5878
    9: "cert_type",  # RFC 6091
    10: "supported_groups",  # RFC 8422, RFC 7919
    11: "ec_point_formats",  # RFC 8422
    12: "srp",  # RFC 5054
    13: "signature_algorithms",  # RFC 8446
    14: "use_srtp",  # RFC 5764
    15: "heartbeat",  # RFC 6520
    16: "application_layer_protocol_negotiation",  # RFC 7301
    17: "status_request_v2",  # RFC 6961
    18: "signed_certificate_timestamp",  # RFC 6962
    19: "client_certificate_type",  # RFC 7250
    20: "server_certificate_type",  # RFC 7250
    21: "padding",  # RFC 7685
    22: "encrypt_then_mac",  # RFC 7366
    23: "extended_master_secret",  # RFC 7627
    24: "token_binding",  # RFC 8472
    25: "cached_info",  # RFC 7924
    27: "compress_certificate",  # RFC 8879
    28: "record_size_limit",  # RFC 8449
    34: "delegated_credential",  # RFC 9345
    35: "session_ticket",  # RFC 5077, RFC 8447
    41: "pre_shared_key",  # RFC 8446
    42: "early_data",  # RFC 8446
    43: "supported_versions",  # RFC 8446
    44: "cookie",  # RFC 8446
    45: "psk_key_exchange_modes",  # RFC 8446
    47: "certificate_authorities",  # RFC 8446
    48: "oid_filters",  # RFC 8446
    49: "post_handshake_auth",  # RFC 8446
    50: "signature_algorithms_cert",  # RFC 8446
    51: "key_share",  # RFC 8446
    52: "transparency_info",  # RFC 9162
    54: "connection_id",  # RFC 9146
    57: "quic_transport_parameters",  # RFC 9001
    58: "ticket_request",  # RFC 9149
    0xFE0D: "encrypted_client_hello",  # draft-ietf-tls-esni (I-D codepoint)
    0xFF01: "renegotiation_info",  # RFC 5746
})


def extension_name(code: int) -> str:
    """IANA name of an extension type; GREASE -> "GREASE(0x0a0a)", unknown -> "0x1234"."""
    code = check_code(code, "extension")
    if code in EXTENSIONS:
        return EXTENSIONS[code]
    return grease_name(code) if is_grease(code) else f"0x{code:04x}"


# ProtocolVersion values (RFC 8446 §4.1.2 legacy_version, §4.2.1 supported_versions).
VERSIONS: Mapping[int, str] = MappingProxyType({
    0x0301: "TLSv1.0",
    0x0302: "TLSv1.1",
    0x0303: "TLSv1.2",
    0x0304: "TLSv1.3",
})


def version_name(code: int) -> str:
    """Name of a protocol version; SSLv3 spelled out, GREASE and unknown kept as hex."""
    code = check_code(code, "version")
    if code in VERSIONS:
        return VERSIONS[code]
    if code == 0x0300:
        return "SSLv3"
    return grease_name(code) if is_grease(code) else f"0x{code:04x}"
