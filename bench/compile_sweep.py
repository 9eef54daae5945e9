"""The full faithfulness sweep: every case of tests/compiler/cases.py with its full input count, plus
larger sizes, torch vs the evaluator; prints a table (program, N, vocab, inputs, layers, d_model,
compile s, torch s, mismatches, max relative numerical error).

    .venv/bin/python bench/compile_sweep.py [--sizes 5,10,20,40,60] [--n-random 300]
"""

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.compiler import cases  # noqa: E402

from glassbox import programs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,10,20,40")
    parser.add_argument("--n-random", type=int, default=cases.RANDOM_PER_SIZE)
    parser.add_argument("--only", default="", help="comma-separated program names")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    only = set(filter(None, args.only.split(",")))
    rows, failed = [], 0
    header = f"{'case':30s} {'inputs':>6s} {'L':>2s} {'d_model':>7s} {'compile s':>9s} {'torch s':>8s} " \
             f"{'bad':>5s} {'max rel err':>11s}"
    print(header)
    print("-" * len(header))
    for name, entry in programs.LIBRARY.items():
        if only and name not in only:
            continue
        for n in sizes:
            for dtype in ("float32", "float64"):
                case = cases.Case(f"{name}-N{n}-{dtype}", entry.build, tuple(entry.vocab), n, dtype=dtype,
                                  n_random=args.n_random)
                if name in ("shuffle_dyck", "shuffle_dyck2"):
                    pairs = ["()"] if name == "shuffle_dyck" else ["()", "{}"]
                    case = dataclasses.replace(case, extra=cases.balanced_shuffles(pairs, 100))
                t = time.perf_counter()
                model = cases.gb.compile_rasp_to_model(entry.build(n), vocab=set(entry.vocab), max_seq_len=n,
                                                       dtype=dtype)
                t_compile = time.perf_counter() - t
                seqs, want = cases.reference(entry.build(n), cases.generate_inputs(case), False)
                t = time.perf_counter()
                got = model.run(seqs)
                t_run = time.perf_counter() - t
                bad, worst = cases.mismatches(got, want, seqs, model.numerical_output, cases.TOLERANCE[dtype])
                failed += bool(bad)
                c = model.config
                print(f"{case.id:30s} {len(seqs):6d} {c.n_layers:2d} {c.d_model:7d} {t_compile:9.3f} {t_run:8.3f} "
                      f"{len(bad):5d} {worst:11.3g}", flush=True)
                rows.append((case.id, bad))
    for case_id, bad in rows:
        for line in bad[:3]:
            print(f"MISMATCH {case_id}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
