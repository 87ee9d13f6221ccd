"""The registry of built-in vector adapters: name -> in-process adapter class, imported lazily.

Anything that is not a built-in name is an external adapter command (subprocess protocol); a bare
word that is neither a built-in nor an executable on PATH is a usage error listing the built-ins.
"""

from __future__ import annotations

import importlib
import os
import shutil

from pqscan.conformance.vectors.adapter import Adapter
from pqscan.errors import Option, UsageError

# name -> (module, class, the extra that installs the library)
BUILTIN: dict[str, tuple[str, str, str]] = {
    "cryptography": ("adapter_cryptography", "CryptographyAdapter", "(core dependency)"),
    "dilithium-py": ("adapter_dilithiumpy", "DilithiumPyAdapter", "pqscan[lab]"),
    "kyber-py": ("adapter_kyberpy", "KyberPyAdapter", "(core dependency)"),
    "pycryptodome": ("adapter_pycryptodome", "PyCryptodomeAdapter", "pqscan[vectors]"),
    "slh-dsa": ("adapter_slhdsa", "SLHDSAAdapter", "pqscan[vectors]"),
}


def is_builtin(spec: str) -> bool:
    return spec in BUILTIN


def builtin(name: str) -> Adapter:
    """A fresh in-process adapter; UsageError when its library is not installed."""
    module_name, cls_name, extra = BUILTIN[name]
    try:
        module = importlib.import_module(f"pqscan.conformance.vectors.{module_name}")
    except ImportError as exc:
        raise UsageError(Option("impl"), f" {name}: its library is not installed "
                         f"({exc.name}); install {extra}") from None
    adapter: Adapter = getattr(module, cls_name)()
    return adapter


def make(spec: str, timeout: float) -> Adapter:
    """A built-in adapter by name, otherwise an external command (subprocess protocol)."""
    if spec in BUILTIN:
        return builtin(spec)
    if os.sep not in spec and " " not in spec and shutil.which(spec) is None:
        raise UsageError(Option("impl"), f" {spec}: not a built-in adapter nor a command on "
                         f"PATH; built-in adapters: {', '.join(sorted(BUILTIN))}")
    from pqscan.conformance.vectors.protocol import SubprocessAdapter

    return SubprocessAdapter(spec, timeout)
