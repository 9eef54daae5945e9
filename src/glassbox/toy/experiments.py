"""The superposition presets' figures and summaries, and the presets re-exported from `presets`.

`FIGURES[name](results)` draws preset `name`'s own figures from its trained runs;
`figures(name, results)` adds the training-loss curves, so any experiment (a preset or your
own) gets at least those. `summary(name, results)` adds a preset's extra `results.json` entries.

>>> sorted(FIGURES) == sorted(PRESETS)
True
>>> intro().runs[0].feature_probability[6]
0.1
"""

from collections.abc import Callable, Sequence
from typing import Any

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
    """`training_loss.png` (one run) or `training_loss_<run label or index>.png`: loss per instance."""
    named = lambda i, r: "training_loss" if len(results) == 1 else f"training_loss_{r.config.label or i}"  # noqa: E731
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


FIGURES: Registry[Figures] = Registry("figure set", [
    ("intro", _intro_figures),
    ("sparsity-sweep", _sweep_figures),
    ("dimensionality", _dimensionality_figures),
    ("phase-diagram", _phase_figures),
    ("privileged-basis", _privileged_figures),
    ("absolute-value", _absolute_figures),
])  # fmt: skip
SUMMARIES: Registry[Callable[[Sequence[TrainResult]], dict[str, Any]]] = Registry(
    "summary", [("phase-diagram", _phase_summary)]
)


def figures(name: str, results: Sequence[TrainResult]) -> dict[str, Figure]:
    """All figures of experiment `name` (a preset's own, if any, plus the loss curves), keyed by file stem."""
    own = FIGURES[name](results) if name in FIGURES else {}
    return {**own, **_loss_figures(results)}


def summary(name: str, results: Sequence[TrainResult]) -> dict[str, Any]:
    """Extra `results.json` entries of experiment `name` (the phase diagram's grids), else none."""
    return SUMMARIES[name](results) if name in SUMMARIES else {}
