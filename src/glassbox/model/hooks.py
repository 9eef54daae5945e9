"""Hook points: identity modules with a name, so every activation can be read or edited."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from glassbox.errors import InputError


class HookPoint(nn.Module):
    """Identity; forward hooks registered on it see (and may replace) the activation.

    `name` is its dotted name in the model (set by the model that owns it), which hook functions
    receive as `hook.name`, as in TransformerLens.
    """

    name: str = ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        # Skip nn.Module's call machinery while nothing is attached: a compiled model has ~14 hook
        # points per layer, and on small models that machinery is a large share of the forward. A
        # forward set on the instance (nnsight's tracing controller does that) counts as attached.
        if (self._forward_hooks or self._forward_pre_hooks or nn.modules.module._global_forward_hooks
                or "forward" in self.__dict__):
            return super().__call__(x)
        return x


HookFn = Callable[[torch.Tensor, HookPoint], "torch.Tensor | None"]


def hook_points(module: nn.Module) -> dict[str, HookPoint]:
    """Every HookPoint inside `module`, by its dotted name."""
    return {name: m for name, m in module.named_modules() if isinstance(m, HookPoint)}


@contextmanager
def hooks(module: nn.Module, fns: "Sequence[tuple[str | Callable[[str], bool], HookFn]]") -> Iterator[None]:
    """Temporarily attach TransformerLens-style hooks: `fn(activation, hook) -> activation | None`.

    Args:
        module: the model.
        fns: (name, fn) pairs; a name may also be a predicate over hook names (as in TransformerLens),
            which attaches `fn` to every hook point it accepts. A returned tensor replaces the activation.

    Raises:
        InputError: a name that is no hook point of the model.
    """
    points = hook_points(module)
    handles = []
    try:
        for name, fn in fns:
            if callable(name):
                chosen = [p for n, p in points.items() if name(n)]
            elif name in points:
                chosen = [points[name]]
            else:
                raise InputError(f"no hook point named {name!r}; see CompiledModel.hook_names")
            for point in chosen:
                handles.append(point.register_forward_hook(
                    lambda m, _inp, out, fn=fn: fn(out, m)))
        yield
    finally:
        for h in handles:
            h.remove()
