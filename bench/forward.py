"""Forward benchmark: the dense module against the sparse pass (`glassbox.model.sparse`), side by side.

For each library program and size: d_model, the weights each pass multiplies per token, the best of
`--repeats` timings of each pass on the same random batch (batch 64 and 1,024), their ratio, and
whether the decoded outputs agree (they must). Ratios come from one run, so machine noise cancels.

    .venv/bin/python bench/forward.py [--sizes 10,40] [--only sort,reverse] [--repeats 3]
"""

import argparse
import random
import time
import warnings

import torch

import glassbox as gb
from glassbox import programs, rasp
from glassbox.model import sparse

EXTRA = {"sort-V64": (lambda n: programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1),
                      tuple(range(64)))}


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,40")
    parser.add_argument("--only", default="sort,sort-V64,sort_freq,reverse,hist,sort_unique")
    parser.add_argument("--batches", default="64,1024")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases = {name: (e.build, e.vocab) for name, e in programs.LIBRARY.items()} | EXTRA
    only = [n for n in args.only.split(",") if n]
    batches = [int(b) for b in args.batches.split(",")]
    header = f"{'program':14s} {'N':>3s} {'d_model':>7s} {'dense w/tok':>11s} {'plan w/tok':>10s} " + " ".join(
        f"{f'dense@{b}':>9s} {f'sparse@{b}':>10s} {'ratio':>5s}" for b in batches) + "  same"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; times in seconds, best of {args.repeats}")
    print(header)
    print("-" * len(header))
    failed = 0
    for name in only:
        build, vocab = cases[name]
        for n in (int(s) for s in args.sizes.split(",")):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", gb.GlassboxWarning)  # the size warning on the big ones
                model = gb.compile_rasp_to_model(build(n), vocab=set(vocab), max_seq_len=n)
            plan = sparse.plan(model.module)
            cells, same = [], True
            for b in batches:
                rng = random.Random(b)
                seqs = [[rng.choice(vocab) for _ in range(rng.randint(1, n))] for _ in range(b)]
                ids = model.encode(seqs)
                with torch.no_grad():
                    t_dense = _best(lambda m=model.module, ids=ids: m(ids), args.repeats)
                    t_sparse = _best(lambda m=model.module, p=plan, ids=ids: sparse.forward(p, m, ids), args.repeats)
                same &= model.run(seqs, sparse_pass=True) == model.run(seqs, sparse_pass=False)
                cells.append(f"{t_dense:9.4f} {t_sparse:10.4f} {t_dense / t_sparse:5.1f}")
            failed += not same
            print(f"{name:14s} {n:3d} {model.config.d_model:7d} {plan.dense_weights:11,d} {plan.sparse_weights:10,d} "
                  + " ".join(cells) + f"  {'yes' if same else 'NO'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
