"""pqscan: post-quantum readiness scanner and conformance suite."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pqscan")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+src"
