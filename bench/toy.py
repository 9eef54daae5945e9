"""Toy-model training throughput: glassbox's batched trainer against a per-instance loop.

Throughput is (instance × feature × sample × step) per second. The baseline trains each
instance as its own `nn.Module` with its own AdamW, one after another, the way a plain
PyTorch/ARENA-style loop would without an instance axis. Both sides use one CPU thread
(the trainer's default), so the comparison is like for like.

    .venv/bin/python bench/toy.py            # CPU table (about a minute)
    .venv/bin/python bench/toy.py --cuda     # add GPU rows where CUDA exists
"""

import argparse
import time

import torch
from torch import nn

from glassbox.toy import train
from glassbox.toy.config import ModelConfig, RunConfig, TrainConfig

SIZES = [  # (label, instances, features, hidden, batch, steps)
    ("intro-like", 20, 5, 2, 1024, 300),
    ("sweep-like", 20, 20, 5, 1024, 300),
    ("dimensionality-like", 20, 200, 20, 1024, 60),
]


class _OneModel(nn.Module):
    """One ReLU-output toy model, no instance axis: x' = ReLU(WᵀW x + b)."""

    def __init__(self, n: int, m: int) -> None:
        super().__init__()
        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(m, n)))
        self.b = nn.Parameter(torch.zeros(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.W.T @ self.W + self.b)


def loop_baseline(n_inst: int, n: int, m: int, batch: int, steps: int, device: str) -> float:
    """Seconds for `steps` steps of `n_inst` separately trained models, one after another."""
    probs = torch.logspace(0, -2, n_inst).tolist()
    importance = 0.9 ** torch.arange(n, dtype=torch.float32, device=device)
    setups = []
    for _ in range(n_inst):
        model = _OneModel(n, m).to(device)
        setups.append((model, torch.optim.AdamW(model.parameters(), lr=1e-3)))
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        for (model, opt), p in zip(setups, probs, strict=True):
            x = torch.rand(batch, n, device=device)
            x = torch.where(torch.rand(batch, n, device=device) < p, x, 0.0)
            loss = ((model(x) - x).pow(2) * importance).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    _sync(device)
    return time.perf_counter() - start


def batched(n_inst: int, n: int, m: int, batch: int, steps: int, device: str, gradients: str) -> float:
    """Seconds for `steps` steps of glassbox's trainer on `n_inst` instances at once."""
    run = RunConfig(
        model=ModelConfig(n_features=n, d_hidden=m),
        feature_probability=tuple(torch.logspace(0, -2, n_inst).tolist()),
        importance=((1.0,) * n,) * n_inst,
        train=TrainConfig(
            steps=steps, batch_size=batch, eval_batch_size=batch, log_every=steps, device=device, gradients=gradients
        ),
    )
    _sync(device)
    start = time.perf_counter()
    train.train(run)
    _sync(device)
    return time.perf_counter() - start


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuda", action="store_true", help="also time the CUDA device")
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if args.cuda and torch.cuda.is_available() else [])
    torch.set_num_threads(1)
    columns = ("loop", "autograd", "analytic")
    header = f"{'size':21s} {'dev':4s} {'inst×feat×batch':>16s} " + " ".join(f"{c:>9s}" for c in columns) + " speed-up"
    print("throughput in 1e6 (instance × feature × sample × step) / s")
    print(header)
    print("-" * len(header))
    for label, n_inst, n, m, batch, steps in SIZES:
        for device in devices:
            work = n_inst * n * batch * steps
            batched(n_inst, n, m, batch, 5, device, "analytic")  # warm-up (allocator, imports)
            loop_steps = max(steps // 3, 10)  # the loop is slow; time fewer steps
            t_loop = loop_baseline(n_inst, n, m, batch, loop_steps, device) * steps / loop_steps
            t_auto = batched(n_inst, n, m, batch, steps, device, "autograd")
            t_fast = batched(n_inst, n, m, batch, steps, device, "analytic")
            rates = [work / t / 1e6 for t in (t_loop, t_auto, t_fast)]
            print(
                f"{label:21s} {device:4s} {f'{n_inst}×{n}×{batch}':>16s} "
                f"{rates[0]:9.1f} {rates[1]:9.1f} {rates[2]:9.1f} {t_loop / t_fast:7.1f}×"
            )


if __name__ == "__main__":
    main()
