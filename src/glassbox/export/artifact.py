"""The saved model: a folder holding `model.safetensors` (every weight) and `glassbox.json` (the rest).

Loading runs no code from the files: the weights are read with `safetensors` and the header with
`json`. Everything is checked before a model is built — the header's fields and their consistency,
the weight names, shapes, dtype and finiteness, the weight file's SHA-256 digest, and the header's
own digests (`export/integrity.py`: any edit to the vocabulary, token ids, encodings, config or
circuit map) — and any problem raises `ArtifactError` naming the file (and the fields that changed).

Weight names are TransformerLens's: `embed.W_E`, `pos_embed.W_pos`, `blocks.{l}.attn.W_Q|W_K|W_V|W_O`,
`blocks.{l}.mlp.W_in|W_out`, `unembed.W_U`.
"""

import hashlib
import json
import os
import pathlib
import warnings
from typing import Any

import torch

from glassbox.errors import ArtifactError, GlassboxWarning
from glassbox.export import header as header_mod
from glassbox.export import integrity, values_json
from glassbox.model.compiled import CompiledModel
from glassbox.model.transformer import TORCH_DTYPES, Transformer, weight_shapes

WEIGHTS_FILE = "model.safetensors"
HEADER_FILE = "glassbox.json"


def named_weights(model: CompiledModel) -> dict[str, torch.Tensor]:
    """Every weight of `model`: its state dict (TransformerLens names), as detached contiguous CPU copies."""
    return {n: w.detach().cpu().contiguous().clone() for n, w in model.module.state_dict().items()}


def io_metadata(model: CompiledModel) -> dict[str, Any]:
    """What a user of an exported copy needs to encode inputs and decode outputs (JSON-ready).

    Token ids as `[token, id]` pairs (BOS has id 0), PAD and its id, the output values in logit order
    (None for a numerical output), and the residual labels; tokens and values via `values_json`.
    """
    enc = values_json.encode
    return {
        "token_ids": [[enc(t), i] for t, i in model.token_ids.items()],
        "bos": enc(model.bos), "pad": enc(model.pad), "pad_id": model.config.pad_id,
        "output_values": None if model.output_values is None else [enc(v) for v in model.output_values],
        "residual_labels": list(model.residual_labels),
    }


def save(model: CompiledModel, directory: "str | os.PathLike") -> pathlib.Path:
    """Write `model.safetensors` and `glassbox.json` into `directory` (created if needed).

    Args:
        model: a compiled (or loaded) model.
        directory: the folder to write; existing files of the same names are replaced.

    Returns:
        The folder's path.

    Raises:
        ArtifactError: if a value in the circuit map or vocab has no JSON encoding.
    """
    from safetensors.torch import save_file

    out = pathlib.Path(directory)
    if out.exists() and not out.is_dir():
        raise ArtifactError(f"{out}: is a file; a model is saved as a folder (model.safetensors + {HEADER_FILE})")
    out.mkdir(parents=True, exist_ok=True)
    weights = named_weights(model)
    dtype = {v: k for k, v in TORCH_DTYPES.items()}[weights["embed.W_E"].dtype]
    tmp = out / (WEIGHTS_FILE + ".tmp")
    save_file(weights, str(tmp), metadata={"format": "pt", "producer": "glassbox"})
    digest = _sha256(tmp)
    try:
        data = header_mod.build(model, dtype, {k: list(v.shape) for k, v in weights.items()}, digest)
        text = json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        tmp.unlink()
        raise ArtifactError(f"{out / HEADER_FILE}: cannot write the header: {err}") from err
    os.replace(tmp, out / WEIGHTS_FILE)
    (out / (HEADER_FILE + ".tmp")).write_text(text + "\n", encoding="utf-8")
    os.replace(out / (HEADER_FILE + ".tmp"), out / HEADER_FILE)
    return out


def load(directory: "str | os.PathLike") -> CompiledModel:
    """Read a model saved by `save`; its outputs are bit-identical to the saved model's.

    Args:
        directory: a folder holding `model.safetensors` and `glassbox.json`.

    Returns:
        A CompiledModel with `circuit` and `residual_labels` (but `program` and `compilation` None).

    Raises:
        ArtifactError: naming the file and the problem (missing, truncated, bad JSON, unknown format
            version, inconsistent config, missing/extra/misshapen/non-finite weights, a digest mismatch
            of the weights or of any group of header fields).

    Warns:
        GlassboxWarning: for format versions 1 and 2, whose headers carry no digest.
    """
    folder = pathlib.Path(directory)
    head_path, weights_path = folder / HEADER_FILE, folder / WEIGHTS_FILE
    head, data = _read_header(head_path)
    weights = _read_weights(weights_path, head)
    if head.format_version >= header_mod.SEALED_SINCE:
        try:
            integrity.check(data)
        except ValueError as err:
            raise ArtifactError(f"{head_path}: {err}") from err
    else:
        warnings.warn(f"{head_path}: format version {head.format_version} has no header digest, so edits to it "
                      "cannot be detected; save the model again to seal it", GlassboxWarning, stacklevel=2)
    module = Transformer(head.config, TORCH_DTYPES[head.dtype])
    module.load_weights(weights)
    module.eval()
    return CompiledModel(module, residual_labels=head.residual_labels, token_ids=head.token_ids,
                         output_values=head.output_values, bos=head.bos, pad=head.pad,
                         max_seq_len=head.max_seq_len, circuit=head.circuit)


def _read_header(path: pathlib.Path) -> tuple[header_mod.Header, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ArtifactError(f"{path}: cannot read: {err}") from err
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise ArtifactError(f"{path}: not valid JSON (truncated or corrupted?): {err}") from err
    try:
        return header_mod.read(data), data
    except ValueError as err:
        raise ArtifactError(f"{path}: {err}") from err


def _read_weights(path: pathlib.Path, head: header_mod.Header) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise ArtifactError(f"{path}: missing (the weights file sits beside {HEADER_FILE})")
    try:
        weights = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ArtifactError(f"{path}: cannot read the weights (truncated or corrupted?): {err}") from err
    expected = weight_shapes(head.config)
    if head.weight_shapes != expected:
        raise ArtifactError(f"{path.parent / HEADER_FILE}: weights.shapes does not match the config")
    missing, extra = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
    if missing:
        raise ArtifactError(f"{path}: missing weights {missing}")
    if extra:
        raise ArtifactError(f"{path}: unexpected weights {extra}")
    for name, shape in expected.items():
        w = weights[name]
        if tuple(w.shape) != shape:
            raise ArtifactError(f"{path}: {name} has shape {tuple(w.shape)}, the config needs {shape}")
        if w.dtype != TORCH_DTYPES[head.dtype]:
            raise ArtifactError(f"{path}: {name} has dtype {w.dtype}, the header says {head.dtype}")
        if not torch.isfinite(w).all():
            raise ArtifactError(f"{path}: {name} has non-finite values")
    if _sha256(path) != head.sha256:
        raise ArtifactError(f"{path}: SHA-256 does not match {HEADER_FILE} (the file was changed or corrupted)")
    return weights


def _sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not allowed")
