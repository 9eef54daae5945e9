"""The one AdamW of the toy lab, equal to `torch.optim.AdamW` (amsgrad off) step for step.

It updates torch tensors (both regimes on torch, any device) and numpy arrays (the double-descent
CPU path, where a small-T step is ~20 µs and torch's optimizer would cost ~90 µs) in place, with a
weight decay per parameter. It exists because constructing any `torch.optim` optimizer imports
`torch._dynamo`, about 4 s per process on a 2-core CPU: more than a whole `intro` run.
`tests/toy/test_train.py` checks it against `torch.optim.AdamW` on both kinds of array.

    p ← p (1 − lr λ);  m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
    p ← p − (lr / (1 − β₁ᵗ)) m / (√v / √(1 − β₂ᵗ) + ε)

A negative weight decay λ < 0 (Liu, Liu & Gore 2025) replaces the first line by a pull of each
vector's norm towards 1, p ← p (1 + lr λ (1 − 1/(‖p‖ + ε))), the norm taken along the
parameter's `norm_dim` (a feature's vector), or elementwise where that is None.
"""

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch


class AdamW:
    """Decoupled-weight-decay Adam (Loshchilov & Hutter) over a list of tensors or numpy arrays.

    >>> p = torch.nn.Parameter(torch.ones(2))
    >>> opt = AdamW([p], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    >>> p.grad = torch.tensor([1.0, -1.0])
    >>> opt.step(lr=0.1)
    >>> [round(v, 6) for v in p.tolist()]  # the first step moves each weight by lr, downhill
    [0.9, 1.1]
    """

    def __init__(
        self,
        params: Iterable[Any],
        betas: tuple[float, float],
        eps: float,
        weight_decay: float | Sequence[float],
        norm_dims: Sequence[int | None] | None = None,
    ) -> None:
        """Zero moments per parameter; `weight_decay` is one value for all or one per parameter,
        `norm_dims` the axis of each parameter's vectors for a negative decay (None: elementwise)."""
        self.params = list(params)
        self.norm_dims = list(norm_dims) if norm_dims is not None else [None] * len(self.params)
        self.beta1, self.beta2 = betas
        self.eps = eps
        decays = [weight_decay] * len(self.params) if isinstance(weight_decay, int | float) else list(weight_decay)
        self.weight_decays = [float(wd) for wd in decays]
        zeros = lambda p: np.zeros_like(p) if isinstance(p, np.ndarray) else torch.zeros_like(p)  # noqa: E731
        self.exp_avg: list[Any] = [zeros(p) for p in self.params]
        self.exp_avg_sq: list[Any] = [zeros(p) for p in self.params]
        self.steps = 0

    @torch.no_grad()
    def step(self, lr: float, grads: Sequence[Any] | None = None) -> None:
        """Update every parameter with learning rate `lr`, from `grads` or else from each `.grad`."""
        self.steps += 1
        bias1 = 1 - self.beta1**self.steps
        bias2_sqrt = math.sqrt(1 - self.beta2**self.steps)
        grads = [getattr(p, "grad", None) for p in self.params] if grads is None else grads
        for p, g, m, v, wd, dim in zip(
            self.params, grads, self.exp_avg, self.exp_avg_sq, self.weight_decays, self.norm_dims, strict=True
        ):
            if g is None:  # as torch.optim: a parameter without a gradient is left alone
                continue
            if wd >= 0:
                p *= 1 - lr * wd
            else:
                norm = abs(p) if dim is None else ((p * p).sum(dim)[..., None] ** 0.5).swapaxes(-1, dim)
                p *= 1 + lr * wd * (1 - 1 / (norm + self.eps))
            if isinstance(p, np.ndarray):
                m += (1 - self.beta1) * (g - m)  # torch's lerp
                v *= self.beta2
                v += (1 - self.beta2) * g * g
                p -= (lr / bias1) * m / (np.sqrt(v) / bias2_sqrt + self.eps)
            else:
                m.lerp_(g, 1 - self.beta1)
                v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
                denom = (v.sqrt() / bias2_sqrt).add_(self.eps)
                p.addcdiv_(m, denom, value=-lr / bias1)
