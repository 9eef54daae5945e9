"""The ONNX export, run by onnxruntime on random padded batches, gives our logits and the evaluator's outputs.

Every library program, causal and not, through the torchscript exporter; every library program through the
dynamo exporter (a few seconds each) in the slow tier.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

from .export_cases import PROGRAMS, check_outputs, compiled, random_seqs

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _check(model, path: pathlib.Path, tol: float) -> None:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for seed, batch in enumerate((1, 3, 17)):
        seqs = random_seqs(model, batch, seed=seed)
        ids = model.encode(seqs)
        (logits,) = session.run(["logits"], {"tokens": ids.numpy()})
        with torch.no_grad():
            ours = model(ids).numpy()
        assert logits.shape == ours.shape and logits.dtype == ours.dtype
        np.testing.assert_allclose(logits, ours, rtol=tol, atol=tol)
        decoded = model.decode(torch.from_numpy(logits), [len(s) for s in seqs])
        check_outputs(model, seqs, decoded, 1e-4 if logits.dtype == np.float32 else 1e-9)  # the compiler's bounds


@pytest.mark.slow
@pytest.mark.parametrize("name", PROGRAMS)
def test_dynamo_export(name: str, tmp_path: pathlib.Path) -> None:
    pytest.importorskip("onnxscript")
    model = compiled(name)
    path = model.to_onnx(tmp_path / f"{name}.onnx")
    _check(model, path, 1e-5)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    glassbox = json.loads(meta["glassbox"])
    assert glassbox["pad_id"] == model.config.pad_id and glassbox["residual_labels"] == model.residual_labels


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_torchscript_export_of_every_program(name: str, causal: bool, tmp_path: pathlib.Path) -> None:
    model = compiled(name, causal)
    _check(model, model.to_onnx(tmp_path / f"{name}.onnx", exporter="torchscript"), 1e-5)


@pytest.mark.parametrize(("name", "causal"), [("shuffle_dyck2", False), ("count", True)])
def test_float64_torchscript_export(name: str, causal: bool, tmp_path: pathlib.Path) -> None:
    model = compiled(name, causal, "float64")
    _check(model, model.to_onnx(tmp_path / f"{name}.onnx", exporter="torchscript"), 1e-12)


def test_unknown_exporter(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="exporter"):
        compiled("count").to_onnx(tmp_path / "x.onnx", exporter="tf")
