"""The command line: one module per command (run, quarantine, report, status, sql, maintain,
migrate-warehouse), their options derived from Settings (options), terminal output (terminal,
display), and the demo. The top of the package: it may import every stage."""

from newsetl.cli.main import app, main

__all__ = ["app", "main"]
