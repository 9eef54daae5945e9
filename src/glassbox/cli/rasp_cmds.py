"""`glassbox programs|compile|run|generate|inspect|report|export`: the RASP compiler's commands.

Each command parses its arguments and calls the library (`glassbox.compile_rasp_to_model`,
`glassbox.load`, `glassbox.inspect`, `glassbox.export`); errors from there exit with status 2.
"""

import argparse
import types
from pathlib import Path

from glassbox.cli import specs
from glassbox.errors import GlassboxError, InputError

_RAW = argparse.RawDescriptionHelpFormatter


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the compiler's verbs."""
    p = sub.add_parser("programs", help="list the RASP program library", formatter_class=_RAW,
                       description="List the library's programs with their one-line summaries.",
                       epilog="example:\n  glassbox programs")
    p.set_defaults(func=_programs)

    p = sub.add_parser(
        "compile", help="compile a RASP program and save the model", formatter_class=_RAW,
        description="Compile a RASP program to a transformer and save it (model.safetensors + glassbox.json).\n"
        "SPEC is a library name (see `glassbox programs`), module:function or path/to/file.py:function;\n"
        "the function returns an SOp (it is passed max_seq_len if it takes that argument).",
        epilog="examples:\n  glassbox compile sort --vocab 1,2,3,4 --max-seq-len 5 --out models/sort --verify 200\n"
        "  glassbox compile examples/my_programs.py:make_program --vocab a,b,c --max-seq-len 8 --causal \\\n"
        "      --out models/mine")
    p.add_argument("spec", metavar="SPEC", help="library name, module:function or file.py:function")
    p.add_argument("--vocab", help="comma-separated tokens (ints where they look like ints); "
                   "default for library programs: theirs")
    p.add_argument("--max-seq-len", type=int, help="longest input (default for library programs: theirs)")
    p.add_argument("--causal", action="store_true", help="causal attention (each position sees only its past)")
    p.add_argument("--out", required=True, type=Path, help="directory to write the model to")
    p.add_argument("--verify", type=specs.count, default=0, metavar="N",
                   help="check N random inputs against the RASP evaluator (exit 1 on a mismatch)")
    p.add_argument("--max-params", type=specs.count, default=None, metavar="N",
                   help="refuse, before building it, a model with more parameters (above 50M a warning shows "
                        "the size either way)")
    p.set_defaults(func=_compile)

    p = sub.add_parser("run", help="run a saved model on inputs", formatter_class=_RAW,
                       description="Run a saved model and print one line of outputs per input sequence.",
                       epilog="examples:\n  glassbox run models/sort 3 1 2\n"
                       "  glassbox run models/sort --input-file inputs.txt   # one sequence per line")
    _model_and_tokens(p, allow_file=True)
    p.set_defaults(func=_run)

    p = sub.add_parser("generate", help="generate tokens greedily from a saved model", formatter_class=_RAW,
                       description="Feed the model's output at the last position back as the next token, up to\n"
                       "--max-new-tokens times (or to the model's max_seq_len, a --stop token, or a None output),\n"
                       "and print the prompt followed by the generated tokens.",
                       epilog="example:\n  glassbox compile count_to --causal --out models/count_to\n"
                       "  glassbox generate models/count_to 2 5 --max-new-tokens 8      # 2 5 2 3 4 5")
    _model_and_tokens(p)
    p.add_argument("--max-new-tokens", type=specs.count, required=True, metavar="K",
                   help="the most tokens to append")
    p.add_argument("--stop", action="append", default=[], metavar="TOKEN",
                   help="end once this token is generated (repeatable)")
    p.set_defaults(func=_generate)

    p = sub.add_parser("inspect", help="print the residual stream decoded by variable", formatter_class=_RAW,
                       description="Print, after the embedding and after every sublayer, which value every "
                       "program variable holds\nat every position (rows marked * are new at that stage).",
                       epilog="examples:\n  glassbox inspect models/sort 3 1 2\n"
                       "  glassbox inspect models/sort 3 1 2 --margins --figures figs/")
    _model_and_tokens(p)
    p.add_argument("--margins", action="store_true", help="show each categorical read's margin over the runner-up")
    p.add_argument("--figures", type=Path, metavar="DIR",
                   help="also write graph.png, attention.png and residual.png to DIR")
    p.set_defaults(func=_inspect)

    p = sub.add_parser("report", help="write a self-contained HTML report for one input", formatter_class=_RAW,
                       description="Write one offline HTML page: the program graph coloured by layer, the residual "
                       "decode per stage,\nthe attention patterns and the raw residual stream.",
                       epilog="example:\n  glassbox report models/sort 3 1 2 --out report.html")
    _model_and_tokens(p)
    p.add_argument("--out", required=True, type=Path, help="the .html file to write")
    p.set_defaults(func=_report)

    p = sub.add_parser("export", help="export a saved model to TransformerLens or ONNX, or its circuit as JSON",
                       formatter_class=_RAW,
                       description="Export a saved model: a TransformerLens model (safetensors + config.json; a "
                       "TransformerBridge with\nTransformerLens 4, glassbox[tl], or a HookedTransformer with 3.x, "
                       "glassbox[tl3]), an ONNX graph\n(glassbox[onnx]), or its ground-truth circuit (nodes, edges and "
                       "each expression's residual\ndirections, as JSON).",
                       epilog="examples:\n  glassbox export models/sort --to transformer-lens --out models/sort-tl\n"
                       "  glassbox export models/sort --to onnx --out sort.onnx\n"
                       "  glassbox export models/sort --to circuit --out sort_circuit.json")
    p.add_argument("model", metavar="DIR", type=Path, help="a model saved by `glassbox compile`")
    p.add_argument("--to", required=True, choices=["transformer-lens", "onnx", "circuit"])
    p.add_argument("--out", required=True, type=Path, help="directory (transformer-lens), .onnx or .json file")
    p.add_argument("--tl-version", type=int, choices=[3, 4], default=None,
                   help="TransformerLens major version to write for (default: the installed one)")
    p.set_defaults(func=_export)


def _model_and_tokens(p: argparse.ArgumentParser, allow_file: bool = False) -> None:
    p.add_argument("model", metavar="DIR", type=Path, help="a model saved by `glassbox compile`")
    p.add_argument("tokens", nargs="*", metavar="TOKEN", help="the input sequence (no BOS)")
    if allow_file:
        p.add_argument("--input-file", type=Path, help="one input sequence per line (tokens split by spaces/commas)")


def _programs(args: argparse.Namespace) -> int:
    from glassbox import programs

    width = max(len(name) for name in programs.LIBRARY)
    for name, entry in programs.LIBRARY.items():
        print(f"{name:{width}s}  {entry.summary}{'  [paper]' if entry.source == 'paper' else ''}")
    return 0


def _compile(args: argparse.Namespace) -> int:
    import glassbox as gb
    from glassbox.cli import specs
    from glassbox.inspect import verification

    if args.out.exists() and not args.out.is_dir():
        raise gb.InputError(f"--out {args.out}: is a file; a model is saved as a folder")
    program, vocab, n = specs.program_settings(args.spec, args.vocab, args.max_seq_len)
    model = gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=n, causal=args.causal,
                                     max_params=args.max_params)
    c = model.config
    n_params = sum(p.numel() for p in model.module.parameters())
    print(f"compiled {program.label}: {c.n_layers} layers, d_model={c.d_model}, {c.n_heads} head(s) of "
          f"d_head={c.d_head}, d_mlp={c.d_mlp}, {n_params:,} parameters; vocab {vocab}, max_seq_len {n}"
          f"{', causal' if args.causal else ''}, {model.precision.dtype}"
          f"{' (the float32 error bound does not hold)' if model.precision.dtype == 'float64' else ''}")
    status = 0
    if args.verify:
        result = verification.verify(model, program, args.verify)
        print(result.summary())
        status = 0 if result.ok else 1
    out = model.save(args.out)
    for name in ("model.safetensors", "glassbox.json"):
        print(Path(out) / name)
    return status


def _load_with_inputs(args: argparse.Namespace) -> tuple:
    import glassbox as gb
    from glassbox.cli import specs

    model = gb.load(args.model)
    if getattr(args, "input_file", None) is not None:
        if args.tokens:
            raise gb.InputError("give the input either as TOKENs or with --input-file, not both")
        seqs = specs.read_input_file(model, args.input_file)
    elif not args.tokens:
        example = " ".join(map(str, list(model.vocab)[:3]))
        raise gb.InputError(f"no input: give the tokens after {args.model} (e.g. `{example}`)"
                            + (" or --input-file FILE" if hasattr(args, "input_file") else ""))
    else:
        seqs = [specs.parse_tokens(model, args.tokens)]
    return model, seqs


def _run(args: argparse.Namespace) -> int:
    model, seqs = _load_with_inputs(args)
    for out in model.run(seqs) if seqs else []:
        print(" ".join("-" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v) for v in out))
    return 0


def _generate(args: argparse.Namespace) -> int:
    from glassbox.cli import specs

    model, (seq,) = _load_with_inputs(args)
    outputs = [v for v in model.output_values or () if v not in model.vocab]
    stops = specs.parse_tokens(types.SimpleNamespace(vocab=model.vocab + outputs), args.stop, where="--stop")
    (out,) = model.generate([seq], args.max_new_tokens, stop=stops)
    print(" ".join(map(str, out)))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    if args.figures is not None and args.figures.exists() and not args.figures.is_dir():
        raise InputError(f"--figures {args.figures}: is a file; give the folder to write the figures into")
    model, (seq,) = _load_with_inputs(args)
    table = model.decode_residual(seq)
    print(table.to_text(margins=args.margins))
    if args.figures is not None:
        from glassbox.inspect import plots

        _, cache = model.run_with_cache([seq])
        for name, fig in (("graph.png", plots.program_graph(model)),
                          ("attention.png", plots.attention_patterns(model, cache, seq=seq)),
                          ("residual.png", plots.residual_heatmaps(model, cache, seq=seq))):
            print(plots.save(fig, args.figures / name))
    return 0


def _report(args: argparse.Namespace) -> int:
    from glassbox.inspect import report

    model, (seq,) = _load_with_inputs(args)
    print(report.write_report(model, seq, args.out))
    return 0


def _export(args: argparse.Namespace) -> int:
    import glassbox as gb

    model = gb.load(args.model)
    if args.to == "circuit":
        from glassbox.export import circuit

        print(circuit.save(model.circuit_edges(), args.out))
        return 0
    try:
        if args.to == "transformer-lens":
            from glassbox.export import transformer_lens

            path = transformer_lens.save_transformer_lens(model, args.out, args.tl_version)
        else:
            path = model.to_onnx(args.out)
    except ImportError as exc:
        extra = ("tl3" if args.tl_version == 3 else "tl") if args.to == "transformer-lens" else "onnx"
        raise GlassboxError(f"exporting to {args.to} needs the optional extra: pip install 'glassbox[{extra}]' "
                            f"({exc})") from exc
    print(path)
    return 0
