"""The command line: click commands only, one module per command group (entry point: main)."""
