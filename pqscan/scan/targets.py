"""Scan targets: parse `host[:port]`, `[v6]:port`, `https://host:port/path`, STARTTLS URLs
(`smtp://host`, ...), SSH targets (`ssh://host[:port]`, default port 22, or `--ssh` for
bare `host:port`) and target files.

A malformed target is a `UsageError` naming it (exit 2); parsing never touches the network.
A STARTTLS target carries its protocol (`Target.starttls`); `--starttls PROTO` is the explicit
form for `host:port`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pqscan.errors import Option, UsageError
from pqscan.tls.starttls import DEFAULT_PORTS as STARTTLS_PORTS
from pqscan.tls.starttls import StartTLS

# Implicit-TLS URL schemes and their default ports (IANA service names)
SCHEME_PORTS = {"https": 443, "tls": 443, "ldaps": 636, "smtps": 465, "imaps": 993,
                "pop3s": 995, "ftps": 990}
# Schemes that need a STARTTLS preamble: scheme -> (protocol, default port). "submission" is
# SMTP on the mail submission port (RFC 6409).
STARTTLS_SCHEMES: dict[str, tuple[str, int]] = {
    **{proto: (proto, port) for proto, port in STARTTLS_PORTS.items()},
    "submission": ("smtp", 587), "postgresql": ("postgres", 5432),
}

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?)+$")


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    sni: str | None
    text: str  # normalised host:port, the report's "target"
    starttls: str | None = None  # STARTTLS protocol (pqscan.tls.starttls.PROTOCOLS), or None
    protocol: str = "tls"  # "tls" or "ssh" (issue 15)

    def preamble(self) -> StartTLS | None:
        """The STARTTLS preamble to speak before TLS (naming the SNI, else the host)."""
        if self.starttls is None:
            return None
        return StartTLS(self.starttls, self.sni or self.host)

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def _port(text: str, original: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"bad target {original!r}: port {text!r} is not 1-65535")
    return int(text)


def _check_host(host: str, original: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise UsageError(f"bad target {original!r}: {host!r} is not a host name or IP address")
    return host.rstrip(".").lower()


def check_starttls(protocol: str | None) -> str | None:
    """A `--starttls` value, lower-cased; UsageError naming the known protocols otherwise."""
    if protocol is None:
        return None
    if protocol.lower() not in STARTTLS_PORTS:
        raise UsageError(STARTTLS, f": unknown protocol {protocol!r} "
                         f"(known: {', '.join(STARTTLS_PORTS)})")
    return protocol.lower()


SSH_PORT = 22
# the caller's inputs these messages name (the CLI spells them as its flags)
SSH, STARTTLS = Option("ssh"), Option("starttls")


def parse_target(text: str, sni: str | None = None, default_port: int = 443,
                 starttls: str | None = None, ssh: bool = False) -> Target:
    """Parse one target; `sni` overrides the name sent (default: the host unless an IP);
    `starttls` (a protocol) makes a `host[:port]` target speak that preamble first; `ssh`
    makes a `host[:port]` target an SSH server (port 22 unless given), as `ssh://` does."""
    original = text
    text = text.strip()
    if not text:
        raise UsageError("bad target '': empty")
    starttls = check_starttls(starttls)
    if ssh and starttls:
        raise UsageError(SSH, " and ", STARTTLS, " cannot be combined")
    port = STARTTLS_PORTS[starttls] if starttls else (SSH_PORT if ssh else default_port)
    protocol = "ssh" if ssh else "tls"
    if "://" in text:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme == "ssh":
            if starttls is not None:
                raise UsageError(f"bad target {original!r}: ssh:// cannot use ", STARTTLS)
            protocol, scheme_port = "ssh", SSH_PORT
        elif ssh:
            raise UsageError(f"bad target {original!r}: ", SSH, " expects host[:port] or ssh://")
        elif scheme in STARTTLS_SCHEMES:
            proto, scheme_port = STARTTLS_SCHEMES[scheme]
            if starttls is not None and starttls != proto:
                raise UsageError(f"bad target {original!r}: {scheme}:// is {proto} STARTTLS, "
                                 "not ", STARTTLS, f" {starttls}")
            starttls = proto
        elif scheme in SCHEME_PORTS:
            if starttls is not None:
                raise UsageError(f"bad target {original!r}: {scheme}:// is implicit TLS; ",
                                 STARTTLS, f" {starttls} needs host:port or {starttls}://")
            scheme_port = SCHEME_PORTS[scheme]
        else:
            raise UsageError(f"bad target {original!r}: unknown scheme {scheme!r}")
        if not parts.hostname:
            raise UsageError(f"bad target {original!r}: no host")
        try:
            port = parts.port or scheme_port
        except ValueError:
            raise UsageError(f"bad target {original!r}: bad port") from None
        host = _check_host(parts.hostname, original)
    elif text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"bad target {original!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            raise UsageError(f"bad target {original!r}: {host!r} is not an IPv6 address") \
                from None
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"bad target {original!r}: junk after ']'")
            port = _port(rest[1:], original)
    elif text.count(":") > 1:
        try:  # a bare IPv6 address without port
            host = str(ipaddress.IPv6Address(text))
        except ValueError:
            raise UsageError(f"bad target {original!r}: write IPv6 with a port as "
                             "[addr]:port") from None
    else:
        host, _, port_text = text.partition(":")
        if _:
            port = _port(port_text, original)
        host = _check_host(host, original)
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    target = Target(host, port, None, shown)
    if protocol == "ssh":  # no SNI in SSH
        return Target(host, port, None, shown, None, "ssh")
    name = sni if sni is not None else (None if target.is_ip else host)
    return Target(host, port, name, shown, starttls)


def read_target_file(path: str | Path, sni: str | None = None,
                     starttls: str | None = None, ssh: bool = False) -> list[Target]:
    """One target per line; blank lines and `#` comments are skipped; `starttls` applies to
    every line as `parse_target`'s does.

    Every bad line is reported at once (file:line) so a user fixes the list in one go.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read target list {str(p)!r}: {exc}") from None
    targets: list[Target] = []
    problems: list[str | Option] = []
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            targets.append(parse_target(line, sni, starttls=starttls, ssh=ssh))
        except UsageError as exc:  # its parts kept: the CLI still names its flags
            problems += [*(("; ",) if problems else ()), f"{p}:{number}: ", *exc.parts]
    if problems:
        raise UsageError(*problems)
    return targets
