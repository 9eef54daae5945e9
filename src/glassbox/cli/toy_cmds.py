"""`glassbox toy ...`: the superposition lab's commands (filled in by the toy-model work)."""

import argparse

from glassbox.cli import double_descent_cmds


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the `toy` verb group."""
    toy = sub.add_parser("toy", help="toy models of superposition")
    toy_sub = toy.add_subparsers(dest="toy_command", metavar="EXPERIMENT")
    toy_sub.required = True
    double_descent_cmds.register(toy_sub)  # `glassbox toy double-descent` (issue 5)
