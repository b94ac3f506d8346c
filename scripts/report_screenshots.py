"""The two report images of the README: the top of the ``export-controls`` report (headless
Chromium) and its forest plot of ``cn-share-fell`` (the report's own figure, through kaleido).

    python scripts/report_screenshots.py docs/img

Both come from the same run object the report is written from, so they show what the report
shows. Needs Chromium (``make chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import litscan

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)  # fmt: skip


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("report_screenshots: no chromium on PATH (make chromium)", file=sys.stderr)
        return 2
    res = litscan.run_preset("export-controls", offline=True)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        res.write(run)
        shot = Path(tmp) / "top.png"
        subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
             "--window-size=1280,1000", "--virtual-time-budget=10000",
             f"--screenshot={shot}", (run / "report.html").as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        shutil.copyfile(shot, out / "report_top.png")
    forest = res.figures()["cn-share-fell_venues"]
    forest.write_image(out / "report_forest.png", width=1280, scale=1)
    print(f"wrote {out / 'report_top.png'} and {out / 'report_forest.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
