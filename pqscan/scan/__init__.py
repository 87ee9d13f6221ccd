"""Scanning: targets, options, probe context, scheduler, store, and the probes themselves."""
