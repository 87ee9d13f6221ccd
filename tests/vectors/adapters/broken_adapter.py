#!/usr/bin/env python3
"""Test adapter: the example cryptography adapter with one deliberate defect (argv[1]).

flip-k: flips bit 0 of every decapsulated shared secret; crash-decaps: exits on the first
mlkem.decaps; hang-decaps: never answers mlkem.decaps; garbage-decaps: prints a non-JSON line;
wrong-id: answers with another id; crash-start: exits before the handshake.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples" / "vector-adapter"))
import cryptography_adapter  # noqa: E402


def main() -> None:
    mode = sys.argv[1]
    if mode == "crash-start":
        sys.stderr.write("adapter refuses to start\n")
        sys.exit(5)
    for line in sys.stdin:
        request = json.loads(line)
        answer = cryptography_adapter.answer(request)
        # Only answers that carry a result are sabotaged (unsupported ones stay skips).
        if request["op"] == "mlkem.decaps" and "result" in answer:
            if mode == "crash-decaps":
                sys.stderr.write("boom\n")
                sys.exit(3)
            if mode == "hang-decaps":
                time.sleep(60)
            if mode == "garbage-decaps":
                sys.stdout.write("this is not json\n")
                sys.stdout.flush()
                continue
            if mode == "wrong-id":
                answer["id"] = -1
            if mode == "flip-k":
                k = bytearray.fromhex(answer["result"]["k"])
                k[0] ^= 1
                answer["result"]["k"] = k.hex()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
