"""Run a superposition experiment end to end: its runs as resumable units, then results and figures.

`run_experiment` is what `glassbox toy superposition` calls; anything the CLI does, this function
does too. Each run of the config (one batched training job) is a unit of the shared runner, so
`results.json` is rewritten after every run and an interrupted experiment resumes where it
stopped. `results.json` holds one entry per trained instance (see `instance_record`).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from glassbox.toy import experiments, metrics, models, presets, runner
from glassbox.toy import results as results_io
from glassbox.toy.config import ExperimentConfig, RunConfig
from glassbox.toy.train import TrainResult, train


@dataclass(frozen=True)
class ExperimentOutput:
    """Where an experiment's files went, and the trained runs."""

    config_path: Path
    results_path: Path
    figure_paths: tuple[Path, ...]
    results: tuple[TrainResult, ...]
    seconds: float  # training time of the runs trained by this call
    resumed: int = 0  # runs read back from an earlier call's results.json

    @property
    def paths(self) -> list[Path]:
        """Every file written, config first."""
        return [self.config_path, self.results_path, *self.figure_paths]


def preset(name: str) -> ExperimentConfig:
    """The config of preset `name` (see `glassbox.toy.presets`).

    Raises:
        ConfigError: no preset has that name.
    """
    return presets.preset(name)


def _floats(t: torch.Tensor, digits: int = 6) -> Any:
    """Nested lists of rounded floats (JSON-friendly and diff-friendly)."""
    if t.dim() == 0:
        return round(float(t), digits)
    return [_floats(row, digits) for row in t]


def instance_record(result: TrainResult, k: int, unit: int = 0) -> dict[str, Any]:
    """The results.json entry of instance `k` of a trained run (run `unit` of its experiment).

    Keys: unit, run, model, instance, feature_probability (1 − S), sparsity (S), importance,
    W (`[d_hidden][feats]`), b, W2 (untied model only), feature_norms,
    feature_dimensionality, interference, dimensions_per_feature, represented_fraction (‖W_i‖ > 1/2),
    adversarial_vulnerability
    (tied models only), loss (fresh eval batch), restart_losses, history (training loss
    every `log_every` steps).
    """
    model = result.model
    W = model.W.detach().cpu()[k].double()
    p = result.config.feature_probability[k]  # the exact configured value, not float32
    rec: dict[str, Any] = {
        "unit": unit,
        "run": result.config.label,
        "model": result.config.model.kind,
        "instance": k,
        "feature_probability": p,
        "sparsity": round(1.0 - p, 12),
        "importance": _floats(result.importance[k]),
        "W": _floats(W),
        "b": _floats(model.b_final.detach().cpu()[k]),
        "feature_norms": _floats(metrics.feature_norms(W)),
        "feature_dimensionality": _floats(metrics.feature_dimensionality(W)),
        "interference": _floats(metrics.interference(W)),
        "dimensions_per_feature": round(float(metrics.dimensions_per_feature(W)), 6),
        "represented_fraction": round(float(metrics.represented_fraction(W)), 6),
        "loss": float(result.loss[k]),
        "restart_losses": [float(v) for v in result.restart_losses[k]],
        "history": [float(v) for v in result.history[:, k]],
    }
    if isinstance(model, models.AbsValueModel):
        rec["W2"] = _floats(model.W2.detach().cpu()[k])
    else:
        rec["adversarial_vulnerability"] = round(float(metrics.adversarial_vulnerability(W)), 6)
    return rec


def result_from_records(run: RunConfig, records: Sequence[dict[str, Any]]) -> TrainResult:
    """A `TrainResult` rebuilt from a run's saved instance records (weights rounded to 1e-6)."""
    recs = sorted(records, key=lambda r: r["instance"])
    stack = lambda key: torch.tensor([r[key] for r in recs], dtype=torch.float32)  # noqa: E731
    W2 = stack("W2") if run.model.kind == "absolute_value" else None
    return TrainResult(
        config=run,
        model=models.from_weights(run.model.kind, stack("W"), stack("b"), W2),
        loss=stack("loss"),
        restart_losses=stack("restart_losses"),
        history=stack("history").T,
        importance=stack("importance"),
        feature_probability=torch.tensor(run.feature_probability),
    )


def comparable(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a saved config that must match to resume: all but where and how fast it runs."""
    runs = [{**r, "train": {k: v for k, v in r["train"].items() if k not in ("device", "threads")}}
            for r in config.get("runs", [])]  # fmt: skip
    return {**{k: v for k, v in config.items() if k != "environment"}, "runs": runs}  # older files kept it here


def run_experiment(
    exp: ExperimentConfig,
    out_dir: str | Path,
    progress: bool = True,
    force: bool = False,
    figures: bool = True,
    executor: str = "local",
    address: str | None = None,
) -> ExperimentOutput:
    """Train (or resume) every run of `exp`; write `config.json`, `results.json` and PNG figures.

    Args:
        exp: any experiment (a preset from `preset(name)`, changed or not, or your own).
        out_dir: created if missing; one holding the same experiment is resumed.
        progress: show a tqdm bar over all training steps (on stderr).
        force: replace another experiment's files in `out_dir` instead of refusing.
        figures: draw the figures (the preset's own, if `exp.name` has some, and the loss curves).
        executor: where the runs train: "local", "ray" (on the cluster at `address`) or "slurm".
        address: the Ray cluster.

    Returns:
        The written paths and the runs (resumed runs rebuilt from `results.json`).

    Raises:
        ConfigError: `out_dir` holds another experiment or is a file, or the device is unavailable.
    """
    trained: dict[int, TrainResult] = {}
    seconds: dict[str, float] = {}

    def unit(i: int, run: RunConfig) -> runner.Unit:
        def go(step: runner.Progress) -> list[dict[str, Any]]:
            start = time.perf_counter()
            trained[i] = result = train(run, on_step=step)
            seconds[str(i)] = round(time.perf_counter() - start, 3)
            return [instance_record(result, k, i) for k in range(run.n_instances)]

        return runner.Unit(i, go, run.train.steps, f"{run.label or run.model.kind}: {run.n_instances} inst")

    units = [unit(i, run) for i, run in enumerate(exp.runs)]
    results = runner.run_units(
        out_dir, exp.to_dict(), units, key_of=lambda r: r.get("unit"), records_key="instances",
        comparable=comparable, force=force, progress=progress, header={"experiment": exp.name},
        executor=executor, address=address,
    )  # fmt: skip
    out = Path(out_dir)
    all_results = tuple(
        trained.get(i) or result_from_records(run, [r for r in results["instances"] if r["unit"] == i])
        for i, run in enumerate(exp.runs)
    )
    results["unit_seconds"] = {**results.get("unit_seconds", {}), **seconds}
    results["train_seconds"] = round(sum(results["unit_seconds"].values()), 3)
    results.update(experiments.summary(exp.name, all_results))
    results_io.write_json(out / results_io.RESULTS, results)
    paths = runner.write_figures(out, results, experiments.figures(exp.name, all_results)) if figures else []
    return ExperimentOutput(out / results_io.CONFIG, out / results_io.RESULTS, tuple(paths), all_results,
                            sum(seconds.values()), len(exp.runs) - len(trained))  # fmt: skip
