"""Data files shipped with pqscan (codepoint and OID tables copied from the reference)."""
