"""Full-batch AdamW training of one tied ReLU-output model on one dataset size T.

Every update uses the whole training set (the step sums gradients over chunks of rows).
The learning rate rises linearly from 0 to `lr` over the first `warmup_frac` of the steps
and then decays to 0 along a cosine. T = None means T = ∞: a fresh batch every step.

>>> cfg = TrainConfig(steps=101, warmup_frac=0.1)
>>> [round(lr_at(s, cfg) / cfg.lr, 3) for s in (0, 9, 10, 55, 100)]
[0.1, 1.0, 1.0, 0.5, 0.0]
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from jaxtyping import Float

from glassbox.toy.double_descent.config import ComputeConfig, DataConfig, TrainConfig
from glassbox.toy.double_descent.data import SparseDataset, sample_dataset
from glassbox.toy.double_descent.step import FullBatchStep, resolve_backend

Progress = Callable[[int], None]


def lr_at(step: int, train: TrainConfig) -> float:
    """Learning rate of update `step` (0-based).

    Args:
        step: index of the update, 0 ≤ step < train.steps.
        train: schedule settings.

    Returns:
        Linear warm-up reaching `lr` at the last warm-up step, then cosine decay towards 0
        (`cosine`: 0.5 (1 + cos(π p)); `cosine_quarter`: cos(π p / 2); p goes from 0 at the
        first decay step to 1 at the last).
    """
    warmup = round(train.warmup_frac * train.steps)
    if step < warmup:
        return train.lr * (step + 1) / warmup
    decay = train.steps - warmup
    progress = (step - warmup) / max(decay - 1, 1)
    if train.schedule == "cosine":
        return train.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    return train.lr * math.cos(0.5 * math.pi * progress)


def init_params(
    m: int, n: int, train: TrainConfig, seed: int, dtype: str = "float32", device: str = "cpu"
) -> "tuple[Float[torch.Tensor, 'd_hidden feats'], Float[torch.Tensor, ' feats']]":
    """Xavier-initialised W [m, n] (fan_in = n, fan_out = m) and constant b.

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
    gen = torch.Generator().manual_seed(seed)
    W = torch.empty(m, n, dtype=torch.float64)
    if train.init == "xavier_normal":
        torch.nn.init.xavier_normal_(W, generator=gen)
    else:
        torch.nn.init.xavier_uniform_(W, generator=gen)
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
    opt: NumpyAdamW | TorchAdamW
    W, b = init_params(m, n, train, init_seed, compute.dtype, compute.device)
    decays = [train.weight_decay, train.weight_decay * train.decay_bias]
    on_cpu = backend in ("c", "numpy")
    if on_cpu:
        # numpy end to end: a small-T step is ~20 us of kernel, so torch's optimizer
        # (~90 us a step) and tensor round trips would dominate it.
        W, b = W.numpy().copy(), b.numpy().copy()
        opt = NumpyAdamW([W, b], decays, train.betas, train.eps)
    else:
        opt = TorchAdamW([W, b], decays, train.betas, train.eps)

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
        opt.step([dW, db], lr_at(s, train))
        done += 1
        if progress is not None and (done == 100 or s == train.steps - 1):
            progress(done)
            done = 0
    final = float(loss_and_grads(fixed, grad=False)[0]) if fixed is not None else float(np.mean(tail_losses))
    as_np = lambda a: a.astype(np.float64) if on_cpu else a.detach().cpu().double().numpy()
    return Trained(as_np(W), as_np(b), final)


class NumpyAdamW:
    """`torch.optim.AdamW`'s update on numpy arrays, in place.

    p ← p (1 - lr λ);  m ← β₁ m + (1-β₁) g;  v ← β₂ v + (1-β₂) g²;
    p ← p - (lr / (1-β₁ᵗ)) m / (√v / √(1-β₂ᵗ) + ε)
    """

    def __init__(
        self, params: "list[np.ndarray]", weight_decays: "list[float]", betas: "tuple[float, float]", eps: float
    ) -> None:
        """Zero moments for each parameter (updated in place by `step`)."""
        self.params, self.weight_decays, self.betas, self.eps = params, weight_decays, betas, eps
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: "list[np.ndarray]", lr: float) -> None:
        """One update with learning rate `lr`."""
        self.t += 1
        beta1, beta2 = self.betas
        step_size = lr / (1 - beta1**self.t)
        bias2_sqrt = math.sqrt(1 - beta2**self.t)
        for p, g, m, v, wd in zip(self.params, grads, self.exp_avg, self.exp_avg_sq, self.weight_decays, strict=True):
            p *= 1 - lr * wd
            m += (1 - beta1) * (g - m)  # torch's lerp
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / bias2_sqrt + self.eps)


class TorchAdamW:
    """`torch.optim.AdamW` behind the same `step(grads, lr)` call (used on CUDA)."""

    def __init__(
        self, params: "list[torch.Tensor]", weight_decays: "list[float]", betas: "tuple[float, float]", eps: float
    ) -> None:
        """One parameter group per tensor, each with its own weight decay."""
        self.params = params
        groups = [{"params": [p], "weight_decay": wd} for p, wd in zip(params, weight_decays, strict=True)]
        self.opt = torch.optim.AdamW(groups, lr=1.0, betas=betas, eps=eps)

    def step(self, grads: "list[torch.Tensor]", lr: float) -> None:
        """One update with learning rate `lr`."""
        for p, g, group in zip(self.params, grads, self.opt.param_groups, strict=True):
            p.grad = g
            group["lr"] = lr
        self.opt.step()


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
