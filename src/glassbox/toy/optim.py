"""AdamW for the toy trainer, equal to `torch.optim.AdamW` (amsgrad off) step for step.

It exists because constructing any `torch.optim` optimizer imports `torch._dynamo`, which
costs about 4 s per process on a 2-core CPU: more than a whole `intro` training run.
`tests/toy/test_train.py` checks it against `torch.optim.AdamW`.
"""

import math
from collections.abc import Iterable

import torch
from torch import Tensor


class AdamW:
    """Decoupled-weight-decay Adam (Loshchilov & Hutter) over a list of parameters.

    >>> p = torch.nn.Parameter(torch.ones(2))
    >>> opt = AdamW([p], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    >>> p.grad = torch.tensor([1.0, -1.0])
    >>> opt.step(lr=0.1)
    >>> [round(v, 6) for v in p.tolist()]  # the first step moves each weight by lr, downhill
    [0.9, 1.1]
    """

    def __init__(self, params: Iterable[Tensor], betas: tuple[float, float], eps: float, weight_decay: float) -> None:
        self.params = list(params)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    @torch.no_grad()
    def step(self, lr: float) -> None:
        """Update every parameter from its `.grad` with learning rate `lr`."""
        self.steps += 1
        bias1 = 1 - self.beta1**self.steps
        bias2_sqrt = math.sqrt(1 - self.beta2**self.steps)
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq, strict=True):
            g = p.grad
            if g is None:  # as torch.optim: a parameter without a gradient is left alone
                continue
            p.mul_(1 - lr * self.weight_decay)
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denom = (v.sqrt() / bias2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-lr / bias1)
