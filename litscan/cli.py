"""Command-line entry point: ``litscan <command> ...``.

Thin by design: each command lives in ``litscan/commands/<name>.py`` with two functions,
``register(subparsers)`` (adds its parser and sets ``func``) and ``run(args) -> int``. This module
only discovers them, parses arguments and turns :class:`~litscan.errors.LitscanError` into a
one-line message and an exit code (2 for bad usage or input, 1 when the network gives up).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from litscan import __version__, commands
from litscan.errors import LitscanError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, one line
        self.print_usage(sys.stderr)
        self.exit(2, f"litscan: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="litscan", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"litscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"litscan.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except LitscanError as exc:
        print(f"litscan: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("litscan: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permissions, "is a directory" outside litscan's writers
        from litscan.fileio import describe_os_error

        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"litscan: error: {where}{describe_os_error(exc)}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as exc:
        print(
            f"litscan: error: input too large or too deeply nested ({type(exc).__name__}); "
            "split the input or raise the limits",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # a bug: one line, never a traceback (LITSCAN_DEBUG=1 shows it)
        from litscan.config import debug_enabled
        from litscan.errors import redact

        if debug_enabled():
            raise
        msg = " ".join(redact(str(exc)).split())[:300]
        print(
            f"litscan: internal error: {type(exc).__name__}: {msg} (hint: this is a litscan bug; "
            "rerun with LITSCAN_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
