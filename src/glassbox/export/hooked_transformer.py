"""A glassbox model as a TransformerLens 3.x `HookedTransformer`, with PAD keys masked by construction.

TransformerLens 3.x applies an `attention_mask` to attention keys only in causal models; in
bidirectional ones PAD keys would be attended. So the built model carries its own mask: a forward
pre-hook on the model reads the token ids of each call, and a forward pre-hook on every attention
module passes TransformerLens's own `additive_attention_mask` argument (-inf at PAD keys), which
is added to the scores before `hook_attn_scores`. They are torch hooks on the modules, not
TransformerLens hooks, so `reset_hooks()` (even `including_permanent=True`) leaves them on, and a
hook at `hook_attn_scores` sees the masked scores, as in glassbox.
"""

import warnings
from typing import Any

import torch

from glassbox.model.config import ModelConfig


def config(cfg: ModelConfig) -> dict[str, Any]:
    """The `HookedTransformerConfig` arguments equivalent to `cfg` (JSON-ready; the dtype is passed apart)."""
    return {
        "n_layers": cfg.n_layers, "d_model": cfg.d_model, "n_ctx": cfg.n_ctx, "d_head": cfg.d_head,
        "n_heads": cfg.n_heads, "d_mlp": cfg.d_mlp, "d_vocab": cfg.d_vocab, "d_vocab_out": cfg.d_vocab_out,
        "act_fn": cfg.act_fn, "normalization_type": None,
        "attention_dir": "causal" if cfg.causal else "bidirectional",
        "use_attn_scale": cfg.attn_scale != 1.0, "attn_scale": cfg.attn_scale,
        "positional_embedding_type": "standard", "default_prepend_bos": False,
        "original_architecture": "glassbox", "init_weights": False, "device": "cpu",
    }


def build(tl_config: dict[str, Any], dtype: torch.dtype, weights: dict[str, torch.Tensor], pad_id: int) -> Any:
    """A HookedTransformer with `weights` (TransformerLens names; absent biases are zero), PAD masked.

    Raises:
        ImportError: if TransformerLens (with HookedTransformer, i.e. < 4) is not installed.
        ValueError: for weights a HookedTransformer does not have, or that do not fit the config.
    """
    try:
        from transformer_lens import HookedTransformer, HookedTransformerConfig
    except ImportError as err:
        raise ImportError("TransformerLens 3.x is needed for a HookedTransformer: pip install 'glassbox[tl3]' "
                          f"(TransformerLens 4 removed it; version=4 builds a TransformerBridge): {err}") from err
    cfg = HookedTransformerConfig(**tl_config, dtype=dtype)
    with warnings.catch_warnings():  # TL 3.x deprecates HookedTransformer in favour of the bridge
        warnings.simplefilter("ignore", DeprecationWarning)
        tl = HookedTransformer(cfg)
    state = tl.state_dict()
    unknown = sorted(set(weights) - set(state))
    if unknown:
        raise ValueError(f"weights that a HookedTransformer does not have: {unknown}")
    for name, value in state.items():
        if name in weights:
            state[name] = weights[name]
        elif name.rsplit(".", 1)[-1].startswith("b_"):
            state[name] = torch.zeros_like(value)  # biases: compiled weights have none
    tl.load_state_dict(state, strict=True)
    mask_pad(tl, pad_id)
    return tl.eval()


class PadMask:
    """The PAD key mask of one HookedTransformer: the additive mask of the call in progress.

    A module-level class (not a closure), so a model carrying it can still be pickled or deep-copied.
    """

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id
        self.bias: "torch.Tensor | None" = None  # [batch, 1, 1, key_pos]: 0, or -inf at PAD keys

    def record(self, module: Any, args: tuple, kwargs: dict[str, Any]) -> None:
        """Forward pre-hook on the model: the ids are `tokens=` if given, else the input when it is ids."""
        tokens = kwargs.get("tokens")
        if tokens is None:
            tokens = kwargs.get("input", args[0] if args else None)
        self.bias = None
        if isinstance(tokens, torch.Tensor) and tokens.ndim == 2 and not tokens.is_floating_point():
            zeros = torch.zeros(tokens.shape, dtype=module.cfg.dtype, device=tokens.device)
            self.bias = zeros.masked_fill(tokens == self.pad_id, float("-inf"))[:, None, None, :]

    def apply(self, module: Any, args: tuple, kwargs: dict[str, Any]) -> "tuple[tuple, dict[str, Any]] | None":
        """Forward pre-hook on an attention module: add the PAD mask to its `additive_attention_mask`."""
        if self.bias is None:
            return None
        given = kwargs.get("additive_attention_mask")
        return args, {**kwargs, "additive_attention_mask": self.bias if given is None else given + self.bias}


def mask_pad(tl: Any, pad_id: int) -> None:
    """Make a HookedTransformer mask PAD keys (id `pad_id`) in every attention layer on every call given ids."""
    pad = PadMask(pad_id)
    tl.register_forward_pre_hook(pad.record, with_kwargs=True)
    for block in tl.blocks:
        block.attn.register_forward_pre_hook(pad.apply, with_kwargs=True)
