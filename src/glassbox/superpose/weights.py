"""A compiled model's weights as float64 numpy arrays, and a new `CompiledModel` built from edited ones.

Every transformation in this package (register allocation, folding a code) is linear algebra on the
TransformerLens-named weights; the float64 IR weights are used where the model still has its
compilation, so folding adds no float32 rounding of its own.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from glassbox.model.circuit import Site
from glassbox.model.compiled import CompiledModel
from glassbox.model.transformer import Transformer

Weights = dict[str, np.ndarray]

# Which side of each weight faces the residual stream: the axis a code P acts on, and how.
READS = ("attn.W_Q", "attn.W_K", "attn.W_V", "mlp.W_in")  # [.., d_model, ..]: residual rows
WRITES = ("attn.W_O", "mlp.W_out")  # [.., d_model]: residual columns


def weights_of(model: CompiledModel) -> Weights:
    """Every weight as float64, by TransformerLens name (the IR's own values when available)."""
    if model.compilation is not None:
        return {k: np.array(v, dtype=np.float64) for k, v in model.compilation.assembled.weights.items()}
    return {k: v.detach().cpu().to(torch.float64).numpy().copy() for k, v in model.module.state_dict().items()}


def rebuild(model: CompiledModel, weights: Mapping[str, np.ndarray], residual_labels: Sequence[str],
            circuit: "tuple[Site, ...]", **overrides: Any) -> CompiledModel:
    """A new CompiledModel with `model`'s tokens, outputs and program around edited weights.

    The config follows the weights' shapes (d_model, d_mlp); the dtype is `model`'s.
    """
    cfg = model.config
    d_model = weights["embed.W_E"].shape[1]
    d_mlp = weights["blocks.0.mlp.W_in"].shape[1] if cfg.n_layers else cfg.d_mlp
    new_cfg = dataclasses.replace(cfg, d_model=d_model, d_mlp=d_mlp)
    dtype = model.module.embed.W_E.dtype
    module = Transformer(new_cfg, dtype)
    module.load_weights({k: torch.from_numpy(np.ascontiguousarray(v)).to(dtype) for k, v in weights.items()})
    module.eval()
    return CompiledModel(module, residual_labels=residual_labels, token_ids=model.token_ids,
                         output_values=model.output_values, bos=model.bos, pad=model.pad,
                         max_seq_len=model.max_seq_len, circuit=circuit, program=model.program, **overrides)


def fold(weights: Mapping[str, Any], read: Any, write: Any) -> dict[str, Any]:
    """Weights of the model whose residual is `h @ write` and is read back as `r @ read`.

    Args:
        weights: the source model's weights (residual width D).
        read: [d, D]: maps the new residual back to the old basis for every reader.
        write: [D, d]: maps every write (embedding, head output, MLP output) into the new residual.

    Returns:
        New weights over a residual of width d: readers `read @ W`, writers `W @ write`. numpy
        arrays or torch tensors alike (matmul broadcasts over the head axis), so a learned code
        gets gradients through it.
    """
    out: dict[str, Any] = {}
    for name, w in weights.items():
        if name in ("embed.W_E", "pos_embed.W_pos") or name.endswith(WRITES):
            out[name] = w @ write
        elif name.endswith(READS) or name == "unembed.W_U":
            out[name] = read @ w  # [d, D] @ [D, k] (or [h, D, k] -> [h, d, k])
        else:  # pragma: no cover - every TransformerLens weight of ours is listed above
            raise AssertionError(f"no folding rule for {name}")
    return out


def map_reads(circuit: Sequence[Site], labels: Sequence[str], read: np.ndarray, new_labels: Sequence[str],
              residual: "Mapping[str, tuple[int, ...]] | None" = None,
              live_until: "Mapping[str, int | None] | None" = None) -> tuple[Site, ...]:
    """The circuit map over a new residual basis: each site's read vector v (old basis) becomes
    `read @ v`, so reading the new residual r gives r · (read @ v) = (r @ read) · v."""
    index = {label: i for i, label in enumerate(labels)}
    out = []
    for site in circuit:
        new_read = []
        for value, coefs in site.read:
            v = np.zeros(len(labels))
            for label, c in coefs.items():
                v[index[label]] = c
            w = read @ v
            new_read.append((value, {new_labels[int(k)]: float(w[k]) for k in np.flatnonzero(np.abs(w) > 0)}))
        changes: dict[str, Any] = {"read": tuple(new_read),
                                   "residual": residual.get(site.label, ()) if residual is not None else ()}
        if live_until is not None:
            changes["live_until"] = live_until.get(site.label)
        out.append(dataclasses.replace(site, **changes))
    return tuple(out)
