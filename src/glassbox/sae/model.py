"""The sparse autoencoder: z = act((x − b_dec) W_enc + b_enc), x̂ = z W_dec + b_dec.

Weights use SAELens's names and layout (`W_enc [d_model, d_sae]`, `W_dec [d_sae, d_model]`), so
SAELens's evaluator and plots accept the module as it is. Latent j's dictionary direction is row
`W_dec[j]`; the trainer keeps every row at unit norm. `act` is ReLU, or TopK: the k largest
pre-activations, ReLU'd, and zero elsewhere.

>>> import torch
>>> from glassbox.sae.config import SAEConfig
>>> sae = SparseAutoencoder(SAEConfig(architecture="topk", d_sae=8, k=2), d_in=3)
>>> z = sae.encode(torch.randn(5, 3))
>>> tuple(z.shape), int((z != 0).sum(-1).max()) <= 2, tuple(sae(torch.randn(5, 3)).shape)
((5, 8), True, (5, 3))
"""

from typing import final

import torch
from jaxtyping import Float
from torch import Tensor, nn

from glassbox.sae.config import SAEConfig


@final
class SparseAutoencoder(nn.Module):
    """A ReLU or TopK SAE with a linear decoder (forward = decode(encode(x)))."""

    def __init__(self, cfg: SAEConfig, d_in: int, generator: torch.Generator | None = None) -> None:
        """Random unit decoder rows, the encoder their transpose, zero biases (SAELens's init).

        Args:
            cfg: architecture, width and k.
            d_in: width of the activations it reads (d_model).
            generator: a CPU generator; the same seed gives the same weights on any device.
        """
        super().__init__()
        self.cfg = cfg
        self.d_in, self.d_sae = d_in, cfg.d_sae
        W_dec = torch.randn(cfg.d_sae, d_in, generator=generator)
        W_dec /= W_dec.norm(dim=1, keepdim=True).clamp(min=1e-8)
        self.W_enc = nn.Parameter(W_dec.T.clone())  # [d_model, d_sae]
        self.b_enc = nn.Parameter(torch.zeros(cfg.d_sae))  # [d_sae]
        self.W_dec = nn.Parameter(W_dec)  # [d_sae, d_model]
        self.b_dec = nn.Parameter(torch.zeros(d_in))  # [d_model]

    def encode(self, x: Float[Tensor, "batch d_model"]) -> Float[Tensor, "batch d_sae"]:
        """Latent activations z (nonnegative; at most k nonzero for TopK)."""
        pre = torch.addmm(self.b_enc, x - self.b_dec, self.W_enc)
        if self.cfg.architecture == "relu":
            return torch.relu(pre)
        assert self.cfg.k is not None  # SAEConfig checks it
        values, indices = pre.topk(self.cfg.k, dim=-1, sorted=False)
        return torch.zeros_like(pre).scatter(-1, indices, values.relu())

    def decode(self, z: Float[Tensor, "batch d_sae"]) -> Float[Tensor, "batch d_model"]:
        """Reconstruction x̂ = z W_dec + b_dec."""
        return torch.addmm(self.b_dec, z, self.W_dec)

    def forward(self, x: Float[Tensor, "batch d_model"]) -> Float[Tensor, "batch d_model"]:
        """x̂ for inputs x."""
        return self.decode(self.encode(x))
