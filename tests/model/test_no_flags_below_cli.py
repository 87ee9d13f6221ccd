"""Lower layers are free of command-line flag names (issue 11 item 3).

Below `pqscan/cli/` an input is named by its role (`pqscan.errors.Option`) and only the CLI's
one mapping (`pqscan.cli.exitcode.flag`) spells it as a flag. This reads every string literal
(docstrings aside: they may say which option a function serves) of every module outside cli/ —
errors, findings, verdict notes, rendered report text — and fails on one that spells a flag.
The lab servers are their own programs with their own argv (lab/), and the pytest plugin
declares its own pytest options: both are command-line layers of their own.
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


def _flag_strings(source: str) -> list[str]:
    """Non-docstring string literals of `source` (f-string parts included) naming a flag."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [f"{node.lineno}: {node.value[:60]!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and FLAG.search(node.value)]


def test_no_flag_names_in_lower_layer_strings() -> None:
    found = [f"{path.relative_to(PACKAGE).as_posix()}:{hit}"
             for path in sorted(PACKAGE.rglob("*.py"))
             if not path.relative_to(PACKAGE).as_posix().startswith(OWN_COMMAND_LINES)
             for hit in _flag_strings(path.read_text("utf-8"))]
    assert found == []


def test_the_check_sees_flags_in_errors_and_texts_but_not_docstrings() -> None:
    source = ('def f(x):\n    """Serves --sample."""\n'
              '    raise UsageError(f"--sample: {x} is bad")\n'
              'NOTE = "no --profile given"\n')
    assert sorted(_flag_strings(source)) == ["3: '--sample: '", "4: 'no --profile given'"]


def test_the_cli_spells_roles_as_flags() -> None:
    exc = UsageError(Option("sample"), " needs ", Option("seed"), " S")
    assert str(exc) == "sample needs seed S"
    assert message(exc) == "--sample needs --seed S"
    assert flag(Option("max_size")) == "--max-size"
    assert message(ValueError("plain")) == "plain"
