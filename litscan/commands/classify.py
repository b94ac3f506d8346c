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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "input",
        nargs="?",
        help="CSV, JSON lines (.gz ok) or parquet with id, title, abstract, or a tables folder "
        "(its works table)",
    )
    p.add_argument("--out", help="output CSV (id, <label> 0/1, p_<label>)")
    p.add_argument("--model", help="model file to use (default: the shipped model)")
    p.add_argument(
        "--train",
        action="store_true",
        help="rebuild the whole model (category labels, ai head, task labels); needs "
        "--out-model PATH or --overwrite-shipped",
    )
    p.add_argument(
        "--train-tasks",
        action="store_true",
        help="refit only the task-label model (face_recognition, surveillance) on the shipped "
        "hand labels, on top of --model; needs --out-model PATH or --overwrite-shipped",
    )
    p.add_argument("--data", help="shared data folder (default ../shared/data)")
    p.add_argument("--handlabels", help="hand-label folder (default: the shipped one)")
    p.add_argument("--out-model", help="where --train / --train-tasks write the model")
    p.add_argument(
        "--overwrite-shipped",
        action="store_true",
        help="let --train / --train-tasks replace the shipped model file",
    )
    p.add_argument("--evaluate", action="store_true", help="evaluate and write the model card")
    p.add_argument(
        "--evaluate-tasks",
        action="store_true",
        help="score the task labels on the shipped blind audit sheet: update the model card's "
        "task section and write the audit summary the label-error rows read",
    )
    p.add_argument("--card", default="docs/model_card.md", help="model card path for --evaluate")
    p.add_argument(
        "--summary",
        help="audit summary JSON for --evaluate-tasks (default: the shipped "
        "litscan/data/handlabels/audit_summary.json)",
    )
    p.set_defaults(func=run)


def _model_target(args: argparse.Namespace, shipped: Path) -> Path:
    if args.out_model and args.overwrite_shipped:
        raise UsageError("give either --out-model PATH or --overwrite-shipped, not both")
    if args.out_model:
        return Path(args.out_model)
    if args.overwrite_shipped:
        return shipped
    raise UsageError(
        "training writes a model file only when told where",
        hint="add --out-model PATH (or --overwrite-shipped to replace the shipped model)",
    )


def run(args: argparse.Namespace) -> int:
    from litscan.fileio import atomic_write_text
    from litscan.labels import evaluate as E
    from litscan.labels import inference as inf
    from litscan.labels import train as T

    modes = [args.train, args.train_tasks, args.evaluate, args.evaluate_tasks, args.input]
    if sum(bool(m) for m in modes) != 1:
        raise UsageError(
            "give exactly one of INPUT, --train, --train-tasks, --evaluate or --evaluate-tasks",
            hint="e.g. `litscan classify papers.csv --out labels.csv`",
        )
    if args.train or args.train_tasks:
        out = _model_target(args, inf.MODEL_PATH)
        t0 = time.perf_counter()
        if args.train:
            model = T.train_default(args.data, handlabel_dir=args.handlabels)
        else:
            model = T.train_tasks(inf.load_model(args.model), args.handlabels)
        T.save_model(model, out)
        heads = model.meta_["tasks"]["heads"]
        print(
            f"trained in {time.perf_counter() - t0:.0f} s; thresholds "
            f"{dict(zip(model.labels, model.thresholds_.round(3).tolist(), strict=True))}; task thresholds "
            f"{ {lab: h['threshold'] for lab, h in heads.items()} }; "
            f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)"
        )
        return 0
    model = inf.load_model(args.model)
    if args.evaluate_tasks:
        import json

        result = E.task_audit(args.handlabels, model)
        summary = Path(args.summary) if args.summary else E.SUMMARY_PATH
        model_path = Path(args.model) if args.model else None
        atomic_write_text(
            summary,
            json.dumps(E.audit_summary(result, model_path), indent=1, sort_keys=True) + "\n",
        )
        card = Path(args.card)
        old = card.read_text(encoding="utf-8") if card.is_file() else ""
        atomic_write_text(card, E.replace_card_section(old, E.task_audit_markdown(result)))
        print(E.task_audit_markdown(result))
        print(f"wrote {summary} and {card}")
        return 0
    if args.evaluate:
        result = E.evaluate(args.data, model)
        card = Path(args.card)
        atomic_write_text(card, E.model_card(result, Path(args.model) if args.model else None))
        print(result["metrics"].filter(result["metrics"]["method"] == "model"))
        print(f"wrote {card}")
        return 0
    if not args.out:
        raise UsageError("classify INPUT needs --out FILE.csv")
    from litscan.workflows.pipeline import classify

    t0 = time.perf_counter()
    pred = classify(args.input, model=model)
    atomic_write_text(args.out, pred.write_csv())
    dt = time.perf_counter() - t0
    print(f"labelled {pred.height} papers in {dt:.1f} s -> {args.out}", file=sys.stderr)
    return 0
