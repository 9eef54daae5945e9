"""The sparse chunked full-batch step equals torch autograd on the dense problem."""

import numpy as np
import pytest
import torch

from glassbox.errors import GlassboxError
from glassbox.toy.double_descent import kernels, step
from glassbox.toy.double_descent.config import DataConfig
from glassbox.toy.double_descent.data import sample_dataset
from glassbox.toy.double_descent.step import FullBatchStep, dense_reference

needs_cc = pytest.mark.skipif(not kernels.available(), reason="no C compiler")

# (backend, m, chunk): chunk sizes that split T = 37 unevenly, and one that holds it whole.
CASES = [
    pytest.param(backend, m, chunk, id=f"{backend}-m{m}-chunk{chunk}", marks=marks)
    for backend, marks in [("c", needs_cc), ("numpy", ()), ("torch", ())]
    for m in (1, 2, 3, 5, 9)
    for chunk in (5, 4096)
]


def _problem(m: int, dtype: torch.dtype, seed: int = 0):
    ds = sample_dataset(37, DataConfig(n_features=60, sparsity=0.9), np.random.default_rng(seed))
    gen = torch.Generator().manual_seed(seed)
    W = (0.5 * torch.randn(m, 60, generator=gen)).to(dtype)
    b = (0.1 * torch.randn(60, generator=gen)).to(dtype)
    ref = dense_reference(W.double(), b.double(), torch.from_numpy(ds.to_dense()).double())
    return ds, W, b, ref


@pytest.mark.parametrize("backend, m, chunk", CASES)
def test_float64_gradients_equal_autograd(backend, m, chunk):
    ds, W, b, ref = _problem(m, torch.float64, seed=m)
    got = FullBatchStep(ds, m, backend=backend, dtype="float64", chunk_size=chunk)(W, b)
    assert got.loss == pytest.approx(ref.loss, rel=1e-12)
    torch.testing.assert_close(got.dW, ref.dW, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got.db, ref.db, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend, m, chunk", CASES)
def test_float32_gradients_equal_autograd(backend, m, chunk):
    ds, W, b, ref = _problem(m, torch.float32, seed=10 + m)
    got = FullBatchStep(ds, m, backend=backend, dtype="float32", chunk_size=chunk)(W, b)
    assert got.loss == pytest.approx(ref.loss, rel=1e-5)
    torch.testing.assert_close(got.dW.double(), ref.dW, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(got.db.double(), ref.db, rtol=1e-4, atol=1e-6)


def test_loss_only_matches_and_zero_points_count():
    # Half the points are all-zero: their target is 0 and their loss is ‖ReLU(b)‖².
    ds = sample_dataset(40, DataConfig(n_features=100, sparsity=0.993), np.random.default_rng(3))
    assert ds.n_zero_points > 10
    W = torch.randn(2, 100, dtype=torch.float64)
    b = torch.rand(100, dtype=torch.float64)  # positive: zero points do cost something
    ref = dense_reference(W, b, torch.from_numpy(ds.astype("float64").to_dense()))
    for backend in ("numpy", "torch") + (("c",) if kernels.available() else ()):
        got = FullBatchStep(ds, 2, backend=backend, dtype="float64")(W, b, grad=False)
        assert got.loss == pytest.approx(ref.loss, rel=1e-12) and got.dW is None


def test_fused_chunk_equals_matmul_chunk():
    # The torch.compile target, run eagerly: same numbers as the matmul form.
    gen = torch.Generator().manual_seed(0)
    H, W, b = (torch.randn(*s, generator=gen, dtype=torch.float64) for s in [(9, 3), (3, 20), (20,)])
    for a, e in zip(step._dense_chunk_fused(H, W, b), step._dense_chunk(H, W, b), strict=True):
        torch.testing.assert_close(a, e)


@needs_cc
def test_threaded_c_step_equals_single_thread():
    ds = sample_dataset(3000, DataConfig(n_features=200, sparsity=0.95), np.random.default_rng(4))
    W, b = 0.3 * torch.randn(2, 200), 0.1 * torch.randn(200)
    one = FullBatchStep(ds, 2, backend="c", threads=1, chunk_size=256)(W, b)
    two = FullBatchStep(ds, 2, backend="c", threads=2, chunk_size=256)
    step._MIN_PAIRS_PER_THREAD, old = 1, step._MIN_PAIRS_PER_THREAD
    try:
        got = two(W, b)
    finally:
        step._MIN_PAIRS_PER_THREAD = old
    assert got.loss == pytest.approx(one.loss, rel=1e-6)
    torch.testing.assert_close(got.dW, one.dW, rtol=1e-4, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_compiled_step_equals_cpu():
    ds, W, b, ref = _problem(2, torch.float32, seed=5)
    got = FullBatchStep(ds, 2, backend="torch", device="cuda", chunk_size=16)(W.cuda(), b.cuda())
    torch.testing.assert_close(got.dW.cpu().double(), ref.dW, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(got.db.cpu().double(), ref.db, rtol=1e-4, atol=1e-6)


def test_without_a_compiler_auto_falls_back_to_numpy(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setenv("GLASSBOX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kernels, "_LOADED", {})
    assert not kernels.available(2, "float32")
    assert step.resolve_backend("auto", "cpu", 2, "float32") == "numpy"
    with pytest.raises(GlassboxError, match="no-such-cc"):
        kernels.load(2, "float32")


@pytest.mark.slow
def test_compiled_chunk_equals_eager_on_cpu():
    # The CUDA path's torch.compile target, compiled here by inductor for the CPU: checks that
    # dynamo traces it and the fused reductions give the matmul form's numbers, for two chunk
    # sizes (dynamic shapes) and m = 2.
    gen = torch.Generator().manual_seed(0)
    fn = step._compiled_dense_chunk()
    W, b = torch.randn(2, 300, generator=gen), torch.randn(300, generator=gen)
    for rows in (64, 37):
        H = torch.randn(rows, 2, generator=gen)
        for a, e in zip(fn(H, W, b), step._dense_chunk(H, W, b), strict=True):
            torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-4)
