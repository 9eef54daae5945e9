"""Nanoseconds per (example × feature × step) of the double-descent full-batch step.

Usage: python bench/double_descent.py [--quick] [--device cuda]

Times one full-batch loss-and-gradient step (AdamW excluded: it is O(m n), not O(T n)) for
each backend on the preset shapes, then projects the presets' total compute time from the
measured rate. The machine may be shared: the load average is printed with the table, and
ratios between rows of one run are more reliable than absolute numbers across runs.
"""

import argparse
import os
import platform
import time

import numpy as np
import torch

from glassbox.toy.double_descent import kernels
from glassbox.toy.double_descent.config import DataConfig
from glassbox.toy.double_descent.data import sample_dataset
from glassbox.toy.double_descent.experiments import PRESETS
from glassbox.toy.double_descent.step import FullBatchStep, default_threads


def time_step(step: FullBatchStep, W, b, min_seconds: float) -> float:
    """Median seconds of one step over repeats lasting about `min_seconds`."""
    step(W, b)  # warm-up (compiles the kernel / torch.compile on first use)
    if W.is_cuda:
        torch.cuda.synchronize()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 3:
        t = time.perf_counter()
        step(W, b)
        if W.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def units(preset) -> float:
    """(example × feature × step) units of a preset, T = ∞ counted at its batch size."""
    sizes = [T if T is not None else preset.data.infinite_batch for T in preset.sizes]
    per_seed = sum(sizes) * preset.data.n_features * preset.train.steps * preset.train.restarts
    return per_seed * len(preset.seeds) * len(preset.d_hidden)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer shapes, shorter timing")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 2.0
    shapes = [(1000, 0.99, 1000), (1000, 0.99, 10_000), (10_000, 0.999, 10_000)]
    if not args.quick:
        shapes += [(10_000, 0.999, 100_000)]
    if args.device == "cuda":
        shapes += [(10_000, 0.999, 500_000)]
        backends = [("torch", 0)]
    else:
        backends = [("numpy", 0), ("torch", 0)]
        if kernels.available():
            backends = [("c", 1), ("c", default_threads())] + backends
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, ", end="")
    print(f"torch {torch.__version__}, numpy {np.__version__}, load avg {os.getloadavg()[0]:.2f}")
    print(f"{'n':>6} {'S':>6} {'T':>7} {'backend':>8} {'thr':>3} {'ms/step':>9} {'ns/unit':>8}")
    rates: dict[str, float] = {}
    for n, S, T in shapes:
        data = sample_dataset(T, DataConfig(n_features=n, sparsity=S), np.random.default_rng(0))
        gen = torch.Generator().manual_seed(0)
        W = (0.3 * torch.randn(2, n, generator=gen)).to(args.device)
        b = (0.1 * torch.randn(n, generator=gen) - 0.05).to(args.device)
        for backend, threads in backends:
            if backend in ("numpy", "torch") and args.device == "cpu" and T * n > 1e7:
                continue  # minutes per row; the smaller shapes show their rate
            step = FullBatchStep(data, 2, backend, args.device, threads=threads)
            if backend == "torch" and args.device == "cpu":
                # torch's OpenMP pool spins badly when the cores are shared (30x slower
                # measured here with 2 threads); the CPU torch path is a test path anyway.
                torch.set_num_threads(threads := 1)
            dt = time_step(step, W, b, seconds)
            ns = dt / (T * n) * 1e9
            key = f"{backend}/{threads}"
            rates[key] = min(rates.get(key, np.inf), ns) if T * n >= 1e7 else rates.get(key, ns)
            print(f"{n:>6} {S:>6} {T:>7} {backend:>8} {threads:>3} {dt * 1e3:>9.3f} {ns:>8.3f}")
    best = min(rates, key=rates.get)
    print(f"\nprojected compute at {rates[best]:.3f} ns/unit ({best}), steps only, no overheads:")
    for name in ("quick", "reduced", "paper"):
        total = units(PRESETS[name]) * rates[best] * 1e-9
        print(f"  {name:>8}: {units(PRESETS[name]):.2e} units -> {total / 60:8.1f} min")


if __name__ == "__main__":
    main()
