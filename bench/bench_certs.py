"""Benchmark: `pqscan certs` inventory throughput over 10,000 certificate files on one core.

Makes the files once (RSA-2048 / ECDSA P-256 / ML-DSA-65 mix, PEM and DER) in a temp directory,
then times pqscan.certs.inventory.inventory() over them and prints certificates per second
(target >= 2,000/s). Not part of the test suite: run `python bench/bench_certs.py [COUNT]`.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, rsa
from cryptography.x509.oid import NameOID

from pqscan.certs.inventory import inventory


def _make(directory: str, count: int) -> None:
    keys: list[tuple[Any, Any]] = [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), hashes.SHA256()),
        (ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()),
        (mldsa.MLDSA65PrivateKey.generate(), None),
    ]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for i in range(count):
        key, algo = keys[i % 3]
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"host{i}.example")])
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(i + 1)
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(f"host{i}.example")]), False)
            .sign(key, algo)  # type: ignore[arg-type]
        )
        pem = i % 2 == 0
        encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
        sub = os.path.join(directory, f"d{i // 1000:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"c{i}.{'pem' if pem else 'der'}"), "wb") as handle:
            handle.write(cert.public_bytes(encoding))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with tempfile.TemporaryDirectory() as directory:
        t0 = time.perf_counter()
        _make(directory, count)
        print(f"made {count} certificates in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        inv = inventory([directory])
        elapsed = time.perf_counter() - t0
    found = sum(len(f.objects) for f in inv.files)
    assert found == count and inv.complete, (found, count)
    rate = found / elapsed
    print(f"inventory: {found} certificates in {elapsed:.2f}s = {rate:,.0f} certificates/s "
          f"(target >= 2,000/s: {'met' if rate >= 2000 else 'NOT met'})")


if __name__ == "__main__":
    main()
