"""Reports: Plotly figures (one module per family), the HTML report and index, the gallery and
static export.

May import: ``claims`` (result types), ``labels``, ``stats``, ``tables`` and the top-level
modules. Never ``workflows`` or the CLI.
"""
