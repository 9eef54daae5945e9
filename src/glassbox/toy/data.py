"""Synthetic sparse features: each is 0 with probability S = 1 − p, else uniform on [lo, hi].

Batches carry the instance axis first, `[inst, batch, feats]`, and every instance has its
own feature probability p. Features can be independent, or grouped into correlated sets
(active together) and anti-correlated sets (at most one member active).

>>> import torch
>>> x = sample_batch(torch.tensor([1.0, 0.05]), 4096, 3, DataConfig(), make_generator(0, "cpu"))
>>> tuple(x.shape)
(2, 4096, 3)
>>> [round(f, 2) for f in (x != 0).float().mean((1, 2)).tolist()]
[1.0, 0.05]
"""

import numpy as np
import torch
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor

from glassbox.toy.config import DataConfig

Generator = torch.Generator | np.random.Generator


def make_generator(seed: int, device: str | torch.device) -> Generator:
    """The data random source for `device`: numpy's SFC64 on CPU, torch's on CUDA.

    numpy's SFC64 draws float32 uniforms about 1.7x faster than torch's CPU Mersenne
    Twister, and drawing them is the largest single cost of a training step.

    Args:
        seed: the seed; the same seed on the same device gives the same batches.
        device: where batches will live.

    Returns:
        A generator accepted by `sample_batch`.
    """
    if torch.device(device).type == "cpu":
        return np.random.Generator(np.random.SFC64(seed))
    return torch.Generator(device=device).manual_seed(seed)


def frequencies(
    feature_probability: Float[Tensor, " inst"], n_features: int, cfg: DataConfig
) -> Float[Tensor, " inst"] | Float[Tensor, "inst feats"]:
    """Each feature's activation probability: p itself (uniform), or p times a profile of mean 1.

    >>> p = frequencies(torch.tensor([0.01]), 4, DataConfig(frequencies="power_law", frequency_exponent=1.0))
    >>> [round(v, 4) for v in p[0].tolist()], round(float(p.mean()), 4)
    ([0.0192, 0.0096, 0.0064, 0.0048], 0.01)
    """
    if cfg.frequencies == "uniform":
        return feature_probability
    i = torch.arange(1, n_features + 1, dtype=torch.float64)
    if cfg.frequencies == "power_law":
        shape = i.pow(-cfg.frequency_exponent)
    else:
        shape = (-cfg.frequency_exponent * i / n_features).exp()
    profile = (shape / shape.mean()).to(feature_probability)
    return (feature_probability.unsqueeze(1) * profile).clamp(max=1.0)


def uniform(shape: tuple[int, ...], generator: Generator, device: torch.device) -> Tensor:
    """float32 uniforms on [0, 1) drawn from either kind of generator."""
    if isinstance(generator, np.random.Generator):
        return torch.from_numpy(generator.random(shape, dtype=np.float32)).to(device)
    return torch.rand(shape, generator=generator, device=device)


def sample_batch(
    feature_probability: Float[Tensor, " inst"] | Float[Tensor, "inst feats"],
    batch_size: int,
    n_features: int,
    cfg: DataConfig,
    generator: Generator,
) -> Float[Tensor, "inst batch feats"]:
    """Draw a fresh batch of inputs for every instance.

    Args:
        feature_probability: density p = 1 − S of each instance, or of each of its features
            (see `frequencies`), on the target device.
        batch_size: samples per instance.
        n_features: features per sample.
        cfg: value range, correlation structure and normalization.
        generator: from `make_generator` (a torch generator must be on the target device).

    Returns:
        Inputs x, every feature with marginal density p of its instance (a transposed
        view of a contiguous `[inst, feats, batch]` tensor).
    """
    n_inst = feature_probability.shape[0]
    device = feature_probability.device
    # Built feature-major, [inst, feats, batch], and returned as a transposed view: the
    # models' batched matmuls run about 10x faster on CPU with the batch axis innermost.
    shape = (n_inst, n_features, batch_size)
    p = feature_probability.view(n_inst, -1, 1)
    n_grouped = (cfg.correlated_sets + cfg.anticorrelated_sets) * cfg.set_size
    # One uniform draw u does both jobs: the feature is active iff u < p, and then u / p is
    # again uniform on [0, 1). `v` holds u / p where active and 0 elsewhere. It is built with
    # threshold rather than a boolean mask: bool kernels are several times slower on CPU.
    v = uniform(shape, generator, device).mul_(-1.0 / p)
    v = torch.threshold_(v, -1.0, 0.0).neg_()
    if n_grouped:
        active = _grouped_activity(p, batch_size, cfg, generator)
        unit = uniform(active.shape, generator, device)
        v[:, :n_grouped] = torch.where(active, unit.clamp_min(1e-30), 0.0)
    if cfg.value_low != 0.0 or cfg.value_high != 1.0:
        # sign(v) is the activity indicator (v > 0 exactly when active, almost surely).
        v = (cfg.value_low + (cfg.value_high - cfg.value_low) * v).mul_(v.sign())
    if cfg.normalize:
        norms = torch.linalg.vector_norm(v, dim=1, keepdim=True)
        v = v / torch.where(norms > 0, norms, 1.0)  # all-zero points stay zero
    return v.transpose(1, 2)


def _grouped_activity(p: Float[Tensor, "inst 1 1"], batch_size: int, cfg: DataConfig, generator: Generator) -> Tensor:
    """Activity `[inst, grouped feats, batch]` of the correlated then anti-correlated sets.

    A correlated set is active (all members at once) with probability p. An anti-correlated
    set fires with probability k·p, and then exactly one of its k members, chosen uniformly,
    is active. Either way every member keeps marginal density p.
    """
    k, device = cfg.set_size, p.device
    n_inst = p.shape[0]
    parts = []
    if cfg.correlated_sets:
        on = uniform((n_inst, cfg.correlated_sets, batch_size), generator, device) < p
        parts.append(on.repeat_interleave(k, dim=1))
    if cfg.anticorrelated_sets:
        shape = (n_inst, cfg.anticorrelated_sets, batch_size)
        fires = uniform(shape, generator, device) < k * p
        member = (uniform(shape, generator, device) * k).long().clamp_max(k - 1)
        one_hot = F.one_hot(member, k).bool() & fires.unsqueeze(-1)  # [inst, sets, batch, k]
        parts.append(one_hot.permute(0, 1, 3, 2).flatten(1, 2))
    return torch.cat(parts, dim=1)


def target_of(x: Float[Tensor, "inst batch feats"], cfg: DataConfig) -> Float[Tensor, "inst batch feats"]:
    """What the model should output for inputs `x`: x itself, or |x| for the computation task."""
    return x.abs() if cfg.target == "abs" else x
