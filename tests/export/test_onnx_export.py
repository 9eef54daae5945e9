"""The ONNX export, run by onnxruntime on random padded batches, gives our logits."""

import json
import pathlib

import numpy as np
import pytest
import torch

from .export_cases import compiled, random_seqs

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
        assert model.decode(torch.from_numpy(logits), [len(s) for s in seqs]) == model.run(seqs)


@pytest.mark.slow
def test_dynamo_export(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("onnxscript")
    model = compiled("sort")
    path = model.to_onnx(tmp_path / "sort.onnx")
    _check(model, path, 1e-5)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    glassbox = json.loads(meta["glassbox"])
    assert glassbox["pad_id"] == model.config.pad_id and glassbox["output_values"] == [{"int": v} for v in (1, 2, 3, 4)]


@pytest.mark.parametrize(("name", "causal", "dtype"), [("reverse", False, "float32"), ("frac_prevs", True, "float32"),
                                                       ("shuffle_dyck2", False, "float64"), ("count", True, "float64")])
def test_torchscript_export(name: str, causal: bool, dtype: str, tmp_path: pathlib.Path) -> None:
    model = compiled(name, causal, dtype)
    path = model.to_onnx(tmp_path / f"{name}.onnx", exporter="torchscript")
    _check(model, path, 1e-5 if dtype == "float32" else 1e-12)


def test_unknown_exporter(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="exporter"):
        compiled("count").to_onnx(tmp_path / "x.onnx", exporter="tf")
