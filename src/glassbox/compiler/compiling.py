"""The compiler pipeline, one pass per line: RASP program → `CompiledModel`."""

from typing import Any

from glassbox import rasp
from glassbox.compiler import assemble, lower, schedule, validate, values
from glassbox.compiler.nodes import Graph, Options
from glassbox.errors import CompileError


def compile_rasp_to_model(
    program: rasp.SOp,
    vocab: Any,
    max_seq_len: int,
    causal: bool = False,
    compiler_bos: Any = "BOS",
    compiler_pad: Any = "PAD",
    mlp_exactness: "float | None" = None,
    dtype: str = "float32",
) -> "Any":
    """Compile a RASP program to an exact transformer (tracr's signature).

    Args:
        program: the output SOp.
        vocab: the input tokens.
        max_seq_len: the longest input (BOS excluded).
        causal: compile for causal attention (the reference is `evaluate(..., causal=True)`).
        compiler_bos, compiler_pad: the BOS and PAD tokens (outside `vocab`).
        mlp_exactness: accepted for tracr compatibility and ignored: every scale is derived.
        dtype: "float32" or "float64" for the torch model.

    Returns:
        A `glassbox.model.CompiledModel`.

    Raises:
        CompileError: listing every expression that cannot be compiled, before any weights exist.
    """
    del mlp_exactness  # precision is derived from the value sets and max_seq_len
    vocab = validate.check_arguments(program, vocab, max_seq_len, compiler_bos, compiler_pad, dtype)
    options = Options(vocab, max_seq_len, causal, compiler_bos, compiler_pad, dtype)
    nodes = rasp.walk(program)
    graph = Graph(program, tuple(nodes), rasp.labels(program))
    sets = values.infer(nodes, vocab, max_seq_len)
    lowered, problems = lower.lower(graph, sets, options)
    if problems:
        raise CompileError(problems)
    plan = schedule.schedule(lowered.ops)
    assembled = assemble.assemble(lowered, plan, options)

    from glassbox.model.compiled import CompiledModel

    return CompiledModel.from_assembly(program, graph, sets, lowered, plan, assembled, options, dtype)
