"""The shape of a compiled transformer."""

import dataclasses
from typing import Literal

Dtype = Literal["float32", "float64"]
DTYPES: tuple[Dtype, ...] = ("float32", "float64")  # the torch dtypes a compiled model may have


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Sizes and switches of a standard attention-only-LN-free transformer.

    Attributes:
        n_layers: attention + MLP layers.
        d_model: residual width (one named direction each).
        n_heads: heads per layer (unused heads are zero).
        d_head: per-head query/key/value width.
        d_mlp: MLP hidden units per layer (padded to the widest layer).
        n_ctx: positions, BOS included (max_seq_len + 1).
        d_vocab: input token ids (BOS, PAD, then the vocab).
        d_vocab_out: output logits (one per output value; 1 for a numerical output).
        causal: causal attention mask.
        attn_scale: scores are divided by this (1: compiled weights carry their own sharpness).
        act_fn: MLP non-linearity.
        pad_id: the id of PAD; PAD keys are masked out of attention.
    """

    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    d_mlp: int
    n_ctx: int
    d_vocab: int
    d_vocab_out: int
    causal: bool = False
    attn_scale: float = 1.0
    act_fn: str = "relu"
    pad_id: int = 1
