"""Checking a compiled model against the RASP reference evaluator on random inputs."""

import dataclasses
import random
from typing import Any

from glassbox.errors import GlassboxError


@dataclasses.dataclass(frozen=True)
class Verification:
    """The outcome of `verify`.

    Attributes:
        checked: inputs compared (inputs outside the program's contract are skipped).
        mismatches: (input, model output, evaluator output) for every input that differed.
    """

    checked: int
    mismatches: tuple[tuple[list[Any], list[Any], list[Any]], ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        """One line: how many inputs matched, and the first mismatch if any."""
        line = f"verified: {self.checked - len(self.mismatches)}/{self.checked} random inputs match the RASP evaluator"
        if self.mismatches:
            seq, out, ref = self.mismatches[0]
            line += f"; MISMATCH, e.g. input {seq}: model {out}, evaluator {ref}"
        return line


def verify(model: Any, program: Any, n: int, *, seed: int = 0, causal: "bool | None" = None) -> Verification:
    """Run `n` random inputs (lengths 1..max_seq_len) through the model and the evaluator.

    Args:
        model: a `CompiledModel`.
        program: the RASP program it was compiled from.
        n: how many random inputs.
        seed: the random seed.
        causal: evaluate the program causally; by default, as the model was compiled.

    Returns:
        A `Verification`.
    """
    from glassbox.rasp import evaluator

    if causal is None:
        causal = model.config.causal
    rng = random.Random(seed)
    vocab = sorted(model.vocab, key=repr)
    seqs = [[rng.choice(vocab) for _ in range(rng.randint(1, model.max_seq_len))] for _ in range(n)]
    checked, wrong = 0, []
    for seq, out in zip(seqs, model.run(seqs) if seqs else [], strict=True):
        try:
            ref = evaluator.evaluate(program, seq, causal=causal)
        except GlassboxError:
            continue  # outside the program's contract (e.g. sort_unique with repeated keys)
        checked += 1
        if not all(same(a, b) for a, b in zip(out, ref, strict=True)):
            wrong.append((seq, out, ref))
    return Verification(checked, tuple(wrong))


def same(a: Any, b: Any) -> bool:
    """Model output `a` equals evaluator output `b` (floats within 1e-4 relative)."""
    if isinstance(a, float) and isinstance(b, (int, float)) and b is not None:
        return abs(a - b) <= 1e-4 * max(1.0, abs(b))
    return a == b and (a is None) == (b is None)
