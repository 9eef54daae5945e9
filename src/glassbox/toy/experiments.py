"""Presets reproducing Elhage et al. 2022's figures: a config builder and a figure builder each.

`PRESETS[name]()` gives the `ExperimentConfig`; `FIGURES[name](results)` draws its figures
from the trained runs. Settings the paper leaves open follow the official notebook unless a
comment says otherwise; the CLI can override steps, seed and device.

>>> sorted(PRESETS)
['absolute-value', 'dimensionality', 'intro', 'phase-diagram', 'privileged-basis', 'sparsity-sweep']
>>> intro().runs[0].feature_probability[6]
0.1
"""

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
from matplotlib.figure import Figure

from glassbox.toy import metrics, plots, theory
from glassbox.toy.config import DataConfig, ExperimentConfig, ModelConfig, RunConfig, TrainConfig
from glassbox.toy.train import TrainResult


def _geometric(base: float, n: int) -> tuple[float, ...]:
    """Importance base^i for features i = 0..n-1."""
    return tuple(base**i for i in range(n))


def _run(
    kind: str,
    n: int,
    m: int,
    probs: Sequence[float],
    importance: Sequence[float] | Sequence[tuple[float, ...]],
    train: TrainConfig,
    init_scale: float = 1.0,
    **kw: Any,
) -> RunConfig:
    """A run of `kind` over densities `probs`; `importance` is one row for all or one per instance."""
    rows: tuple[tuple[float, ...], ...]
    if isinstance(importance[0], tuple):
        rows = tuple(cast(Sequence[tuple[float, ...]], importance))
    else:
        rows = (tuple(cast(Sequence[float], importance)),) * len(probs)
    return RunConfig(
        model=ModelConfig(kind=kind, n_features=n, d_hidden=m, init_scale=init_scale),
        feature_probability=tuple(probs),
        importance=rows,
        train=train,
        **kw,
    )


def intro() -> ExperimentConfig:
    """n = 5, m = 2, I_i = 0.9^i: 2 orthogonal features when dense, antipodal pairs near 80%
    sparsity, a pentagon at 90% (the paper's first figure)."""
    # Densities: the notebook's 1 → 0.05 ladder, rounded so that S = 0, 0.8, 0.9 are exact.
    probs = (1.0, 0.7, 0.5, 0.35, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03)
    # m = 2 is hard to optimize (the paper trains many copies), hence best-of-4 restarts;
    # lr 5e-3 with cosine decay converges in 4k steps where the notebook's 1e-3 needs 10k.
    train = TrainConfig(steps=4000, lr=5e-3, schedule="cosine", restarts=4)
    return ExperimentConfig("intro", (_run("relu_output", 5, 2, probs, _geometric(0.9, 5), train),))


SWEEP_DENSITIES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)


def sparsity_sweep() -> ExperimentConfig:
    """n = 20, m = 5, I_i = 0.7^i, linear vs ReLU output over 1 − S from 1 to 0.001."""
    train = TrainConfig(steps=10_000, lr=3e-3, schedule="cosine", restarts=2)
    imp = _geometric(0.7, 20)
    runs = tuple(_run(kind, 20, 5, SWEEP_DENSITIES, imp, train, label=kind) for kind in ("linear", "relu_output"))
    return ExperimentConfig("sparsity-sweep", runs)


def dimensionality() -> ExperimentConfig:
    """Uniform importance, n = 200, m = 20 (the notebook's reduction of n = 400, m = 30),
    densities p = 20^(−k/19) so that 1/(1−S) runs from 1 to 20."""
    probs = tuple(float(20 ** (-k / 19)) for k in range(20))
    # 3k steps at lr 3e-3 with cosine decay stand in for the notebook's 10k at 1e-3 (CPU budget).
    train = TrainConfig(steps=3000, lr=3e-3, schedule="cosine", warmup_steps=150, eval_batch_size=4096)
    return ExperimentConfig("dimensionality", (_run("relu_output", 200, 20, probs, (1.0,) * 200, train),))


PHASE_IMPORTANCE = tuple(float(v) for v in np.logspace(-1, 1, 13))  # I_2 / I_1 from 0.1 to 10
PHASE_DENSITY = tuple(float(v) for v in np.logspace(0, -2, 13))  # 1 − S from 1 to 0.01


def phase_diagram() -> ExperimentConfig:
    """n = 2, m = 1 over a grid of (density, importance of feature 2); instance index is
    density-major. The paper trains 10 models per cell, drops the worst and averages the
    rest; we train 10 and keep the lowest-loss one (m = 1 often sticks in a same-sign state)."""
    probs = tuple(p for p in PHASE_DENSITY for _ in PHASE_IMPORTANCE)
    imps = tuple((1.0, r) for _ in PHASE_DENSITY for r in PHASE_IMPORTANCE)
    train = TrainConfig(steps=4000, lr=1e-2, schedule="cosine", restarts=10, eval_batch_size=4096)
    return ExperimentConfig("phase-diagram", (_run("relu_output", 2, 1, probs, imps, train),))


def privileged_basis() -> ExperimentConfig:
    """h = ReLU(W x), x' = ReLU(Wᵀh + b), n = 10, m = 5, I_i = 0.75^i (ARENA's densities).
    The paper keeps the best of 1,000 models per density; we keep the best of 16."""
    probs = (0.75, 0.35, 0.15, 0.1, 0.06, 0.02, 0.01)
    train = TrainConfig(steps=8000, lr=5e-3, schedule="cosine", restarts=16)
    return ExperimentConfig("privileged-basis", (_run("hidden_relu", 10, 5, probs, _geometric(0.75, 10), train),))


def absolute_value() -> ExperimentConfig:
    """Computing |x| in superposition: n = 3, m = 6 (two neurons per feature), and
    n = 100, m = 40, I_i = 0.8^i over 1 − S from 1 to 0.001; values uniform on [−1, 1]."""
    data = DataConfig(value_low=-1.0, value_high=1.0, target="abs")
    small = _run(
        "absolute_value", 3, 6, (1.0,), (1.0,) * 3,
        TrainConfig(steps=4000, lr=5e-3, schedule="cosine", restarts=4), data=data, label="n3_m6",
    )  # fmt: skip
    # Per-matrix Xavier leaves sparse instances stuck with one neuron per feature (one sign of
    # |x| only, half the loss); a 5x smaller init, near the notebook's, and ARENA's constant
    # lr 1e-3 avoid it.
    large = _run(
        "absolute_value", 100, 40, SWEEP_DENSITIES, _geometric(0.8, 100),
        TrainConfig(steps=10_000, lr=1e-3), init_scale=0.2, data=data, label="n100_m40",
    )  # fmt: skip
    return ExperimentConfig("absolute-value", (small, large))


PRESETS: dict[str, Callable[[], ExperimentConfig]] = {
    "intro": intro,
    "sparsity-sweep": sparsity_sweep,
    "dimensionality": dimensionality,
    "phase-diagram": phase_diagram,
    "privileged-basis": privileged_basis,
    "absolute-value": absolute_value,
}


def _titles(r: TrainResult) -> list[str]:
    return [f"1−S = {p:.3g}" for p in r.feature_probability.tolist()]


def _common(results: Sequence[TrainResult]) -> dict[str, Figure]:
    return {
        f"loss_{r.config.label or i}": plots.loss_curves(r.history, r.config.train.log_every, _titles(r))
        for i, r in enumerate(results)
    }


def _intro_figures(results: Sequence[TrainResult]) -> dict[str, Figure]:
    (r,) = results
    titles = [f"S = {1 - p:.2f}" for p in r.feature_probability.tolist()]
    return {"intro": plots.features_2d(r.model.W, r.importance, titles)}


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


FIGURES: dict[str, Callable[[Sequence[TrainResult]], dict[str, Figure]]] = {
    "intro": _intro_figures,
    "sparsity-sweep": _sweep_figures,
    "dimensionality": _dimensionality_figures,
    "phase-diagram": _phase_figures,
    "privileged-basis": _privileged_figures,
    "absolute-value": _absolute_figures,
}


def figures(name: str, results: Sequence[TrainResult]) -> dict[str, Figure]:
    """All figures of preset `name` (its own plus the loss curves), keyed by file stem."""
    return {**FIGURES[name](results), **_common(results)}
