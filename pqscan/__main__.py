"""`python -m pqscan`: the same command line as the `pqscan` script."""

from pqscan.cli.main import main

main()
