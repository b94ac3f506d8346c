"""Claims: presets (TOML -> frozen specs), evidence for a preset (embedded, tables folder or
live), live query plans, evaluation into numbers and verdicts, and the result types.

May import: ``labels``, ``stats``, ``openalex``, ``tables`` and the top-level modules. Never
``report``, ``workflows`` or the CLI: a result renders as HTML through a hook that
:mod:`litscan.report.html` registers (:func:`litscan.claims.evaluate.results.set_html_renderer`).
"""
