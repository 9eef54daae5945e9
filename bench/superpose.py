"""The bridge's benchmark: exact compression of every library program, and width sweeps in superposition.

Prints three tables (quoted in the README) and writes docs/superpose_story.png:

1. exact compression (register allocation): d_model, d_mlp and parameters before/after, N = 5, 10, 20;
2. per program (frac_prevs, sort_unique, hist at N = 5): the accuracy-against-width curve for the
   random, analytic and learned codes, from d_model down to 1, with the smallest width >= 99% and
   whether it is in superposition (some 0 < D_i < 1), and the wall time of each code's sweep;
3. an SAE (TopK, k = the true L0 rounded up) trained on the residual stream at the last stage,
   scored with MCC against the RASP variable-value directions, at a few widths.

Run: .venv/bin/python bench/superpose.py [--quick]
"""

import argparse
import math
import pathlib
import time

import torch

import glassbox as gb
from glassbox import programs, sae, superpose
from glassbox.superpose import ground_truth, learn, plots, run

torch.set_num_threads(1)
ROOT = pathlib.Path(__file__).resolve().parents[1]
SWEEP_PROGRAMS = ("frac_prevs", "sort_unique", "hist")


def exact_table(sizes: tuple[int, ...]) -> None:
    print("| program | N | d_model | compressed | × | d_mlp | compressed | params | compressed | exact on 200 inputs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, entry in sorted(programs.LIBRARY.items()):
        for n in sizes:
            model = gb.compile_rasp_to_model(entry.build(n), vocab=set(entry.vocab), max_seq_len=n)
            small = superpose.compress_exact(model)
            seqs = run.evaluation_inputs(model, 200, 0)
            same = small.model.run(seqs) == model.run(seqs)
            params = sum(p.numel() for p in model.module.parameters())
            small_params = sum(p.numel() for p in small.model.module.parameters())
            c, s = small.model.config, model.config
            print(f"| {name} | {n} | {s.d_model} | {c.d_model} | {small.reduction:.2f} | {s.d_mlp} | {c.d_mlp} | "
                  f"{params:,} | {small_params:,} | {'yes' if same else 'NO'} |")


def sweeps(steps: int, n_eval: int) -> dict[str, tuple[list, int]]:
    out: dict[str, tuple[list, int]] = {}
    print("\n| program | d_model | code | sweep s | smallest width >= 99% | superposed there | accuracy at d_model/2 |")
    print("|---|---|---|---|---|---|---|")
    for name in SWEEP_PROGRAMS:
        entry = programs.LIBRARY[name]
        model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
        D = model.config.d_model
        rows = []
        for kind in ("random", "analytic", "learned"):
            t = time.perf_counter()
            points = run.sweep(model, list(range(D, 0, -1)), [kind], n_eval=n_eval,
                               learn_config=learn.LearnConfig(steps=steps))
            seconds = time.perf_counter() - t
            dicts = [p.to_dict() for p in points]
            rows += dicts
            ok = [p for p in points if p.accuracy.output_positions >= 0.99]
            best = min(ok, key=lambda p: p.width) if ok else None
            half = next(p for p in points if p.width == max(1, D // 2))
            sup = f"{len(best.geometry.superposed)} features" if best and best.geometry.superposed else "no"
            print(f"| {name} | {D} | {kind} | {seconds:.1f} | {best.width if best else 'none'} | {sup} | "
                  f"{half.accuracy.output_positions:.2f} |")
        out[name] = (rows, D)
    return out


def sae_table(widths_of: dict[str, list[int]], steps: int) -> dict[str, dict[tuple[str, int], float]]:
    mcc: dict[str, dict[tuple[str, int], float]] = {}
    print("\n| program | code | width | features | true L0 | SAE | MCC | explained variance | dead |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, widths in widths_of.items():
        entry = programs.LIBRARY[name]
        model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
        seqs = run.evaluation_inputs(model, 2000, 1)
        mcc[name] = {}
        for kind in ("analytic", "learned"):
            for width in widths:
                sp = superpose.superpose(model, width, kind, learn_config=learn.LearnConfig(steps=steps))
                source = ground_truth.recorded(sp, seqs)
                n = source.feature_dict.num_features
                k = max(1, math.ceil(source.true_l0))
                trained = sae.train_sae(source, sae.SAEConfig(architecture="topk", d_sae=2 * n, k=k),
                                        sae.TrainConfig(steps=1500, batch_size=512))
                ev = sae.eval_sae_on_synthetic_data(trained.sae, source, num_samples=None)
                mcc[name][(kind, width)] = ev.mcc
                print(f"| {name} | {kind} | {width} | {n} | {source.true_l0:.2f} | topk k={k} | {ev.mcc:.3f} | "
                      f"{ev.explained_variance:.3f} | {ev.dead_latents} |")
    return mcc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 5 only, fewer learned steps and inputs")
    args = parser.parse_args()
    t0 = time.perf_counter()
    exact_table((5,) if args.quick else (5, 10, 20))
    curves = sweeps(steps=150 if args.quick else 600, n_eval=100 if args.quick else 200)
    widths = {name: sorted({D, max(1, (3 * D) // 4), max(1, D // 2)}, reverse=True) for name, (_, D) in curves.items()}
    mcc = sae_table(widths, steps=150 if args.quick else 600)
    fig = plots.story(curves, mcc)
    path = plots.save(fig, ROOT / "docs" / "superpose_story.png")
    print(f"\nfigure: {path.relative_to(ROOT)}; whole run {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
