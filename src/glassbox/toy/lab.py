"""Run an experiment end to end: train every run, then write config.json, results.json, figures.

`run_experiment` is what `glassbox toy superposition` calls; anything the CLI does, this
function does too. results.json holds one entry per trained instance (see `instance_record`).
"""

import json
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from glassbox.errors import ConfigError
from glassbox.toy import experiments, metrics, models, plots
from glassbox.toy.config import ExperimentConfig
from glassbox.toy.train import TrainResult, train


@dataclass(frozen=True)
class ExperimentOutput:
    """Where an experiment's files went, and the trained runs."""

    config_path: Path
    results_path: Path
    figure_paths: tuple[Path, ...]
    results: tuple[TrainResult, ...]
    seconds: float

    @property
    def paths(self) -> list[Path]:
        """Every file written, config first."""
        return [self.config_path, self.results_path, *self.figure_paths]


def preset(name: str) -> ExperimentConfig:
    """The config of preset `name`.

    Raises:
        ConfigError: no preset has that name.
    """
    if name not in experiments.PRESETS:
        raise ConfigError(f"unknown toy preset {name!r}; choose one of {sorted(experiments.PRESETS)}")
    return experiments.PRESETS[name]()


def _floats(t: torch.Tensor, digits: int = 6) -> Any:
    """Nested lists of rounded floats (JSON-friendly and diff-friendly)."""
    if t.dim() == 0:
        return round(float(t), digits)
    return [_floats(row, digits) for row in t]


def instance_record(result: TrainResult, k: int) -> dict[str, Any]:
    """The results.json entry of instance `k` of a trained run.

    Keys: run, model, instance, feature_probability (1 − S), sparsity (S), importance,
    W (`[d_hidden][feats]`), b, W2 (untied model only), feature_norms,
    feature_dimensionality, interference, dimensions_per_feature, adversarial_vulnerability
    (tied models only), loss (fresh eval batch), restart_losses.
    """
    model = result.model
    W = model.W.detach().cpu()[k].double()
    p = result.config.feature_probability[k]  # the exact configured value, not float32
    rec: dict[str, Any] = {
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
        "loss": float(result.loss[k]),
        "restart_losses": [float(v) for v in result.restart_losses[k]],
    }
    if isinstance(model, models.AbsValueModel):
        rec["W2"] = _floats(model.W2.detach().cpu()[k])
    else:
        rec["adversarial_vulnerability"] = round(float(metrics.adversarial_vulnerability(W)), 6)
    return rec


def run_experiment(exp: ExperimentConfig, out_dir: str | Path, progress: bool = True) -> ExperimentOutput:
    """Train every run of `exp` and write `config.json`, `results.json` and PNG figures.

    Args:
        exp: the experiment (usually `preset(name)`, possibly with `with_train(...)`).
        out_dir: created if missing; existing files of the same names are replaced.
        progress: show a tqdm bar over all training steps (on stderr).

    Returns:
        The written paths and the trained runs.

    Raises:
        ConfigError: unknown preset figures, or the device is unavailable.
    """
    if exp.name not in experiments.FIGURES:
        raise ConfigError(f"no figures are defined for experiment {exp.name!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "config.json"
    config_path.write_text(json.dumps(_config_record(exp), indent=2) + "\n")

    start = time.perf_counter()
    total = sum(r.train.steps for r in exp.runs)
    results: list[TrainResult] = []
    with tqdm(total=total, desc=f"toy {exp.name}", unit="step", disable=not progress) as bar:
        for run in exp.runs:
            bar.set_postfix_str(f"{run.label or run.model.kind}: {run.n_instances}x{run.train.restarts} inst")
            results.append(train(run, on_step=bar.update))
    seconds = time.perf_counter() - start

    results_path = out / "results.json"
    results_path.write_text(json.dumps(_results_record(exp, results, seconds)) + "\n")
    figure_paths = []
    for stem, fig in experiments.figures(exp.name, results).items():
        figure_paths.append(plots.save(fig, out / f"{stem}.png"))
    return ExperimentOutput(config_path, results_path, tuple(figure_paths), tuple(results), seconds)


def _config_record(exp: ExperimentConfig) -> dict[str, Any]:
    return {
        **exp.to_dict(),
        "environment": {"torch": torch.__version__, "python": platform.python_version()},
    }


def _results_record(exp: ExperimentConfig, results: Sequence[TrainResult], seconds: float) -> dict[str, Any]:
    record: dict[str, Any] = {
        "experiment": exp.name,
        "config": exp.to_dict(),  # repeated here so results.json stands on its own
        "train_seconds": round(seconds, 3),
        "instances": [instance_record(r, k) for r in results for k in range(r.config.n_instances)],
    }
    if exp.name == "phase-diagram":
        trained, best = experiments.phase_grids(results[0])
        record["phase_diagram"] = {
            "importance_2": list(experiments.PHASE_IMPORTANCE),
            "density": list(experiments.PHASE_DENSITY),
            "trained": trained,
            "closed_form": best,
            "agreement": sum(a == b for ra, rb in zip(trained, best, strict=True) for a, b in zip(ra, rb, strict=True))
            / (len(trained) * len(trained[0])),
        }
    return record
