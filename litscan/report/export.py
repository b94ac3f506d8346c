"""Writing figures to disk: HTML, PNG, SVG (and plotly JSON), at the edge of the program.

* **HTML** needs nothing but plotly. By default (``html_js="inline"``) plotly.js is embedded
  (~4.7 MB a file): the file opens anywhere, offline. ``html_js="cdn"`` writes a small file that
  loads plotly.js from the CDN: blank without a network.
* **PNG / SVG / PDF** are rendered by kaleido (v1), which drives a Chromium. litscan finds it in
  this order: the ``BROWSER_PATH`` environment variable, then ``chromium``, ``chromium-browser``,
  ``google-chrome``, ``google-chrome-stable`` on ``PATH``; without one it raises
  :class:`~litscan.errors.ExportError` with the install hint (``apt-get install -y chromium``).
  All images of one call are rendered by one browser session (starting Chromium costs ~2 s).
* **JSON** is the plotly figure as JSON (``plotly.io.write_json``), re-exportable later with
  ``litscan export FIGURE.json --formats png,svg``.
* :func:`export_folder` (``litscan export --out DIR``) writes a whole folder of figures: built
  beside ``DIR`` and swapped in (:func:`litscan.fileio.replace_folder`), so a rerun leaves none of
  its earlier figures and a folder litscan did not write is refused, never replaced; ``merge=True``
  writes the files into ``DIR`` beside what is there instead (each file atomically).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from litscan.errors import ExportError, UsageError
from litscan.fileio import (
    atomic_write_text,
    check_run_folder,
    describe_os_error,
    remove_stale_temps,
    replace_folder,
)

__all__ = [
    "FORMATS",
    "IMAGE_FORMATS",
    "CHROMIUM_NAMES",
    "INSTALL_HINT",
    "find_chromium",
    "write_figure",
    "write_figures",
    "export_folder",
    "check_export_folder",
    "figure_names",
    "read_figure",
    "check_formats",
    "check_image_options",
]

IMAGE_FORMATS = ("png", "svg", "pdf")
FORMATS = ("html", "json", *IMAGE_FORMATS)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install Chromium with `apt-get install -y chromium` (or `make chromium`), or set "
    "BROWSER_PATH to a Chrome/Chromium executable; HTML export works without it"
)
DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 675
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


def find_chromium(search_path: str | None = None) -> str:
    """Path of the Chromium kaleido should drive, or :class:`ExportError` with the install hint.

    ``BROWSER_PATH`` (:attr:`litscan.config.Settings.browser_path`) wins when set (and must be an
    executable file); otherwise the names in :data:`CHROMIUM_NAMES` are looked up on
    ``search_path`` (default: ``$PATH``).
    """
    from litscan.config import resolve_settings

    env = resolve_settings().browser_path
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise ExportError(
            f"BROWSER_PATH={env!r} is not an executable file, so PNG/SVG cannot be rendered",
            hint=INSTALL_HINT,
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=search_path)  # None: shutil reads $PATH
        if found:
            return found
    raise ExportError(
        f"no Chromium found for PNG/SVG export (looked for {', '.join(CHROMIUM_NAMES)} on PATH "
        "and BROWSER_PATH)",
        hint=INSTALL_HINT,
    )


def _formats(formats: str | Iterable[str]) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        f = f.strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise UsageError(
                f"unknown figure format {f!r}; expected some of {', '.join(FORMATS)}",
                hint="e.g. --formats html,png,svg",
            )
        if f not in out:
            out.append(f)
    if not out:
        raise UsageError("no figure format given", hint="e.g. formats=('html', 'png')")
    return out


MAX_PIXELS = 20_000  # per side, layout pixels
MAX_SCALE = 20.0


def check_image_options(width: object, height: object, scale: object) -> None:
    """Refuse image sizes a renderer cannot honour (non-integers, <= 0, huge, NaN/inf scale)."""
    import math

    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PIXELS:
            raise UsageError(
                f"{name}: expected a whole number of pixels 1..{MAX_PIXELS}, got {value!r}",
                hint=f"e.g. --{name} {DEFAULT_WIDTH if name == 'width' else DEFAULT_HEIGHT}",
            )
    ok = isinstance(scale, int | float) and not isinstance(scale, bool)
    if not ok or not math.isfinite(scale) or not 0 < scale <= MAX_SCALE:
        raise UsageError(
            f"scale: expected a number in (0, {MAX_SCALE:g}], got {scale!r}", hint="e.g. --scale 2"
        )


def check_formats(formats: str | Iterable[str]) -> list[str]:
    """The figure formats asked for, validated (unknown names raise a one-line UsageError)."""
    return _formats(formats)


def _check_image(path: Path, fmt: str) -> None:
    if not path.is_file() or path.stat().st_size == 0:
        raise ExportError(f"{path}: kaleido did not write the {fmt.upper()} file")
    head = path.read_bytes()[:512]
    ok = head.startswith(_MAGIC[fmt]) if fmt in _MAGIC else b"<svg" in head
    if not ok:
        raise ExportError(f"{path}: the written file is not a valid {fmt.upper()}")


def write_figures(
    items: Sequence[tuple[go.Figure, str | Path]],
    formats: str | Iterable[str] = ("html", "png", "svg"),
    *,
    html_js: str = "inline",
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = 1.0,
) -> list[Path]:
    """Write each ``(figure, stem)`` as ``stem.<format>`` for every format; returns the paths.

    ``stem`` is a path without suffix (parents are created). Static images of all figures are
    rendered in one Chromium session. ``width``/``height`` are layout pixels, ``scale``
    multiplies the PNG resolution.
    """
    fmts = _formats(formats)
    check_image_options(width, height, scale)
    if html_js not in ("cdn", "inline"):
        raise UsageError(
            f"html_js must be 'cdn' or 'inline', got {html_js!r}",
            hint="inline embeds plotly.js so the HTML opens offline",
        )
    written: list[Path] = []
    specs: list[dict] = []
    for fig, stem in items:
        if not isinstance(fig, go.Figure):
            raise UsageError(f"write_figure: expected a plotly Figure, got {type(fig).__name__}")
        stem = Path(stem)
        for fmt in fmts:
            path = stem.with_name(f"{stem.name}.{fmt}")
            remove_stale_temps(path)  # left by a killed export into this folder
            if fmt == "html":
                page = fig.to_html(
                    include_plotlyjs="cdn" if html_js == "cdn" else True,
                    full_html=True,
                    config={
                        "displaylogo": False,
                        "toImageButtonOptions": {
                            "format": "png",
                            "width": width,
                            "height": height,
                            "scale": 2,
                        },
                    },
                )
                written.append(atomic_write_text(path, page))
            elif fmt == "json":
                written.append(atomic_write_text(path, pio.to_json(fig, pretty=False)))
            else:
                # rendered to a hidden temporary name, checked, then renamed into place
                tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.{fmt}")
                specs.append(
                    dict(
                        fig=fig.to_dict(),
                        path=tmp,
                        final=path,
                        # a tall figure (forest plot, specification curve) keeps its height
                        opts=dict(format=fmt, width=width,
                                  height=max(height, fig.layout.height or 0), scale=scale),
                    )
                )
    if specs:
        try:
            for s in specs:
                s["final"].parent.mkdir(parents=True, exist_ok=True)
            _render(specs)
            for s in specs:
                _check_image(s["path"], s["opts"]["format"])
                os.replace(s["path"], s["final"])
                written.append(s["final"])
        except OSError as exc:
            raise ExportError(
                f"{specs[0]['final'].parent}: cannot write figures: {describe_os_error(exc)}"
            ) from None
        finally:
            for s in specs:
                s["path"].unlink(missing_ok=True)
    return written


def _render(specs: list[dict]) -> None:
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    browser = find_chromium()
    for s in specs:
        s["path"].unlink(missing_ok=True)
    try:
        kaleido.write_fig_from_object_sync(specs, kopts=dict(path=browser, mathjax=False))
    except ChromeNotFoundError as exc:
        raise ExportError(
            f"kaleido could not start Chromium at {browser}: {exc}", hint=INSTALL_HINT
        ) from exc
    except Exception as exc:  # kaleido/choreographer raise many types; keep the message
        raise ExportError(
            f"rendering {len(specs)} image(s) with Chromium at {browser} failed: "
            f"{type(exc).__name__}: {exc}",
            hint="check that the browser starts (`chromium --headless --version`) or set "
            "BROWSER_PATH",
        ) from exc


def write_figure(
    fig: go.Figure,
    stem: str | Path,
    formats: str | Iterable[str] = ("html", "png", "svg"),
    *,
    html_js: str = "inline",
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = 1.0,
) -> list[Path]:
    """Write ``fig`` as ``stem.html`` / ``.png`` / ``.svg`` (/ ``.json`` / ``.pdf``).

    Returns the written paths in the order of ``formats``' kinds (HTML and JSON first, then
    images). PNG/SVG need Chromium (:func:`find_chromium`); HTML and JSON never do.
    """
    return write_figures(
        [(fig, stem)], formats, html_js=html_js, width=width, height=height, scale=scale
    )


def figure_names(paths: Sequence[str | Path]) -> list[str]:
    """The name each figure file gets in one ``--out`` folder: its stem, or, when several files
    share a stem (``claims.json`` of every run), ``<run folder>_<stem>``
    (``out/export-controls/figures/claims.json`` -> ``export-controls_claims``)."""
    paths = [Path(p) for p in paths]
    stems = [p.stem for p in paths]

    def qualified(p: Path) -> str:
        folder = p.parent.parent if p.parent.name == "figures" else p.parent
        return f"{folder.resolve().name}_{p.stem}"

    return [qualified(p) if stems.count(p.stem) > 1 else p.stem for p in paths]


def check_export_folder(
    out: str | Path, names: Sequence[str], inputs: Iterable[str | Path] = (), merge: bool = False
) -> Path:
    """Check, before any figure is built, that ``names`` can be written into ``out``: one file
    name each, no name twice, and (unless ``merge``) ``out`` replaceable
    (:func:`litscan.fileio.check_run_folder`) and holding none of the ``inputs``."""
    out = Path(out)
    seen: dict[str, int] = {}
    for name in names:
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise UsageError(f"{name!r}: not a figure file name", hint="name figures a-z, 0-9, _-")
        seen[name] = seen.get(name, 0) + 1
    twice = sorted(n for n, k in seen.items() if k > 1)
    if twice:
        raise UsageError(
            f"--out {out}: {len(twice)} figure name(s) given twice ({', '.join(twice[:5])}): "
            "the second would overwrite the first",
            hint="export figures with one name at a time, or to different --out folders",
        )
    if merge:
        return out
    dest = check_run_folder(out, hint="choose a new or empty --out folder, or add --merge to "
                            "write the figures beside its files")  # fmt: skip
    inside = [str(p) for p in inputs if Path(p).resolve().is_relative_to(dest.resolve())]
    if inside:
        raise UsageError(
            f"--out {out}: the folder holds the input figure {inside[0]}, and --out is replaced "
            "whole",
            hint="choose another --out, or add --merge to write beside the inputs",
        )
    return dest


def export_folder(
    items: Sequence[tuple[go.Figure, str]],
    out: str | Path,
    formats: str | Iterable[str] = ("png", "svg"),
    *,
    merge: bool = False,
    inputs: Iterable[str | Path] = (),
    **options,
) -> list[Path]:
    """Write each ``(figure, name)`` as ``out/name.<format>``; returns the paths (under ``out``).

    ``out`` is replaced whole (built beside it, swapped in; see :mod:`litscan.fileio`): figures of
    an earlier export that this one does not write are gone, a killed export leaves the earlier
    folder complete, and a folder litscan did not write is a :class:`~litscan.errors.UsageError`.
    ``merge=True`` writes into ``out`` beside its other files instead (nothing is removed).
    ``options``: ``html_js``, ``width``, ``height``, ``scale`` of :func:`write_figures`."""
    out = Path(out)
    check_export_folder(out, [name for _, name in items], inputs, merge)
    if merge:
        return write_figures([(f, out / name) for f, name in items], formats, **options)
    with replace_folder(out, kind="figures") as folder:
        written = write_figures([(f, folder / name) for f, name in items], formats, **options)
    return [out / p.relative_to(folder) for p in written]


def read_figure(path: str | Path) -> go.Figure:
    """A plotly figure written as JSON (``write_figure(..., formats=['json'])``)."""
    from litscan.errors import InputDataError
    from litscan.fileio import check_input_file

    path = Path(path)
    if not path.exists():
        raise InputDataError(f"{path}: no such figure file", hint="pass a plotly .json figure")
    check_input_file(path, "figure file")  # refuses FIFOs and devices (they hang or never end)
    if path.is_dir():
        raise InputDataError(
            f"{path}: a folder, not a figure file", hint="pass a plotly .json figure"
        )
    try:
        return pio.read_json(path)
    except Exception as exc:
        msg = " ".join(str(exc).split())[:200]
        raise InputDataError(
            f"{path}: not a plotly figure JSON ({type(exc).__name__}: {msg})",
            hint="litscan run --formats json writes them",
        ) from exc
