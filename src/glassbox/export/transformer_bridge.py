"""A glassbox model as a TransformerLens 4 `TransformerBridge` over TL's native model, PAD masked by construction.

TL 4's route for a custom model: `TransformerBridge.boot_native(TransformerBridgeConfig(...))`, then
`load_state_dict` with the native model's keys (`tok_embed.weight`, `pos.weight`,
`layers.{l}.attn.{q,k,v,o}.{weight,bias}` in `nn.Linear` layout, `layers.{l}.mlp.{fc_in,fc_out}.{weight,bias}`,
`head.weight`). Two things TL 4 does differently from glassbox are set on the built model:

- Scale. TL 4 divides attention scores by `attn_scale`, or by sqrt(d_head) when `use_attn_scale` is
  false, and refuses `attn_scale=1.0` for d_head > 1; compiled weights carry their own sharpness
  (glassbox's `attn_scale` is 1). So each native attention's `scale` is set to glassbox's.
- PAD. The native attention masks keys from an `attention_mask` argument, which the bridge passes
  only when given one (or from a tokenizer). A forward pre-hook on the native model supplies
  `attention_mask = ids != PAD` whenever a call passes token ids and no mask.
"""

from typing import Any

import torch

from glassbox.model.config import ModelConfig


def config(cfg: ModelConfig) -> dict[str, Any]:
    """The `TransformerBridgeConfig` arguments describing `cfg` (JSON-ready; the dtype is passed apart).

    `attn_scale` is glassbox's; `boot_native` refuses 1.0 with d_head > 1, and `build` sets it itself.
    """
    return {
        "n_layers": cfg.n_layers, "d_model": cfg.d_model, "n_ctx": cfg.n_ctx, "d_head": cfg.d_head,
        "n_heads": cfg.n_heads, "d_mlp": cfg.d_mlp, "d_vocab": cfg.d_vocab, "d_vocab_out": cfg.d_vocab_out,
        "act_fn": cfg.act_fn, "normalization_type": None,
        "attention_dir": "causal" if cfg.causal else "bidirectional",
        "use_attn_scale": True, "attn_scale": cfg.attn_scale,
        "positional_embedding_type": "standard", "default_prepend_bos": False,
        "original_architecture": "glassbox", "init_weights": False,
    }


def native_weights(weights: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """Glassbox's weights (TransformerLens 3 names) under TL 4's native keys, with zero biases."""
    he = cfg.n_heads * cfg.d_head

    def zeros(n: int) -> torch.Tensor:
        return torch.zeros(n, dtype=weights["embed.W_E"].dtype)

    out = {"tok_embed.weight": weights["embed.W_E"], "pos.weight": weights["pos_embed.W_pos"],
           "head.weight": weights["unembed.W_U"].T}
    for layer in range(cfg.n_layers):
        ours, theirs = f"blocks.{layer}.", f"layers.{layer}."
        for x in "QKV":  # [n_heads, d_model, d_head] -> [n_heads*d_head, d_model]
            w = weights[f"{ours}attn.W_{x}"]
            out[f"{theirs}attn.{x.lower()}.weight"] = w.permute(0, 2, 1).reshape(he, cfg.d_model)
            out[f"{theirs}attn.{x.lower()}.bias"] = zeros(he)
        out[f"{theirs}attn.o.weight"] = weights[f"{ours}attn.W_O"].reshape(he, cfg.d_model).T
        out[f"{theirs}attn.o.bias"] = zeros(cfg.d_model)
        out[f"{theirs}mlp.fc_in.weight"] = weights[f"{ours}mlp.W_in"].T
        out[f"{theirs}mlp.fc_in.bias"] = zeros(cfg.d_mlp)
        out[f"{theirs}mlp.fc_out.weight"] = weights[f"{ours}mlp.W_out"].T
        out[f"{theirs}mlp.fc_out.bias"] = zeros(cfg.d_model)
    return {k: v.contiguous() for k, v in out.items()}


def build(bridge_config: dict[str, Any], dtype: torch.dtype, native: dict[str, torch.Tensor], pad_id: int) -> Any:
    """A TransformerBridge over TL's native model holding `native` (native keys), glassbox's scale, PAD masked.

    Raises:
        ImportError: if TransformerLens 4 is not installed.
        ValueError: if `native` is not exactly the native model's weights (names and shapes).
    """
    try:
        from transformer_lens.config import TransformerBridgeConfig
        from transformer_lens.model_bridge import TransformerBridge
        from transformer_lens.model_bridge.sources.native import NativeAttention
    except ImportError as err:
        raise ImportError(f"TransformerLens 4 is needed for a TransformerBridge: pip install 'glassbox[tl]': {err}") \
            from err
    scale = bridge_config["attn_scale"]
    # boot with TL's default scale (it refuses attn_scale=1 with d_head > 1), then set glassbox's below
    cfg = TransformerBridgeConfig.from_dict({**bridge_config, "use_attn_scale": False, "dtype": dtype})
    bridge = TransformerBridge.boot_native(cfg, dtype=dtype)
    _load_exactly(bridge, native)
    for module in bridge.original_model.modules():
        if isinstance(module, NativeAttention):
            module.scale = scale
    bridge.cfg.use_attn_scale, bridge.cfg.attn_scale = True, scale
    mask_pad(bridge, pad_id)
    return bridge.eval()


def _load_exactly(bridge: Any, native: dict[str, torch.Tensor]) -> None:
    # The bridge's strict mode reports aliases of the MLP weights as missing even when every native key
    # is given, so load non-strictly and check instead that each native weight now holds exactly the value.
    # (named_parameters lists each parameter once, under its native path, whatever aliases share it).
    result = bridge.load_state_dict(native, strict=False)
    params = {k.replace("._original_component", ""): v for k, v in bridge.original_model.named_parameters()}
    wrong = sorted(k for k, v in native.items()
                   if k not in params or params[k].shape != v.shape or not torch.equal(params[k], v.to(params[k])))
    missing = sorted(set(params) - set(native))
    if result.unexpected_keys or wrong or missing:
        raise ValueError(f"weights do not fit the native model: unexpected {sorted(result.unexpected_keys)}, "
                         f"misshapen or not loaded {wrong}, missing {missing}")


class PadMask:
    """Forward pre-hook on the native model: `attention_mask = ids != PAD` when a call gives ids and no mask.

    A module-level class (not a closure), so a model carrying it can still be pickled or deep-copied.
    """

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, module: Any, args: tuple, kwargs: dict[str, Any]) -> "tuple[tuple, dict[str, Any]] | None":
        ids = kwargs.get("input_ids", args[0] if args else None)
        if kwargs.get("attention_mask") is not None or not isinstance(ids, torch.Tensor) or ids.is_floating_point():
            return None
        return args, {**kwargs, "attention_mask": (ids != self.pad_id).long()}


def mask_pad(bridge: Any, pad_id: int) -> None:
    """Make a TransformerBridge over TL's native model mask PAD keys (id `pad_id`) on every call given ids."""
    bridge.original_model.register_forward_pre_hook(PadMask(pad_id), with_kwargs=True)
