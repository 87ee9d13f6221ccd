"""Profiles: model, conditions, loader and evaluation into verdicts (date-aware)."""
