"""The house guard (issue 11): the imports inside pqscan/ follow the one-way arrows written in
docs/architecture.md ("Forbidden imports" block, read from the doc so rule and doc are one),
only the CLI layer imports click, model/ and registry/ use nothing but the standard library
and the layers they may, and no two modules import each other, directly or round a cycle.

Every import counts, also those inside functions; only `if TYPE_CHECKING:` imports (which
never run) are left out.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pqscan"
DOC = ROOT / "docs" / "architecture.md"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def _imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import that can run."""
    tree = ast.parse(path.read_text("utf-8"))
    skip = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for module, names in _imports(path):
            if module not in modules:
                continue
            subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules]
            deps.update(subs)
            if len(subs) < len(names) or not names:
                deps.add(module)
        deps.discard(name)
        graph[name] = deps
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pqscan"


def _rules() -> dict[str, set[str]]:
    text = DOC.read_text("utf-8")
    block = re.search(r"```forbidden-imports\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```forbidden-imports block"
    rules: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        line = line.split("#")[0].strip()
        if line:
            source, _, targets = line.partition("-/->")
            rules[source.strip()] = {t.strip() for t in targets.split(",") if t.strip()}
    return rules


def test_rules_name_real_layers() -> None:
    layers = {_layer(m) for m in _modules()}
    for source, targets in _rules().items():
        assert source in layers, source
        assert targets <= layers, targets - layers


def test_no_forbidden_arrow() -> None:
    rules = _rules()
    bad = [f"{m} imports {d}" for m, deps in _graph().items() for d in sorted(deps)
           if _layer(d) in rules.get(_layer(m), set())]
    assert not bad, "forbidden imports (docs/architecture.md):\n" + "\n".join(bad)


def test_only_the_cli_imports_click() -> None:
    bad = [name for name, path in _modules().items() if _layer(name) != "cli"
           and any(m == "click" or m.startswith("click.") for m, _ in _imports(path))]
    assert not bad, bad


# the report's own JSON Schema is checked with jsonschema (model/schema.py), loaded lazily
_MODEL_THIRD_PARTY = {"jsonschema"}


def test_model_and_registry_use_only_the_standard_library() -> None:
    bad = []
    for name, path in _modules().items():
        if _layer(name) not in ("model", "registry"):
            continue
        for module, _ in _imports(path):
            top = module.split(".")[0]
            if top not in sys.stdlib_module_names | _MODEL_THIRD_PARTY and top != "pqscan":
                bad.append(f"{name} imports {module}")
    assert not bad, bad


def test_no_import_cycle() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_guard_sees_a_forbidden_arrow(tmp_path: Path) -> None:
    """The rules bite: a tls module importing the scanner would be reported."""
    rules = _rules()
    assert "scan" in rules["tls"] and "cli" in rules["report"] and "assess" in rules["model"]
    assert _layer("pqscan.tls.handshake") == "tls"
    assert "pqscan.registry.tls" in _graph()["pqscan.tls.handshake"]
