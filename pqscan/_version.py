"""The package's version: the one place it is written (pyproject.toml reads it from here,
`[tool.setuptools.dynamic]`), so `import pqscan` need not load importlib.metadata (its email
parser and zipfile: ~30 ms of every command's start-up; issue 13)."""

__version__ = "0.1.0"
