#!/usr/bin/env python3
"""Test adapter: the worked pycryptodome example adapter with one deliberate defect (argv[1]).

flip-sig: flips bit 0 of every ML-DSA signature it makes; skip-modulus: imports encapsulation
keys without the FIPS 203 s7.2 modulus check (length only); wrong-oid: uses SHA2-384's OID
for SHA2-512 in pre-hash M'; refuse-255: refuses contexts of exactly 255 bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples" / "vector-adapter"))
import pycryptodome_adapter as example  # noqa: E402


def _ek_without_modulus_check(ps: Any, ek: bytes) -> Any:
    key = example.MLKEM.construct(param_set=ps, seed=bytes(64))
    if len(ek) != len(key._ek):
        raise ValueError("wrong encapsulation key length")
    key._ek = ek  # skips the check a conforming import makes
    return key


def main() -> None:
    mode = sys.argv[1]
    if mode == "skip-modulus":
        example.check_ek = _ek_without_modulus_check
    elif mode == "wrong-oid":
        example.HASHES["SHA2-512"] = (2, example.HASHES["SHA2-512"][1])
    elif mode == "refuse-255":
        real = example.context

        def context(p: dict[str, Any]) -> bytes:
            if len(p.get("context") or "") == 2 * 255:
                raise example.Rejected("contexts of 255 bytes are not supported")
            return real(p)

        example.context = context
    for line in sys.stdin:
        request = json.loads(line)
        answer = example.answer(request)
        if mode == "flip-sig" and request["op"] == "mldsa.sign" and "result" in answer:
            sig = bytearray.fromhex(answer["result"]["signature"])
            sig[0] ^= 1
            answer["result"]["signature"] = sig.hex()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
