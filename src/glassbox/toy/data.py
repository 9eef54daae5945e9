"""Synthetic sparse features: each is 0 with probability S = 1 − p, else uniform on [lo, hi].

Batches carry the instance axis first, `[inst, batch, feats]`, and every instance has its
own feature probability p. Features can be independent, or grouped into correlated sets
(active together) and anti-correlated sets (at most one member active).

>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> x = sample_batch(torch.tensor([1.0, 0.05]), 4096, 3, DataConfig(), g)
>>> tuple(x.shape)
(2, 4096, 3)
>>> [round(f, 2) for f in (x != 0).float().mean((1, 2)).tolist()]
[1.0, 0.05]
"""

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.toy.config import DataConfig


def sample_batch(
    feature_probability: Float[Tensor, " inst"],
    batch_size: int,
    n_features: int,
    cfg: DataConfig,
    generator: torch.Generator,
) -> Float[Tensor, "inst batch feats"]:
    """Draw a fresh batch of inputs for every instance.

    Args:
        feature_probability: density p = 1 − S of each instance (on the target device).
        batch_size: samples per instance.
        n_features: features per sample.
        cfg: value range, correlation structure and normalization.
        generator: random source on the same device as `feature_probability`.

    Returns:
        Inputs x, every feature with marginal density p of its instance (a transposed
        view of a contiguous `[inst, feats, batch]` tensor).
    """
    n_inst = feature_probability.shape[0]
    device = feature_probability.device
    # Built feature-major, [inst, feats, batch], and returned as a transposed view: the
    # models' batched matmuls run about 10x faster on CPU with the batch axis innermost.
    shape = (n_inst, n_features, batch_size)
    p = feature_probability.view(n_inst, 1, 1)
    u = torch.rand(shape, generator=generator, device=device)
    n_corr = cfg.correlated_sets * cfg.set_size
    n_anti = cfg.anticorrelated_sets * cfg.set_size
    if n_corr + n_anti == 0:
        # One uniform draw does both jobs: given u < p, u / p is again uniform on [0, 1).
        active = u < p
        unit_value = u / p
    else:
        active = u < p  # independent features; the grouped rows are overwritten below
        unit_value = torch.rand(shape, generator=generator, device=device)
        if n_corr:
            sets = torch.rand((n_inst, cfg.correlated_sets, batch_size), generator=generator, device=device)
            active[:, :n_corr] = (sets < p).repeat_interleave(cfg.set_size, dim=1)
        if n_anti:
            active[:, n_corr : n_corr + n_anti] = _anticorrelated(p, batch_size, cfg, generator)
    x = torch.where(active, cfg.value_low + (cfg.value_high - cfg.value_low) * unit_value, 0.0)
    if cfg.normalize:
        norms = torch.linalg.vector_norm(x, dim=1, keepdim=True)
        x = torch.where(norms > 0, x / norms.clamp_min(1e-30), x)  # all-zero points stay zero
    return x.transpose(1, 2)


def _anticorrelated(
    p: Float[Tensor, "inst 1 1"], batch_size: int, cfg: DataConfig, generator: torch.Generator
) -> Tensor:
    """Activity `[inst, sets * k, batch]` of anti-correlated sets: a set fires with
    probability k·p, then exactly one of its k members (chosen uniformly) is active."""
    k, n_sets = cfg.set_size, cfg.anticorrelated_sets
    shape = (p.shape[0], n_sets, batch_size)
    fires = torch.rand(shape, generator=generator, device=p.device) < k * p
    member = torch.randint(0, k, shape, generator=generator, device=p.device)
    one_hot = torch.nn.functional.one_hot(member, k).bool() & fires.unsqueeze(-1)
    return one_hot.permute(0, 1, 3, 2).flatten(1, 2)  # [inst, sets, k, batch] -> rows


def target_of(x: Float[Tensor, "inst batch feats"], cfg: DataConfig) -> Float[Tensor, "inst batch feats"]:
    """What the model should output for inputs `x`: x itself, or |x| for the computation task."""
    return x.abs() if cfg.target == "abs" else x
