"""Lower layers are free of command-line flag names in their errors (issue 11 item 3).

Below `pqscan/cli/` an input is named by its role (`pqscan.errors.Option`) and only the CLI's
one mapping (`pqscan.cli.exitcode.flag`) spells it as a flag. This reads every error a module
outside cli/ raises or builds (string literals inside a `raise`, or inside a call to a name
ending in "Error") and fails on one that spells a flag. The lab servers are their own programs
with their own argv (lab/), and the pytest plugin declares its own pytest options: both are
command-line layers of their own. (Renderer prose that tells a reader which option shaped a
report, e.g. "no --profile given", is report text, not an error, and is not checked here.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pqscan.cli.exitcode import flag, message
from pqscan.errors import Option, UsageError

PACKAGE = Path(__file__).resolve().parents[2] / "pqscan"
OWN_COMMAND_LINES = ("cli/", "lab/", "conformance/pytest_plugin.py")
FLAG = re.compile(r"(^|[\s(`'\"/])--[a-z][a-z-]+")


def _error_strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants inside `raise ...` or a call to `SomethingError(...)`."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            roots.append(node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.endswith("Error"):
                roots.append(node)
    seen: dict[int, ast.Constant] = {}  # a raise of a call holds the same constants twice
    for root in roots:
        for c in ast.walk(root):
            if isinstance(c, ast.Constant) and isinstance(c.value, str):
                seen.setdefault(id(c), c)
    return list(seen.values())


def test_no_flag_names_in_lower_layer_errors() -> None:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(OWN_COMMAND_LINES):
            continue
        for node in _error_strings(ast.parse(path.read_text("utf-8"))):
            if FLAG.search(node.value):
                found.add(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    assert sorted(found) == []


def test_the_check_sees_a_flag_in_an_error() -> None:
    tree = ast.parse('def f(x):\n    raise UsageError(f"--sample: {x} is bad")\n'
                     'e = ValueError("see --seed")\n')
    hits = sorted(c.value for c in _error_strings(tree) if FLAG.search(c.value))
    assert hits == ["--sample: ", "see --seed"]


def test_the_cli_spells_roles_as_flags() -> None:
    exc = UsageError(Option("sample"), " needs ", Option("seed"), " S")
    assert str(exc) == "sample needs seed S"
    assert message(exc) == "--sample needs --seed S"
    assert flag(Option("max_size")) == "--max-size"
    assert message(ValueError("plain")) == "plain"
