"""Training an SAE on a ground-truth source: fresh samples every step, AdamW, unit-norm decoder rows.

Loss per batch: mean over samples of ‖x − x̂‖² (summed over d_model), plus for ReLU SAEs
`l1_coefficient · Σ_j z_j` (the L1 norm of z, since z ≥ 0 and every decoder row has unit norm).
After each backward pass the part of each decoder row's gradient along the row is removed, and after
each step the rows are rescaled to unit norm, so the L1 penalty cannot be dodged by growing W_dec.

The optimizer is the toy lab's AdamW (`glassbox.toy.optim`, equal to `torch.optim.AdamW` step for step
and tested against it there); it spares each process the ~2 s import that `torch.optim` costs.

>>> from glassbox.sae import sources
>>> from glassbox.sae.config import SAEConfig, TrainConfig
>>> src = sources.from_toy_model(torch.eye(4), feature_probability=0.25)
>>> result = train_sae(src, SAEConfig(d_sae=4), TrainConfig(steps=20, batch_size=64, log_every=10))
>>> tuple(result.sae.W_dec.shape), tuple(result.loss.shape)
((4, 4), (2,))
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.errors import ConfigError
from glassbox.sae import ground_truth
from glassbox.sae.config import SAEConfig, TrainConfig
from glassbox.sae.model import SparseAutoencoder
from glassbox.toy import optim


@dataclass(frozen=True)
class TrainResult:
    """A trained SAE, the settings that made it, and its training curves."""

    sae: SparseAutoencoder
    sae_config: SAEConfig
    train_config: TrainConfig
    loss: Float[Tensor, " logs"]  # training loss of the batch at every log_every-th step
    l0: Float[Tensor, " logs"]  # mean nonzero latents in that batch


def resolve_device(name: str) -> torch.device:
    """`"auto"` → CUDA when available, else CPU; `"cpu"`/`"cuda"` as asked.

    Raises:
        ConfigError: `"cuda"` was asked for and there is no CUDA device.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' was requested but no CUDA GPU is available; use device='auto' or 'cpu'")
    return torch.device(name)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate of 0-based `step`: linear warm-up, constant, then linear decay towards zero.

    >>> cfg = TrainConfig(steps=10, lr=1.0, lr_warm_up_steps=2, lr_decay_steps=4)
    >>> [round(lr_at(s, cfg), 2) for s in range(10)]
    [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25]
    """
    if step < cfg.lr_warm_up_steps:
        return cfg.lr * (step + 1) / cfg.lr_warm_up_steps
    left = cfg.steps - step  # steps still to take, this one included
    if left < cfg.lr_decay_steps:
        return cfg.lr * left / cfg.lr_decay_steps
    return cfg.lr


def l1_at(step: int, cfg: TrainConfig) -> float:
    """L1 coefficient of 0-based `step` (linear ramp over l1_warm_up_steps)."""
    if step < cfg.l1_warm_up_steps:
        return cfg.l1_coefficient * (step + 1) / cfg.l1_warm_up_steps
    return cfg.l1_coefficient


def train_sae(
    source: ground_truth.SyntheticModel,
    sae_config: SAEConfig,
    train_config: TrainConfig | None = None,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train a fresh SAE on samples from `source`.

    The same seed gives the same SAE on the same device: the weights are initialized on the CPU from
    `train_config.seed`, and the training samples come from `make_generator(seed)` on the source's device.

    Args:
        source: what to sample hidden activations from (`glassbox.sae.sources`).
        sae_config: architecture and width.
        train_config: steps, batch, optimizer and device (default `TrainConfig()`).
        on_step: called with the number of steps just completed (for progress bars).

    Returns:
        The trained SAE (on the training device) and its curves.

    Raises:
        ConfigError: the device is unavailable, or the loss became non-finite (lr too high).
    """
    cfg = TrainConfig() if train_config is None else train_config
    device = resolve_device(cfg.device)
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(source, sae_config, cfg, device, on_step)
    finally:
        torch.set_num_threads(threads)


def _train(
    source: ground_truth.SyntheticModel,
    sae_cfg: SAEConfig,
    cfg: TrainConfig,
    device: torch.device,
    on_step: Callable[[int], None] | None,
) -> TrainResult:
    sae = SparseAutoencoder(sae_cfg, source.hidden_dim, torch.Generator().manual_seed(cfg.seed)).to(device)
    data_gen = ground_truth.make_generator(cfg.seed, source.device)
    params = [sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec]
    opt = optim.AdamW(params, (cfg.beta1, cfg.beta2), cfg.eps, cfg.weight_decay)
    losses, l0s = [], []
    bar = _progress(cfg)
    done = 0
    for step in range(cfg.steps):
        x = source.sample(cfg.batch_size, data_gen).to(device)
        z = sae.encode(x)
        loss = (sae.decode(z) - x).pow(2).sum(-1).mean()
        if sae_cfg.architecture == "relu":
            loss = loss + l1_at(step, cfg) * z.sum(-1).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            _remove_parallel_grad(sae.W_dec)
            opt.step(lr_at(step, cfg))
            sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True).clamp(min=1e-8))
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            losses.append(float(loss.detach()))
            l0s.append(float((z != 0).sum(-1, dtype=torch.float32).mean()))
            if on_step is not None:
                on_step(step + 1 - done)
            if bar is not None:
                bar.update(step + 1 - done)
                bar.set_postfix(loss=f"{losses[-1]:.4g}", l0=f"{l0s[-1]:.3g}")
            done = step + 1
    if bar is not None:
        bar.close()
    if not all(math.isfinite(v) for v in losses):
        raise ConfigError(f"training diverged (non-finite loss) with lr={cfg.lr}; lower lr")
    return TrainResult(
        sae=sae.eval(),
        sae_config=sae_cfg,
        train_config=cfg,
        loss=torch.tensor(losses),
        l0=torch.tensor(l0s),
    )


def _remove_parallel_grad(W_dec: Tensor) -> None:
    """Project each decoder row's gradient onto the row's tangent space (rows are unit vectors)."""
    assert W_dec.grad is not None
    W_dec.grad -= (W_dec.grad * W_dec).sum(-1, keepdim=True) * W_dec


def _progress(cfg: TrainConfig) -> Any:
    if not cfg.show_progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=cfg.steps, desc="training SAE", unit="step")
