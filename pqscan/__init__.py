"""pqscan: post-quantum readiness scanner and conformance suite."""

from pqscan._version import __version__

__all__ = ["__version__"]
