"""The default lab: the eight reference servers every scanner test relies on (DEFAULT_LAB).

Each `Expected` below is an observation, re-verified by tests/lab/test_lab.py with independent
clients (pyOpenSSL with its own OPENSSL_CONF, tlslite-ng, the stdlib ssl module).  OpenSSL >= 3.5
group syntax: ':' joins groups of one preference tuple, '/' separates tuples; within a tuple the
server keeps a group the client already sent a share for and otherwise follows the *client's*
order, which is why most OpenSSL servers here have group_preference None.
"""

from __future__ import annotations

from pqscan.lab.spec import Expected, ServerSpec

_TLS13_TLS12 = ("TLSv1.2", "TLSv1.3")
_ECDHE_ONLY = "ECDHE+AESGCM:ECDHE+CHACHA20"

CLASSICAL = ServerSpec(
    name="classical",
    implementation="openssl",
    groups="x25519:secp256r1:secp384r1",
    min_version="TLSv1.2",
    max_version="TLSv1.3",
    cipher_string=_ECDHE_ONLY,
    ciphersuites=None,
    cert_kinds=("rsa",),
    description="TLS 1.3 with classical groups only",
    expected=Expected(
        supported_versions=_TLS13_TLS12,
        groups=("x25519", "secp256r1", "secp384r1"),
        group_preference=None,
        preferred_group=None,
        browser_like="x25519",
        x25519_share_first="x25519",
        classical_only="x25519",
        kex_state="K3",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1", "secp384r1"),
        ffdhe=False,
        chain_algorithms=("RSA", "RSA"),
        classical_chain_algorithms=("RSA", "RSA"),
    ),
)

HYBRID_FALLBACK = ServerSpec(
    name="hybrid-fallback",
    implementation="openssl",
    groups="X25519MLKEM768:x25519:secp256r1",
    min_version="TLSv1.2",
    max_version="TLSv1.3",
    cipher_string=_ECDHE_ONLY,
    ciphersuites=None,
    cert_kinds=("rsa",),
    description="one flat tuple: an x25519-share client keeps x25519 (no HRR)",
    expected=Expected(
        supported_versions=_TLS13_TLS12,
        groups=("X25519MLKEM768", "x25519", "secp256r1"),
        group_preference=None,
        preferred_group=None,
        browser_like="X25519MLKEM768",
        x25519_share_first="x25519",
        classical_only="x25519",
        kex_state="K2",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1"),
        ffdhe=False,
        chain_algorithms=("RSA", "RSA"),
        classical_chain_algorithms=("RSA", "RSA"),
    ),
)

HYBRID_PREFERRED = ServerSpec(
    name="hybrid-preferred",
    implementation="openssl",
    groups="X25519MLKEM768/x25519:secp256r1",
    min_version="TLSv1.2",
    max_version="TLSv1.3",
    cipher_string=_ECDHE_ONLY,
    ciphersuites=None,
    cert_kinds=("rsa",),
    description="hybrid tuple first: an x25519-share client is retried (HRR) to X25519MLKEM768",
    expected=Expected(
        supported_versions=_TLS13_TLS12,
        groups=("X25519MLKEM768", "x25519", "secp256r1"),
        group_preference=None,
        preferred_group="X25519MLKEM768",
        browser_like="X25519MLKEM768",
        x25519_share_first="X25519MLKEM768",
        classical_only="x25519",
        kex_state="K1",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1"),
        ffdhe=False,
        chain_algorithms=("RSA", "RSA"),
        classical_chain_algorithms=("RSA", "RSA"),
        note="x25519 vs secp256r1 order follows the client (second tuple)",
    ),
)

MLKEM1024_ONLY = ServerSpec(
    name="mlkem1024-only",
    implementation="openssl",
    groups="MLKEM1024:SecP384r1MLKEM1024",
    min_version="TLSv1.3",
    max_version="TLSv1.3",
    cipher_string=None,
    ciphersuites="TLS_AES_256_GCM_SHA384",
    cert_kinds=("mldsa87",),
    description="CNSA 2.0 style: TLS 1.3, ML-KEM-1024 groups only, ML-DSA-87 chain",
    expected=Expected(
        supported_versions=("TLSv1.3",),
        groups=("MLKEM1024", "SecP384r1MLKEM1024"),
        group_preference=None,
        preferred_group=None,
        browser_like=None,
        x25519_share_first=None,
        classical_only=None,
        kex_state="K0",
        rsa_key_transport=False,
        tls12_ecdhe_curves=(),
        ffdhe=False,
        chain_algorithms=("ML-DSA-87", "ML-DSA-87"),
        classical_chain_algorithms=None,
        note="MLKEM1024 is an I-D codepoint (draft-ietf-tls-mlkem, S4); the hybrid is RFC 10024",
    ),
)

TLS12_ONLY = ServerSpec(
    name="tls12-only",
    implementation="openssl",
    # ffdhe groups listed: OpenSSL applies RFC 7919 to TLS 1.2 DHE when the client lists them
    groups="x25519:secp256r1:secp384r1:ffdhe2048:ffdhe3072",
    min_version="TLSv1.2",
    max_version="TLSv1.2",
    cipher_string="ECDHE+AESGCM:DHE+AESGCM:kRSA+AESGCM",
    ciphersuites=None,
    cert_kinds=("rsa",),
    description="TLS 1.2 only; ECDHE, DHE and plain RSA key transport",
    expected=Expected(
        supported_versions=("TLSv1.2",),
        groups=(),
        group_preference=None,
        preferred_group=None,
        browser_like=None,
        x25519_share_first=None,
        classical_only=None,
        kex_state="K5",
        rsa_key_transport=True,
        tls12_ecdhe_curves=("x25519", "secp256r1", "secp384r1"),
        ffdhe=True,
        chain_algorithms=("RSA", "RSA"),
        classical_chain_algorithms=("RSA", "RSA"),
    ),
)

TLS12_ECDHE = ServerSpec(
    name="tls12-ecdhe",
    implementation="openssl",
    groups="x25519:secp256r1:secp384r1",
    min_version="TLSv1.0",
    max_version="TLSv1.2",
    # SECLEVEL=0: TLS 1.0/1.1 sign with SHA-1/MD5, refused at OpenSSL's default level
    cipher_string="ECDHE:!aNULL:@SECLEVEL=0",
    ciphersuites=None,
    cert_kinds=("ecdsa-p256",),
    description="TLS 1.0-1.2, ECDHE only, ECDSA P-256 certificate",
    expected=Expected(
        supported_versions=("TLSv1.0", "TLSv1.1", "TLSv1.2"),
        groups=(),
        group_preference=None,
        preferred_group=None,
        browser_like=None,
        x25519_share_first=None,
        classical_only=None,
        kex_state="K4",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1", "secp384r1"),
        ffdhe=False,
        chain_algorithms=("ECDSA P-256", "ECDSA P-256"),
        classical_chain_algorithms=("ECDSA P-256", "ECDSA P-256"),
        note="an ECDHE curve is only seen if the client also lists secp256r1 (the "
        "certificate's curve, RFC 8422 §5.1)",
    ),
)

TLSLITE_HYBRID = ServerSpec(
    name="tlslite-hybrid",
    implementation="tlslite",
    groups="x25519mlkem768,secp256r1mlkem768,secp384r1mlkem1024,x25519,secp256r1",
    min_version="TLSv1.2",
    max_version="TLSv1.3",
    cipher_string="ecdhe_rsa",
    ciphersuites=None,
    cert_kinds=("rsa",),
    description="tlslite-ng: server-order groups, key share taken before HRR",
    expected=Expected(
        supported_versions=_TLS13_TLS12,
        groups=("X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "x25519",
                "secp256r1"),
        group_preference=("X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "x25519",
                          "secp256r1"),
        preferred_group="X25519MLKEM768",
        browser_like="X25519MLKEM768",
        x25519_share_first="x25519",
        classical_only="x25519",
        kex_state="K2",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1"),
        ffdhe=False,
        chain_algorithms=("RSA", "RSA"),
        classical_chain_algorithms=("RSA", "RSA"),
        note="tlslite-ng 0.8.2 and 0.9.0b2 pick a hybrid group for TLS 1.2 ECDHE if a client "
        "lists only that (clients abort: wrong curve)",
    ),
)

DUAL_CERT = ServerSpec(
    name="dual-cert",
    implementation="openssl",
    groups="X25519MLKEM768/x25519:secp256r1",
    min_version="TLSv1.2",
    max_version="TLSv1.3",
    cipher_string=_ECDHE_ONLY,
    ciphersuites=None,
    cert_kinds=("ecdsa-p256", "mldsa65"),
    description="ECDSA P-256 and ML-DSA-65 chains, chosen by the client's signature_algorithms",
    expected=Expected(
        supported_versions=_TLS13_TLS12,
        groups=("X25519MLKEM768", "x25519", "secp256r1"),
        group_preference=None,
        preferred_group="X25519MLKEM768",
        browser_like="X25519MLKEM768",
        x25519_share_first="X25519MLKEM768",
        classical_only="x25519",
        kex_state="K1",
        rsa_key_transport=False,
        tls12_ecdhe_curves=("x25519", "secp256r1"),
        ffdhe=False,
        chain_algorithms=("ML-DSA-65", "ML-DSA-65"),
        classical_chain_algorithms=("ECDSA P-256", "ECDSA P-256"),
        note="TLS 1.2 always gets the ECDSA chain (ML-DSA is TLS 1.3 only, draft-ietf-tls-mldsa)",
    ),
)

DEFAULT_LAB: tuple[ServerSpec, ...] = (
    CLASSICAL,
    HYBRID_FALLBACK,
    HYBRID_PREFERRED,
    MLKEM1024_ONLY,
    TLS12_ONLY,
    TLS12_ECDHE,
    TLSLITE_HYBRID,
    DUAL_CERT,
)
