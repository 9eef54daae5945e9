"""`make demo`: compile the library's `sort`, verify it against the RASP evaluator, run an example."""

import argparse
import random
import sys
import time

import glassbox as gb
import glassbox.model.compiled  # noqa: F401  (imports torch up front, so the compile time below is the compiler)
from glassbox import programs


def main(argv: "list[str] | None" = None) -> int:
    """Compile a catalog program, check it on random inputs, print its shape and an example output."""
    parser = argparse.ArgumentParser(prog="python -m glassbox.demo", description=__doc__)
    parser.add_argument("program", nargs="?", default="sort", choices=sorted(programs.LIBRARY))
    parser.add_argument("--max-seq-len", type=int, default=None)
    parser.add_argument("--verify", type=int, default=500, help="random inputs checked against the evaluator")
    args = parser.parse_args(argv)

    entry = programs.LIBRARY[args.program]
    n = args.max_seq_len or entry.max_seq_len
    program = entry.build(n)
    t = time.perf_counter()
    model = gb.compile_rasp_to_model(program, vocab=set(entry.vocab), max_seq_len=n)
    ms = (time.perf_counter() - t) * 1e3
    print(f"program : {entry.name} — {entry.summary}")
    print(f"compiled in {ms:.1f} ms: {model}")

    rng = random.Random(0)
    seqs = [[rng.choice(entry.vocab) for _ in range(rng.randint(1, n))] for _ in range(args.verify)]
    checked, wrong = 0, []
    for seq, out in zip(seqs, model.run(seqs), strict=True):
        try:
            ref = program(seq)
        except gb.GlassboxError:
            continue  # outside the program's contract (e.g. sort_unique with repeated keys)
        checked += 1
        if not all(_same(a, b) for a, b in zip(out, ref, strict=True)):
            wrong.append((seq, out, ref))
    print(f"verified: {checked - len(wrong)}/{checked} random inputs match the RASP evaluator")
    xs = list(entry.example)
    print(f"input   : {xs}")
    print(f"output  : {model.run([xs])[0]}")
    print(f"RASP    : {program(xs)}")
    if wrong:
        print(f"MISMATCH, e.g. input {wrong[0][0]}: model {wrong[0][1]}, evaluator {wrong[0][2]}")
        return 1
    return 0


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-4 * max(1.0, abs(b))
    return a == b and (a is None) == (b is None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
