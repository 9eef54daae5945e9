"""Shared fixtures of the export tests: every library program compiled once, and random inputs."""

import functools
import random

import glassbox as gb
from glassbox import programs
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
