"""Observations: what a scan saw, free of judgements, and the status vocabularies."""
