"""Shipped standards profiles (package `pqscan.profiles`): one TOML file per profile.

This file only makes the directory importable so importlib.resources can list the TOML files;
the format is documented in docs/profiles.md.
"""
