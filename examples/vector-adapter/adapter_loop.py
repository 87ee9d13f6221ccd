"""The JSON-lines loop shared by the example adapters (docs/vector-adapter-protocol.md).

Standard library only: copy it next to your adapter. An adapter module defines a table
{op: function(params) -> result dict} and calls `serve(OPS)`; a function raises Unsupported
(the vector is skipped) or Rejected / ValueError (the input is refused).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class Unsupported(Exception):
    """Answered as {"unsupported": reason}: the vector is skipped."""


class Rejected(Exception):
    """Answered as {"error": reason}: the implementation refused the input."""


def answer(ops: dict[str, Handler], request: dict[str, Any]) -> dict[str, Any]:
    """One answer object for one request object."""
    rid = request.get("id")
    handler = ops.get(str(request.get("op")))
    if handler is None:
        return {"id": rid, "unsupported": f"operation {request.get('op')} not implemented"}
    try:
        return {"id": rid, "result": handler(request.get("params") or {})}
    except Unsupported as exc:
        return {"id": rid, "unsupported": str(exc)}
    except (Rejected, ValueError, KeyError) as exc:  # bad lengths, failed key checks
        return {"id": rid, "error": str(exc) or type(exc).__name__}


def serve(ops: dict[str, Handler]) -> None:
    """Answer stdin requests line by line until EOF (flush after each: the runner waits)."""
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(ops, json.loads(line))) + "\n")
            sys.stdout.flush()
