"""Frozen configs for the toy-model lab: one dataclass per concern, every open choice a field.

A `RunConfig` is one batched training job (many instances of one model kind); an
`ExperimentConfig` (a preset) is a named tuple of runs. Both round-trip through JSON, and the
whole experiment config is written next to every result.

>>> run = RunConfig(feature_probability=(1.0, 0.1), importance=((1.0, 0.9, 0.81, 0.73, 0.66),) * 2)
>>> run.n_instances, run.model.n_features
(2, 5)
>>> RunConfig.from_dict(run.to_dict()) == run
True
"""

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Self

from glassbox.errors import ConfigError
from glassbox.toy import config_base
from glassbox.toy.config_base import Config

MODEL_KINDS = ("relu_output", "linear", "hidden_relu", "absolute_value")
INITS = config_base.INITS
SCHEDULES = config_base.SCHEDULES
REDUCTIONS = ("sum", "mean")
TARGETS = ("x", "abs")
FREQUENCIES = ("uniform", "power_law", "exponential")
DEVICES = config_base.DEVICES
GRADIENTS = ("analytic", "autograd")


@dataclass(frozen=True)
class ModelConfig(Config):
    """Which toy model, and its sizes and initialization."""

    # relu_output: x' = ReLU(WᵀW x + b) (tied); linear: x' = WᵀW x + b;
    # hidden_relu: x' = ReLU(Wᵀ ReLU(W x) + b); absolute_value: y' = ReLU(W2 ReLU(W1 x) + b).
    kind: str = "relu_output"
    n_features: int = 5  # n, features per input
    d_hidden: int = 2  # m, hidden dimensions (neurons for hidden_relu / absolute_value)
    # Neither paper says normal or uniform; the official notebook uses xavier_normal_.
    init: str = "xavier_normal"
    # The notebook calls xavier_normal_ on the whole [inst, feats, hidden] tensor, so its scale
    # depends on the number of instances; we use each instance's own fan_in/fan_out instead.
    # Multiplies the Xavier std. The notebook's whole-tensor xavier_normal_ is several times
    # smaller than per-matrix Xavier; the absolute-value model only trains well when small.
    init_scale: float = 1.0
    bias_init: float = 0.0  # the notebook starts b at zero (not stated in either paper)


@dataclass(frozen=True)
class DataConfig(Config):
    """How synthetic inputs are drawn: a feature is 0 with probability S, else uniform."""

    value_low: float = 0.0  # active features are uniform on [value_low, value_high]
    value_high: float = 1.0  # the absolute-value task uses [-1, 1]
    target: str = "x"  # "x": reconstruct the input; "abs": output |x| (computation task)
    # The first `correlated_sets * set_size` features come in sets that are active together;
    # the next `anticorrelated_sets * set_size` in sets with at most one active member (each
    # set is active with probability set_size * p, so every feature keeps marginal density p).
    correlated_sets: int = 0
    anticorrelated_sets: int = 0
    set_size: int = 2
    normalize: bool = False  # rescale each nonzero point to unit norm (Henighan et al. 2023)
    # How often each feature is active, around the instance's density p (Liu, Liu & Gore 2025):
    # "uniform": every feature p; "power_law": p_i ∝ i^−frequency_exponent (Zipf-like);
    # "exponential": p_i ∝ exp(−frequency_exponent · i / n). Rescaled so the mean over features
    # is p (n·p features active per point on average), each p_i capped at 1.
    frequencies: str = "uniform"
    frequency_exponent: float = 1.0


@dataclass(frozen=True)
class TrainConfig(Config):
    """Optimizer, schedule, loss convention, restarts and seed."""

    steps: int = 10_000  # the notebook's value; Henighan et al. use 50k full-batch updates
    batch_size: int = 1024  # fresh samples per step (notebook value)
    lr: float = 1e-3  # peak learning rate (notebook value)
    # AdamW, PyTorch's default, applied to W and b as the notebook does. A negative value γ pulls
    # every feature's norm towards 1 instead, W_i += lr |γ| W_i (1/‖W_i‖ − 1) (Liu, Liu & Gore 2025:
    # the knob that drives the model into strong superposition).
    weight_decay: float = 0.01
    decay_bias: bool = True  # the notebook decays b too; Liu et al. decay W only
    beta1: float = 0.9  # Adam betas and eps: unstated in the papers, PyTorch defaults
    beta2: float = 0.999
    eps: float = 1e-8
    schedule: str = "constant"  # after warm-up: constant | linear | cosine | cosine_quarter
    # cosine = 0.5(1 + cos(π t)) (replications' reading); cosine_quarter = cos(π t / 2) (ARENA).
    warmup_steps: int = 0  # linear warm-up from 0 to lr over this many steps
    # Loss = Σ_features I_i (target_i - out_i)², averaged over the batch ("sum", the papers'
    # form). "mean" also divides by n, as the notebook and ARENA do; it shrinks gradients n-fold.
    feature_reduction: str = "sum"
    restarts: int = 1  # best-of-k: train k copies per instance, keep the lowest eval loss
    eval_batch_size: int = 16_384  # fresh samples that score restarts and the final loss
    # "analytic": hand-derived backward pass (toy/backward.py, ~2x faster on CPU);
    # "autograd": torch's, for checking or for models added later.
    gradients: str = "analytic"
    # CPU threads while training (restored afterwards). 1 is fastest for these small tensors,
    # and on a busy machine 2+ threads can be 10x slower (OpenMP spin-waits); 0 = torch's choice.
    threads: int = 1
    log_every: int = 100  # record the mean loss every this many steps
    seed: int = 0  # seeds both initialization and data; same seed, same result
    device: str = "cpu"  # "cuda" fails with a GlassboxError where CUDA is absent


@dataclass(frozen=True)
class RunConfig(Config):
    """One batched training job: instance i has its own feature probability and importances."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    feature_probability: tuple[float, ...] = (1.0,)  # 1 − S, one per instance
    importance: tuple[tuple[float, ...], ...] = ((1.0,) * 5,)  # [inst][feats]
    label: str = ""  # names the run in results and figures, e.g. "linear"

    def __post_init__(self) -> None:
        # Normalize lists (e.g. from JSON) to tuples so configs stay hashable and comparable.
        object.__setattr__(self, "feature_probability", tuple(map(float, self.feature_probability)))
        object.__setattr__(self, "importance", tuple(tuple(map(float, row)) for row in self.importance))
        config_base.check(f"toy run config {self.label!r}" if self.label else "toy run config", _problems(self))

    @property
    def n_instances(self) -> int:
        """Number of independent models trained together (before restarts)."""
        return len(self.feature_probability)


def _problems(run: RunConfig) -> list[str]:
    """Every invalid or inconsistent value in `run` (empty when valid)."""
    m, d, t = run.model, run.data, run.train
    out = config_base.not_in([
        ("model.kind", m.kind, MODEL_KINDS),
        ("model.init", m.init, INITS),
        ("data.target", d.target, TARGETS),
        ("data.frequencies", d.frequencies, FREQUENCIES),
        ("train.schedule", t.schedule, SCHEDULES),
        ("train.feature_reduction", t.feature_reduction, REDUCTIONS),
        ("train.device", t.device, DEVICES),
        ("train.gradients", t.gradients, GRADIENTS),
    ])  # fmt: skip
    out += config_base.below(1, [
        ("model.n_features", m.n_features),
        ("model.d_hidden", m.d_hidden),
        ("train.steps", t.steps),
        ("train.batch_size", t.batch_size),
        ("train.restarts", t.restarts),
        ("train.eval_batch_size", t.eval_batch_size),
        ("train.log_every", t.log_every),
        ("data.set_size", d.set_size),
    ])  # fmt: skip
    out += config_base.below(0, [("train.threads", t.threads), ("data.correlated_sets", d.correlated_sets),
                                 ("data.anticorrelated_sets", d.anticorrelated_sets)])  # fmt: skip
    if m.init_scale <= 0:
        out.append(f"model.init_scale={m.init_scale} must be > 0")
    if t.lr <= 0 or t.eps <= 0 or not (0 <= t.beta1 < 1 and 0 <= t.beta2 < 1):
        out.append(f"train: need lr > 0 (got {t.lr}), eps > 0 (got {t.eps}) and beta1, beta2 in [0, 1)")
    if not 0 <= t.seed < 2**63:
        out.append(f"train.seed={t.seed} must be a whole number in [0, 2**63)")
    if not 0 <= t.warmup_steps <= t.steps:
        out.append(f"train.warmup_steps={t.warmup_steps} must lie in [0, steps={t.steps}]")
    if d.value_low >= d.value_high:
        out.append(f"data: value_low={d.value_low} must be below value_high={d.value_high}")
    grouped = (d.correlated_sets + d.anticorrelated_sets) * d.set_size
    if grouped and d.frequencies != "uniform":
        out.append(f"data.frequencies={d.frequencies!r}: correlated/anticorrelated sets need uniform frequencies")
    if grouped > m.n_features:
        out.append(f"data: {grouped} features in correlated/anticorrelated sets > n_features")
    if not run.feature_probability:
        out.append("feature_probability: need at least one instance")
    for i, p in enumerate(run.feature_probability):
        if not 0 < p <= 1:
            out.append(f"feature_probability[{i}]={p} must lie in (0, 1]")
        elif d.anticorrelated_sets and p * d.set_size > 1:
            out.append(f"feature_probability[{i}]={p}: anticorrelated sets need set_size * p <= 1")
    if len(run.importance) != run.n_instances:
        out.append(f"importance has {len(run.importance)} rows, expected one per instance")
    for i, row in enumerate(run.importance):
        if len(row) != m.n_features or min(row, default=0) < 0:
            out.append(f"importance[{i}] must hold {m.n_features} values >= 0")
    return out


@dataclass(frozen=True)
class ExperimentConfig(Config):
    """A preset: a name and the runs it trains (e.g. a ReLU and a linear model side by side)."""

    name: str = "custom"
    runs: tuple[RunConfig, ...] = (RunConfig(),)

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))
        config_base.check(f"toy experiment {self.name!r}", [] if self.runs else ["runs: need at least one run"])

    def to_json(self) -> str:
        """Indented JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    def _assign(self, tree: dict[str, Any], path: str, value: Any) -> None:
        """`name`, `runs` and `runs[i].field` address the experiment; any other path every run."""
        known = ["name", "runs", *RunConfig.field_paths()]
        head, sep, rest = path.partition("].")
        if path.startswith("runs[") and sep and head[5:].isdigit() and int(head[5:]) < len(tree["runs"]):
            config_base.assign(tree["runs"][int(head[5:])], rest, value, known, shown=path)
        elif path in ("name", "runs"):
            tree[path] = value
        else:
            for run in tree["runs"]:
                config_base.assign(run, path, value, known)

    def with_train(self, **changes: Any) -> Self:
        """Copy with `changes` applied to every run's TrainConfig (e.g. steps, seed, device).

        Changing only `steps` rescales `warmup_steps` to the same fraction of training.

        Raises:
            ConfigError: a change names no TrainConfig field, or gives an invalid value.
        """
        known = {f.name for f in dataclasses.fields(TrainConfig)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown training setting(s) {unknown}; known: {sorted(known)}")
        runs = []
        for r in self.runs:
            change = dict(changes)
            if "steps" in change and "warmup_steps" not in change:
                # Keep warm-up the same fraction of training when only the length changes.
                change["warmup_steps"] = r.train.warmup_steps * change["steps"] // r.train.steps
            try:
                runs.append(dataclasses.replace(r, train=dataclasses.replace(r.train, **change)))
            except ConfigError as exc:
                raise ConfigError(f"toy experiment {self.name!r}, runs[{len(runs)}]: {exc}") from None
        return dataclasses.replace(self, runs=tuple(runs))
