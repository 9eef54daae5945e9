"""SAE ground-truth run: train the toy model, train ReLU and TopK SAEs on its hidden layer, score them.

The acceptance case of the bridge issue: a ReLU-output toy model with n = 100 features in m = 20
dimensions at sparsity S = 0.99 (uniform importance), whose W columns are the true features. The
whole run (toy model, two SAEs, two evaluations on 100k fresh samples) should take at most 2 minutes
on a 2-core CPU, and each SAE should reach MCC >= 0.9.

    .venv/bin/python bench/sae.py             # CPU (about 40 s)
    .venv/bin/python bench/sae.py --cuda      # add the same SAE rows on CUDA where it exists
    .venv/bin/python bench/sae.py --threads 1 2
"""

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

import torch

from glassbox import sae, toy

BUDGET_S = 120.0
N_FEATURES, D_HIDDEN, SPARSITY = 100, 20, 0.99
SAES = [  # (label, config)
    ("relu+L1", sae.SAEConfig(architecture="relu", d_sae=N_FEATURES)),
    ("topk k=1", sae.SAEConfig(architecture="topk", d_sae=N_FEATURES, k=1)),
]
EVAL_SAMPLES = 100_000
T = TypeVar("T")


def toy_run(seed: int) -> "toy.TrainResult":
    """The toy model whose features the SAEs must find (3,000 steps represent all 100 of them)."""
    run = toy.RunConfig(
        model=toy.ModelConfig(n_features=N_FEATURES, d_hidden=D_HIDDEN),
        feature_probability=(1 - SPARSITY,),
        importance=((1.0,) * N_FEATURES,),
        train=toy.TrainConfig(steps=3000, batch_size=1024, eval_batch_size=4096, seed=seed),
    )
    return toy.train.train(run)


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    """fn's result and its wall-clock seconds (CUDA work included)."""
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuda", action="store_true", help="also train and score on CUDA, if present")
    parser.add_argument("--threads", type=int, nargs="+", default=[1], help="CPU thread counts to time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    runs = [("cpu", t) for t in args.threads]
    if args.cuda:
        if torch.cuda.is_available():
            runs.append(("cuda", 0))
        else:
            print("(no CUDA device: CUDA rows skipped)")

    result, t_toy = _timed(lambda: toy_run(args.seed))
    represented = int((result.model.W[0].norm(dim=0) > 0.5).sum())
    print(
        f"toy model n={N_FEATURES} m={D_HIDDEN} S={SPARSITY}: {t_toy:.1f} s,"
        f" {represented}/{N_FEATURES} features represented"
    )

    header = (
        f"{'sae':9s} {'dev':4s} {'thr':>3s} {'steps':>5s} {'train s':>7s} {'eval s':>6s} {'MCC':>6s} "
        f"{'EV':>6s} {'L0':>5s} {'trueL0':>6s} {'dead':>4s} {'uniq':>5s} "
        f"{'prec':>5s} {'rec':>5s} {'F1':>5s} {'shrink':>6s}"
    )
    print(header)
    print("-" * len(header))
    totals: dict[tuple[str, int], float] = {}
    for device, threads in runs:
        source = sae.from_toy_run(result, device=device)
        cfg = sae.TrainConfig(seed=args.seed, device=device, threads=threads)
        total = t_toy
        for label, sae_cfg in SAES:
            trained, t_train = _timed(lambda: sae.train_sae(source, sae_cfg, cfg))  # noqa: B023
            r, t_eval = _timed(lambda: sae.eval_sae_on_synthetic_data(trained.sae, source, EVAL_SAMPLES))  # noqa: B023
            total += t_train + t_eval
            c = r.classification
            print(
                f"{label:9s} {device:4s} {threads or '-':>3} {cfg.steps:5d} {t_train:7.1f} {t_eval:6.1f} {r.mcc:6.3f} "
                f"{r.explained_variance:6.3f} {r.sae_l0:5.2f} {r.true_l0:6.2f} {r.dead_latents:4d} {r.uniqueness:5.2f} "
                f"{c.precision:5.2f} {c.recall:5.2f} {c.f1_score:5.2f} {r.shrinkage:6.3f}"
            )
        totals[(device, threads)] = total
    print()
    for (device, threads), total in totals.items():
        verdict = "within" if total <= BUDGET_S else "OVER"
        print(
            f"whole run on {device} ({threads or 'default'} threads): {total:.1f} s,"
            f" {verdict} the {BUDGET_S:.0f} s budget"
        )


if __name__ == "__main__":
    main()
