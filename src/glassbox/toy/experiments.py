"""The superposition presets' figures and summaries, and the presets re-exported from `presets`.

`FIGURES[name](results)` draws preset `name`'s own figures from its trained runs;
`figures(name, results)` adds the training-loss curves, so any experiment (a preset or your
own) gets at least those. `summary(name, results)` adds a preset's extra `results.json` entries.

>>> sorted(FIGURES) == sorted(PRESETS)
True
>>> intro().runs[0].feature_probability[6]
0.1
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch
from matplotlib.figure import Figure

from glassbox.toy import metrics, plots, theory
from glassbox.toy.config_base import Registry
from glassbox.toy.presets import PHASE_DENSITY as PHASE_DENSITY
from glassbox.toy.presets import PHASE_IMPORTANCE as PHASE_IMPORTANCE
from glassbox.toy.presets import PRESETS as PRESETS
from glassbox.toy.presets import SWEEP_DENSITIES as SWEEP_DENSITIES
from glassbox.toy.presets import absolute_value as absolute_value
from glassbox.toy.presets import dimensionality as dimensionality
from glassbox.toy.presets import intro as intro
from glassbox.toy.presets import phase_diagram as phase_diagram
from glassbox.toy.presets import preset as preset
from glassbox.toy.presets import privileged_basis as privileged_basis
from glassbox.toy.presets import sparsity_sweep as sparsity_sweep
from glassbox.toy.train import TrainResult

Figures = Callable[[Sequence[TrainResult]], dict[str, Figure]]


def _titles(r: TrainResult) -> list[str]:
    return [f"1−S = {p:.3g}" for p in r.feature_probability.tolist()]


def _loss_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    """`training_loss.png` (one run, or runs of one instance each: a curve per run), else
    `training_loss_<run label or index>.png`: the training loss of each instance."""
    if len(results) > 1 and all(r.history.shape[1] == 1 for r in results):
        if len({(r.history.shape[0], r.config.train.log_every) for r in results}) == 1:
            history = torch.cat([r.history for r in results], 1)
            labels = [r.config.label or str(i) for i, r in enumerate(results)]
            return {"training_loss": plots.loss_curves(history, results[0].config.train.log_every, labels, "runs")}
    named = lambda i, r: (  # noqa: E731
        "training_loss" if len(results) == 1 else "training_loss_" + re.sub(r"[^\w.-]+", "_", r.config.label or str(i))
    )
    return {
        named(i, r): plots.loss_curves(r.history, r.config.train.log_every, _titles(r), r.config.label)
        for i, r in enumerate(results)
    }


def _intro_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    (r,) = results
    titles = [f"S = {1 - p:.2f}" for p in r.feature_probability.tolist()]
    return {"intro": plots.features_2d(r.model.W, r.importance, titles, r.model.b_final)}


def _sweep_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    return {f"gram_{r.config.label}": plots.gram_and_norms(r.model.W, r.model.b_final, _titles(r)) for r in results}


def _dimensionality_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    (r,) = results
    W, p = r.model.W.detach(), r.feature_probability
    return {
        "dimensions_per_feature": plots.dimensions_per_feature(p, metrics.dimensions_per_feature(W)),
        "feature_dimensionality": plots.feature_dimensionality(p, metrics.feature_dimensionality(W)),
    }


def phase_grids(result: TrainResult) -> tuple[list[list[str]], list[list[str]]]:
    """Trained and closed-form solution names, `[density][importance]`, for phase-diagram."""
    cols = len(PHASE_IMPORTANCE)
    names = theory.classify(result.model.W.detach())
    trained = [names[i : i + cols] for i in range(0, len(names), cols)]
    best = [[theory.best_candidate(r, p) for r in PHASE_IMPORTANCE] for p in PHASE_DENSITY]
    return trained, best


def _phase_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    (r,) = results
    trained, best = phase_grids(r)
    cats = [*theory.CANDIDATES, "none", "other"]
    return {"phase_diagram": plots.phase_diagram(PHASE_IMPORTANCE, PHASE_DENSITY, trained, best, cats)}


def _privileged_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    (r,) = results
    return {"neuron_stacks": plots.neuron_stacks(r.model.W, _titles(r))}


def _absolute_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    return {f"neurons_{r.config.label}": plots.neuron_weights(r.model.W, _titles(r)) for r in results}


def _phase_summary(results: Sequence[TrainResult]) -> dict[str, Any]:
    trained, best = phase_grids(results[0])
    cells = [(a, b) for ra, rb in zip(trained, best, strict=True) for a, b in zip(ra, rb, strict=True)]
    return {
        "phase_diagram": {
            "importance_2": list(PHASE_IMPORTANCE),
            "density": list(PHASE_DENSITY),
            "trained": trained,
            "closed_form": best,
            "agreement": sum(a == b for a, b in cells) / len(cells),
        }
    }


def scaling_table(results: Sequence[TrainResult]) -> list[dict[str, Any]]:
    """Loss and represented fraction against m, and the fitted exponent, per (frequencies, weight decay).

    Runs that differ only in `model.d_hidden` form one row; its fit is `metrics.power_law_fit`.
    """
    groups: dict[tuple, list[TrainResult]] = {}
    for r in results:
        d, t = r.config.data, r.config.train
        groups.setdefault((d.frequencies, d.frequency_exponent, t.weight_decay), []).append(r)
    rows = []
    for (freq, a, wd), runs in groups.items():
        runs = sorted(runs, key=lambda r: r.config.model.d_hidden)
        m = [r.config.model.d_hidden for r in runs]
        loss = [float(r.loss.mean()) for r in runs]
        fit = metrics.power_law_fit(m, loss) if len(m) >= 3 else None
        rows.append({
            "frequencies": freq, "frequency_exponent": a, "weight_decay": wd, "d_hidden": m, "loss": loss,
            "represented_fraction": [float(metrics.represented_fraction(r.model.W.detach()).mean()) for r in runs],
            "exponent": fit and round(fit.exponent, 4), "exponent_ci95": fit and [round(c, 4) for c in fit.ci95],
            "prefactor": fit and fit.prefactor,
        })  # fmt: skip
    return rows


FIGURES: Registry[Figures] = Registry("figure set", [
    ("intro", _intro_figures),
    ("sparsity-sweep", _sweep_figures),
    ("dimensionality", _dimensionality_figures),
    ("phase-diagram", _phase_figures),
    ("privileged-basis", _privileged_figures),
    ("absolute-value", _absolute_figures),
    ("scaling", lambda results: {"scaling": plots.scaling(scaling_table(results))}),
])  # fmt: skip
SUMMARIES: Registry[Callable[[Sequence[TrainResult]], dict[str, Any]]] = Registry(
    "summary", [("phase-diagram", _phase_summary), ("scaling", lambda results: {"scaling": scaling_table(results)})]
)


def figures(name: str, results: Sequence[TrainResult]) -> dict[str, Figure]:
    """All figures of experiment `name` (a preset's own, if any, plus the loss curves), keyed by file stem."""
    own = FIGURES[name](results) if name in FIGURES else {}
    return {**own, **_loss_figures(results)}


def summary(name: str, results: Sequence[TrainResult]) -> dict[str, Any]:
    """Extra `results.json` entries of experiment `name` (the phase diagram's grids), else none."""
    return SUMMARIES[name](results) if name in SUMMARIES else {}
