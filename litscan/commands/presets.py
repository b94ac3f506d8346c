"""``litscan presets [--dir DIR]``: list the claim presets with their one-line claims."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "presets",
        help="list the claim presets (shipped, or --dir / LITSCAN_QUERIES)",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "--dir",
        help="preset folder (default: LITSCAN_QUERIES, then the presets shipped with litscan)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan.claims.presets import list_presets, load_preset, presets_dir
    from litscan.errors import PresetError, UsageError

    paths = list_presets(args.dir)
    if not paths:
        raise UsageError(f"no presets (*.toml) in {args.dir or presets_dir()}")
    width = max(len(p.stem) for p in paths)
    bad = 0
    for path in paths:
        try:
            preset = load_preset(path)
        except PresetError as exc:
            bad += 1
            print(f"{path.stem:<{width}}  INVALID: {exc}")
            continue
        print(
            f"{preset.name:<{width}}  {preset.claim}  [{len(preset.claims)} claim(s), "
            f"source {preset.source}]"
        )
    return 2 if bad else 0
