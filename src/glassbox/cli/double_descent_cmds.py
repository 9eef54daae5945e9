"""`glassbox toy double-descent`: run (or resume) a double-descent experiment and draw its figures."""

import argparse
import sys
import time
from pathlib import Path


def register(toy_sub: "argparse._SubParsersAction") -> None:
    """Add `double-descent` to the `toy` verb group.

    Args:
        toy_sub: the subparsers of `glassbox toy`.
    """
    from glassbox.cli import toy_cmds
    from glassbox.toy.double_descent.presets import PRESETS

    p = toy_sub.add_parser(
        "double-descent",
        help="memorization and double descent (Henighan et al. 2023)",
        description="Train one model per (T, seed, m) of a preset (or your config) with full-batch AdamW and "
        "write DIR/config.json, DIR/results.json and the figures. Rerunning on the same DIR "
        "skips the runs already finished.",
    )
    toy_cmds.add_config_arguments(p, sorted(PRESETS), "quick")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--backend", choices=["auto", "c", "numpy", "torch"], default=None, help="default: auto")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from glassbox.cli import toy_cmds
    from glassbox.toy import results as results_io
    from glassbox.toy.double_descent import experiments, plots
    from glassbox.toy.double_descent.config import ExperimentConfig

    compute = {"device": args.device, "backend": args.backend, "threads": args.threads}
    if args.config is not None:
        config = ExperimentConfig.from_dict(toy_cmds.load_config_file(args.config))
        config = config.with_compute(**{k: v for k, v in compute.items() if v is not None})
    else:
        config = experiments.preset(args.preset or args.default_preset, **compute)
    config = config.with_overrides(args.overrides)
    start = time.perf_counter()
    try:
        results = experiments.run_experiment(config, args.out, show_progress=not args.no_progress, force=args.force,
                                             executor=args.executor, address=args.address)  # fmt: skip
    except KeyboardInterrupt:
        note = results_io.interrupted_note(args.out, lambda r: len(r.get("runs", [])), "(T, seed, m) run")
        print(f"glassbox: {note}", file=sys.stderr)
        return 130
    figures = plots.write_figures(results, args.out)
    print(f"{len(results['runs'])} runs in {args.out} ({time.perf_counter() - start:.1f} s)")
    for path in [Path(args.out) / "config.json", Path(args.out) / "results.json", *figures]:
        print(path)
    return 0
