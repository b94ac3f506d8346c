"""``litscan classify``: label papers by topic, rebuild the model, or write the model card."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from litscan.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "classify",
        help="label papers (ai, cv, nlp, ml, ro, security, llm, surveillance tasks)",
        description="Label papers from title + abstract with litscan's shipped topic classifier.",
    )
    p.add_argument(
        "input", nargs="?", help="CSV, JSON lines (.gz ok) or parquet with id, title, abstract"
    )
    p.add_argument("--out", help="output CSV (id, <label> 0/1, p_<label>)")
    p.add_argument("--model", help="model file to use (default: the shipped model)")
    p.add_argument("--train", action="store_true", help="rebuild the model from the labeled data")
    p.add_argument("--data", help="shared data folder (default ../shared/data)")
    p.add_argument("--out-model", help="where --train writes the model (default: the shipped path)")
    p.add_argument("--evaluate", action="store_true", help="evaluate and write the model card")
    p.add_argument("--card", default="docs/model_card.md", help="model card path for --evaluate")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan import classify as C

    modes = sum([bool(args.train), bool(args.evaluate), bool(args.input)])
    if modes != 1:
        raise UsageError(
            "give exactly one of INPUT, --train or --evaluate",
            hint="e.g. `litscan classify papers.csv --out labels.csv`",
        )
    if args.train:
        t0 = time.perf_counter()
        model = C.train_default(args.data, args.out_model)
        out = Path(args.out_model) if args.out_model else C.MODEL_PATH
        print(
            f"trained in {time.perf_counter() - t0:.0f} s; thresholds "
            f"{dict(zip(model.labels, model.thresholds_.round(3), strict=True))}; "
            f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)"
        )
        return 0
    model = C.load_model(args.model)
    if args.evaluate:
        result = C.evaluate(args.data, model)
        card = Path(args.card)
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text(
            C.model_card(result, Path(args.model) if args.model else None), encoding="utf-8"
        )
        print(result["metrics"].filter(result["metrics"]["method"] == "model"))
        print(f"wrote {card}")
        return 0
    if not args.out:
        raise UsageError("classify INPUT needs --out FILE.csv")
    df = C.read_input(args.input)
    t0 = time.perf_counter()
    pred = C.predict(df, model)
    pred.write_csv(args.out)
    dt = time.perf_counter() - t0
    print(f"labelled {pred.height} papers in {dt:.1f} s -> {args.out}", file=sys.stderr)
    return 0
