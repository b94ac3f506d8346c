"""Workflows: the functions behind the public API and the CLI -- running presets end to end
(evidence -> verdicts -> reports) and the fetch / shares / classify / ingest chain through a
tables folder.

May import every stage. Imported only by :mod:`litscan` (lazily), the CLI and the commands.
"""
