"""Full-batch AdamW training of one tied ReLU-output model on one dataset size T.

Every update uses the whole training set (the step sums gradients over chunks of rows).
The learning rate rises linearly from 0 to `lr` over the first `warmup_frac` of the steps
and then decays to 0 along a cosine (the shared `schedules`); the optimizer and the Xavier
init are the lab's shared `optim.AdamW` and `init.xavier`. T = None means T = ∞: a fresh batch every step.

>>> cfg = TrainConfig(steps=101, warmup_frac=0.1)
>>> [round(lr_at(s, cfg) / cfg.lr, 3) for s in (0, 9, 10, 55, 100)]
[0.1, 1.0, 1.0, 0.5, 0.0]
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from jaxtyping import Float

from glassbox.toy import init, optim, schedules
from glassbox.toy.double_descent.config import ComputeConfig, DataConfig, TrainConfig
from glassbox.toy.double_descent.data import SparseDataset, sample_dataset
from glassbox.toy.double_descent.step import FullBatchStep, resolve_backend

Progress = Callable[[int], None]


def lr_at(step: int, train: TrainConfig) -> float:
    """Learning rate of update `step` (0-based): `glassbox.toy.schedules.lr_at` with warm-up over
    `round(warmup_frac * steps)` steps."""
    return schedules.lr_at(step, train.steps, train.lr, round(train.warmup_frac * train.steps), train.schedule)


def init_params(
    m: int, n: int, train: TrainConfig, seed: int, dtype: str = "float32", device: str = "cpu"
) -> "tuple[Float[torch.Tensor, 'd_hidden feats'], Float[torch.Tensor, ' feats']]":
    """Xavier-initialised W [m, n] (fan_in = n, fan_out = m; drawn in float64 on the CPU) and constant b.

    Args:
        m: hidden size.
        n: number of features.
        train: init settings (`init`, `bias_init`).
        seed: seed of this initialization.
        dtype: float dtype name.
        device: torch device.

    Returns:
        (W, b).
    """
    W = init.xavier(1, m, n, train.init, torch.Generator().manual_seed(seed), dtype=torch.float64)[0]
    b = torch.full((n,), train.bias_init, dtype=torch.float64)
    tdt = getattr(torch, dtype)
    return W.to(device=device, dtype=tdt), b.to(device=device, dtype=tdt)


@dataclass(frozen=True)
class Trained:
    """Final parameters of one training run and its final training loss."""

    W: Float[np.ndarray, "d_hidden feats"]
    b: Float[np.ndarray, " feats"]
    train_loss: float


def train_model(
    data: "SparseDataset | None",
    m: int,
    data_cfg: DataConfig,
    train: TrainConfig,
    compute: ComputeConfig,
    init_seed: int,
    stream_rng: "np.random.Generator | None" = None,
    progress: "Progress | None" = None,
) -> Trained:
    """Train one model with full-batch AdamW.

    Args:
        data: the T training points, or None for T = ∞ (then `stream_rng` draws a fresh
            batch of `data_cfg.infinite_batch` points every step).
        m: hidden size.
        data_cfg: the distribution (used at T = ∞).
        train: optimizer, schedule and initialization settings.
        compute: backend, device, chunking, dtype.
        init_seed: seed of the initialization.
        stream_rng: generator of the fresh batches at T = ∞.
        progress: called with the number of steps done since the previous call.

    Returns:
        Final W, b and training loss (for T = ∞, the mean batch loss of the last 1% of steps).
    """
    n = data_cfg.n_features
    backend = resolve_backend(compute.backend, compute.device, m, compute.dtype)
    W: Any  # a numpy array on the CPU backends, a tensor on torch's
    b: Any
    W, b = init_params(m, n, train, init_seed, compute.dtype, compute.device)
    decays = [train.weight_decay, train.weight_decay * train.decay_bias]
    on_cpu = backend in ("c", "numpy")
    if on_cpu:
        # numpy end to end: a small-T step is ~20 us of kernel, so torch's optimizer
        # (~90 us a step) and tensor round trips would dominate it.
        W, b = W.numpy().copy(), b.numpy().copy()
    opt = optim.AdamW([W, b], train.betas, train.eps, decays)

    def make_step(points: SparseDataset) -> FullBatchStep:
        return FullBatchStep(
            points,
            m,
            backend=backend,
            device=compute.device,
            dtype=compute.dtype,
            chunk_size=compute.chunk_size,
            threads=compute.threads,
            compile=compute.compile,
        )

    def loss_and_grads(step: FullBatchStep, grad: bool = True):
        if on_cpu:
            return step.numpy_step(W, b, grad)
        out = step(W, b, grad)
        return out.loss_value, out.dW, out.db

    fixed = make_step(data) if data is not None else None
    tail = max(1, train.steps // 100)
    tail_losses: list[float] = []
    done = 0
    for s in range(train.steps):
        if fixed is None:
            assert stream_rng is not None, "T = ∞ draws its batches from stream_rng"
            batch = sample_dataset(data_cfg.infinite_batch, data_cfg, stream_rng, compute.dtype)
            loss, dW, db = loss_and_grads(make_step(batch))
            if s >= train.steps - tail:
                tail_losses.append(float(loss))
        else:
            loss, dW, db = loss_and_grads(fixed)
        opt.step(lr_at(s, train), [dW, db])
        done += 1
        if progress is not None and (done == 100 or s == train.steps - 1):
            progress(done)
            done = 0
    final = float(loss_and_grads(fixed, grad=False)[0]) if fixed is not None else float(np.mean(tail_losses))
    as_np = lambda a: a.astype(np.float64) if on_cpu else a.detach().cpu().double().numpy()
    return Trained(as_np(W), as_np(b), final)


class NumpyAdamW(optim.AdamW):
    """`glassbox.toy.optim.AdamW` with the older `(params, weight_decays, betas, eps)` / `step(grads, lr)` order."""

    def __init__(
        self, params: "list[Any]", weight_decays: "list[float]", betas: "tuple[float, float]", eps: float
    ) -> None:
        """Zero moments for each parameter (updated in place by `step`)."""
        super().__init__(params, betas, eps, weight_decays)

    def step(self, grads: "Any", lr: float) -> None:  # type: ignore[override]
        """One update with learning rate `lr`."""
        super().step(lr, grads)


TorchAdamW = NumpyAdamW  # the same optimizer updates torch tensors (the CUDA path)


@dataclass(frozen=True)
class RunOutcome:
    """The best of the restarts on one dataset, with what is needed to measure it."""

    trained: Trained
    data: "SparseDataset | None"
    restart_train_losses: "list[float]"
    seconds: float


def seeds_for(seed: int, T: "int | None", m: int) -> "dict[str, np.random.SeedSequence]":
    """Independent, reproducible seed sequences for the data, the stream and the inits.

    The test set depends on `seed` alone, so every T and m of a seed is tested on the same
    points.
    """
    size = 0 if T is None else T
    return {
        "train": np.random.SeedSequence([seed, size, 1]),
        "test": np.random.SeedSequence([seed, 2]),
        "stream": np.random.SeedSequence([seed, size, m, 3]),
        "init": np.random.SeedSequence([seed, size, m, 4]),
    }


def run_size(
    T: "int | None",
    seed: int,
    m: int,
    data_cfg: DataConfig,
    train: TrainConfig,
    compute: ComputeConfig,
    progress: "Progress | None" = None,
) -> RunOutcome:
    """Draw the T training points of `seed`, train `train.restarts` inits, keep the best.

    Args:
        T: dataset size, None for ∞.
        seed: dataset seed.
        m: hidden size.
        data_cfg: the distribution.
        train: training settings.
        compute: backend settings.
        progress: step counter callback.

    Returns:
        The restart with the lowest final training loss.
    """
    start = time.perf_counter()
    seqs = seeds_for(seed, T, m)
    data = None
    if T is not None:
        data = sample_dataset(T, data_cfg, np.random.default_rng(seqs["train"]), compute.dtype)
    init_seeds = seqs["init"].generate_state(train.restarts, dtype=np.uint32)
    streams = seqs["stream"].spawn(train.restarts)
    best, losses = None, []
    for r in range(train.restarts):
        stream = np.random.default_rng(streams[r])
        trained = train_model(data, m, data_cfg, train, compute, int(init_seeds[r]), stream, progress)
        losses.append(trained.train_loss)
        if best is None or trained.train_loss < best.train_loss:
            best = trained
    assert best is not None  # restarts >= 1 (validated by TrainConfig)
    return RunOutcome(best, data, losses, time.perf_counter() - start)
