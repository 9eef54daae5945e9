"""The resumable runner both regimes share: independent units → records in `results.json`.

An experiment is a list of `Unit`s, each a pure function of the config (a batched run of
superposition models, one (T, seed, m) double-descent run) returning its `results.json` records.
`run_units` claims the directory (see `results.claim`), skips the units whose records are already
there, and rewrites `results.json` atomically after each unit, so Ctrl-C loses at most the unit in
progress and the same command resumes.

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> units = [Unit(k, lambda progress, k=k: [{"unit": k, "square": k * k}]) for k in range(3)]
>>> run = lambda: run_units(out, {"name": "squares"}, units, key_of=lambda r: r["unit"], progress=False)
>>> [r["square"] for r in run()["records"]]
[0, 1, 4]
>>> units[1] = Unit(1, lambda progress: 1 / 0)   # a finished unit is not run again
>>> len(run()["records"])
3
"""

import os
import platform
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from glassbox.toy import executors
from glassbox.toy import results as results_io

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Unit:
    """One independent piece of an experiment: `run(progress)` trains it and returns its records."""

    key: Hashable  # equals `key_of(record)` for each of the records it returns
    run: Callable[[Progress], list[dict[str, Any]]]
    steps: int = 1  # work in progress-bar steps (for the bar's total)
    label: str = ""


def environment() -> dict[str, Any]:
    """Where the records were computed (kept in `results.json`, not compared on resume)."""
    import numpy as np
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def run_units(
    out: str | Path,
    config: dict[str, Any],
    units: Sequence[Unit],
    key_of: Callable[[dict[str, Any]], Hashable],
    records_key: str = "records",
    comparable: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d,
    force: bool = False,
    progress: bool = True,
    header: dict[str, Any] | None = None,
    executor: str = "local",
    address: str | None = None,
) -> dict[str, Any]:
    """Run (or resume) every unit, saving `results.json` after each.

    Args:
        out: the run directory.
        config: the experiment's JSON-ready config (written to `config.json`).
        units: the experiment's units; a unit counts as done when a saved record has its key.
        key_of: the unit key of a record.
        records_key: where the records live in `results.json`.
        comparable: what of a config must match to resume (see `results.claim`).
        force: replace another run in `out`.
        progress: one tqdm bar over the units' steps (stderr).
        header: extra top-level entries of `results.json` (refreshed every run).
        executor: "local", "ray" (`address`: the cluster) or "slurm" (see `glassbox.toy.executors`).
        address: the Ray cluster's address.

    Returns:
        The contents of `results.json`.

    Raises:
        ConfigError: `out` holds another run (and not `force`), or is a file.
    """
    out = Path(out)
    saved = results_io.claim(out, config, comparable, force) or {}
    results: dict[str, Any] = {**saved, **(header or {}), "environment": environment()}
    keys = {u.key for u in units}
    # Records of no unit of this config (an older file's format) are dropped rather than doubled.
    results[records_key] = [r for r in results.get(records_key, []) if key_of(r) in keys]
    done = {key_of(r) for r in results[records_key]}
    todo = [u for u in units if u.key not in done]
    path = out / results_io.RESULTS
    with tqdm(total=sum(u.steps for u in todo), unit="step", disable=not progress, desc=config.get("name")) as bar:
        finished = executors.complete(todo, executor, bar.update, address, out / ".submitit")
        for unit, records in finished:
            bar.set_postfix_str(unit.label)
            if executor != "local":
                bar.update(unit.steps)
            results[records_key] = [*results[records_key], *records]
            results_io.write_json(path, results)
    if executor != "local":  # units finish in any order; keep the records in the units' order
        order = {u.key: i for i, u in enumerate(units)}
        results[records_key] = sorted(results[records_key], key=lambda r: order.get(key_of(r), len(order)))
    results_io.write_json(path, results)
    return results


def write_figures(out: str | Path, results: dict[str, Any], figures: dict[str, Any]) -> list[Path]:
    """Save `figures` ({file stem: Figure}) atomically as PNGs and list them in `results.json`.

    Listing them lets `--force` remove exactly this run's files before another run replaces it.
    """
    out = Path(out)
    paths = [results_io.save_figure(fig, out / f"{stem}.png") for stem, fig in figures.items()]
    results["figures"] = sorted({*results.get("figures", []), *(p.name for p in paths)})
    results_io.write_json(out / results_io.RESULTS, results)
    return paths
