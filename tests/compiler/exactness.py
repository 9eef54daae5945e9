"""One check shared by the language tests: a compiled model equals the evaluator on every input (or a sample)."""

import itertools
import random
from collections.abc import Sequence
from typing import Any

import glassbox as gb
from glassbox import rasp
from glassbox.errors import GlassboxError

EXHAUSTIVE_LIMIT = 20_000
RANDOM_INPUTS = 300
TOLERANCE = {"float32": 1e-4, "float64": 1e-9}


def inputs(vocab: Sequence[Any], n: int, seed: int = 0, count: int = RANDOM_INPUTS) -> list[list[Any]]:
    """Every sequence of length 1..n when there are at most 20,000, else `count` random ones (every length)."""
    vocab = list(vocab)
    if sum(len(vocab) ** k for k in range(1, n + 1)) <= EXHAUSTIVE_LIMIT:
        return [list(s) for k in range(1, n + 1) for s in itertools.product(vocab, repeat=k)]
    rng = random.Random(seed)
    return [[rng.choice(vocab) for _ in range(1 + i % n)] for i in range(count)]


def same(got: Any, want: Any, tol: float = TOLERANCE["float32"]) -> bool:
    """Categorical values exactly, None as None, numbers within tol·max(1, |want|)."""
    if got is None or want is None:
        return got is None and want is None
    if isinstance(got, float) or isinstance(want, float):
        return abs(float(got) - float(want)) <= tol * max(1.0, abs(float(want)))
    return bool(got == want)


def mismatches(model: gb.CompiledModel, program: rasp.SOp, seqs: Sequence[Sequence[Any]],
               ir: bool = True) -> tuple[int, list[tuple[Any, ...]]]:
    """(inputs checked, the first few mismatches) of the torch model (and the IR) against the evaluator."""
    tol = TOLERANCE[model.compilation.options.dtype if model.compilation else "float32"]
    refs, kept = [], []
    for seq in seqs:
        try:
            refs.append(rasp.evaluate(program, seq, causal=model.config.causal))
        except GlassboxError:
            continue  # outside the program's contract (the evaluator rejects it)
        kept.append(list(seq))
    bad: list[tuple[Any, ...]] = []
    runs = [("torch", model.run)] + ([("ir", model.run_ir)] if ir else [])
    for name, run in runs:
        outs = run(kept) if kept else []
        for seq, out, ref in zip(kept, outs, refs, strict=True):
            if not all(same(o, r, tol) for o, r in zip(out, ref, strict=True)):
                bad.append((name, seq, out, ref))
    return len(kept), bad[:5]


def assert_exact(program: rasp.SOp, vocab: Sequence[Any], n: int, causal: bool = False, seed: int = 0,
                 ir: bool = True, **kwargs: Any) -> gb.CompiledModel:
    """Compile and check against the evaluator; returns the model."""
    model = gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=n, causal=causal, **kwargs)
    checked, bad = mismatches(model, program, inputs(vocab, n, seed), ir=ir)
    assert checked > 0, "the evaluator rejected every input"
    assert not bad, bad
    return model
