"""The subprocess adapter: an external implementation spoken to over JSON lines on stdin/stdout.

Protocol (docs/vector-adapter-protocol.md): one request object per line,
{"id": N, "op": OP, "params": {...}}; one answer line per request with the same id and exactly
one of "result" (object), "unsupported" (reason) or "error" (the input was refused).
Every call is bounded by a timeout; a crash, a hang or an unparseable line is an AdapterFailure
and the process is killed (the runner restarts it for the next group).
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import threading
from collections import deque
from typing import IO, Any

from pqscan.conformance.vectors.adapter import AdapterFailure, Refused, Unsupported
from pqscan.conformance.vectors.model import Params
from pqscan.errors import Option, UsageError

PROTOCOL_VERSION = 1
_EOF = object()


def op_factor(op: str, params: Params) -> float:
    """How many --timeout units one call may take: SLH-DSA keygen/sign build hypertrees.

    A pure-Python "s" set (FIPS 205 Table 2: h' = 9..14, 2^h' WOTS+ leaves per XMSS tree) signs
    in tens of seconds where an ML-KEM call takes milliseconds; verification is cheap.
    """
    if op in ("slhdsa.sign", "slhdsa.keygen"):
        return 30.0 if str(params.get("parameter_set", "")).endswith("s") else 5.0
    return 1.0


def _pump(stream: IO[str], sink: queue.Queue[object]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(_EOF)


def _drain(stream: IO[str], tail: deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip("\n"))


class SubprocessAdapter:
    """An implementation behind `--impl COMMAND` (an executable, or a command line)."""

    def __init__(self, command: str, timeout: float = 10.0) -> None:
        if not isinstance(command, str):
            raise TypeError("command must be a str")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.argv = shlex.split(command) if os.sep in command or " " in command else [command]
        if not self.argv:
            raise UsageError(Option("impl"), ": empty command")
        self.name = command
        self.command = command
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=5)
        self._next_id = 0
        self._caps: dict[str, Any] | None = None
        self._drainer: threading.Thread | None = None

    def _start(self) -> subprocess.Popen[str]:
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, bufsize=1)
        except OSError as exc:
            raise UsageError(Option("impl"), f" {self.name}: cannot start: "
                             f"{exc.strerror or exc}") from None
        self._lines = queue.Queue()
        self._stderr = deque(maxlen=5)
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=_pump, args=(proc.stdout, self._lines), daemon=True).start()
        self._drainer = threading.Thread(target=_drain, args=(proc.stderr, self._stderr),
                                         daemon=True)
        self._drainer.start()
        self._proc = proc
        return proc

    def _died(self, proc: subprocess.Popen[str]) -> AdapterFailure:
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        # stdout's EOF can overtake stderr: let the drainer read the dying words first.
        if self._drainer is not None:
            self._drainer.join(timeout=1)
        last = self._stderr[-1] if self._stderr else ""
        self.close()
        return AdapterFailure(f"adapter exited (code {code})" + (f": {last}" if last else ""))

    def _request(self, op: str, params: Params) -> dict[str, Any]:
        proc = self._proc or self._start()
        self._next_id += 1
        rid = self._next_id
        line = json.dumps({"id": rid, "op": op, "params": params}, separators=(",", ":"))
        try:
            assert proc.stdin is not None
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._died(proc) from None
        limit = self.timeout * op_factor(op, params)
        try:
            answer = self._lines.get(timeout=limit)
        except queue.Empty:
            self.close()
            raise AdapterFailure(f"no answer to {op} within {limit:g} s") from None
        if answer is _EOF:
            raise self._died(proc)
        text = str(answer).strip()
        try:
            message = json.loads(text)
        except ValueError:
            self.close()
            raise AdapterFailure(f"garbage answer to {op}: {text[:60]!r}") from None
        if not isinstance(message, dict) or message.get("id") != rid:
            self.close()
            raise AdapterFailure(f"answer to {op} is not an object with id {rid}: "
                                 f"{text[:60]!r}")
        return message

    def capabilities(self) -> dict[str, Any]:
        if self._caps is None or self._proc is None:
            message = self._request("capabilities", {"protocol": PROTOCOL_VERSION})
            caps = message.get("result")
            if not isinstance(caps, dict) or not isinstance(caps.get("ops"), list):
                self.close()
                raise AdapterFailure("capabilities answer has no result.ops list")
            self._caps = caps
            if isinstance(caps.get("name"), str):
                self.name = f"{caps['name']} via {self.command}"
        return self._caps

    def call(self, op: str, params: Params) -> dict[str, Any]:
        message = self._request(op, params)
        kinds = [k for k in ("result", "unsupported", "error") if k in message]
        if len(kinds) != 1:
            self.close()
            raise AdapterFailure(f"answer to {op} must carry exactly one of result/"
                                 f"unsupported/error, got {sorted(message)}")
        if kinds[0] == "unsupported":
            raise Unsupported(str(message["unsupported"]))
        if kinds[0] == "error":
            raise Refused(str(message["error"]))
        result = message["result"]
        if not isinstance(result, dict):
            self.close()
            raise AdapterFailure(f"result of {op} is not an object")
        return result

    def restart(self) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self._caps = None
        if proc is None:
            return
        for stream in (proc.stdin,):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
