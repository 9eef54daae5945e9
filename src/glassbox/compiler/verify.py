"""A compiled model → its check against the RASP evaluator (`compile_rasp_to_model(verify=...)`).

Outputs agree when they are equal: None only where the evaluator says None, numbers by value
(`0 == 0.0`: one RASP value), anything else by value and type (`'0'` is not `'0.0'`), and a
numerical output within its dtype's tolerance, 1e-4·max(1, |ref|) in float32 (1e-9 in float64).
Inputs on which the evaluator raises are outside the program's meaning: skipped and counted.
"""

import dataclasses
import itertools
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glassbox import rasp
from glassbox.errors import EvaluationError, InputError, VerificationError

if TYPE_CHECKING:
    from glassbox.model.compiled import CompiledModel

# |err| <= tol * max(1, |ref|) for numerical outputs; "auto" promises float32's contract in either dtype
TOLERANCE = {"auto": 1e-4, "float32": 1e-4, "float64": 1e-9}
EXHAUSTIVE_LIMIT = 1_000_000  # verify="exhaustive" refuses input spaces larger than this
BATCH = 512


@dataclasses.dataclass(frozen=True)
class Verification:
    """What `verify` checked.

    Attributes:
        inputs: "exhaustive", or the number of random inputs drawn.
        checked: inputs compared (all agreed, else `verify` raised).
        skipped: inputs on which the evaluator raised (outside the program's meaning).
        skipped_examples: up to three of them, with the evaluator's message.
        worst_error: the largest |model - evaluator| / max(1, |evaluator|) of a numerical output (0 if categorical).
        min_logit_margin: of a categorical output, the smallest gap between the logit that decides a position
            and the next one (or the None threshold); None for a numerical output.
    """

    inputs: "str | int"
    checked: int
    skipped: int
    skipped_examples: tuple[str, ...] = ()
    worst_error: float = 0.0
    min_logit_margin: "float | None" = None


def agree(out: Any, ref: Any, numerical: bool, dtype: str = "float32") -> bool:
    """The model's value `out` is the evaluator's `ref` (see the module docstring)."""
    if ref is None or out is None:
        return ref is None and out is None
    if numerical:
        return isinstance(out, float) and abs(out - ref) <= TOLERANCE[dtype] * max(1.0, abs(ref))
    if _is_number(out) and _is_number(ref):
        return bool(out == ref)
    return type(out) is type(ref) and out == ref


def contract_of(model: "CompiledModel") -> str:
    """The tolerance key a model is held to: "auto" if its dtype was chosen for it, else its dtype."""
    if model.compilation is not None and model.compilation.options.auto_dtype:
        return "auto"
    return str(model.module.embed.W_E.dtype).removeprefix("torch.")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def inputs(vocab: Sequence[Any], max_seq_len: int, how: "str | int", seed: int = 0) -> list[list[Any]]:
    """Every input of length 1..max_seq_len ("exhaustive"), or `how` random ones (every length represented)."""
    tokens = sorted(vocab, key=repr)
    if how == "exhaustive":
        count = sum(len(tokens) ** k for k in range(1, max_seq_len + 1))
        if count > EXHAUSTIVE_LIMIT:
            raise InputError(f"verify='exhaustive' would check {count:,} inputs (over {EXHAUSTIVE_LIMIT:,}); "
                             "give a number of random inputs instead, e.g. verify=1000")
        return [list(s) for k in range(1, max_seq_len + 1) for s in itertools.product(tokens, repeat=k)]
    if isinstance(how, bool) or not isinstance(how, int) or how < 0:
        raise InputError(f"verify must be a number of inputs or 'exhaustive', got {how!r}")
    rng = random.Random(seed)
    return [[rng.choice(tokens) for _ in range(1 + i % max_seq_len)] for i in range(how)]


def verify(model: "CompiledModel", program: rasp.SOp, how: "str | int", label: str, seed: int = 0) -> Verification:
    """Run the model and the evaluator on `inputs(...)`; raise on the first disagreement.

    Raises:
        VerificationError: naming the input, both outputs and how many inputs agreed before it.
        InputError: `how` is neither a count nor "exhaustive", or the exhaustive space is too large.
    """
    import torch

    causal = model.config.causal
    dtype = contract_of(model)
    numerical = model.numerical_output
    kept, refs, skipped = [], [], []
    for xs in inputs(model.vocab, model.max_seq_len, how, seed):
        try:
            refs.append(rasp.evaluate(program, xs, causal=causal))
        except EvaluationError as exc:
            skipped.append(f"{xs!r}: {exc}")
            continue
        kept.append(xs)
    checked, worst, margin = 0, 0.0, float("inf")
    for start in range(0, len(kept), BATCH):
        batch, want = kept[start: start + BATCH], refs[start: start + BATCH]
        with torch.no_grad():
            logits = model.module(model.encode(batch))
        outs = model.decode(logits, [len(s) for s in batch])
        for b, (xs, out, ref) in enumerate(zip(batch, outs, want, strict=True)):
            if not all(agree(a, r, numerical, dtype) for a, r in zip(out, ref, strict=True)):
                raise VerificationError(label, xs, out, ref, checked)
            checked += 1
            if numerical:
                worst = max([worst] + [abs(a - r) / max(1.0, abs(r)) for a, r in zip(out, ref, strict=True)])
            else:
                margin = min(margin, _margin(logits[b, 1: len(xs) + 1]))
    return Verification(how, checked, len(skipped), tuple(skipped[:3]), worst,
                        None if numerical else (margin if checked else None))


def _margin(logits: Any) -> float:
    import torch

    from glassbox.model.compiled import NONE_THRESHOLD

    top = logits.double().topk(min(2, logits.shape[-1]), dim=-1).values
    best = top[:, 0]
    runner_up = top[:, 1] if top.shape[-1] > 1 else best.new_zeros(best.shape)
    # a position decides either a value (best over the threshold and the runner-up) or None (all under it)
    decided = torch.where(best >= NONE_THRESHOLD, (best - NONE_THRESHOLD).minimum(best - runner_up),
                          NONE_THRESHOLD - best)
    return float(decided.min()) if decided.numel() else float("inf")
