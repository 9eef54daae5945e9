"""The sparse forward pass: each head and MLP run on the residual slices it reads and writes.

A compiled model's weights are mostly zeros (98–99.8% for the large library models): a head reads a
few named residual dimensions through W_Q/W_K/W_V and writes a few through W_O; an MLP's units each
read a few dimensions and write a few. The plan below is read off the weights themselves (no
compiler metadata, so it serves loaded models too): per head, the residual rows its query, key and
value maps read, the head dimensions that carry a score or a value, the residual columns its output
writes; per MLP, its live units (a unit whose input or output weights are all zero adds exactly
nothing), the rows they read, the columns they write; the rows the unembedding reads. A block whose
every output column holds one weight (a copy, a one-hot write, an identity key map) becomes a gather
and a scale instead of a matmul.

`forward(plan, tokens)` then gathers those slices, multiplies the small blocks and scatters the
results back: the same sums as the dense pass without their exactly-zero terms. Floating-point
results may differ from the dense pass in the last bits (a matmul's summation order depends on its
shape), never by more than the rounding of the sums involved; decoded outputs are the same
(`tests/model/test_sparse.py` checks every library program).

The dense `Transformer` stays the model: hooks, caches and exports use it. `CompiledModel.run`
takes this path when `worthwhile(plan)` says the saving is large and no hook is attached.
"""

import dataclasses

import torch
from jaxtyping import Float, Int
from torch import Tensor, nn

from glassbox.model.config import ModelConfig
from glassbox.model.transformer import MLP, Attention, Block, Transformer, softmax

# Take the sparse path when it multiplies at most this fraction of the dense pass's weights, and the
# dense pass is big enough (weights per token) that the extra gathers and the per-head loop pay off.
MAX_DENSITY = 0.25
MIN_DENSE_WEIGHTS = 200_000


def _nonzero(mask: Tensor) -> Int[Tensor, " k"]:
    return torch.nonzero(mask, as_tuple=False).flatten()


@dataclasses.dataclass(frozen=True)
class Linear:
    """`x[..., rows] @ W`; or, when each output column has a single non-zero weight, the gather
    `x[..., rows] * scale` (`rows` then names, per output column, the one input it reads)."""

    rows: Int[Tensor, " r"]
    W: Float[Tensor, "r k"] | None  # None for a gather
    scale: Float[Tensor, " k"] | None

    @staticmethod
    def of(M: Float[Tensor, "d k"]) -> "Linear":
        """The cheaper exact form of `x @ M` (reading only the rows of M that hold a non-zero)."""
        nz = M != 0
        if M.shape[1] > 0 and bool((nz.sum(0) == 1).all()):
            src = nz.to(torch.int8).argmax(0)
            return Linear(src, None, M[src, torch.arange(M.shape[1])].clone())
        rows = _nonzero(nz.any(1))
        return Linear(rows, M[rows].clone(), None)

    @property
    def weights(self) -> int:
        return self.W.numel() if self.W is not None else len(self.rows)

    def __call__(self, x: Float[Tensor, "*batch d"]) -> Float[Tensor, "*batch k"]:
        if self.W is None:
            assert self.scale is not None
            return x[..., self.rows] * self.scale
        return x[..., self.rows] @ self.W


@dataclasses.dataclass(frozen=True)
class HeadSlice:
    """One head on its slices: scores `q(x) k(x)ᵀ`, output `o(pattern v(x))` added to `o_cols`."""

    q: Linear
    k: Linear
    v: Linear
    o: Linear
    o_cols: Int[Tensor, " w"]


@dataclasses.dataclass(frozen=True)
class MlpSlice:
    """An MLP's live units: `w_out(ReLU(w_in(x)))` added to `cols`."""

    w_in: Linear
    w_out: Linear
    cols: Int[Tensor, " c"]


@dataclasses.dataclass(frozen=True)
class SparsePlan:
    """The slices of every block, the unembedding, and what the plan was read from."""

    heads: tuple[tuple[HeadSlice, ...], ...]  # per layer; heads that write nothing are left out
    mlps: tuple[MlpSlice | None, ...]  # per layer; None when the MLP writes nothing
    unembed: Linear
    dense_weights: int  # weights the dense pass multiplies per token (blocks and unembedding)
    sparse_weights: int  # weights (or gathers) this plan multiplies per token
    fingerprint: tuple[tuple[int, int], ...]  # (storage, version) of every parameter it was read from


def fingerprint(module: Transformer) -> tuple[tuple[int, int], ...]:
    """Changes whenever a parameter is replaced, moved or edited in place (torch's version counter)."""
    return tuple((p.data_ptr(), p._version) for p in module.parameters())


def _head(attn: Attention, h: int) -> HeadSlice | None:
    W_Q, W_K, W_V, W_O = attn.W_Q[h], attn.W_K[h], attn.W_V[h], attn.W_O[h]  # [d_model, e] ×3, [e, d_model]
    ov = _nonzero((W_V != 0).any(0) & (W_O != 0).any(1))  # head dims that carry a value somewhere
    if len(ov) == 0:
        return None
    qk = _nonzero((W_Q != 0).any(0) & (W_K != 0).any(0))  # head dims that add to the score
    o_cols = _nonzero((W_O[ov] != 0).any(0))
    return HeadSlice(Linear.of(W_Q[:, qk]), Linear.of(W_K[:, qk]), Linear.of(W_V[:, ov]),
                     Linear.of(W_O[ov][:, o_cols]), o_cols)


def _mlp(mlp: MLP) -> MlpSlice | None:
    units = _nonzero((mlp.W_in != 0).any(0) & (mlp.W_out != 0).any(1))
    if len(units) == 0:
        return None
    W_out = mlp.W_out[units]
    cols = _nonzero((W_out != 0).any(0))
    return MlpSlice(Linear.of(mlp.W_in[:, units]), Linear.of(W_out[:, cols]), cols)


def plan(module: Transformer) -> SparsePlan:
    """Read the slices off `module`'s weights (copies: later edits to the module do not reach the plan)."""
    with torch.no_grad():
        heads, mlps = [], []
        for block in module.blocks:
            assert isinstance(block, Block)
            found = (_head(block.attn, h) for h in range(module.cfg.n_heads))
            heads.append(tuple(s for s in found if s is not None))
            mlps.append(_mlp(block.mlp))
        unembed = Linear.of(module.unembed.W_U)
    sparse = unembed.weights + sum(s.q.weights + s.k.weights + s.v.weights + s.o.weights
                                   for layer in heads for s in layer)
    sparse += sum(m.w_in.weights + m.w_out.weights for m in mlps if m is not None)
    return SparsePlan(tuple(heads), tuple(mlps), unembed, dense_weights(module.cfg), sparse, fingerprint(module))


def dense_weights(c: ModelConfig) -> int:
    """Weights the dense pass multiplies per token: every block's and the unembedding's."""
    return c.n_layers * (4 * c.n_heads * c.d_model * c.d_head + 2 * c.d_model * c.d_mlp) + c.d_model * c.d_vocab_out


def worthwhile(p: SparsePlan) -> bool:
    """Whether the sparse pass should beat the dense one (see MAX_DENSITY, MIN_DENSE_WEIGHTS)."""
    return p.dense_weights >= MIN_DENSE_WEIGHTS and p.sparse_weights <= MAX_DENSITY * p.dense_weights


def hooked(module: nn.Module) -> bool:
    """Whether any hook is attached (then only the dense pass runs them)."""
    if nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks:
        return True
    return any(m._forward_hooks or m._forward_pre_hooks for m in module.modules())


def _attend(x: Float[Tensor, "batch pos d_model"], s: HeadSlice, mask_bias: Float[Tensor, "batch pos pos"],
            attn_scale: float) -> Float[Tensor, "batch pos w"]:
    scores = s.q(x) @ s.k(x).transpose(1, 2)
    if attn_scale != 1:
        scores = scores / attn_scale
    return s.o(softmax(scores + mask_bias) @ s.v(x))


def forward(p: SparsePlan, module: Transformer, tokens: Int[Tensor, "batch pos"]
            ) -> Float[Tensor, "batch pos d_vocab_out"]:
    """Logits of `module` on `tokens` through the plan's slices (embeddings read from `module`)."""
    cfg, n = module.cfg, tokens.shape[1]
    key_mask = (tokens != cfg.pad_id)[:, None, :].expand(-1, n, -1)
    if cfg.causal:
        key_mask = key_mask & torch.ones(n, n, dtype=torch.bool, device=tokens.device).tril()
    x = module.embed.W_E[tokens] + module.pos_embed.W_pos[:n][None]
    mask_bias = torch.zeros(key_mask.shape, dtype=x.dtype, device=x.device).masked_fill(~key_mask, float("-inf"))
    for heads, mlp in zip(p.heads, p.mlps, strict=True):
        outs = [(s.o_cols, _attend(x, s, mask_bias, cfg.attn_scale)) for s in heads]
        for cols, out in outs:  # every head reads resid_pre: add only after all have read it
            x.index_add_(2, cols, out)
        if mlp is not None:
            x.index_add_(2, mlp.cols, mlp.w_out(torch.relu(mlp.w_in(x))))
    return p.unembed(x)
