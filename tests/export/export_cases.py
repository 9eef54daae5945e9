"""Shared fixtures of the export tests: every library program compiled once, and random inputs."""

import functools
import random

import glassbox as gb
from glassbox import programs, rasp
from glassbox.errors import EvaluationError
from glassbox.model.compiled import CompiledModel

PROGRAMS = tuple(programs.LIBRARY)


@functools.cache
def compiled(name: str, causal: bool = False, dtype: str = "float32") -> CompiledModel:
    """The library program `name` at its default vocab and length."""
    entry = programs.LIBRARY[name]
    return gb.compile_rasp_to_model(entry.build(entry.max_seq_len), vocab=entry.vocab,
                                    max_seq_len=entry.max_seq_len, causal=causal,
                                    compiler_bos="BOS", compiler_pad="PAD", dtype=dtype)


def random_seqs(model: CompiledModel, n: int, seed: int, length: "int | None" = None) -> list[list]:
    """`n` random inputs over the model's vocab: lengths 1..max_seq_len, or all `length` long."""
    rng = random.Random(seed)
    vocab = model.vocab
    return [[rng.choice(vocab) for _ in range(length or rng.randint(1, model.max_seq_len))] for _ in range(n)]


def check_outputs(model: CompiledModel, seqs: list[list], outputs: list[list], tol: float = 1e-4) -> None:
    """`outputs` (decoded from an exported copy) equal the RASP evaluator's on every input inside the
    program's contract, and the glassbox model's on every input; numerical values within `tol`."""
    assert model.program is not None
    ours = model.run(seqs)
    for seq, out, mine in zip(seqs, outputs, ours, strict=True):
        try:
            refs = [rasp.evaluate(model.program, seq, causal=model.config.causal), mine]
        except EvaluationError:
            refs = [mine]  # outside the program's contract (e.g. repeated keys in sort_unique)
        for ref in refs:
            assert len(out) == len(ref), (seq, out, ref)
            for o, r in zip(out, ref, strict=True):
                if isinstance(r, float) and o is not None:
                    assert abs(o - r) <= tol * max(1.0, abs(r)), (seq, out, ref)
                else:
                    assert o == r, (seq, out, ref)
