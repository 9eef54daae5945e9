"""Initialization both regimes use: per-instance Xavier (Glorot) matrices, and the device check.

>>> W = xavier(2, 3, 1000, "xavier_normal", torch.Generator().manual_seed(0))
>>> tuple(W.shape), round(float(W.std()), 2)   # std = √(2 / (fan_in + fan_out)) ≈ 0.045
((2, 3, 1000), 0.04)
"""

import math

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.errors import ConfigError


def xavier(
    n_instances: int,
    fan_out: int,
    fan_in: int,
    init: str,
    generator: torch.Generator,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Float[Tensor, "inst fan_out fan_in"]:
    """Independent Xavier matrices, one per instance, std = √(2 / (fan_in + fan_out)).

    "xavier_normal" draws N(0, std²) (bit for bit `torch.nn.init.xavier_normal_` on one matrix);
    "xavier_uniform" draws U(−√3 std, √3 std).

    Args:
        n_instances: leading axis size.
        fan_out, fan_in: matrix shape of one instance (`[d_hidden, feats]` for an encoder).
        init: "xavier_normal" or "xavier_uniform".
        generator: random source on `device`.
        device: where to build the tensor.
        dtype: its float type.

    Returns:
        `[n_instances, fan_out, fan_in]`.
    """
    std = math.sqrt(2.0 / (fan_in + fan_out))
    shape = (n_instances, fan_out, fan_in)
    if init == "xavier_uniform":
        bound = math.sqrt(3.0) * std
        return (torch.rand(shape, generator=generator, device=device, dtype=dtype) * 2 - 1) * bound
    return torch.randn(shape, generator=generator, device=device, dtype=dtype) * std


def resolve_device(name: str) -> torch.device:
    """The torch device for `name`, or a clear error when CUDA was asked for and is absent.

    Raises:
        ConfigError: `name` is "cuda" and no CUDA device is available.
    """
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but no CUDA GPU is available (torch sees no CUDA device "
                          "here); use --device cpu")  # fmt: skip
    return torch.device(name)
