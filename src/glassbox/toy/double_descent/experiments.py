"""Presets and the resumable sweep over dataset sizes T, seeds and hidden sizes m.

`run_experiment(config, out_dir)` runs each (T, seed, m) as a unit of the shared runner
(`glassbox.toy.runner`): `config.json` first, then `results.json` after every finished run
(atomically, so an interrupted sweep loses at most the run in progress); started again on the
same directory it skips the runs already in `results.json`.

`PRESETS` and `preset` (in `presets.py`, which does not import torch) are re-exported here.
"""

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from glassbox.toy import init, runner
from glassbox.toy.double_descent.config import ExperimentConfig
from glassbox.toy.double_descent.data import SparseDataset, sample_dataset
from glassbox.toy.double_descent.metrics import run_metrics
from glassbox.toy.double_descent.presets import PRESETS as PRESETS
from glassbox.toy.double_descent.presets import preset as preset
from glassbox.toy.double_descent.step import FullBatchStep, resolve_backend
from glassbox.toy.double_descent.train import run_size, seeds_for


def run_key(run: "dict[str, Any]") -> "tuple[int | None, int, int]":
    """(T, seed, m) identifying a run in `results.json`."""
    return run["T"], run["seed"], run["d_hidden"]


def pending_runs(config: ExperimentConfig, done: "set[tuple]") -> "list[tuple[int | None, int, int]]":
    """The (T, seed, m) runs of `config` not in `done`, smallest T first and ∞ last."""
    sizes = sorted(config.sizes, key=lambda T: float("inf") if T is None else T)
    keys = [(T, seed, m) for m in config.d_hidden for T in sizes for seed in config.seeds]
    return [key for key in keys if key not in done]


def _round(values: Any) -> Any:
    """Lists of float32-derived numbers with 7 significant digits (float32 precision)."""
    if isinstance(values, list):
        return [_round(v) for v in values]
    return float(f"{values:.7g}")


def comparable(config: "dict[str, Any]") -> "dict[str, Any]":
    """What must match to resume: all but `compute` (device, backend, threads do not change the results)."""
    return {k: v for k, v in config.items() if k != "compute"}


def measure_run(
    config: ExperimentConfig, T: "int | None", seed: int, m: int, test: SparseDataset, progress=None
) -> "dict[str, Any]":
    """Train one (T, seed, m) run and measure it.

    Args:
        config: the experiment.
        T: dataset size (None = ∞).
        seed: dataset seed.
        m: hidden size.
        test: the seed's test points.
        progress: step counter callback.

    Returns:
        The `results.json` entry.
    """
    c = config.compute
    outcome = run_size(T, seed, m, config.data, config.train, c, progress)
    W, b = outcome.trained.W, outcome.trained.b
    tdt = getattr(torch, c.dtype)
    test_step = FullBatchStep(test, m, c.backend, c.device, c.dtype, c.chunk_size, c.threads)
    test_loss = test_step(torch.from_numpy(W).to(c.device, tdt), torch.from_numpy(b).to(c.device, tdt), grad=False).loss
    points = outcome.data if outcome.data is not None else test
    metrics = run_metrics(W, b, points, outcome.data is not None, config.max_points_reported)
    for key in ("feature_dimensionality", "data_dimensionality", "data_dimensionality_sample"):
        if metrics[key] is not None:
            metrics[key] = _round(metrics[key])
    metrics["hidden"] = _round(metrics["hidden"])
    return {
        "T": T,
        "seed": seed,
        "d_hidden": m,
        "train_loss": outcome.trained.train_loss,
        "test_loss": test_loss,
        **metrics,
        "W": _round(W.tolist()),
        "b": _round(b.tolist()),
        "n_zero_points": None if outcome.data is None else outcome.data.n_zero_points,
        "restart_train_losses": outcome.restart_train_losses,
        "backend": resolve_backend(c.backend, c.device, m, c.dtype),
        "seconds": round(outcome.seconds, 3),
    }


def run_experiment(
    config: ExperimentConfig,
    out_dir: "str | Path",
    show_progress: bool = True,
    force: bool = False,
    executor: str = "local",
    address: "str | None" = None,
) -> "dict[str, Any]":
    """Run (or resume) every (T, seed, m) of `config`, saving results after each run.

    Args:
        config: the experiment.
        out_dir: where config.json and results.json live.
        show_progress: a tqdm bar over the steps of all runs.
        force: replace another experiment's files in `out_dir` instead of refusing.
        executor: where the (T, seed, m) runs train: "local", "ray" (the cluster at `address`) or "slurm".
        address: the Ray cluster.

    Returns:
        The results dict (as written to results.json).

    Raises:
        ConfigError: if `out_dir` already holds a different experiment, or CUDA is missing.
    """
    init.resolve_device(config.compute.device)
    tests: dict[int, SparseDataset] = {}

    def unit(T: "int | None", seed: int, m: int) -> runner.Unit:
        def go(progress: runner.Progress) -> "list[dict[str, Any]]":
            if seed not in tests:
                rng = np.random.default_rng(seeds_for(seed, None, 0)["test"])
                tests[seed] = sample_dataset(config.data.test_samples, config.data, rng, config.compute.dtype)
            start = time.perf_counter()
            entry = measure_run(config, T, seed, m, tests[seed], progress)
            entry["seconds_total"] = round(time.perf_counter() - start, 3)
            return [entry]

        label = f"T={'∞' if T is None else T} seed={seed} m={m}"
        return runner.Unit((T, seed, m), go, config.train.steps * config.train.restarts, label)

    units = [unit(*key) for key in pending_runs(config, set())]
    return runner.run_units(
        out_dir, config.to_dict(), units, key_of=run_key, records_key="runs", comparable=comparable,
        force=force, progress=show_progress, header={"device": config.compute.device},
        executor=executor, address=address,
    )  # fmt: skip
