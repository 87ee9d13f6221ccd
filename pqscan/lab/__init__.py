"""The lab of real TLS servers on 127.0.0.1 with known configurations and expected results."""

from __future__ import annotations

from pqscan.lab.defaults import DEFAULT_LAB
from pqscan.lab.lab import Lab, LabEndpoint, LabError
from pqscan.lab.spec import Expected, ServerSpec

__all__ = ["DEFAULT_LAB", "Expected", "Lab", "LabEndpoint", "LabError", "ServerSpec"]
