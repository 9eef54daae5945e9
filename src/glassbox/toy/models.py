"""The four toy models of Elhage et al. 2022, batched over an instance axis; forward only.

Inputs and outputs are `[inst, batch, feats]`; inside, the matmuls run on the feature-major
transpose `[inst, feats, batch]` (about 10x faster on CPU for these thin matrices), so
outputs are transposed views. Every parameter has the instance axis first, so instance i is
an independent model and `select(model, index)` can pick or reorder instances. W is `[inst, d_hidden, feats]`:
column `W[k, :, i]` is feature i's direction in instance k.

>>> import torch
>>> from glassbox.toy.config import ModelConfig
>>> model = build_model(ModelConfig(n_features=5, d_hidden=2), n_instances=3,
...                     generator=torch.Generator().manual_seed(0))
>>> tuple(model.W.shape), tuple(model(torch.rand(3, 8, 5)).shape)
((3, 2, 5), (3, 8, 5))
"""

from typing import final

import torch
from jaxtyping import Float
from torch import Tensor, nn

from glassbox.toy.config import ModelConfig
from glassbox.toy.init import xavier as xavier


def _decode(
    b: Float[Tensor, "inst feats"],
    dec: Float[Tensor, "inst feats d_hidden"],
    h: Float[Tensor, "inst batch d_hidden"],
) -> Float[Tensor, "inst batch feats"]:
    """b + dec h for every sample, computed feature-major."""
    return torch.baddbmm(b.unsqueeze(2), dec, h.transpose(1, 2)).transpose(1, 2)


class ToyModel(nn.Module):
    """Abstract base: `forward(x) -> x'`, `hidden(x) -> h`, and the encoder `W`."""

    W: nn.Parameter  # [inst, d_hidden, feats], the encoder (W1 for the untied model)
    b_final: nn.Parameter  # [inst, feats]

    def hidden(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch d_hidden"]:
        """Hidden activations h for inputs x."""
        raise NotImplementedError

    def forward(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch feats"]:
        """Model output x' for inputs x."""
        raise NotImplementedError


@final
class ReluOutputModel(ToyModel):
    """Tied weights, ReLU on the output: h = W x, x' = ReLU(Wᵀ h + b)."""

    def __init__(self, W: Tensor, b_final: Tensor) -> None:
        super().__init__()
        self.W = nn.Parameter(W)  # [inst, d_hidden, feats]
        self.b_final = nn.Parameter(b_final)  # [inst, feats]

    def hidden(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch d_hidden"]:
        return torch.bmm(self.W, x.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch feats"]:
        return torch.relu(_decode(self.b_final, self.W.transpose(1, 2), self.hidden(x)))


@final
class LinearModel(ToyModel):
    """Tied weights, no nonlinearity: x' = WᵀW x + b (it can only do PCA)."""

    def __init__(self, W: Tensor, b_final: Tensor) -> None:
        super().__init__()
        self.W = nn.Parameter(W)
        self.b_final = nn.Parameter(b_final)

    def hidden(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch d_hidden"]:
        return torch.bmm(self.W, x.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch feats"]:
        return _decode(self.b_final, self.W.transpose(1, 2), self.hidden(x))


@final
class HiddenReluModel(ToyModel):
    """Privileged basis: h = ReLU(W x) are neurons, x' = ReLU(Wᵀ h + b)."""

    def __init__(self, W: Tensor, b_final: Tensor) -> None:
        super().__init__()
        self.W = nn.Parameter(W)
        self.b_final = nn.Parameter(b_final)

    def hidden(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch d_hidden"]:
        return torch.relu(torch.bmm(self.W, x.transpose(1, 2))).transpose(1, 2)

    def forward(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch feats"]:
        return torch.relu(_decode(self.b_final, self.W.transpose(1, 2), self.hidden(x)))


@final
class AbsValueModel(ToyModel):
    """Untied computation model: h = ReLU(W1 x), y' = ReLU(W2 h + b), trained on y = |x|."""

    def __init__(self, W1: Tensor, W2: Tensor, b_final: Tensor) -> None:
        super().__init__()
        self.W = nn.Parameter(W1)  # [inst, d_hidden, feats]; named W1 in the paper
        self.W2 = nn.Parameter(W2)  # [inst, feats, d_hidden]
        self.b_final = nn.Parameter(b_final)

    @property
    def W1(self) -> nn.Parameter:
        """The input-to-neuron weights (same tensor as `W`)."""
        return self.W

    def hidden(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch d_hidden"]:
        return torch.relu(torch.bmm(self.W, x.transpose(1, 2))).transpose(1, 2)

    def forward(self, x: Float[Tensor, "inst batch feats"]) -> Float[Tensor, "inst batch feats"]:
        return torch.relu(_decode(self.b_final, self.W2, self.hidden(x)))


def build_model(cfg: ModelConfig, n_instances: int, generator: torch.Generator, device: str = "cpu") -> ToyModel:
    """A freshly initialized model of `cfg.kind` with `n_instances` independent instances.

    Args:
        cfg: model kind, sizes, initialization.
        n_instances: number of instances.
        generator: random source on `device` (makes initialization reproducible).
        device: "cpu" or "cuda".

    Returns:
        The model, on `device`.
    """
    n, m = cfg.n_features, cfg.d_hidden
    W = xavier(n_instances, m, n, cfg.init, generator, device) * cfg.init_scale
    b = torch.full((n_instances, n), cfg.bias_init, device=device)
    W2 = None
    if cfg.kind == "absolute_value":
        W2 = xavier(n_instances, n, m, cfg.init, generator, device) * cfg.init_scale
    return from_weights(cfg.kind, W, b, W2)


def select(model: ToyModel, index: Tensor) -> ToyModel:
    """A new model holding instances `index` of `model` (a copy; gradients detached).

    Args:
        model: any toy model.
        index: 1-d long tensor of instance indices.

    Returns:
        A model of the same class with `len(index)` instances.
    """
    params = [p.detach()[index].clone() for p in model.parameters()]
    return type(model)(*params)


def from_weights(kind: str, W: Tensor, b_final: Tensor, W2: Tensor | None = None) -> ToyModel:
    """A model of `kind` holding the given parameters (e.g. weights read back from results.json).

    Args:
        kind: a `ModelConfig.kind`.
        W: `[inst, d_hidden, feats]` (W1 for the absolute-value model).
        b_final: `[inst, feats]`.
        W2: `[inst, feats, d_hidden]`, the absolute-value model's decoder.

    Returns:
        The model.
    """
    if kind == "absolute_value":
        assert W2 is not None, "the absolute-value model needs W2"
        return AbsValueModel(W, W2, b_final)
    cls = {"relu_output": ReluOutputModel, "linear": LinearModel, "hidden_relu": HiddenReluModel}
    return cls[kind](W, b_final)
