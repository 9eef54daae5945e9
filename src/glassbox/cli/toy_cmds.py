"""`glassbox toy ...`: the superposition lab's commands, one `register` per experiment family."""

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from glassbox.cli import double_descent_cmds
from glassbox.errors import ConfigError


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the `toy` verb group and its experiments."""
    toy = sub.add_parser("toy", help="toy models of superposition")
    toy_sub = toy.add_subparsers(dest="toy_command", metavar="EXPERIMENT")
    toy_sub.required = True
    register_superposition(toy_sub)
    double_descent_cmds.register(toy_sub)  # `glassbox toy double-descent` (issue 5)


def add_config_arguments(p: argparse.ArgumentParser, presets: "list[str]", default: str) -> None:
    """The options both toy commands share: `--preset` or `--config FILE`, `--set FIELD=VALUE`, `--out`, `--force`."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--preset", choices=presets, default=None, help=f"a named experiment (default: {default})")
    source.add_argument("--config", type=Path, metavar="FILE", help="an experiment from a .json (e.g. a saved "
                        "config.json) or .toml file")  # fmt: skip
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="overrides",
                   help="change any config field, e.g. --set train.lr=0.01 (repeatable; values are JSON or text, "
                   "lists comma-separated)")  # fmt: skip
    p.add_argument("--out", required=True, type=Path, help="output directory (created if missing; the same "
                   "experiment resumes there)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="replace another experiment's files in --out")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--executor", choices=["local", "ray", "slurm"], default="local",
                   help="run the independent units here, on a Ray cluster (pip install 'glassbox[ray]') or as a SLURM "
                   "job array through submitit ('glassbox[slurm]')")  # fmt: skip
    p.add_argument("--address", default=None, help="the Ray cluster's address (default: start or join a local one)")
    p.set_defaults(default_preset=default)


def load_config_file(path: Path) -> "dict[str, Any]":
    """A config dict from a .json or .toml file (a saved config.json's `environment` entry is dropped).

    Raises:
        ConfigError: the file is not valid JSON/TOML or holds no table.
    """
    try:
        text = path.read_text()
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise ConfigError(f"--config {path}: not valid {kind} ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"--config {path}: expected a table of config fields")
    raw.pop("environment", None)
    return raw


def register_superposition(toy_sub: "argparse._SubParsersAction") -> None:
    """Add `superposition` (Elhage et al. 2022 presets) to the `toy` verb group."""
    from glassbox.toy import presets

    p = toy_sub.add_parser(
        "superposition",
        help="toy models of superposition (Elhage et al. 2022)",
        description="Train a preset's (or your config's) batched toy models and write DIR/config.json, "
        "DIR/results.json and PNG figures; prints the paths. Rerunning on the same DIR resumes.",
    )
    add_config_arguments(p, sorted(presets.PRESETS), "intro")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the preset's)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the preset's, 0)")
    p.add_argument("--restarts", type=int, default=None, help="best-of-k restarts per instance")
    p.set_defaults(func=_superposition)


def _superposition(args: argparse.Namespace) -> int:
    from glassbox.toy import lab, presets, results
    from glassbox.toy.config import ExperimentConfig

    if args.config is not None:
        exp = ExperimentConfig.from_dict(load_config_file(args.config))
    else:
        exp = presets.preset(args.preset or args.default_preset)
    exp = exp.with_overrides(args.overrides)
    changes = {"device": args.device}
    for name in ("steps", "seed", "restarts"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    exp = exp.with_train(**changes)
    try:
        output = lab.run_experiment(exp, args.out, progress=not args.no_progress, force=args.force,
                                    executor=args.executor, address=args.address)  # fmt: skip
    except KeyboardInterrupt:
        finished = lambda r: len({i["unit"] for i in r.get("instances", [])})  # noqa: E731
        print(f"glassbox: {results.interrupted_note(args.out, finished, 'run')}", file=sys.stderr)
        return 130
    n = sum(len(r.loss) for r in output.results)
    resumed = f"; {output.resumed} of {len(exp.runs)} run(s) resumed from {args.out}" if output.resumed else ""
    print(f"toy {exp.name}: {n} instances, {output.seconds:.1f} s of training{resumed}")
    for path in output.paths:
        print(path)
    return 0



def __getattr__(name: str) -> Any:
    """`SUPERPOSITION_PRESETS`: the preset names, read from the registry (kept for older callers)."""
    if name == "SUPERPOSITION_PRESETS":
        from glassbox.toy import presets

        return tuple(presets.PRESETS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
