"""Shipped algorithm test vectors (ACVP, Wycheproof); see MANIFEST.json for provenance."""
