"""Export to TransformerLens (3.x): a `HookedTransformer` with the same weights and the real unembedding.

The published Tracr→TransformerLens converter faked the unembedding as an identity over the first
residual dimensions, which is right only when the output's label happens to sort first (TL #481).
Ours copies `W_U` itself, so any output layout decodes correctly.

Padding. TransformerLens 3.9 applies an `attention_mask` to attention keys only in causal models
(`apply_causal_mask`); in bidirectional models it only shifts the positional embedding, so padded
keys would be attended.
(TransformerLens 3.x also marks HookedTransformer deprecated in favour of TL 4's TransformerBridge;
we target HookedTransformer, the stable API of the `tl` extra `transformer_lens>=2.16,<4`, and
silence that warning.) Pass PAD-padded batches through `pad_mask_hooks` instead (it masks PAD
keys at every `attn.hook_attn_scores`, exactly as glassbox does); unpadded batches need nothing.

    tl_model = model.to_transformer_lens()
    ids = model.encode(seqs)
    logits = tl_model.run_with_hooks(ids, fwd_hooks=pad_mask_hooks(tl_model, ids, model.config.pad_id))
    model.decode(logits, [len(s) for s in seqs])
"""

import json
import os
import pathlib
import warnings
from typing import Any

import torch

from glassbox.errors import ArtifactError
from glassbox.export import artifact
from glassbox.model.compiled import CompiledModel

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def _hooked_transformer() -> tuple[Any, Any]:
    try:
        from transformer_lens import HookedTransformer, HookedTransformerConfig
    except ImportError as err:
        raise ImportError("TransformerLens 3.x is needed: pip install 'glassbox[tl]' "
                          f"(TransformerLens 4 removed HookedTransformer): {err}") from err
    return HookedTransformer, HookedTransformerConfig


def tl_config(model: CompiledModel) -> dict[str, Any]:
    """The `HookedTransformerConfig` arguments (JSON-ready, dtype as a string) equivalent to `model`."""
    c = model.config
    dtype = str(model.module.embed.W_E.dtype).removeprefix("torch.")
    return {
        "n_layers": c.n_layers, "d_model": c.d_model, "n_ctx": c.n_ctx, "d_head": c.d_head,
        "n_heads": c.n_heads, "d_mlp": c.d_mlp, "d_vocab": c.d_vocab, "d_vocab_out": c.d_vocab_out,
        "act_fn": c.act_fn, "normalization_type": None,
        "attention_dir": "causal" if c.causal else "bidirectional",
        "use_attn_scale": c.attn_scale != 1.0, "attn_scale": c.attn_scale,
        "positional_embedding_type": "standard", "default_prepend_bos": False,
        "original_architecture": "glassbox", "init_weights": False, "device": "cpu", "dtype": dtype,
    }


def to_transformer_lens(model: CompiledModel) -> Any:
    """A TransformerLens `HookedTransformer` that computes exactly what `model` computes.

    Args:
        model: a compiled or loaded glassbox model.

    Returns:
        A `transformer_lens.HookedTransformer` (no LayerNorm, ReLU MLPs, unscaled attention, zero
        biases, the real unembedding), in eval mode on the CPU.

    Raises:
        ImportError: if TransformerLens 3.x is not installed.
    """
    weights = artifact.named_weights(model)
    return _build(tl_config(model), weights)


def _build(config: dict[str, Any], weights: dict[str, torch.Tensor]) -> Any:
    hooked_transformer, hooked_config = _hooked_transformer()
    cfg = hooked_config(**{**config, "dtype": getattr(torch, config["dtype"])})
    with warnings.catch_warnings():  # TL 3.x deprecates HookedTransformer in favour of TL 4's bridge
        warnings.simplefilter("ignore", DeprecationWarning)
        tl = hooked_transformer(cfg)
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
    return tl.eval()


def pad_mask_hooks(tl_model: Any, tokens: torch.Tensor, pad_id: int) -> list[tuple[str, Any]]:
    """Forward hooks that mask PAD keys out of every attention layer, as glassbox does.

    Args:
        tl_model: the exported HookedTransformer.
        tokens: the ids [batch, pos] that will be run (from `model.encode`).
        pad_id: `model.config.pad_id`.

    Returns:
        `fwd_hooks` for `run_with_hooks` (also accepted by `hooks(...)` around `run_with_cache`).
    """
    is_pad = (tokens == pad_id)[:, None, None, :]  # [batch, 1, 1, key_pos]

    def mask(scores: torch.Tensor, hook: Any) -> torch.Tensor:
        return scores.masked_fill(is_pad.to(scores.device), float("-inf"))

    return [(f"blocks.{layer}.attn.hook_attn_scores", mask) for layer in range(tl_model.cfg.n_layers)]


def save_transformer_lens(model: CompiledModel, directory: "str | os.PathLike") -> pathlib.Path:
    """Write the HookedTransformer's state dict (`model.safetensors`) and config (`config.json`).

    `config.json` holds the `HookedTransformerConfig` arguments and, under `"glassbox"`, what is
    needed to encode inputs and decode outputs (token ids, PAD, output values). No pickle is used.

    Args:
        model: the glassbox model to export.
        directory: the folder to write (created if needed).

    Returns:
        The folder's path.
    """
    from safetensors.torch import save_file

    tl = to_transformer_lens(model)
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous().clone() for k, v in tl.state_dict().items()}
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt", "producer": "glassbox"})
    meta = artifact.io_metadata(model)
    text = json.dumps({"hooked_transformer_config": tl_config(model), "glassbox": meta}, indent=1)
    (out / CONFIG_FILE).write_text(text + "\n", encoding="utf-8")
    return out


def load_transformer_lens(directory: "str | os.PathLike") -> Any:
    """Rebuild the HookedTransformer written by `save_transformer_lens` (safetensors + JSON only).

    Args:
        directory: the folder holding `config.json` and `model.safetensors`.

    Returns:
        The HookedTransformer, in eval mode.

    Raises:
        ArtifactError: naming the file that is missing, unreadable or does not fit the config.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = pathlib.Path(directory)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))["hooked_transformer_config"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ArtifactError(f"{config_path}: cannot read the TransformerLens config: {err!r}") from err
    try:
        weights = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ArtifactError(f"{weights_path}: cannot read the weights: {err}") from err
    try:
        return _build(config, weights)
    except (RuntimeError, TypeError, ValueError, AttributeError) as err:
        raise ArtifactError(f"{weights_path}: does not fit {config_path.name}: {err}") from err
