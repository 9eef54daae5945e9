"""`glassbox toy ...`: the superposition lab's commands (filled in by the toy-model work)."""

import argparse


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the `toy` verb group."""
    toy = sub.add_parser("toy", help="toy models of superposition")
    toy_sub = toy.add_subparsers(dest="toy_command", metavar="EXPERIMENT")
    toy_sub.required = True
