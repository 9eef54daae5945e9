"""IR blocks over the named residual stream, each with a numpy `apply`.

Matrices are dense over the full residual `Space` (the assembler only slices and stacks them),
so an IR model runs on its own and is the reference for the torch model (IR = torch).
"""

import dataclasses

import numpy as np

from glassbox.craft import bases


@dataclasses.dataclass(frozen=True)
class AttentionHead:
    """One head: scores = (x W_QK xᵀ), softmax over keys, out = P (x W_OV).

    Attributes:
        name: the expression label this head computes.
        w_qk: [d_model, d_model] bilinear score form (query rows, key columns), scale included.
        w_ov: [d_model, d_model] value-to-output map (key rows, output columns).
    """

    name: str
    w_qk: np.ndarray
    w_ov: np.ndarray


@dataclasses.dataclass(frozen=True)
class MLP:
    """out = ReLU(x W_in) W_out; hidden units are named for the circuit map.

    Attributes:
        name: the expression label this MLP computes.
        w_in: [d_model, d_hidden].
        w_out: [d_hidden, d_model].
    """

    name: str
    w_in: np.ndarray
    w_out: np.ndarray

    @property
    def d_hidden(self) -> int:
        return self.w_in.shape[1]


@dataclasses.dataclass(frozen=True)
class Layer:
    """One transformer layer: parallel heads, then parallel MLPs (each may be empty)."""

    heads: tuple[AttentionHead, ...]
    mlps: tuple[MLP, ...]


@dataclasses.dataclass(frozen=True)
class Model:
    """A scheduled IR model over one residual space."""

    residual: bases.Space
    layers: tuple[Layer, ...]

    def apply(self, x: np.ndarray, key_mask: "np.ndarray | None" = None, causal: bool = False) -> np.ndarray:
        """Run the residual stream `x` [batch, pos, d_model] through every layer (float64)."""
        x = np.asarray(x, dtype=np.float64)
        n = x.shape[1]
        mask = np.ones((x.shape[0], n, n), dtype=bool)
        if key_mask is not None:
            mask &= key_mask[:, None, :]
        if causal:
            mask &= np.tril(np.ones((n, n), dtype=bool))[None]
        for layer in self.layers:
            x = x + sum((_apply_head(h, x, mask) for h in layer.heads), np.zeros_like(x))
            x = x + sum((np.maximum(x @ m.w_in, 0) @ m.w_out for m in layer.mlps), np.zeros_like(x))
        return x


def _apply_head(head: AttentionHead, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    scores = (x @ head.w_qk) @ x.transpose(0, 2, 1)
    scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ (x @ head.w_ov)
