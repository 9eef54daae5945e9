"""`glassbox toy double-descent`: run (or resume) a double-descent preset and draw its figures."""

import argparse
import time
from pathlib import Path


def register(toy_sub: "argparse._SubParsersAction") -> None:
    """Add `double-descent` to the `toy` verb group.

    Args:
        toy_sub: the subparsers of `glassbox toy`.
    """
    from glassbox.toy.double_descent.presets import PRESETS

    p = toy_sub.add_parser(
        "double-descent",
        help="memorization and double descent (Henighan et al. 2023)",
        description="Train one model per (T, seed, m) of a preset with full-batch AdamW and "
        "write DIR/config.json, DIR/results.json and the figures. Rerunning on the same DIR "
        "skips the runs already finished.",
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--backend", choices=["auto", "c", "numpy", "torch"], default=None, help="default: auto")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from glassbox.toy.double_descent import experiments, plots

    config = experiments.preset(args.preset, device=args.device, backend=args.backend, threads=args.threads)
    start = time.perf_counter()
    results = experiments.run_experiment(config, args.out, show_progress=not args.no_progress)
    figures = plots.write_figures(results, args.out)
    print(f"{len(results['runs'])} runs in {args.out} ({time.perf_counter() - start:.1f} s)")
    for path in [args.out / "config.json", args.out / "results.json", *figures]:
        print(path)
    return 0
