"""10,000 fuzzed programs (several seeds, plain and causal): compiled, checked against the evaluator, failures
shrunk; prints one summary per campaign and the totals (the numbers quoted in the README).

    .venv/bin/python bench/fuzz.py [--n 10000] [--seeds 0,1,2,3] [--jobs 2] [--out fuzz_bench]
"""

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from glassbox import fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="programs in all, split evenly over the campaigns")
    parser.add_argument("--seeds", default="0,1,2,3", help="one plain campaign per seed (the last one causal)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("fuzz_bench"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    per = args.n // len(seeds)
    totals: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    compile_s: list[float] = []
    failures = 0
    began = time.perf_counter()
    for k, seed in enumerate(seeds):
        causal = k == len(seeds) - 1 and len(seeds) > 1
        summary = fuzz.run(per, seed, causal=causal, out=args.out / f"seed{seed}", jobs=args.jobs, progress=True)
        print(summary.to_text(), flush=True)
        totals.update(summary.counts)
        reasons.update(summary.reasons)
        compile_s += summary.compile_s
        failures += len(summary.failures)
    n = per * len(seeds)
    print(f"\nall: {n} programs in {time.perf_counter() - began:.0f} s: {totals.get('ok', 0)} exact, "
          f"{totals.get('mismatch', 0)} mismatches, {totals.get('exception', 0)} exceptions, "
          f"{totals.get('rejected', 0)} rejected ({100 * totals.get('rejected', 0) / max(n, 1):.2f}%), "
          f"{totals.get('vacuous', 0)} vacuous, {totals.get('timeout', 0)} timeouts; compile max "
          f"{max(compile_s, default=0):.2f} s, {sum(t > 10 for t in compile_s)} over 10 s")
    for (status, reason), count in reasons.most_common():
        print(f"  {count:5d}  {status}: {reason}")
    (args.out / "totals.json").write_text(json.dumps({"n": n, "counts": dict(totals), "failures": failures,
                                                      "compile_s_max": max(compile_s, default=0)}, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
