"""`glassbox toy ...`: the superposition lab's commands, one `register` per experiment family."""

import argparse
from pathlib import Path

from glassbox.cli import double_descent_cmds

# Kept as a literal so that `glassbox --help` does not import torch; a test checks that it
# matches glassbox.toy.experiments.PRESETS.
SUPERPOSITION_PRESETS = (
    "intro",
    "sparsity-sweep",
    "dimensionality",
    "phase-diagram",
    "privileged-basis",
    "absolute-value",
)


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the `toy` verb group and its experiments."""
    toy = sub.add_parser("toy", help="toy models of superposition")
    toy_sub = toy.add_subparsers(dest="toy_command", metavar="EXPERIMENT")
    toy_sub.required = True
    register_superposition(toy_sub)
    double_descent_cmds.register(toy_sub)  # `glassbox toy double-descent` (issue 5)


def register_superposition(toy_sub: "argparse._SubParsersAction") -> None:
    """Add `superposition` (Elhage et al. 2022 presets) to the `toy` verb group."""
    p = toy_sub.add_parser(
        "superposition",
        help="toy models of superposition (Elhage et al. 2022)",
        description="Train a preset's batched toy models and write DIR/config.json, "
        "DIR/results.json and PNG figures; prints the paths.",
    )
    p.add_argument("--preset", choices=SUPERPOSITION_PRESETS, default="intro")
    p.add_argument("--out", required=True, type=Path, help="output directory (created if missing)")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the preset's)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the preset's, 0)")
    p.add_argument("--restarts", type=int, default=None, help="best-of-k restarts per instance")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_superposition)


def _superposition(args: argparse.Namespace) -> int:
    from glassbox.toy import lab

    exp = lab.preset(args.preset)
    changes = {"device": args.device}
    for name in ("steps", "seed", "restarts"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    exp = exp.with_train(**changes)
    output = lab.run_experiment(exp, args.out, progress=not args.no_progress)
    n = sum(len(r.loss) for r in output.results)
    print(f"toy {exp.name}: {n} instances trained in {output.seconds:.1f} s")
    for path in output.paths:
        print(path)
    return 0
