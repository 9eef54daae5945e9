"""Frozen configs for the double-descent experiment (Henighan et al. 2023), one per concern.

Every setting the paper leaves open (Xavier variant, bias init, cosine form, test samples,
restarts, batch at T = ∞, all-zero points, Adam betas and ε) is a field with its default
commented, and the whole `ExperimentConfig` is written next to every result.

>>> cfg = ExperimentConfig(name="demo", sizes=(3, None), seeds=(0,))
>>> cfg.data.n_features, cfg.sizes
(1000, (3, None))
>>> ExperimentConfig.from_dict(cfg.to_dict()) == cfg
True
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from glassbox.toy import config_base
from glassbox.toy.config_base import Config

INITS = config_base.INITS
SCHEDULES = ("cosine", "cosine_quarter")  # the paper's "cosine decay to zero" (of config_base.SCHEDULES)
ZERO_POINTS = ("keep", "resample")
BACKENDS = ("auto", "c", "numpy", "torch")
DEVICES = config_base.DEVICES
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class DataConfig(Config):
    """The data distribution: feature i is 0 with probability S, else U[0, 1]; rows unit norm."""

    n_features: int = 1000  # n; the paper uses 10,000 (Hobbhahn/ARENA reduce it to 1,000)
    sparsity: float = 0.99  # S; the paper uses 0.999, so about n(1-S) = 10 active features
    # A point with no active feature cannot be rescaled to unit norm (probability S^n, about
    # 4.5e-5 in the paper's setting). "keep": it stays all-zero, counts in T and in the loss
    # (its target is 0) and is reported; "resample": it is redrawn until non-zero.
    zero_points: str = "keep"
    test_samples: int = 100_000  # not stated in the paper; replications used 1,000
    infinite_batch: int = 1024  # fresh points per step at T = ∞ (the notebook's batch size)

    def problems(self) -> "list[str]":
        """Every invalid value, as readable strings (empty when the config is valid)."""
        out = config_base.not_in([("zero_points", self.zero_points, ZERO_POINTS)])
        out += config_base.below(1, [(f, getattr(self, f)) for f in ("n_features", "test_samples", "infinite_batch")])
        if not 0.0 <= self.sparsity < 1.0:
            out.append(f"sparsity={self.sparsity} must lie in [0, 1)")
        return out


@dataclass(frozen=True)
class TrainConfig(Config):
    """Full-batch AdamW with linear warm-up and cosine decay, and the initialization."""

    steps: int = 10_000  # full-batch updates; the paper uses 50,000
    lr: float = 1e-3  # peak learning rate
    warmup_frac: float = 0.05  # linear warm-up over the first 5% (2,500 of 50,000 steps)
    # "cosine": 0.5 (1 + cos(pi p)) (slavachalnev, syedamaann); "cosine_quarter": cos(pi p / 2)
    # (ARENA). The paper only says "cosine decay to zero".
    schedule: str = "cosine"
    weight_decay: float = 1e-2
    decay_bias: bool = True  # AdamW(model.parameters()) decays b too; the paper does not say
    betas: "tuple[float, float]" = (0.9, 0.999)  # not stated: PyTorch defaults
    # Not stated: PyTorch default. The loss sums over features (as in the paper), so gradients
    # of rare features stay well above eps; a mean over features would not (see refs §1.3).
    eps: float = 1e-8
    init: str = "xavier_normal"  # the paper says Xavier; normal vs uniform is not stated
    bias_init: float = 0.0  # the official notebook starts b at zero
    # Best-of-k: train k initializations on the same data, keep the lowest final training
    # loss. The paper does this "in some experiments" without saying k.
    restarts: int = 1

    def problems(self) -> "list[str]":
        """Every invalid value, as readable strings (empty when the config is valid)."""
        out = config_base.not_in([("schedule", self.schedule, SCHEDULES), ("init", self.init, INITS)])
        out += config_base.below(1, [("steps", self.steps), ("restarts", self.restarts)])
        out += [f"{name}={v} must be > 0" for name, v in (("lr", self.lr), ("eps", self.eps)) if v <= 0]
        if not 0.0 <= self.warmup_frac < 1.0:
            out.append(f"warmup_frac={self.warmup_frac} must lie in [0, 1)")
        return out


@dataclass(frozen=True)
class ComputeConfig(Config):
    """Where and how the full-batch step runs; none of this changes the mathematics."""

    # "auto": the compiled C kernel on CPU when a C compiler is found (else numpy), and the
    # torch path on CUDA. "torch" on CPU runs eagerly (useful to test the GPU code path).
    backend: str = "auto"
    device: str = "cpu"
    # Rows of the training set per chunk; gradients are summed over chunks so every update is
    # still full-batch. 0 = auto: 4,096 on CPU, 65,536 on CUDA. Peak extra memory is about
    # chunk × n floats on the numpy/torch paths and m × n per thread on the C path.
    chunk_size: int = 0
    dtype: str = "float32"
    threads: int = 0  # CPU threads for the C kernel; 0 = every core this process may use
    compile: bool = True  # torch.compile the dense chunk on CUDA (eager otherwise)

    def problems(self) -> "list[str]":
        """Every invalid value, as readable strings (empty when the config is valid)."""
        out = config_base.not_in(
            [("backend", self.backend, BACKENDS), ("device", self.device, DEVICES), ("dtype", self.dtype, DTYPES)]
        )
        out += config_base.below(0, [("chunk_size", self.chunk_size), ("threads", self.threads)])
        if self.device == "cuda" and self.backend in ("c", "numpy"):
            out.append(f"backend {self.backend!r} runs on the CPU only; use torch for cuda")
        return out


@dataclass(frozen=True)
class ExperimentConfig(Config):
    """A sweep over dataset sizes T (None = ∞), dataset seeds and hidden sizes m."""

    name: str = "custom"
    sizes: "tuple[int | None, ...]" = (3, 5, 10, 30, 100, 300, 1000, 3000, 10_000)
    seeds: "tuple[int, ...]" = (0,)  # dataset seeds; the paper averages 4 per T
    d_hidden: "tuple[int, ...]" = (2,)  # m; more than one value makes a T × m sweep
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    # Training points whose data dimensionality is reported (the T x T structure is cheap,
    # but lists of 500k numbers are not useful in a JSON file).
    max_points_reported: int = 5000

    def __post_init__(self) -> None:
        for name in ("sizes", "seeds", "d_hidden"):  # lists (e.g. from JSON) as tuples
            object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = [f"{part}.{p}" for part in ("data", "train", "compute") for p in getattr(self, part).problems()]
        for size in self.sizes:
            if size is not None and (not isinstance(size, int) or size < 1):
                problems.append(f"sizes: a dataset size must be a positive int or None, got {size!r}")
        if not self.sizes or not self.seeds or not self.d_hidden:
            problems.append("sizes, seeds and d_hidden must each be non-empty")
        problems += config_base.below(1, [(f"d_hidden[{i}]", m) for i, m in enumerate(self.d_hidden)])
        problems += config_base.below(1, [("max_points_reported", self.max_points_reported)])
        if any(not 0 <= s < 2**63 for s in self.seeds):
            problems.append(f"seeds must be whole numbers in [0, 2**63), got {self.seeds}")
        config_base.check(f"double-descent config {self.name!r}", problems)

    def with_compute(self, **changes: Any) -> "ExperimentConfig":
        """Copy with some `ComputeConfig` fields changed (device, backend, ...)."""
        return dataclasses.replace(self, compute=dataclasses.replace(self.compute, **changes))
