"""Frozen configs for sparse autoencoders: the SAE itself, and how it is trained.

Every invalid value is reported at once, in one `ConfigError` that names each bad field.

>>> SAEConfig(architecture="topk", d_sae=100, k=2).k
2
>>> SAEConfig(architecture="topk", d_sae=0)
Traceback (most recent call last):
...
glassbox.errors.ConfigError: invalid SAE config:
  - d_sae=0 must be a positive integer
  - k=None: architecture 'topk' needs k >= 1
"""

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, get_args

from glassbox.errors import ConfigError

Architecture = Literal["relu", "topk"]
Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class SAEConfig:
    """Which SAE: z = act((x − b_dec) W_enc + b_enc), x̂ = z W_dec + b_dec."""

    # "relu": act = ReLU, sparsity from an L1 penalty (SAELens's "standard");
    # "topk": act keeps the k largest pre-activations (ReLU'd), no penalty (Gao et al. 2024).
    architecture: Architecture = "relu"
    d_sae: int = 100  # latents; the toy ground truth has as many as true features
    k: int | None = None  # active latents per input, TopK only

    def __post_init__(self) -> None:
        problems = []
        if self.architecture not in get_args(Architecture):
            problems.append(f"architecture={self.architecture!r} is not one of {get_args(Architecture)}")
        if not _positive_int(self.d_sae):
            problems.append(f"d_sae={self.d_sae!r} must be a positive integer")
        if self.architecture == "topk" and not _positive_int(self.k):
            problems.append(f"k={self.k!r}: architecture 'topk' needs k >= 1")
        elif self.architecture == "topk" and _positive_int(self.d_sae) and self.k is not None and self.k > self.d_sae:
            problems.append(f"k={self.k} must not exceed d_sae={self.d_sae}")
        if self.architecture == "relu" and self.k is not None:
            problems.append(f"k={self.k!r} is only meaningful for architecture 'topk'")
        _raise_if("SAE config", problems)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """Fresh samples every step, AdamW, unit-norm decoder rows; seeded and deterministic."""

    steps: int = 2_000  # updates; each draws `batch_size` fresh samples from the source
    batch_size: int = 1024
    lr: float = 3e-3  # peak learning rate (3e-3 reaches MCC > 0.95 on the toy case in 2k steps)
    lr_warm_up_steps: int = 0  # linear warm-up from 0 (SAELens's name)
    lr_decay_steps: int = 0  # linear decay to 0 over the last this many steps (SAELens's name)
    l1_coefficient: float = 0.3  # ReLU only: loss = ‖x − x̂‖² + l1_coefficient · Σ z (decoder rows unit-norm)
    l1_warm_up_steps: int = 0  # ReLU only: ramp the L1 coefficient linearly from 0 (SAELens's name)
    weight_decay: float = 0.0  # AdamW's decoupled decay; 0 makes it Adam, as SAELens trains SAEs
    beta1: float = 0.9  # Adam betas and eps: PyTorch's defaults
    beta2: float = 0.999
    eps: float = 1e-8
    seed: int = 0  # seeds the initialization and the training samples
    # "auto": CUDA when available, else CPU; "cuda" fails with a ConfigError where CUDA is absent.
    device: Device = "auto"
    # CPU threads while training (restored afterwards); 0 = torch's choice. See bench/sae.py.
    threads: int = 1
    log_every: int = 100  # record the loss and L0 every this many steps
    show_progress: bool = False  # a tqdm bar on stderr

    def __post_init__(self) -> None:
        problems = []
        for name in ("steps", "batch_size", "log_every"):
            if not _positive_int(getattr(self, name)):
                problems.append(f"{name}={getattr(self, name)!r} must be a positive integer")
        for name in ("lr_warm_up_steps", "lr_decay_steps", "l1_warm_up_steps", "threads"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                problems.append(f"{name}={value!r} must be an integer >= 0")
        if _positive_int(self.steps) and self.lr_warm_up_steps + self.lr_decay_steps > self.steps:
            problems.append(
                f"lr_warm_up_steps + lr_decay_steps = {self.lr_warm_up_steps + self.lr_decay_steps}"
                f" must not exceed steps={self.steps}"
            )
        if not self.lr > 0:
            problems.append(f"lr={self.lr} must be > 0")
        if not self.eps > 0:
            problems.append(f"eps={self.eps} must be > 0")
        for name in ("l1_coefficient", "weight_decay"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name}={getattr(self, name)} must be >= 0")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)} must lie in [0, 1)")
        if self.device not in get_args(Device):
            problems.append(f"device={self.device!r} is not one of {get_args(Device)}")
        _raise_if("SAE training config", problems)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return dataclasses.asdict(self)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _raise_if(what: str, problems: list[str]) -> None:
    if problems:
        raise ConfigError(f"invalid {what}:\n" + "\n".join(f"  - {p}" for p in problems))
