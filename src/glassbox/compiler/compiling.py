"""The compiler pipeline, one pass per line: RASP program → `CompiledModel`."""

import dataclasses
from collections.abc import Iterable
from typing import Any

from glassbox import rasp
from glassbox.compiler import (
    assemble,
    budget,
    causality,
    circuit,
    encodings,
    graph,
    lower,
    precision,
    schedule,
    to_torch,
    validate,
    values,
)
from glassbox.compiler import verify as verifying
from glassbox.compiler.nodes import Compilation
from glassbox.errors import CompileError
from glassbox.model.compiled import CompiledModel


def compile_rasp_to_model(
    program: rasp.SOp,
    vocab: Iterable[Any],
    max_seq_len: int,
    causal: bool = False,
    compiler_bos: Any = "BOS",
    compiler_pad: Any = "PAD",
    mlp_exactness: "float | None" = None,
    dtype: str = "auto",
    max_params: "int | None" = None,
    strict_causal: bool = False,
    verify: "int | str | None" = None,
) -> CompiledModel:
    """Compile a RASP program to an exact transformer (tracr's signature).

    Args:
        program: the output SOp.
        vocab: the input tokens.
        max_seq_len: the longest input (BOS excluded).
        causal: compile for causal attention (the reference is `evaluate(..., causal=True)`).
        compiler_bos, compiler_pad: the BOS and PAD tokens (outside `vocab`).
        mlp_exactness: accepted for tracr compatibility and ignored: every scale is derived.
        dtype: "float32" or "float64" for the torch model, or "auto": float32 unless the worst-case float
            error of some output or decision exceeds the contract there, then float64 (see
            `glassbox.compiler.precision`; `model.precision` has every bound and margin).
        max_params: refuse (before building any dense weight) a model that would have more
            parameters; None: no limit, but a `GlassboxWarning` with the size above 50M.
        strict_causal: with `causal=True`, refuse a program not proved prefix-stable (by default a
            `GlassboxWarning` names its look-ahead expressions; see `glassbox.rasp.prefix_stable`).
        verify: before returning, compare the model with the evaluator on this many random inputs, or on
            every input ("exhaustive"); the result is `model.verification` (inputs on which the
            evaluator raises are skipped and counted there).

    Returns:
        A `glassbox.CompiledModel`.

    Raises:
        CompileError: listing every expression that cannot be compiled, before any weights exist.
        VerificationError: with `verify`, the first input on which the model and the evaluator differ.
    """
    del mlp_exactness  # precision is derived from the value sets and max_seq_len
    options = validate.check_arguments(program, vocab, max_seq_len, causal, compiler_bos, compiler_pad, dtype)
    causality.check(program, options, strict_causal)
    dag = graph.build(program)
    sets = values.infer(dag, options)
    chosen = encodings.choose(dag, sets, options)
    if chosen.problems:
        raise CompileError(chosen.problems)
    lowered = lower.lower(dag, sets, chosen, options)
    plan = schedule.schedule(lowered)
    budget.check(budget.size(chosen, lowered, plan, options), dag.label(program), options, max_params)
    checked = precision.choose(dag, sets, chosen, lowered, options, options.auto_dtype)
    if checked.problems:
        raise CompileError(checked.problems)
    options = dataclasses.replace(options, dtype=checked.dtype)
    assembled = assemble.assemble(chosen, lowered, plan, options)
    comp = Compilation(options, dag, sets, chosen, lowered, plan, assembled, checked)
    model = CompiledModel(
        to_torch.to_torch(assembled, options), residual_labels=assembled.ir.residual.labels,
        token_ids=assembled.token_ids, output_values=chosen.output_values, bos=options.bos, pad=options.pad,
        max_seq_len=options.max_seq_len, circuit=circuit.build(comp), program=program, compilation=comp)
    if verify:
        model.verification = verifying.verify(model, program, verify, dag.sink_label)
    return model
