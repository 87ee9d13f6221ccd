"""Fixtures for tests/certs; helpers live in certs_helpers (no clash with tests/conftest)."""

from __future__ import annotations

from certs_helpers import ec_key, mldsa_key, rsa_key

__all__ = ["ec_key", "mldsa_key", "rsa_key"]
