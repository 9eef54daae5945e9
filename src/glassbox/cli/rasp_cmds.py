"""`glassbox programs|compile|run|...`: the RASP compiler's commands."""

import argparse


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the compiler's verbs."""
    p = sub.add_parser("programs", help="list the RASP program library")
    p.set_defaults(func=_programs)


def _programs(args: argparse.Namespace) -> int:
    from glassbox import programs

    for name, entry in programs.LIBRARY.items():
        print(f"{name:20s} {entry.summary}")
    return 0
