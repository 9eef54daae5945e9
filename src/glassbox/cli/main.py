"""Entry point of the `glassbox` console script: builds the parser, dispatches, maps errors to exit 2."""

import argparse
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import TextIO

from glassbox.errors import GlassboxError, GlassboxWarning


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser; each verb group registers its own subcommands."""
    parser = argparse.ArgumentParser(
        prog="glassbox",
        description="Transformers whose insides are known.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for register in _registrars():
        register(sub)
    return parser


def _registrars():
    # Imported lazily so that `glassbox --help` stays fast and a broken verb group
    # cannot stop the others from loading.
    from glassbox.cli import fuzz_cmds, rasp_cmds, superpose_cmds, toy_cmds

    return [rasp_cmds.register, fuzz_cmds.register, superpose_cmds.register, toy_cmds.register]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (2 for user errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():  # restores Python's printer when the command ends
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except (GlassboxError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"glassbox: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        kept = f"what was already written under {out} is kept" if out else "nothing was written"
        hint = getattr(args, "resume_hint", None)
        print(f"glassbox: interrupted; {kept}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 130


_PYTHON_SHOW_WARNING = warnings.showwarning


def _show_warning(message: "Warning | str", category: type[Warning], filename: str, lineno: int,
                  file: "TextIO | None" = None, line: "str | None" = None) -> None:
    """glassbox's own warnings as one line on stderr; every other warning as Python prints it."""
    if issubclass(category, GlassboxWarning):
        print(f"glassbox: warning: {message}", file=sys.stderr)
    else:
        _PYTHON_SHOW_WARNING(message, category, filename, lineno, file, line)


def _one_line(exc: BaseException) -> str:
    """A user error as one line: OSErrors as `file: reason`, the rest as their message."""
    if isinstance(exc, OSError) and not isinstance(exc, GlassboxError) and exc.strerror:
        where = exc.filename if exc.filename is not None else "file"
        return f"{where}: {exc.strerror.lower()}"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
