"""The README's verdict table, from the ``verdicts.json`` files of a run folder.

    litscan run --all --offline --out out      # what `make run` writes
    python scripts/readme_table.py out         # prints the markdown table

Nothing here computes a number: every cell is read from ``verdicts.json`` (the verdict, the
estimate it rests on, the crude pooled difference, the robustness summary, the label-error
correction), so the README says what the reports say. Presets are listed in README order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = (
    "surveillance-vs-deep-learning",
    "arxiv-half-chinese",
    "china-llm-output",
    "facial-recognition-lead",
    "ai-output-cn-vs-us",
    "export-controls",
)
HEAD = (
    "| preset | claim | verdict | A − B [95 %] (decides) | crude A − B | robustness | counting "
    "| label error: A − B corrected [widest 95 %] |\n|---|---|---|---|---|---|---|---|"
)
DEPENDENT = ("venue-dependent", "year-dependent")


def _pts(x: float | None) -> str:
    return "" if x is None else f"{x * 100:+.1f}".replace("-", "−")


def _interval(d: dict | None) -> str:
    if not d or d.get("diff") is None:
        return ""
    return f"{_pts(d['diff'])} [{_pts(d['lo'])}, {_pts(d['hi'])}]"


def _short(text: str, limit: int = 150) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _robustness(c: dict) -> str:
    rob = c.get("robustness") or {}
    summary = rob.get("summary") or "–"
    if c["verdict"] in DEPENDENT or rob.get("exceptions"):
        return f"{_short(c.get('reason') or '', 170)}; {summary}"
    if c.get("evidence_kind") == "counts" and summary == "–":
        return "output counts (no strata)"
    return summary


def _label_error(c: dict) -> str:
    le = c.get("label_error")
    if not le or le.get("estimate_corrected") is None:
        return "–"
    if le.get("corrected_text"):
        return le["corrected_text"].split("; ")[0] + (
            " (agrees)" if le.get("agrees") else " (disagrees)"
        )
    word = "agrees" if le.get("agrees", le.get("survives")) else "disagrees"
    corrected = le.get("verdict_corrected") or "?"
    return (
        f"corrected: {corrected}, {_pts(le['estimate_corrected'])} "
        f"[{_pts(le.get('lo_corrected_min'))}, {_pts(le.get('hi_corrected_max'))}] ({word})"
    )


def rows(out: Path) -> list[str]:
    lines = []
    for name in ORDER:
        path = out / name / "verdicts.json"
        if not path.is_file():
            raise SystemExit(f"readme_table: {path} is missing; run `litscan run --all --out {out}`")
        doc = json.loads(path.read_text("utf-8"))
        for i, c in enumerate(doc["claims"]):
            verdict = f"**{c.get('verdict_text') or c['verdict']}**"
            if c["verdict"].startswith("not testable"):
                verdict += f" ({_short(c.get('reason') or '', 90)})"
            text = c["text"]
            if c.get("proxy_for") and text.startswith("Proxy: "):
                text = "*Proxy*: " + text[len("Proxy: ") :]
            crude = (c.get("robustness") or {}).get("crude")
            if c.get("evidence_kind") == "counts":
                crude = None  # aggregate counts have no strata: the estimate is the crude one
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"`{name}`" if i == 0 else "",
                        text,
                        verdict,
                        _interval(c.get("primary")) if not c["verdict"].startswith("not") else "",
                        _interval(crude) if crude else "",
                        _robustness(c),
                        (c.get("primary") or {}).get("counting") or "",
                        _label_error(c),
                    ]
                )
                + " |"
            )
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(HEAD)
    print("\n".join(rows(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
