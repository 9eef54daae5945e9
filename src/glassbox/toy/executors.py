"""Where the runner's units run: in this process, on a Ray cluster, or as a SLURM job array (submitit).

Every unit is a pure function of its config, so any engine may run it, in any order, more than
once: `complete(units, executor)` yields (unit, records) as units finish and the runner writes
each into `results.json` at once. Ray retries a unit whose worker died (`max_retries`); a
submitit job that failed is resubmitted once. Ray and submitit are optional extras
(`glassbox[ray]`, `glassbox[slurm]`), imported only when asked for.
"""

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glassbox.errors import ConfigError

if TYPE_CHECKING:
    from glassbox.toy.runner import Progress, Unit

EXECUTORS = ("local", "ray", "slurm")


def run_unit(unit: "Unit") -> list[dict[str, Any]]:
    """Run one unit without a progress bar (what a remote worker executes)."""
    return unit.run(lambda steps: None)


def _import(name: str, extra: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        raise ConfigError(f"--executor needs {name}: pip install 'glassbox[{extra}]'") from None


def complete(
    units: Sequence["Unit"],
    executor: str = "local",
    progress: "Progress | None" = None,
    address: str | None = None,
    folder: Path | None = None,
) -> Iterator[tuple["Unit", list[dict[str, Any]]]]:
    """Run `units` on `executor` and yield each with its records as it finishes.

    Args:
        units: the units to run.
        executor: "local" (in order, in this process), "ray" or "slurm".
        progress: step counter for local runs (remote units report when done).
        address: the Ray cluster (`ray.init(address=...)`; None starts or joins a local one).
        folder: where submitit keeps its job files.

    Raises:
        ConfigError: an unknown executor, or its extra is not installed.
    """
    if executor == "local":
        for unit in units:
            yield unit, unit.run(progress or (lambda steps: None))
    elif executor == "ray":
        yield from _ray(units, address)
    elif executor == "slurm":
        yield from _submitit(units, folder or Path(".submitit"))
    else:
        raise ConfigError(f"unknown executor {executor!r}; choose one of {EXECUTORS}")


def _ray(units: Sequence["Unit"], address: str | None) -> Iterator[tuple["Unit", list[dict[str, Any]]]]:
    ray = _import("ray", "ray")
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    remote = ray.remote(max_retries=4, num_cpus=1)(run_unit)
    pending = {remote.remote(u): u for u in units}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            yield pending.pop(ref), ray.get(ref)


def _submitit(units: Sequence["Unit"], folder: Path) -> Iterator[tuple["Unit", list[dict[str, Any]]]]:
    submitit = _import("submitit", "slurm")
    executor = submitit.AutoExecutor(folder=str(folder))  # SLURM where sbatch exists, else local processes
    executor.update_parameters(timeout_min=24 * 60, cpus_per_task=1)
    jobs = dict(zip(executor.map_array(run_unit, list(units)), units, strict=True))
    retried: set[int] = set()
    while jobs:
        for job in [j for j in jobs if j.done()]:
            unit = jobs.pop(job)
            try:
                yield unit, job.result()
            except Exception:  # a failed job (a killed node, a pre-empted task): resubmit it once
                if id(unit) in retried:
                    raise
                retried.add(id(unit))
                jobs[executor.submit(run_unit, unit)] = unit
        time.sleep(0.2)
