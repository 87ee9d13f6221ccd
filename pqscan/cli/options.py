"""The options `scan`, `evaluate` and `report render` share, spelled once: what a report is
judged with (`--profile-dir`) and rendered with (`--metadata`, `--scenario`, `--csv-mode`), and
`render_options()` turning their values into the keyword options of pqscan.report.render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from pqscan.assess.risk import DEFAULT_SCENARIOS
from pqscan.model.metadata import load_metadata

F = TypeVar("F", bound=Callable[..., Any])


def profile_dir_option(function: F) -> F:
    return click.option("--profile-dir", "profile_dirs", multiple=True, metavar="DIR",
                        help="Directory of user profiles, searched before the shipped ones "
                        "(repeatable).")(function)


def metadata_option(function: F) -> F:
    return click.option("--metadata", "metadata_file", type=click.Path(dir_okay=False),
                        metavar="FILE",
                        help="Target metadata (.toml or .csv keyed by target): owner, "
                        "system_id, shelf life, exposure, impact, and any other column "
                        "(e.g. sector, for `stats --by`).")(function)


def scenario_option(function: F) -> F:
    return click.option("--scenario", "scenarios", type=click.IntRange(2000, 2200),
                        multiple=True, metavar="YEAR",
                        help="Quantum-timeline year z for the risk model (repeatable; "
                        "default 2030 2035 2040).")(function)


def csv_mode_option(function: F) -> F:
    return click.option("--csv-mode", type=click.Choice(["endpoints", "verdicts"]),
                        default="endpoints", show_default=True,
                        help="--format csv: one row per endpoint or per (endpoint, "
                        "verdict).")(function)


def render_inputs(function: F) -> F:
    """--metadata, --scenario and --csv-mode together."""
    return metadata_option(scenario_option(csv_mode_option(function)))


def render_options(metadata_file: str | None, scenarios: Sequence[int],
                   csv_mode: str = "endpoints", profile_dirs: Sequence[str] = (),
                   fail_on_due: int | None = None) -> dict[str, Any]:
    """The keyword options of pqscan.report.render for these option values (the metadata
    file is read here: a bad one is exit 2 before any traffic or rendering)."""
    return {"metadata": load_metadata(metadata_file) if metadata_file else None,
            "scenarios": tuple(scenarios) or DEFAULT_SCENARIOS, "csv_mode": csv_mode,
            "profile_dirs": tuple(profile_dirs), "fail_on_due": fail_on_due}
