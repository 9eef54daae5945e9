"""A small, hooked, LayerNorm-free transformer with TransformerLens weight and hook names."""

from collections.abc import Mapping

import torch
from jaxtyping import Float, Int
from torch import Tensor, nn

from glassbox.model.config import Dtype, ModelConfig
from glassbox.model.hooks import HookPoint

TORCH_DTYPES: dict[Dtype, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}
Device = torch.device | str | None


def _zeros(shape: tuple[int, ...], dtype: torch.dtype, device: Device) -> nn.Parameter:
    return nn.Parameter(torch.zeros(shape, dtype=dtype, device=device))


class Attention(nn.Module):
    """Multi-head attention with a PAD key mask and an optional causal mask; no biases."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.cfg = cfg
        shape_in = (cfg.n_heads, cfg.d_model, cfg.d_head)
        self.W_Q = _zeros(shape_in, dtype, device)
        self.W_K = _zeros(shape_in, dtype, device)
        self.W_V = _zeros(shape_in, dtype, device)
        self.W_O = _zeros((cfg.n_heads, cfg.d_head, cfg.d_model), dtype, device)
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
        pattern = self.hook_pattern(softmax(scores))
        z = self.hook_z((pattern @ v.transpose(1, 2)).transpose(1, 2))
        return z.reshape(b, p, h * e) @ self.W_O.reshape(h * e, -1)


def softmax(scores: Float[Tensor, "*batch pos pos"]) -> Float[Tensor, "*batch pos pos"]:
    # The textbook stable softmax: on this CPU build it is ~4x faster than torch.softmax for the
    # short rows of compiled models. BOS is never masked, so every row has a finite maximum.
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def _stack(w: Float[Tensor, "n_heads d_model d_head"]) -> Float[Tensor, "d_model n_heads*d_head"]:
    return w.permute(1, 0, 2).reshape(w.shape[1], -1)


class MLP(nn.Module):
    """ReLU(x W_in) W_out, no biases."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.W_in = _zeros((cfg.d_model, cfg.d_mlp), dtype, device)
        self.W_out = _zeros((cfg.d_mlp, cfg.d_model), dtype, device)
        self.hook_pre, self.hook_post = HookPoint(), HookPoint()

    def forward(self, x: Float[Tensor, "batch pos d_model"]) -> Float[Tensor, "batch pos d_model"]:
        hidden = self.hook_post(torch.relu(self.hook_pre(x @ self.W_in)))
        return hidden @ self.W_out


class Block(nn.Module):
    """resid_mid = resid_pre + attn(resid_pre); resid_post = resid_mid + mlp(resid_mid)."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.attn, self.mlp = Attention(cfg, dtype, device), MLP(cfg, dtype, device)
        self.hook_resid_pre, self.hook_attn_out = HookPoint(), HookPoint()
        self.hook_resid_mid, self.hook_mlp_out = HookPoint(), HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(self, x: Float[Tensor, "batch pos d_model"],
                mask_bias: Float[Tensor, "batch 1 pos pos"]) -> Float[Tensor, "batch pos d_model"]:
        x = self.hook_resid_pre(x)
        x = self.hook_resid_mid(x + self.hook_attn_out(self.attn(x, mask_bias)))
        return self.hook_resid_post(x + self.hook_mlp_out(self.mlp(x)))


class Embed(nn.Module):
    """Token embedding: x = W_E[tokens]."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.W_E = _zeros((cfg.d_vocab, cfg.d_model), dtype, device)

    def forward(self, tokens: Int[Tensor, "batch pos"]) -> Float[Tensor, "batch pos d_model"]:
        return self.W_E[tokens]


class PosEmbed(nn.Module):
    """Positional embedding: W_pos[0..pos-1], the same for every sequence of the batch."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.W_pos = _zeros((cfg.n_ctx, cfg.d_model), dtype, device)

    def forward(self, tokens: Int[Tensor, "batch pos"]) -> Float[Tensor, "1 pos d_model"]:
        return self.W_pos[: tokens.shape[1]][None]


class Unembed(nn.Module):
    """Logits = x W_U (one logit per output value; one number for a numerical output)."""

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype, device: Device = None) -> None:
        super().__init__()
        self.W_U = _zeros((cfg.d_model, cfg.d_vocab_out), dtype, device)

    def forward(self, x: Float[Tensor, "batch pos d_model"]) -> Float[Tensor, "batch pos d_vocab_out"]:
        return x @ self.W_U


class Transformer(nn.Module):
    """Token and position embeddings, `n_layers` blocks, a linear unembedding.

    The state dict's names are TransformerLens's (`embed.W_E`, `pos_embed.W_pos`,
    `blocks.{l}.attn.W_Q|W_K|W_V|W_O`, `blocks.{l}.mlp.W_in|W_out`, `unembed.W_U`), so saving and
    exporting read it as it is. Every hook point knows its dotted name (`hook.name`).
    """

    def __init__(self, cfg: ModelConfig, dtype: torch.dtype = torch.float32, device: Device = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed, self.pos_embed = Embed(cfg, dtype, device), PosEmbed(cfg, dtype, device)
        self.hook_embed, self.hook_pos_embed = HookPoint(), HookPoint()  # before the blocks: forward order
        self.blocks = nn.ModuleList(Block(cfg, dtype, device) for _ in range(cfg.n_layers))
        self.unembed = Unembed(cfg, dtype, device)
        for name, module in self.named_modules():
            if isinstance(module, HookPoint):
                module.name = name

    def forward(self, tokens: Int[Tensor, "batch pos"]) -> Float[Tensor, "batch pos d_vocab_out"]:
        n = tokens.shape[1]
        key_mask = (tokens != self.cfg.pad_id)[:, None, :].expand(-1, n, -1)
        if self.cfg.causal:
            key_mask = key_mask & torch.ones(n, n, dtype=torch.bool, device=tokens.device).tril()
        # 0 where a query may attend to a key, -inf where not (PAD keys, the future if causal); built once.
        dtype = self.embed.W_E.dtype
        mask_bias = torch.zeros(key_mask.shape, dtype=dtype, device=tokens.device)
        mask_bias = mask_bias.masked_fill(~key_mask, float("-inf"))[:, None]
        x = self.hook_embed(self.embed(tokens)) + self.hook_pos_embed(self.pos_embed(tokens))
        for block in self.blocks:
            x = block(x, mask_bias)
        return self.unembed(x)


    def load_weights(self, weights: "Mapping[str, Tensor]") -> None:
        """Copy TransformerLens-named weights into the parameters: strict (the same names and shapes),
        and several times faster than `load_state_dict` on small compiled models.

        Raises:
            ValueError: naming the missing, unexpected or misshapen weights.
        """
        params = dict(self.named_parameters())
        missing, extra = sorted(set(params) - set(weights)), sorted(set(weights) - set(params))
        if missing or extra:
            raise ValueError(f"weights do not fit the model: missing {missing}, unexpected {extra}")
        with torch.no_grad():
            for name, param in params.items():
                value = torch.as_tensor(weights[name])
                if tuple(value.shape) != tuple(param.shape):
                    raise ValueError(f"{name}: shape {tuple(value.shape)} does not match {tuple(param.shape)}")
                param.copy_(value)


def weight_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every weight's TransformerLens name and shape for this config (built on the meta device: no memory)."""
    return {name: tuple(p.shape) for name, p in Transformer(cfg, device="meta").state_dict().items()}
