"""Hook points: identity modules with a name, so every activation can be read or edited."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn


class HookPoint(nn.Module):
    """Identity; forward hooks registered on it see (and may replace) the activation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        # Skip nn.Module's call machinery while nothing is attached: a compiled model has ~14 hook
        # points per layer, and on small models that machinery is a large share of the forward.
        if self._forward_hooks or self._forward_pre_hooks or nn.modules.module._global_forward_hooks:
            return super().__call__(x)
        return x


def hook_points(module: nn.Module) -> dict[str, HookPoint]:
    """Every HookPoint inside `module`, by its dotted name."""
    return {name: m for name, m in module.named_modules() if isinstance(m, HookPoint)}


@contextmanager
def hooks(module: nn.Module, fns: "list[tuple[str, Callable]]") -> Iterator[None]:
    """Temporarily attach `fn(activation, name) -> activation | None` to named hook points."""
    points = hook_points(module)
    handles = []
    try:
        for name, fn in fns:
            if name not in points:
                raise KeyError(f"no hook point named {name!r}")
            handles.append(points[name].register_forward_hook(
                lambda _m, _inp, out, fn=fn, name=name: fn(out, name)))
        yield
    finally:
        for h in handles:
            h.remove()
