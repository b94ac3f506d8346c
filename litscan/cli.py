"""Command-line entry point: ``litscan <command> ...``.

Thin by design: each command lives in ``litscan/commands/<name>.py`` with two functions,
``register(subparsers)`` (adds its parser and sets ``func``) and ``run(args) -> int``. This module
only discovers them, parses arguments and turns :class:`~litscan.errors.LitscanError` into a
one-line message and an exit code (2 for bad usage or input, 1 when the network gives up).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import pkgutil
import re
import sys

from litscan import __version__, commands
from litscan.errors import LitscanError, install_log_scrubber

_ROLE = re.compile(r":[a-z]+:`~?([^`<]+?)(?:\s*<[^>]*>)?`")  # :func:`x`, :class:`~a.B`
_LITERAL = re.compile(r"``([^`]+)``")


def plain(text: str) -> str:
    """Help text without reStructuredText markup (roles and double-backtick literals)."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1] if "~" in m.group(0) else m.group(1),
                     text)  # fmt: skip
    return _LITERAL.sub(r"\1", text)


def _states_default(help_text: str, default: object) -> bool:
    """True when the help already names the default, e.g. "image width in pixels (1200)"."""
    forms = {str(default)}
    if isinstance(default, float):
        forms.add(f"{default:g}")
    return any(f"({f})" in help_text for f in forms)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks; no markup; every option's default is shown (unless
    the help already states it, or there is none to show)."""

    def _format_text(self, text: str) -> str:
        return super()._format_text(plain(text))

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        default = action.default
        if (
            action.option_strings
            and default not in (None, False, argparse.SUPPRESS)
            and "default" not in help_text.lower()
            and "%(default)" not in help_text
            and not _states_default(help_text, default)
        ):
            help_text += " (default: %(default)s)"
        return help_text

    def _expand_help(self, action: argparse.Action) -> str:
        return plain(super()._expand_help(action))


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs["formatter_class"] = HelpFormatter  # one look for every command
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, one line
        self.print_usage(sys.stderr)
        self.exit(2, f"litscan: error: {message}\n")


def _leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    return [leaf for a in subs for p in dict.fromkeys(a.choices.values()) for leaf in
            _leaf_parsers(p)]  # fmt: skip


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` / ``--quiet`` on every command (kept where a command defines its own)."""
    have = parser._option_string_actions
    if "--verbose" not in have:
        flags = ["--verbose"] if "-v" in have else ["-v", "--verbose"]
        parser.add_argument(*flags, action="store_true", help="more detail on stderr (log INFO)")
    if "--quiet" not in have:
        parser.add_argument(
            "--quiet", action="store_true", help="only errors on stderr (no progress lines)"
        )


def _configure_logging(args: argparse.Namespace) -> int:
    """Log level of the ``litscan`` loggers for this command; returns the previous level."""
    level = logging.WARNING
    if getattr(args, "verbose", False):
        level = logging.INFO
    if getattr(args, "quiet", False):
        level = logging.ERROR
    logging.basicConfig(format="litscan: %(message)s", stream=sys.stderr)
    install_log_scrubber()  # no log line of any module carries the key
    logger = logging.getLogger("litscan")
    previous = logger.level
    logger.setLevel(level)
    return previous


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="litscan",
        description="Test claims about the geography of AI research against OpenAlex. "
        "`litscan COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"litscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"litscan.commands.{info.name}")
        module.register(sub)
    for leaf in _leaf_parsers(parser):
        if leaf is not parser:
            _add_verbosity(leaf)
    return parser


def _printable_streams() -> None:
    """Let stdout and stderr replace what their encoding cannot print (``\u2019`` on an ASCII
    terminal, ``LC_ALL=C``) instead of failing with UnicodeEncodeError mid-output."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError, TypeError):
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _printable_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    previous_level = _configure_logging(args)
    try:
        return _run(args)
    finally:
        logging.getLogger("litscan").setLevel(previous_level)


def _run(args: argparse.Namespace) -> int:
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
