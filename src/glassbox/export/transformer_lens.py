"""Export to TransformerLens: a TL-4 `TransformerBridge`, or a TL-3 `HookedTransformer`, PAD masked by construction.

`to_transformer_lens(model)` builds for the TransformerLens that is installed (`version=` forces one,
and says so if the installed one cannot build it): TL ≥ 4 gives a `TransformerBridge` over TL's native
model (`export/transformer_bridge.py`), TL 2.16–3.x a `HookedTransformer` (`export/hooked_transformer.py`).
Both carry the real unembedding (the published Tracr→TransformerLens converter faked it as an identity
over the first residual dimensions, right only when the output's label sorts first: TL #481), and both
mask PAD keys themselves: a batch from `model.encode` gives glassbox's answer with nothing attached.

    tl_model = model.to_transformer_lens()
    logits = tl_model(model.encode(seqs))
    model.decode(logits, [len(s) for s in seqs])

TransformerLens is imported only here, when an export is asked for; `import glassbox` never imports it.
"""

import json
import os
import pathlib
from importlib import metadata
from typing import Any, Literal

from glassbox.errors import ArtifactError, InputError
from glassbox.export import artifact
from glassbox.export import hooked_transformer as hooked
from glassbox.export import transformer_bridge as bridge
from glassbox.model.compiled import CompiledModel
from glassbox.model.transformer import TORCH_DTYPES

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
Version = Literal[3, 4]
CONFIG_KEY: dict[int, str] = {3: "hooked_transformer_config", 4: "transformer_bridge_config"}


def installed_version() -> "int | None":
    """The major version of the installed TransformerLens (read from its metadata: TL is not imported), or None."""
    try:
        return int(metadata.version("transformer_lens").split(".")[0])
    except metadata.PackageNotFoundError:
        return None


def _version(version: "int | None") -> Version:
    if version not in (None, 3, 4):
        raise InputError(f"version must be 3 (HookedTransformer), 4 (TransformerBridge) or None, got {version!r}")
    installed = installed_version()
    if installed is None:
        raise ImportError("TransformerLens is not installed: pip install 'glassbox[tl]' (TransformerLens 4) "
                          "or 'glassbox[tl3]' (TransformerLens 3.x)")
    if version is None:
        return 4 if installed >= 4 else 3
    if (version == 4) != (installed >= 4):
        extra = "tl" if version == 4 else "tl3"
        raise ImportError(f"version={version} needs TransformerLens {'>= 4' if version == 4 else '< 4'}, but "
                          f"{metadata.version('transformer_lens')} is installed: pip install 'glassbox[{extra}]'")
    return 4 if version == 4 else 3


def to_transformer_lens(model: CompiledModel, version: "int | None" = None) -> Any:
    """A TransformerLens model that computes exactly what `model` computes, padded batches included.

    Args:
        model: a compiled or loaded glassbox model.
        version: 4 for a `TransformerBridge` (needs TransformerLens ≥ 4), 3 for a `HookedTransformer`
            (needs TransformerLens 2.16–3.x), None for the one the installed TransformerLens builds.

    Returns:
        The TransformerLens model (no LayerNorm, ReLU MLPs, unscaled attention, zero biases, the real
        unembedding, PAD keys masked), in eval mode on the CPU. Its logits and the activations at
        glassbox's hook names equal glassbox's (TL 4 fires the pattern at `attn.hook_attn_scores`).

    Raises:
        InputError: for a version other than 3, 4 or None.
        ImportError: if no TransformerLens is installed, or the installed one cannot build `version`.
    """
    v = _version(version)
    weights = artifact.named_weights(model)
    dtype, pad_id = weights["embed.W_E"].dtype, model.config.pad_id
    if v == 4:
        return bridge.build(bridge.config(model.config), dtype, bridge.native_weights(weights, model.config), pad_id)
    return hooked.build(hooked.config(model.config), dtype, weights, pad_id)


def save_transformer_lens(model: CompiledModel, directory: "str | os.PathLike",
                          version: "int | None" = None) -> pathlib.Path:
    """Write the TransformerLens model's weights (`model.safetensors`) and config (`config.json`).

    `config.json` holds `"transformer_lens"` (3 or 4), the config TransformerLens takes under
    `"hooked_transformer_config"` (3: `HookedTransformerConfig(**it, dtype=...)`) or
    `"transformer_bridge_config"` (4: `TransformerBridgeConfig.from_dict`), `"dtype"` (`"float32"` or
    `"float64"`), and under `"glassbox"` what is needed to encode inputs and decode outputs (token ids,
    PAD, output values, residual labels). The weights use the names that version loads: TL 3's
    `HookedTransformer` state dict, or TL 4's native keys. No pickle is used.

    Args:
        model: the glassbox model to export.
        directory: the folder to write (created if needed).
        version: as for `to_transformer_lens`: 3, 4, or None for the installed TransformerLens.

    Returns:
        The folder's path.
    """
    from safetensors.torch import save_file

    v = _version(version)
    weights = artifact.named_weights(model)
    if v == 4:
        state, tl_config = bridge.native_weights(weights, model.config), bridge.config(model.config)
    else:  # the whole state dict (zero biases and TL's buffers too), so a plain strict load_state_dict takes it
        tl = to_transformer_lens(model, 3)
        state = {k: w.detach().cpu().contiguous().clone() for k, w in tl.state_dict().items()}
        tl_config = hooked.config(model.config)
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt", "producer": "glassbox"})
    dtype = {d: name for name, d in TORCH_DTYPES.items()}[weights["embed.W_E"].dtype]
    data = {"transformer_lens": v, CONFIG_KEY[v]: tl_config, "dtype": dtype, "glassbox": artifact.io_metadata(model)}
    (out / CONFIG_FILE).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return out


def load_transformer_lens(directory: "str | os.PathLike") -> Any:
    """Rebuild the TransformerLens model written by `save_transformer_lens` (safetensors + JSON only), PAD masked.

    Args:
        directory: the folder holding `config.json` and `model.safetensors`.

    Returns:
        The TransformerBridge (files for TL 4) or HookedTransformer (for TL 3), in eval mode.

    Raises:
        ArtifactError: naming the file that is missing, unreadable or does not fit the config.
        ImportError: if the installed TransformerLens is not the version the files were written for.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = pathlib.Path(directory)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
        v = data.get("transformer_lens", 3)  # files written before TL 4 support hold a HookedTransformer
        tl_config, pad_id = dict(data[CONFIG_KEY[v]]), data["glassbox"]["pad_id"]
        old_dtype = tl_config.pop("dtype", "float32")  # earlier files kept it in the config, as a string
        dtype = TORCH_DTYPES[data.get("dtype", old_dtype)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ArtifactError(f"{config_path}: cannot read the TransformerLens config: {err!r}") from err
    try:
        v = _version(v)
    except ImportError as err:
        raise ImportError(f"{config_path}: written for TransformerLens {v}: {err}") from err
    try:
        weights = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ArtifactError(f"{weights_path}: cannot read the weights: {err}") from err
    try:
        if v == 4:
            return bridge.build(tl_config, dtype, weights, pad_id)
        return hooked.build(tl_config, dtype, weights, pad_id)
    except (RuntimeError, TypeError, ValueError, AttributeError) as err:
        raise ArtifactError(f"{weights_path}: does not fit {config_path.name}: {err}") from err


def mask_pad(tl_model: Any, pad_id: int) -> None:
    """Make a HookedTransformer or TransformerBridge built by hand from the exported files mask PAD keys.

    `to_transformer_lens` and `load_transformer_lens` do this already.
    """
    (bridge if hasattr(tl_model, "original_model") else hooked).mask_pad(tl_model, pad_id)
