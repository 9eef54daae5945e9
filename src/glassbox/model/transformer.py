"""A small, hooked, LayerNorm-free transformer with TransformerLens weight and hook names."""

import torch
from jaxtyping import Float, Int
from torch import Tensor, nn

from glassbox.model.config import ModelConfig
from glassbox.model.hooks import HookPoint


class Attention(nn.Module):
    """Multi-head attention with a PAD key mask and an optional causal mask; no biases."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype) -> None:
        super().__init__()
        self.cfg = cfg
        shape_in = (cfg.n_heads, cfg.d_model, cfg.d_head)
        self.W_Q = nn.Parameter(torch.zeros(shape_in, dtype=dtype))
        self.W_K = nn.Parameter(torch.zeros(shape_in, dtype=dtype))
        self.W_V = nn.Parameter(torch.zeros(shape_in, dtype=dtype))
        self.W_O = nn.Parameter(torch.zeros((cfg.n_heads, cfg.d_head, cfg.d_model), dtype=dtype))
        self.hook_q, self.hook_k, self.hook_v = HookPoint(), HookPoint(), HookPoint()
        self.hook_attn_scores, self.hook_pattern, self.hook_z = HookPoint(), HookPoint(), HookPoint()

    def forward(
        self, x: Float[Tensor, "batch pos d_model"], mask_bias: Float[Tensor, "batch 1 pos pos"]
    ) -> Float[Tensor, "batch pos d_model"]:
        # Plain matmuls over a [d_model, heads·d_head] view: the same maths as the einsums
        # "bpd,hde->bphe" etc., with less dispatch overhead on small compiled models.
        b, p, _ = x.shape
        h, e = self.cfg.n_heads, self.cfg.d_head
        q = self.hook_q((x @ _stack(self.W_Q)).view(b, p, h, e))
        k = self.hook_k((x @ _stack(self.W_K)).view(b, p, h, e))
        v = self.hook_v((x @ _stack(self.W_V)).view(b, p, h, e))
        scores = q.transpose(1, 2) @ k.permute(0, 2, 3, 1)
        if self.cfg.attn_scale != 1:
            scores = scores / self.cfg.attn_scale
        scores = self.hook_attn_scores(scores + mask_bias)
        pattern = self.hook_pattern(_softmax(scores))
        z = self.hook_z((pattern @ v.transpose(1, 2)).transpose(1, 2))
        return z.reshape(b, p, h * e) @ self.W_O.reshape(h * e, -1)


def _softmax(scores: Float[Tensor, "batch n_heads pos pos"]) -> Float[Tensor, "batch n_heads pos pos"]:
    # The textbook stable softmax: on this CPU build it is ~4x faster than torch.softmax for the
    # short rows of compiled models. BOS is never masked, so every row has a finite maximum.
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def _stack(w: Float[Tensor, "n_heads d_model d_head"]) -> Float[Tensor, "d_model n_heads_x_d_head"]:
    return w.permute(1, 0, 2).reshape(w.shape[1], -1)


class MLP(nn.Module):
    """ReLU(x W_in) W_out, no biases."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype) -> None:
        super().__init__()
        self.W_in = nn.Parameter(torch.zeros((cfg.d_model, cfg.d_mlp), dtype=dtype))
        self.W_out = nn.Parameter(torch.zeros((cfg.d_mlp, cfg.d_model), dtype=dtype))
        self.hook_pre, self.hook_post = HookPoint(), HookPoint()

    def forward(self, x: Float[Tensor, "batch pos d_model"]) -> Float[Tensor, "batch pos d_model"]:
        hidden = self.hook_post(torch.relu(self.hook_pre(x @ self.W_in)))
        return hidden @ self.W_out


class Block(nn.Module):
    """resid_mid = resid_pre + attn(resid_pre); resid_post = resid_mid + mlp(resid_mid)."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype) -> None:
        super().__init__()
        self.attn, self.mlp = Attention(cfg, dtype), MLP(cfg, dtype)
        self.hook_resid_pre, self.hook_attn_out = HookPoint(), HookPoint()
        self.hook_resid_mid, self.hook_mlp_out = HookPoint(), HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(self, x: Float[Tensor, "batch pos d_model"], mask_bias: Tensor) -> Float[Tensor, "batch pos d_model"]:
        x = self.hook_resid_pre(x)
        x = self.hook_resid_mid(x + self.hook_attn_out(self.attn(x, mask_bias)))
        return self.hook_resid_post(x + self.hook_mlp_out(self.mlp(x)))


class Transformer(nn.Module):
    """Token and position embeddings, `n_layers` blocks, a linear unembedding."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.cfg = cfg
        self.W_E = nn.Parameter(torch.zeros((cfg.d_vocab, cfg.d_model), dtype=dtype))
        self.W_pos = nn.Parameter(torch.zeros((cfg.n_ctx, cfg.d_model), dtype=dtype))
        self.blocks = nn.ModuleList(Block(cfg, dtype) for _ in range(cfg.n_layers))
        self.W_U = nn.Parameter(torch.zeros((cfg.d_model, cfg.d_vocab_out), dtype=dtype))
        self.hook_embed, self.hook_pos_embed = HookPoint(), HookPoint()

    def forward(self, tokens: Int[Tensor, "batch pos"]) -> Float[Tensor, "batch pos d_vocab_out"]:
        n = tokens.shape[1]
        key_mask = (tokens != self.cfg.pad_id)[:, None, :].expand(-1, n, -1)
        if self.cfg.causal:
            key_mask = key_mask & torch.ones(n, n, dtype=torch.bool, device=tokens.device).tril()
        # 0 where a query may attend to a key, -inf where not (PAD keys, the future if causal); built once.
        mask_bias = torch.zeros(key_mask.shape, dtype=self.W_E.dtype, device=tokens.device)
        mask_bias = mask_bias.masked_fill(~key_mask, float("-inf"))[:, None]
        x = self.hook_embed(self.W_E[tokens]) + self.hook_pos_embed(self.W_pos[:n])[None]
        for block in self.blocks:
            x = block(x, mask_bias)
        return x @ self.W_U

    def load_named(self, weights: "dict[str, torch.Tensor]") -> None:
        """Copy TransformerLens-named arrays (`embed.W_E`, `blocks.0.attn.W_Q`, …) into the parameters."""
        params = dict(self.named_parameters())
        for name, value in weights.items():
            target = params[_to_param_name(name)]
            if tuple(target.shape) != tuple(value.shape):
                raise ValueError(f"{name}: shape {tuple(value.shape)} does not match {tuple(target.shape)}")
            with torch.no_grad():
                target.copy_(torch.as_tensor(value, dtype=target.dtype))


def _to_param_name(name: str) -> str:
    return {"embed.W_E": "W_E", "pos_embed.W_pos": "W_pos", "unembed.W_U": "W_U"}.get(name, name)
