"""Reference data shared by every layer: TLS codepoints, SSH names, OIDs; parsed once."""
