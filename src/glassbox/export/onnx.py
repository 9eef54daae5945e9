"""Export to ONNX: token ids [batch, pos] in, logits [batch, pos, d_vocab_out] out, both axes dynamic.

The graph computes the PAD key mask (and the causal mask) from the ids, so an ONNX runtime fed
`model.encode(seqs)` gives logits that `model.decode` reads. The model's `glassbox` metadata
(token ids, PAD, output values, residual labels; see `artifact.io_metadata`) is stored as a JSON
string in the ONNX file's `metadata_props`.

Two exporters (torch 2.13): "dynamo" (`torch.export`, needs onnxscript; the supported one, a few
seconds per model) and "torchscript" (the legacy tracer, deprecated in torch but much faster).
"""

import json
import os
import pathlib
import warnings

import torch

from glassbox.errors import ArtifactError, InputError
from glassbox.export import artifact
from glassbox.model.compiled import CompiledModel

EXPORTERS = ("dynamo", "torchscript")


def to_onnx(model: CompiledModel, path: "str | os.PathLike", exporter: str = "dynamo") -> pathlib.Path:
    """Write `model` as an ONNX graph.

    Args:
        model: a compiled or loaded glassbox model.
        path: the `.onnx` file to write.
        exporter: "dynamo" or "torchscript" (see the module docstring).

    Returns:
        The file's path.

    Raises:
        InputError: for an unknown exporter.
        ArtifactError: if `path` is a folder.
        ImportError: if onnx (or, for "dynamo", onnxscript) is not installed.
    """
    if exporter not in EXPORTERS:
        raise InputError(f"exporter must be one of {EXPORTERS}, got {exporter!r}")
    try:
        import onnx
    except ImportError as err:
        raise ImportError(f"ONNX export needs the onnx extra: pip install 'glassbox[onnx]': {err}") from err
    out = pathlib.Path(path)
    if out.is_dir():
        raise ArtifactError(f"{out}: is a folder; give the .onnx file to write, e.g. {out / 'model.onnx'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros((2, model.config.n_ctx), dtype=torch.long)  # sizes > 1: export keeps them symbolic
    if exporter == "dynamo":
        pos = torch.export.Dim("pos", min=1, max=model.config.n_ctx)
        dims = {"tokens": {0: torch.export.Dim("batch"), 1: pos}}
        with warnings.catch_warnings():  # torch.export's own pytree deprecation notices
            warnings.simplefilter("ignore", FutureWarning)
            program = torch.onnx.export(model.module, (example,), None, dynamo=True, dynamic_shapes=dims,
                                        verbose=False, input_names=["tokens"], output_names=["logits"])
        if program is None:  # torch returns the program whenever dynamo=True
            raise RuntimeError("torch.onnx.export(dynamo=True) returned no program")
        program.save(str(out))
    else:
        axes = {"tokens": {0: "batch", 1: "pos"}, "logits": {0: "batch", 1: "pos"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(model.module, (example,), str(out), dynamo=False, dynamic_axes=axes,
                              opset_version=17, input_names=["tokens"], output_names=["logits"])
    graph = onnx.load(str(out))
    entry = graph.metadata_props.add()
    entry.key, entry.value = "glassbox", json.dumps(artifact.io_metadata(model))
    onnx.save(graph, str(out))
    return out
