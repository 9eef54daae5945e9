"""The `glassbox superpose` verb: compress a compiled model exactly, or push it into superposition."""

import argparse
from pathlib import Path

_RAW = argparse.RawDescriptionHelpFormatter


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the bridge's verb."""
    p = sub.add_parser(
        "superpose", help="compress a compiled model (exactly, or into superposition) and measure it",
        formatter_class=_RAW,
        description="Compress a compiled model and measure what it still computes.\n"
        "SOURCE is a saved model folder or a program SPEC (as for `glassbox compile`).\n"
        "  --exact             reuse dead variables' dimensions (register allocation): still exact\n"
        "  --width D           one model of width D through a code (writes the model, results.json, overlap.png)\n"
        "  --widths LIST|all   the accuracy-against-width curve (results.json, curve.png; resumable)",
        epilog="examples:\n  glassbox superpose sort_unique --exact --out runs/exact\n"
        "  glassbox superpose sort_unique --width 11 --code learned --out runs/sort_unique_11\n"
        "  glassbox superpose models/hist --widths all --code random,analytic,learned --out runs/hist_curve")
    p.add_argument("source", metavar="SOURCE", help="saved model folder, or library name / module:fn / file.py:fn")
    p.add_argument("--vocab", help="for a program SPEC: comma-separated tokens (default for library programs: theirs)")
    p.add_argument("--max-seq-len", type=int, help="for a program SPEC: longest input (default: the library's)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--exact", action="store_true", help="exact compression by register allocation")
    mode.add_argument("--width", type=int, help="one residual width d")
    mode.add_argument("--widths", help="comma-separated widths, or 'all' (d_model down to 1)")
    p.add_argument("--code", default="learned", help="random | analytic | learned (comma-separated for a sweep; "
                   "default learned)")
    p.add_argument("--steps", type=int, default=600, help="learned code: AdamW steps (default 600)")
    p.add_argument("--zipf", type=float, default=0.0,
                   help="learned/analytic: token frequency exponent (input sparsity; default 0, uniform)")
    p.add_argument("--seed", type=int, default=0, help="seed for codes and inputs (default 0)")
    p.add_argument("--eval", type=int, default=200, metavar="N", help="inputs scored per point (default 200)")
    p.add_argument("--out", required=True, type=Path, help="folder to write into")
    p.set_defaults(func=_superpose)


def _superpose(args: argparse.Namespace) -> int:
    from glassbox.cli import specs
    from glassbox.errors import InputError
    from glassbox.superpose import codes, learn, plots, run
    from glassbox.superpose.allocate import compress_exact

    model = specs.load_or_compile(args.source, args.vocab, args.max_seq_len)
    if args.exact:
        compressed = compress_exact(model)
        c, s = compressed.model.config, model.config
        out = compressed.model.save(args.out / "model")
        print(f"exact: d_model {s.d_model} -> {c.d_model} ({compressed.reduction:.2f}x), d_mlp {s.d_mlp} -> {c.d_mlp}, "
              f"{len(compressed.allocation.erase)} erasures")
        print(out)
        return 0
    kinds = [k.strip() for k in args.code.split(",") if k.strip()]
    bad = [k for k in kinds if k not in codes.CODES]
    if bad or not kinds:
        raise InputError(f"--code: unknown {bad or args.code!r}; choose from {', '.join(codes.CODES)}")
    cfg = learn.LearnConfig(steps=args.steps, zipf=args.zipf, seed=args.seed)
    cfg.check()
    d_model = model.config.d_model
    if args.width is not None:
        if len(kinds) != 1:
            raise InputError("--width takes one --code; use --widths for several")
        sp = run.superpose(model, args.width, kinds[0], seed=args.seed, learn_config=cfg)
        point = run.measure_point(sp, run.evaluation_inputs(model, args.eval, args.seed))
        run.save(sp, args.out)
        run._write_json(args.out / run.RESULTS_FILE, {"settings": {"seed": args.seed, "n_eval": args.eval},
                                                      "points": [point.to_dict()]})
        plots.save(plots.overlap(sp.code), args.out / "overlap.png")
        a, g = point.accuracy, point.geometry
        print(f"{kinds[0]} code, width {args.width} of {d_model}: output accuracy {a.output_positions:.3f} "
              f"(sequences {a.output_sequences:.3f}), variables {a.mean_variable:.3f}; mean D_i "
              f"{g.mean_dimensionality:.3f}, {len(g.superposed)} features with 0 < D_i < 1")
        for name in ("model", "code.json", run.RESULTS_FILE, "overlap.png"):
            print(args.out / name)
        return 0
    widths = list(range(d_model, 0, -1)) if args.widths.strip() == "all" else _parse_widths(args.widths)
    from tqdm import tqdm

    with tqdm(total=len(widths) * len(kinds), desc="superpose", unit="model") as bar:
        run.sweep(model, widths, kinds, seed=args.seed, n_eval=args.eval, learn_config=cfg,
                  out=args.out, on_point=lambda _: bar.update())
    points = run.load_points(args.out / run.RESULTS_FILE)
    plots.save(plots.curve(points, d_model, title=str(args.source)), args.out / "curve.png")
    for kind in kinds:
        ok = [p["width"] for p in points if p["code"] == kind and p["output_accuracy"] >= 0.99]
        print(f"{kind}: smallest width with >= 99% output accuracy: {min(ok) if ok else 'none'} (of {d_model})")
    print(args.out / run.RESULTS_FILE)
    print(args.out / "curve.png")
    return 0


def _parse_widths(text: str) -> list[int]:
    from glassbox.errors import InputError

    try:
        widths = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--widths: expected comma-separated integers or 'all', got {text!r}") from None
    if not widths:
        raise InputError("--widths: no widths given")
    return widths
