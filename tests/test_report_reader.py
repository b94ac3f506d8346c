"""What a reader takes away says what the verdict says (issue 23): reports that open alone and
offline, define every verdict word, name things in words, forest plots with n on every row, and
figures whose signs match the verdicts' estimates. Runs every shipped preset offline (embedded
data) with few resamples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import litscan
from litscan.claims.presets import list_presets
from litscan.report import names
from litscan.report.figures.robustness import VERDICT_STYLES
from litscan.report.html import _badge, index_html, label_error_text, render_html
from litscan.stats.verdicts import VERDICTS

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PRESETS = [p.stem for p in list_presets()]


@pytest.fixture(scope="module")
def runs():
    return {n: litscan.run_preset(n, offline=True, resamples=40) for n in PRESETS}


def _titles(fig) -> list[str]:
    """Every title a reader reads as a title: the figure's, its subtitle, axis titles and
    subplot titles."""
    lay = fig.layout
    out = [lay.title.text or "", (lay.title.subtitle.text or "") if lay.title.subtitle else ""]
    for key in dir(lay):
        if re.fullmatch(r"[xy]axis\d*", key):
            ax = getattr(lay, key)
            if ax is not None and ax.title is not None and ax.title.text:
                out.append(ax.title.text)
    out += [a.text for a in lay.annotations or () if a.text]
    return out


@pytest.mark.slow
def test_report_draws_every_figure_alone_offline(tmp_path):
    res = litscan.run_preset("export-controls", offline=True, resamples=40)
    res.write(tmp_path / "run")
    alone = tmp_path / "alone"
    alone.mkdir()
    page = (tmp_path / "run" / "report.html").read_text()
    (alone / "report.html").write_text(page)
    assert not re.search(r"<script[^>]+src=", page)  # nothing loaded from elsewhere
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=20000", "--dump-dom", (alone / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    ids = re.findall(r'<div id="(fig-[^"]+)"', page)
    drawn = [f for f, fig in res.figures().items() if fig is not None]
    assert len(ids) == len(drawn) >= 5
    parts = re.split(r'(?=<div id="fig-)', dom)[1:]
    assert len(parts) == len(ids)
    for part in parts:
        fid = re.match(r'<div id="([^"]+)"', part).group(1)
        assert 'class="main-svg"' in part, f"{fid} has no plot SVG"
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == [], console


def test_verdict_words_defined_everywhere_with_one_colour(runs):
    for w in VERDICTS:
        assert names.verdict_definition(w) and "“" not in names.verdict_definition(w)
    assert "venue-dependent" in names.verdict_definition("venue-dependent") or "venue" in (
        names.verdict_definition("venue-dependent")
    )
    # a word litscan does not know yet still gets a definition and a colour
    assert "depends on the year" in names.verdict_definition("year-dependent")
    assert names.verdict_definition("brand-new")
    assert names.verdict_color("brand-new").startswith("#")
    for w, (color, _) in VERDICT_STYLES.items():
        assert f"background:{color}" in _badge(w)
    for name, res in runs.items():
        page = render_html(res.evaluation, figures=[], manifest=None)
        block = page[page.index("What each verdict means") :]
        for w in VERDICTS:
            assert f">{w}</span> " in block, (name, w)
        for fname, fig in res.figures().items():
            if fname != "claims" or fig is None:
                continue
            for tr in fig.data:
                if tr.name in VERDICTS:
                    assert tr.marker.color == names.verdict_color(tr.name)
    idx = index_html([(n, r.preset.claim, f"{n}/report.html", r.verdicts())
                      for n, r in runs.items()])  # fmt: skip
    for w in VERDICTS:
        assert f">{w}</span> " in idx


def test_no_internal_id_or_slug_in_any_figure_title(runs):
    for name, res in runs.items():
        slugs = {r.claim.id for r in res.results}
        for fname, fig in res.figures().items():
            if fig is None:
                continue
            # what travels with a PNG/SVG: a title, a subtitle and the data source
            assert fig.layout.title.text and "data: " in fig.layout.title.subtitle.text, fname
            for t in _titles(fig):
                assert not names.INTERNAL_ID.search(t), (name, fname, t)
                words = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", t))
                assert not words & slugs, (name, fname, t)


def test_every_forest_row_names_its_n(runs):
    n_plots = 0
    for res in runs.values():
        for fname, fig in res.figures().items():
            if not fname.endswith("_venues") or fig is None:
                continue
            n_plots += 1
            ticks = list(fig.layout.yaxis.ticktext)
            rows = [t for t in ticks if t and not t.startswith("<i>")]
            assert rows and all(re.search(r"n = [\d,?]+ \| [\d,?]+", t) for t in rows), ticks
            # venues sorted by estimate within their group
            venue = next(tr for tr in fig.data if tr.name == "venue")
            ys = list(venue.y)
            xs = [x for _, x in sorted(zip(ys, venue.x, strict=True), reverse=True)]
            assert xs == sorted(xs)
            assert fig.layout.showlegend is False  # nothing to collide with the axis title
    assert n_plots >= 10


def _bars(fig) -> dict[str, float]:
    bar = next(tr for tr in fig.data if tr.type == "bar")
    return {re.search(r"\((\w\w)\)$", y).group(1): x for y, x in zip(bar.y, bar.x, strict=True)}


def test_before_after_signs_match_the_verdicts_estimate(runs):
    from litscan.report import gallery

    res = runs["export-controls"]
    est = {r.claim.a.country: r.primary.diff for r in res.results
           if r.primary is not None and r.claim.a.country == r.claim.b.country
           and r.claim.evidence == "records"}  # fmt: skip
    report_fig = next(f for n, f in res.figures().items() if n == "before_after")
    gallery_fig = gallery.before_after(n_resamples=40)
    for fig in (report_fig, gallery_fig):
        shown = _bars(fig)
        assert set(shown) == {"CN", "US"}
        for c, x in shown.items():
            assert (x > 0) == (est[c] > 0), (c, x, est[c])
    assert _bars(gallery_fig)["CN"] > 0  # the standardised +4.0, not the crude pooled -1.2
    assert "export-controls" in gallery_fig.layout.title.subtitle.text


def _trend_checks(fig, res) -> int:
    """Compare a fixed-panel trend figure with the claims it can show: a country against itself
    across two periods (later mean − earlier mean of its line), or two countries over the same
    years (mean of A's line − mean of B's line), for plain shares (no label, not top-x, all
    venues). Returns the number of claims checked; asserts each sign."""
    lines = {tr.name[-3:-1]: dict(zip(tr.x, tr.y, strict=True))
             for tr in fig.data if tr.mode == "lines+markers"}  # fmt: skip
    y0, y1 = res.preset.population.years
    checked = 0
    for r in res.results:
        c = r.claim
        if (r.primary is None or c.evidence != "records" or c.b.is_constant or c.a.label
                or c.b.label or c.a.top or c.b.top or c.a.venues or c.b.venues):  # fmt: skip
            continue
        if c.a.country not in lines or c.b.country not in lines:
            continue
        ya, yb = c.a.years or (y0, y1), c.b.years or (y0, y1)
        la, lb = lines[c.a.country], lines[c.b.country]
        after = [v for y, v in la.items() if ya[0] <= y <= ya[1]]
        before = [v for y, v in lb.items() if yb[0] <= y <= yb[1]]
        if not after or not before:
            continue
        moved = sum(after) / len(after) - sum(before) / len(before)
        assert (moved > 0) == (r.primary.diff > 0), (c.id, moved, r.primary.diff)
        checked += 1
    return checked


def test_trend_signs_match_the_verdicts_estimate(runs):
    """Every shipped trend figure (the reports' fixed-panel trends and the gallery's
    share_trend) shows each country on the side of the estimate its verdict rests on."""
    from litscan.report import gallery

    checked = 0
    for res in runs.values():
        fig = next((f for n, f in res.figures().items() if n == "shares_by_year" and f), None)
        if fig is None:
            continue
        assert "fixed venue panel" in fig.layout.title.subtitle.text
        checked += _trend_checks(fig, res)
    assert checked >= 3
    fig = gallery.share_trend(n_resamples=40)
    assert "fixed venue panel" in fig.layout.title.subtitle.text
    assert gallery.TREND_PRESET in fig.layout.title.subtitle.text
    assert _trend_checks(fig, runs[gallery.TREND_PRESET]) >= 1


def test_gallery_titles_name_no_internal_id():
    from litscan.report import gallery

    figs = gallery.main_figures(n_resamples=20)
    assert {"share_trend", "before_after"} <= set(figs)
    for name, fig in figs.items():
        for t in _titles(fig):
            assert not names.INTERNAL_ID.search(t), (name, t)
        sub = fig.layout.title.subtitle.text
        # a figure either names the preset it illustrates or says it illustrates none
        assert "preset " in sub or "illustrates no preset" in sub or name == "classifier_eval", name


def test_label_error_names_only_the_claims_labels_and_paths_are_relative(runs, tmp_path):
    res = runs["china-llm-output"]
    rows = [r.label_error for r in res.results if r.label_error and not r.label_error.get("error")]
    assert rows
    for row in rows:
        text = label_error_text(row)
        assert "(llm;" in text and "(surveillance;" not in text and "(face_recognition;" not in text
    report = res.write(tmp_path / "r")
    page = report.read_text()
    prov = page[page.index("<h2>Provenance</h2>") :]
    assert str(tmp_path) not in page and "/work/" not in prov and "{&quot;" not in prov
    assert "litscan/queries/china-llm-output.toml" in prov
    root = str(Path(litscan.__file__).resolve().parents[1])
    for name in ("arxiv-half-chinese", "facial-recognition-lead"):  # "what would make it testable"
        page = runs[name].write(tmp_path / name).read_text()
        assert root not in page and str(tmp_path) not in page, name


def test_display_names():
    assert names.label_name("classifier:surveillance") == "visual surveillance (classifier)"
    assert names.label_name("concept:C154945302") == "Artificial intelligence (OpenAlex concept)"
    assert names.label_name("ai_scope") == "AI scope"
    assert not names.INTERNAL_ID.search(names.readable("share of dl_concept and classifier:llm"))


def test_bridge_sentence_under_venue_dependent_claims(runs):
    from litscan.report.html import bridge_sentence

    found = 0
    for res in runs.values():
        for r in res.results:
            inner = {e.verdict for e in r.sensitivity} - {r.verdict}
            text = bridge_sentence(r)
            if inner - {"not testable on this data"}:
                assert text and r.verdict in text
                found += 1
    assert found >= 1


def test_shared_js_layout_is_an_option(tmp_path):
    idx = litscan.run_presets(["arxiv-half-chinese"], tmp_path / "a", offline=True, resamples=20,
                              shared_js=True)  # fmt: skip
    page = (tmp_path / "a" / "arxiv-half-chinese" / "report.html").read_text()
    assert "../plotly.min.js" in page and (tmp_path / "a" / "plotly.min.js").is_file()
    assert idx.is_file()
    litscan.run_presets(["arxiv-half-chinese"], tmp_path / "b", offline=True, resamples=20)
    assert not (tmp_path / "b" / "plotly.min.js").exists()
    assert Path(tmp_path / "b" / "arxiv-half-chinese" / "report.html").stat().st_size > 3_000_000


def _draw(html: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """(DOM after scripts ran, console lines) of ``html`` in headless Chromium, offline."""
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile-nb'}", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=20000", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]


@pytest.mark.slow
def test_tour_notebook_html_has_rendered_plots(tmp_path):
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter")), "nbconvert", "--to", "html", "--execute",
         str(root / "notebooks" / "01_tour.ipynb"), "--output-dir", str(tmp_path),
         "--ExecutePreprocessor.timeout=600"],
        capture_output=True, text=True, timeout=900, check=False, cwd=root,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "01_tour.html"
    page = out.read_text()
    divs = re.findall(r'<div class="plotly-graph-div" id="([^"]+)"', page)
    assert len(divs) >= 3 and page.count("Plotly.newPlot") >= len(divs)
    # plotly.js is inlined, never fetched
    assert not re.search(r"<script[^>]+src=[^>]*plotly", page)
    dom, _ = _draw(out, tmp_path)
    for fid in divs:
        seg = dom[dom.index(f'id="{fid}"') :][:20000]
        assert 'class="main-svg"' in seg, f"notebook figure {fid} did not draw"


def test_cli_shared_js_needs_several_presets_and_html_js_is_checked(tmp_path, capsys):
    from litscan.cli import main

    code = main(["run", "arxiv-half-chinese", "--offline", "--shared-js", "--out", str(tmp_path)])
    assert code == 2 and "--shared-js" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "arxiv-half-chinese", "--html-js", "nowhere", "--out", str(tmp_path)])
    assert not list(tmp_path.iterdir())


def test_spec_curve_lower_panel_marks_every_choice(runs):
    res = runs["export-controls"]
    fig = next(f for n, f in res.figures().items() if n == "cn-share-fell_specs")
    upper = [t for t in fig.data if t.yaxis == "y"]
    lower = [t for t in fig.data if t.yaxis == "y2"]
    n_specs = sum(len(t.x) for t in upper)
    assert len(lower) == 1 and n_specs >= 10
    ranks = list(lower[0].x)
    # every specification has one mark per choice: counting, venue, year (+ threshold if any)
    per_spec = {r: ranks.count(r) for r in set(ranks)}
    assert set(per_spec) == set(range(1, n_specs + 1))
    assert set(per_spec.values()) <= {3, 4}
    rows = list(fig.layout.yaxis2.ticktext)
    assert "all venues" in rows and "all years" in rows and any(r.startswith("without ") for r in rows)
