"""report: every data string is HTML-escaped; the page has the verdicts, definitions, figures."""

from __future__ import annotations

import json

from test_claims import _preset, _records

from litscan.claims.evaluate import evaluate
from litscan.report.html import build_figures, render_html

EVIL = "<script>alert('x')</script> & co"


def test_script_in_title_is_escaped():
    p = _preset("""
[[claims]]
id = "c"
text = "CN share of vision <b>papers</b> > US"
a = { country = "CN", label = "vision" }
op = ">"
b = { country = "US", label = "vision" }
""")
    run = evaluate(p, {"records": _records(title0=EVIL)})
    page = render_html(run, figures=build_figures(run), manifest={"note": EVIL})
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;papers&lt;/b&gt;" in page
    assert "supported" in page and "Verdict rule" in page


def test_evil_title_reaches_the_page_escaped():
    ev = _records(title0=EVIL)
    # make the evil work the most cited one so it is listed
    works = ev.works.with_columns(cited_by_count=ev.works["cited_by_count"].scatter(0, 10_000))
    from dataclasses import replace

    ev = replace(ev, works=works)
    p = _preset("""
[[claims]]
id = "c"
text = "CN > US"
a = { country = "CN" }
op = ">"
b = { country = "US" }
""")
    run = evaluate(p, {"records": ev})
    assert EVIL in run.tables["examples"].get_column("title").to_list()
    page = render_html(run, figures=build_figures(run))
    assert EVIL not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert run._repr_html_().startswith("<!DOCTYPE html>")
    assert "claim-c" in run.results[0]._repr_html_()
    json.dumps(run.results[0].as_dict(), allow_nan=False)
