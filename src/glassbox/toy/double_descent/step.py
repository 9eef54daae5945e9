"""The full-batch loss and gradient of the tied ReLU-output model on a sparse dataset.

Model and loss (Henighan et al. 2023), for T points x_t with ‖x_t‖ = 1:

    h_t = W x_t,   p_t = Wᵀ h_t + b,   y_t = ReLU(p_t)
    L = (1/T) Σ_t Σ_i (y_ti - x_ti)²

With g_t = (2/T) (y_t - x_t) ⊙ 1[p_t > 0] = dL/dp_t:

    dL/db = Σ_t g_t,   dL/dW = Σ_t h_t ⊗ g_t  +  Σ_t (W g_t) ⊗ x_t

The first sum of dL/dW is the decoder's, the second the encoder's (through h_t). Only
y_t is dense; the x_t terms touch the ~n(1-S) active features, so X is never densified and
the T × n matrix of y values exists, at most, one chunk of rows at a time. Three backends
compute the same numbers: the C kernel (`kernels.py`, fastest on CPU), chunked numpy, and
chunked torch (the CUDA path; the dense chunk is torch.compile'd there).

>>> import numpy as np, torch
>>> from glassbox.toy.double_descent.config import DataConfig
>>> from glassbox.toy.double_descent.data import sample_dataset
>>> ds = sample_dataset(6, DataConfig(n_features=20, sparsity=0.8), np.random.default_rng(1))
>>> W, b = torch.randn(2, 20, dtype=torch.float64), torch.zeros(20, dtype=torch.float64)
>>> a = FullBatchStep(ds.astype("float64"), 2, backend="numpy", dtype="float64")(W, b)
>>> r = dense_reference(W, b, torch.from_numpy(ds.astype("float64").to_dense()))
>>> bool(torch.allclose(a.dW, r.dW)) and abs(a.loss - r.loss) < 1e-12
True
"""

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.errors import ConfigError, GlassboxError
from glassbox.toy.double_descent import kernels
from glassbox.toy.double_descent.data import SparseDataset

# Below this many (point x feature) pairs per thread (about 0.5 ms of work) a step is not
# worth splitting: thread hand-off costs tens of microseconds, far more on a busy machine.
_MIN_PAIRS_PER_THREAD = 1 << 21
_POOLS: "dict[int, ThreadPoolExecutor]" = {}


@dataclass(frozen=True)
class LossGrad:
    """Mean loss over the points, and its gradients (None when not asked for).

    On CUDA the loss stays a device tensor until `.loss` is read, so a training loop that
    does not look at it never waits for the GPU.
    """

    loss_value: "float | Tensor"
    dW: "Float[Tensor, 'd_hidden feats'] | None"
    db: "Float[Tensor, ' feats'] | None"

    @property
    def loss(self) -> float:
        """The loss as a Python float (synchronises with the device)."""
        return float(self.loss_value)


def dense_reference(
    W: Float[Tensor, "d_hidden feats"], b: Float[Tensor, " feats"], X: Float[Tensor, "T feats"]
) -> LossGrad:
    """The same loss and gradients by torch autograd on a dense X (small problems only).

    Args:
        W: weights.
        b: bias.
        X: dense points, one per row.

    Returns:
        Loss and autograd gradients.
    """
    W = W.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    y = torch.relu((X @ W.T) @ W + b)
    loss = (y - X).pow(2).sum(1).mean()
    loss.backward()
    return LossGrad(float(loss.detach()), W.grad, b.grad)


def resolve_backend(backend: str, device: str, m: int, dtype: str) -> str:
    """Pick the concrete backend for "auto": C on CPU if it compiles, else numpy; torch on CUDA.

    Args:
        backend: "auto", "c", "numpy" or "torch".
        device: "cpu" or "cuda".
        m: hidden size (the C kernel is specialised per m).
        dtype: float dtype name.

    Returns:
        The backend name that will run.
    """
    if backend != "auto":
        return backend
    if device == "cuda":
        return "torch"
    return "c" if kernels.available(m, dtype) else "numpy"


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class FullBatchStep:
    """Callable `(W, b) -> LossGrad` over one fixed sparse dataset."""

    def __init__(
        self,
        data: SparseDataset,
        m: int,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float32",
        chunk_size: int = 0,
        threads: int = 0,
        compile: bool = True,
    ) -> None:
        """Prepare the dataset for one backend.

        Args:
            data: the T training (or test) points.
            m: hidden size.
            backend: "auto", "c", "numpy" or "torch".
            device: "cpu" or "cuda" (cuda needs the torch backend).
            dtype: "float32" or "float64"; W and b must have this dtype.
            chunk_size: rows per chunk (0 = 4,096 on CPU, 65,536 on CUDA).
            threads: CPU threads for the C kernel (0 = all available).
            compile: torch.compile the dense chunk on CUDA.
        """
        self.backend = resolve_backend(backend, device, m, dtype)
        if device == "cuda" and self.backend != "torch":
            raise ConfigError(f"backend {self.backend!r} cannot run on cuda; use torch")
        self.data = data.astype(dtype)
        self.m, self.device, self.dtype = m, device, dtype
        # numpy wants blocks that stay in cache; the C kernel only flushes float32 sums.
        auto = {"c": 4096, "numpy": 64}.get(self.backend, 65_536 if device == "cuda" else 4096)
        self.chunk = chunk_size or auto
        self.threads = threads or default_threads()
        if self.backend == "c":
            self._lib = kernels.load(m, dtype)
            d = self.data
            for name, array, kind in [("indptr", d.indptr, np.int64), ("indices", d.indices, np.int32)]:
                if array.dtype != kind or not array.flags.c_contiguous:
                    raise GlassboxError(f"dataset {name} must be C-contiguous {np.dtype(kind)}")
            self._data_ptrs = (d.indptr.ctypes.data, d.indices.ctypes.data, d.values.ctypes.data)
        elif self.backend == "torch":
            self._torch_data = _TorchData(self.data, device)
            self._dense = _dense_chunk
            if compile and device == "cuda":
                self._dense = _compiled_dense_chunk()
        elif self.backend != "numpy":
            raise ConfigError(f"unknown backend {self.backend!r}")

    def __call__(self, W: Float[Tensor, "d_hidden feats"], b: Float[Tensor, " feats"], grad: bool = True) -> LossGrad:
        """Loss (mean over the points) and, if `grad`, dL/dW and dL/db.

        Args:
            W: weights on this step's device and dtype.
            b: bias.
            grad: whether to compute gradients.

        Returns:
            Loss and gradients, as tensors on W's device.
        """
        if self.backend == "torch":
            self._check(tuple(W.shape), tuple(b.shape))
            return self._torch(W.detach(), b.detach(), grad)
        loss, dW, db = self.numpy_step(W.detach().cpu().numpy(), b.detach().cpu().numpy(), grad)
        if not grad:
            return LossGrad(loss, None, None)
        return LossGrad(loss, torch.from_numpy(dW), torch.from_numpy(db))

    def numpy_step(
        self, W: Float[np.ndarray, "d_hidden feats"], b: Float[np.ndarray, " feats"], grad: bool = True
    ) -> "tuple[float, np.ndarray | None, np.ndarray | None]":
        """The same on numpy arrays (CPU backends only), without torch in the loop.

        Args:
            W: weights.
            b: bias.
            grad: whether to compute gradients.

        Returns:
            (loss, dL/dW, dL/db) with gradients in this step's dtype (None without `grad`).
        """
        if self.backend == "torch":
            raise ConfigError("numpy_step needs the c or numpy backend")
        self._check(W.shape, b.shape)
        W = np.ascontiguousarray(W, dtype=self.dtype)  # the C kernel reads raw memory
        b = np.ascontiguousarray(b, dtype=self.dtype)
        run = self._c if self.backend == "c" else self._numpy
        loss, dW, db = run(W, b, grad)
        if not grad:
            return loss, None, None
        return loss, dW.astype(self.dtype, copy=False), db.astype(self.dtype, copy=False)

    def _check(self, W_shape: tuple, b_shape: tuple) -> None:
        n = self.data.n_features
        if self.data.n_points == 0:
            raise GlassboxError("cannot take a step on an empty dataset")
        if W_shape != (self.m, n) or b_shape != (n,):
            raise GlassboxError(f"expected W [{self.m}, {n}] and b [{n}], got {list(W_shape)}, {list(b_shape)}")

    # --- C kernel -------------------------------------------------------------------------
    def _c_range(self, t0: int, t1: int, W: np.ndarray, b: np.ndarray, grad: bool):
        n = self.data.n_features
        total_W = np.zeros((self.m, n)) if grad else None
        total_b = np.zeros(n) if grad else None
        AW = np.empty((self.m, n), dtype=self.dtype)
        Ab = np.empty(n, dtype=self.dtype)
        stats = np.zeros(1)
        ptrs = [*self._data_ptrs, W.ctypes.data, b.ctypes.data, AW.ctypes.data, Ab.ctypes.data]
        for s in range(t0, t1, self.chunk):
            # Float32 sums are flushed into float64 every chunk, so rounding error does not
            # grow with T.
            AW.fill(0)
            Ab.fill(0)
            e = min(s + self.chunk, t1)
            self._lib.dd_chunk(s, e, n, *ptrs, stats.ctypes.data, grad)
            if grad:
                total_W += AW
                total_b += Ab
        return float(stats[0]), total_W, total_b

    def _c(self, W: np.ndarray, b: np.ndarray, grad: bool):
        T, n = self.data.n_points, self.data.n_features
        parts = max(1, min(self.threads, T * n // _MIN_PAIRS_PER_THREAD))
        if parts == 1:
            results = [self._c_range(0, T, W, b, grad)]
        else:
            bounds = np.linspace(0, T, parts + 1).astype(int)
            pool = _POOLS.setdefault(parts, ThreadPoolExecutor(parts))
            futures = [
                pool.submit(self._c_range, int(lo), int(hi), W, b, grad)
                for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
            ]
            results = [f.result() for f in futures]
        loss = sum(r[0] for r in results) / T
        if not grad:
            return loss, None, None
        scale = 2.0 / T
        return loss, scale * sum(r[1] for r in results), scale * sum(r[2] for r in results)

    # --- numpy ----------------------------------------------------------------------------
    def _numpy(self, W: np.ndarray, b: np.ndarray, grad: bool):
        d, (T, n) = self.data, (self.data.n_points, self.data.n_features)
        H = d.hidden(W)  # [T, m]
        AW, Ab, S, q = np.zeros((self.m, n)), np.zeros(n), np.empty_like(H), 0.0
        Y = np.empty((min(self.chunk, T), n), dtype=W.dtype)
        for s in range(0, T, self.chunk):
            e = min(s + self.chunk, T)
            y = Y[: e - s]  # the only dense array: one cache-sized block of rows
            np.matmul(H[s:e], W, out=y)
            y += b
            np.maximum(y, 0, out=y)
            q += float(np.vdot(y, y))
            if grad:
                AW += H[s:e].T @ y
                Ab += y.sum(0)
                np.matmul(y, W.T, out=S[s:e])
        rows, cols, x = d.row_ids(), d.indices, d.values
        p = b[cols] + np.einsum("tk,kt->t", H[rows], W[:, cols])  # pre-activations at active x
        xa = x * (p > 0)
        loss = (q + float((x.astype(float) ** 2).sum()) - 2.0 * float(xa @ p)) / T
        if not grad:
            return loss, None, None
        Ab -= np.bincount(cols, xa, minlength=n)
        for k in range(self.m):
            S[:, k] -= np.bincount(rows, W[k, cols] * xa, minlength=T)
        for k in range(self.m):
            AW[k] += np.bincount(cols, S[rows, k] * x - H[rows, k] * xa, minlength=n)
        return loss, (2.0 / T) * AW, (2.0 / T) * Ab

    # --- torch (CUDA) ---------------------------------------------------------------------
    def _torch(self, W: Tensor, b: Tensor, grad: bool) -> LossGrad:
        td, T = self._torch_data, self.data.n_points
        H = torch.zeros(T, self.m, dtype=W.dtype, device=W.device)
        H.index_add_(0, td.rows, (W[:, td.cols] * td.x).T)
        AW, Ab = torch.zeros_like(W), torch.zeros_like(b)
        S = torch.empty_like(H)
        q = torch.zeros((), dtype=torch.float64, device=W.device)
        for s in range(0, T, self.chunk):
            e = min(s + self.chunk, T)
            aw, ab, S[s:e], qc = self._dense(H[s:e], W, b)
            AW += aw
            Ab += ab
            q += qc
        p = b[td.cols] + (H[td.rows] * W[:, td.cols].T).sum(1)  # pre-activations at active x
        active = (p > 0).to(W.dtype)
        loss = (q + td.xsq - 2.0 * (td.x * p * active).sum()) / T
        if not grad:
            return LossGrad(loss, None, None)
        xa = td.x * active
        AW.index_add_(1, td.cols, -(H[td.rows] * xa[:, None]).T)
        Ab.index_add_(0, td.cols, -xa)
        S.index_add_(0, td.rows, -(W[:, td.cols] * xa).T)
        AW.index_add_(1, td.cols, (S[td.rows] * td.x[:, None]).T)
        return LossGrad(loss, (2.0 / T) * AW, (2.0 / T) * Ab)


class _TorchData:
    """The CSR arrays as torch tensors on the device."""

    def __init__(self, data: SparseDataset, device: str) -> None:
        self.rows = torch.from_numpy(data.row_ids()).to(device)
        self.cols = torch.from_numpy(data.indices.astype(np.int64)).to(device)
        self.x = torch.from_numpy(data.values).to(device)
        self.xsq = float((data.values.astype(float) ** 2).sum())


def _dense_chunk(H: Float[Tensor, "chunk d_hidden"], W: Float[Tensor, "d_hidden feats"], b: Float[Tensor, " feats"]):
    """Dense part of one chunk with matmuls (eager; materialises [chunk, feats] once)."""
    Y = torch.relu(H @ W + b)
    return H.T @ Y, Y.sum(0), Y @ W.T, (Y * Y).sum(dtype=torch.float64)


def _dense_chunk_fused(
    H: Float[Tensor, "chunk d_hidden"], W: Float[Tensor, "d_hidden feats"], b: Float[Tensor, " feats"]
):
    """Dense part of one chunk as reductions over pointwise terms, for torch.compile.

    Written without matmuls so that inductor fuses y = ReLU(Wᵀh + b) into each reduction
    (over points for AW and Ab, over features for S and q) instead of storing y.
    """
    P = b + sum(H[:, k, None] * W[k] for k in range(W.shape[0]))
    Y = torch.relu(P)
    AW = torch.stack([(H[:, k, None] * Y).sum(0) for k in range(W.shape[0])])
    S = torch.stack([(Y * W[k]).sum(1) for k in range(W.shape[0])], dim=1)
    return AW, Y.sum(0), S, (Y * Y).sum(dtype=torch.float64)


@functools.cache
def _compiled_dense_chunk():
    """One compiled function for every step object (T = ∞ builds a step per batch)."""
    return torch.compile(_dense_chunk_fused, dynamic=True)
