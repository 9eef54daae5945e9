"""Compile benchmark: size, compile time and forward time of every library program, beside tracr.

tracr's numbers are copied from shared/refs/tracr_sizes.md §3 and §8 (same 2-core CPU class,
jax 0.10.2, warm compile = median of 3 calls, forward = jitted batch of 64). Ours: warm compile
= median of 5 calls after one warm-up; forward = median of 20 calls of the torch module on a
batch of 64 random inputs of length max_seq_len (BOS included), torch.no_grad, one torch thread.

Run: .venv/bin/python bench/compile.py [--sizes 5,10,20,40] [--only paper]
"""

import argparse
import random
import statistics
import subprocess
import sys
import time

import torch

import glassbox as gb
from glassbox import programs, rasp

P = programs
torch.set_num_threads(1)  # tiny matmuls: one thread is fastest and far less noisy on a shared machine
ABCD = ("a", "b", "c", "d")
# name, builder(N), vocab, N, tracr: layers, d_model, max MLP width, warm compile ms, jit forward ms
TRACR_CASES = [
    ("length", lambda n: P.make_length(), ABCD, 5, 1, 19, 12, 32.1, 0.529),
    ("reverse", lambda n: P.make_reverse(rasp.tokens), ABCD, 5, 4, 43, 30, 106, 1.035),
    ("hist", lambda n: P.make_hist(), ABCD, 5, 1, 19, 12, 23, 0.302),
    ("sort_unique", lambda n: P.make_sort_unique(rasp.tokens, rasp.tokens), (1, 2, 3, 4), 5, 2, 23, 12, 32, 0.599),
    ("sort", lambda n: P.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1), (1, 2, 3, 4), 5,
     3, 43, 20, 51, 1.440),
    ("sort_freq", lambda n: P.make_sort_freq(n), (1, 2, 3, 4), 5, 5, 66, 30, 96, 2.287),
    ("frac_prevs", lambda n: P.make_frac_prevs(rasp.numerical(rasp.tokens == "l")), ("e", "h", "l", "o"), 5,
     2, 14, 1, 45, 0.531),
    ("pair_balance", lambda n: P.make_pair_balance(rasp.tokens, "(", ")"), ("(", ")", "a", "b", "c"), 10,
     2, 23, 4, 61, 1.022),
    ("shuffle_dyck", lambda n: P.make_shuffle_dyck(["()"]), ("(", ")"), 5, 6, 38, 106, 85, 1.703),
    ("shuffle_dyck2", lambda n: P.make_shuffle_dyck2(), ("(", ")", "{", "}"), 5, 8, 55, 212, 192, 5.496),
    ("shuffle_dyck3", lambda n: P.make_shuffle_dyck(["()", "[]", "{}"]), tuple("()[]{}"), 6, 9, 73, 438, 172,
     16.386),
    ("shift_by(1)", lambda n: P.shift_by(1, rasp.tokens), ABCD, 5, 1, 16, 0, 22, 0.252),
    ("detect_pattern(abc)", lambda n: P.detect_pattern(rasp.tokens, "abc"), ("a", "b", "c"), 6, 3, 26, 6, 48,
     0.606),
    ("count_less_freq(2)", lambda n: P.make_count_less_freq(2), ABCD, 6, 2, 29, 14, 55, 0.583),
    ("count(a)", lambda n: P.make_count(rasp.tokens, "a"), ("a", "b", "c"), 8, 1, 24, 18, 37, 0.316),
    ("nary(x+y-z)", lambda n: P.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens, rasp.tokens,
                                                       rasp.indices), (1, 2, 3), 5, 3, 74, 45, 99, 1.029),
]


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def measure(build, vocab, n: int) -> dict:
    program = build(n)
    compile_ = lambda: gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=n)  # noqa: E731
    model = compile_()
    compile_ms = _median_ms(compile_, 5)
    rng = random.Random(0)
    ids = model.encode([[rng.choice(vocab) for _ in range(n)] for _ in range(64)])
    with torch.no_grad():
        model.module(ids)
        fwd_ms = _median_ms(lambda: model.module(ids), 20)
    c = model.config
    mlp = max(sum(u for _, _, u in layer) for layer in model.compilation.assembled.mlp_units) if c.n_layers else 0
    params = sum(p.numel() for p in model.module.parameters())
    return dict(layers=c.n_layers, d=c.d_model, heads=c.n_heads, mlp=mlp, params=params,
                compile_ms=compile_ms, fwd_ms=fwd_ms)


def process_time() -> float:
    code = ("import glassbox as gb; from glassbox import programs; e = programs.LIBRARY['sort'];"
            "m = gb.compile_rasp_to_model(e.build(5), vocab=set(e.vocab), max_seq_len=5); m.run([list(e.example)])")
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,10,20", help="max_seq_len values for the library sweep")
    parser.add_argument("--only", choices=["paper"], help="only the RASP paper's / RASP-L's programs")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.only != "paper":
        tracr_tables(sizes)
    print("\n## The RASP paper's and RASP-L's programs at several lengths (catalog vocab; tracr compiles none)\n")
    sweep([name for name, e in programs.LIBRARY.items() if e.source == "paper"], sizes)
    if args.only != "paper":
        print(f"\nwhole process (import glassbox, compile sort, run one input): {process_time():.2f} s (median of 3)")


def sweep(names: list, sizes: list) -> None:
    print("| program | N | layers | d_model | max MLP | heads | params | compile ms | fwd B=64 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        entry = programs.LIBRARY[name]
        for n in sizes:
            r = measure(entry.build, entry.vocab, n)
            print(f"| {name} | {n} | {r['layers']} | {r['d']} | {r['mlp']} | {r['heads']} | {r['params']:,} | "
                  f"{r['compile_ms']:.2f} | {r['fwd_ms']:.3f} |")


def tracr_tables(sizes: list) -> None:
    print("## Against tracr, at tracr's test vocab and length (ours | tracr)\n")
    print("| program | N | layers | d_model | max MLP | heads | params | compile ms | fwd B=64 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, build, vocab, n, tl, td, tm, tc, tf in TRACR_CASES:
        r = measure(build, vocab, n)
        print(f"| {name} | {n} | {r['layers']} \\| {tl} | {r['d']} \\| {td} | {r['mlp']} \\| {tm} | {r['heads']} | "
              f"{r['params']:,} | {r['compile_ms']:.2f} \\| {tc:.0f} | {r['fwd_ms']:.3f} \\| {tf:.3f} |")
    print("\n## Library at several lengths (catalog vocab)\n")
    sweep([name for name, e in programs.LIBRARY.items() if e.source == "tracr"], sizes)


if __name__ == "__main__":
    main()
