"""`glassbox fuzz`: random programs compiled and checked against the RASP evaluator (glassbox.fuzz)."""

import argparse
from pathlib import Path

from glassbox.cli import specs


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the fuzzer's verb."""
    p = sub.add_parser(
        "fuzz", help="compile random programs and compare them with the RASP evaluator",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate typed random RASP programs (program i of a seed is always the same), compile each,\n"
        "compare the model with the evaluator on every input (or 300 random ones), and shrink every\n"
        "wrong answer or crash to a minimal program, written as a runnable .py file under --out.\n"
        "Exit status 1 if any program failed.",
        epilog="examples:\n  glassbox fuzz --n 1000 --seed 0\n  glassbox fuzz --n 200 --seed 3 --causal --out fuzz_out")
    p.add_argument("--n", type=specs.count, default=1000, help="how many programs (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="the campaign seed (default 0)")
    p.add_argument("--start", type=specs.count, default=0, help="the first program index (default 0)")
    p.add_argument("--causal", action="store_true", help="compile causally, compare with the causal evaluator")
    p.add_argument("--dtype", choices=["auto", "float32", "float64"], default="auto",
                   help="the models' dtype (default auto: float32 where its error bound holds, else float64)")
    p.add_argument("--out", type=Path, default=Path("fuzz_failures"),
                   help="folder for the shrunk failures and summary.json (default fuzz_failures/)")
    p.add_argument("--jobs", type=specs.count, default=1, help="worker processes (default 1)")
    p.add_argument("--no-shrink", action="store_true", help="save failures as generated, unshrunk")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_fuzz)
    d = sub.add_parser(
        "dataset", help="write a dataset of verified compiled programs (source, tokens, weights, circuit, samples)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write --n fuzzed programs, each compiled, checked against the evaluator, saved, reloaded and\n"
        "checked again, deduplicated, as shards of entries (program.py, program.json tokens, model.safetensors +\n"
        "glassbox.json with the circuit map, samples.json) with a manifest.jsonl; rerunning resumes.\n"
        "The format is documented in glassbox.fuzz.dataset.",
        epilog="examples:\n  glassbox dataset --n 200 --out data/programs\n"
        "  glassbox dataset --n 10000 --out data/programs --seed 1 --max-layers 4")
    d.add_argument("--n", type=specs.count, required=True, help="how many entries")
    d.add_argument("--out", type=Path, required=True, help="the dataset folder (created, or resumed)")
    d.add_argument("--seed", type=int, default=0, help="the generator seed (default 0)")
    d.add_argument("--max-layers", type=specs.count, default=None, help="skip programs of more layers")
    d.add_argument("--causal", action="store_true", help="compile causally (the evaluator's causal meaning)")
    d.set_defaults(func=_dataset)


def _fuzz(args: argparse.Namespace) -> int:
    from glassbox import fuzz
    from glassbox.errors import InputError

    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out {args.out}: is a file; failures are written into a folder")
    summary = fuzz.run(args.n, args.seed, start=args.start, causal=args.causal, dtype=args.dtype, out=args.out,
                       do_shrink=not args.no_shrink, jobs=max(1, args.jobs), progress=not args.no_progress)
    print(summary.to_text())
    print(args.out / "summary.json")
    return 1 if summary.failures else 0


def _dataset(args: argparse.Namespace) -> int:
    from glassbox.fuzz import dataset

    entries = dataset.build_dataset(args.out, args.n, seed=args.seed, causal=args.causal,
                                    max_layers=args.max_layers or None)
    print(f"{len(entries)} verified entries in {args.out} (manifest: {args.out / 'manifest.jsonl'})")
    return 0
