"""Host keys and a host certificate for the SSH lab, made with OpenSSH's `ssh-keygen` (the
same tool an administrator uses), so their fingerprints are an independent truth."""

from __future__ import annotations

import subprocess
from pathlib import Path

SSH_KEYGEN = "ssh-keygen"
_KEYGEN_ARGS = {"ed25519": ["-t", "ed25519"], "ecdsa": ["-t", "ecdsa", "-b", "256"],
                "ecdsa384": ["-t", "ecdsa", "-b", "384"],
                "ecdsa521": ["-t", "ecdsa", "-b", "521"], "rsa": ["-t", "rsa", "-b", "3072"]}


def make_host_keys(directory: Path, kinds: tuple[str, ...], certificate: bool
                   ) -> dict[str, Path]:
    """kind -> private key path (OpenSSH format); "cert" -> the ed25519 host certificate."""
    directory.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for kind in kinds:
        path = directory / f"ssh_host_{kind}_key"
        if not path.exists():
            _run([SSH_KEYGEN, "-q", "-N", "", *_KEYGEN_ARGS[kind], "-f", str(path)])
        out[kind] = path
    if certificate:
        ca = directory / "lab_ca_key"
        if not ca.exists():
            _run([SSH_KEYGEN, "-q", "-N", "", "-t", "ed25519", "-f", str(ca), "-C", "lab CA"])
        host = out.get("ed25519") or make_host_keys(directory, ("ed25519",), False)["ed25519"]
        cert = directory / f"{host.name}-cert.pub"
        if not cert.exists():
            _run([SSH_KEYGEN, "-q", "-s", str(ca), "-I", "pqscan-lab-host", "-h",
                  "-n", "localhost,127.0.0.1", "-V", "-1d:+3650d", "-z", "42",
                  f"{host}.pub"])
        out["cert"] = cert
        out["ca"] = ca
    return out


def fingerprint_with_ssh_keygen(public_key: Path) -> str:
    """`ssh-keygen -l -E sha256 -f KEY.pub` -> "SHA256:..." (independent of pqscan)."""
    text = _run([SSH_KEYGEN, "-l", "-E", "sha256", "-f", str(public_key)])
    return text.split()[1]


def _run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])}... failed: {done.stderr.strip()[:200]}")
    return done.stdout
