"""Judgements from observations: K-state, strength, quantum exposure, risk, findings."""
