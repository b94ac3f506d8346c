"""Figures that render wherever a notebook is read: Jupyter, ``jupyter nbconvert --to html``,
GitHub-like viewers, offline.

Plotly's default renderer in Jupyter stores only the ``application/vnd.plotly.v1+json`` output,
which nbconvert and most viewers cannot draw: the exported page shows no plots. Call
:func:`setup_notebook` in a notebook's first cell::

    from litscan.report.notebook import setup_notebook
    setup_notebook()

It sets ``plotly.io.renderers.default = "plotly_mimetype+notebook"``: every figure is stored both
as plotly JSON (Jupyter, VS Code) and as an HTML ``<div>`` drawn by plotly.js, which the
``notebook`` renderer inlines once into the notebook (no CDN: the exported HTML opens offline).
"""

from __future__ import annotations

__all__ = ["NOTEBOOK_RENDERER", "setup_notebook"]

NOTEBOOK_RENDERER = "plotly_mimetype+notebook"


def setup_notebook(renderer: str = NOTEBOOK_RENDERER) -> str:
    """Set plotly's default renderer so figures render in Jupyter *and* in exported HTML;
    returns the renderer set. The ``notebook`` part is offline (plotly.js inlined, not fetched)."""
    import plotly.io as pio

    pio.renderers.default = renderer
    return renderer
