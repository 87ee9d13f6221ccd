"""`pqscan stats SOURCE...`: adoption shares with intervals, breakdowns and run comparisons.

A thin click layer over `pqscan.stats`; errors are PqscanError subclasses, mapped to one line
and an exit code by the CLI group (2 for bad input, 3 for an input that breaks part-way).
"""

from __future__ import annotations

import click

from pqscan.cli.options import metadata_option, profile_dir_option
from pqscan.cli.output import format_option, output_option, warning, write
from pqscan.cli.policy import parse_as_of, resolve_profiles
from pqscan.stats import compute_stats
from pqscan.stats.render import printable


@click.command("stats")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--by", "by", multiple=True, metavar="COLUMN",
              help="Break down by this metadata column (repeatable): sector, owner, ...")
@metadata_option
@click.option("--compare", "compare_runs", nargs=2, metavar="RUN_A RUN_B",
              help="Change of every share from RUN_A to RUN_B (1-based position, latest, "
              "previous, a store run id, or a SOURCE path) and the endpoints that moved.")
@click.option("--run", "run_ids", multiple=True, metavar="ID",
              help="Store SOURCEs: this run instead of the latest (repeatable, in order).")
@click.option("--all-runs", is_flag=True,
              help="Store SOURCEs: every run, oldest first (trends; the default with --compare).")
@click.option("--profile", "profiles", multiple=True,
              help="Also give each requirement's pass rate for these profiles (ID[,ID]).")
@profile_dir_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="Evaluation date for --profile (default today).")
@format_option("stats")
@output_option()
def stats_command(sources: tuple[str, ...], by: tuple[str, ...], metadata_file: str | None,
                  compare_runs: tuple[str, str] | None, run_ids: tuple[str, ...],
                  all_runs: bool, profiles: tuple[str, ...],
                  profile_dirs: tuple[str, ...], as_of: str | None, fmt: str,
                  output: str | None) -> None:
    """Shares of endpoints by PQ readiness, with 95% Wilson intervals, from reports or stores.

    SOURCE: report JSON, JSON lines, or a --store file (its latest run; --run, --all-runs).
    Each run is reported (several give trends). Unreachable and error endpoints are counted
    apart; an inconclusive fact leaves the endpoint out of that share's n. docs/stats.md.
    """
    chosen = resolve_profiles(profiles, profile_dirs) if profiles else []
    result = compute_stats(sources, by, metadata_file, chosen, parse_as_of(as_of), compare_runs,
                           run_ids, all_runs)
    write(result, fmt, output, "stats")
    for line in result.warnings:
        warning(printable(line))
