"""One fuzzed program → an `Outcome`: compile it, run it, and compare with the RASP evaluator.

The comparison is strict: a categorical output must equal the evaluator's value and have its
type (`'0'` is not `'0.0'`, `(0,)` is not `[0]`), None only where the evaluator says None; numbers
compare by value (`0 == 0.0 == False`: one RASP value, which the compiler holds in one direction and
refuses to feed to a function that tells the types apart); a numerical output must be within
1e-4·max(1, |ref|) in float32 (1e-9 in float64), the README's contract. Inputs on which the
evaluator itself raises are outside the program's meaning and are skipped (and counted).
"""

import dataclasses
import itertools
import random
import re
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from typing import Any, Literal

from glassbox.compiler.verify import TOLERANCE as TOLERANCE
from glassbox.compiler.verify import agree as agree
from glassbox.errors import CompileError, EvaluationError
from glassbox.fuzz.program import Program, build

Status = Literal["ok", "rejected", "mismatch", "exception", "vacuous", "timeout"]
EXHAUSTIVE_LIMIT = 1_500  # all inputs of length 1..N when there are at most this many
N_RANDOM = 300  # else this many random ones (every length represented)
SLOW_S = 10.0  # a compile slower than this is reported
MAX_PARAMS = 2_000_000  # larger models are refused (a CompileError) before their weights are built


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happened to one program.

    Attributes:
        status: ok, rejected (CompileError), mismatch, exception (anything else), vacuous (the
            evaluator raised on every input), or timeout.
        reason: a short key to group outcomes by (the rejection reason without labels and numbers,
            the exception type, the kind of mismatch).
        detail: the full message: every rejection problem, the first counterexample, the traceback.
        checked: inputs compared.
        skipped: inputs on which the evaluator raised.
        compile_s: compile time in seconds.
        counterexample: (input, model output, evaluator output) of the first mismatch.
        size: (n_layers, d_model) of the compiled model.
    """

    status: Status
    reason: str = ""
    detail: str = ""
    checked: int = 0
    skipped: int = 0
    compile_s: float = 0.0
    counterexample: "tuple[list[Any], list[Any], list[Any]] | None" = None
    size: "tuple[int, int] | None" = None

    @property
    def failed(self) -> bool:
        """A wrong answer or a crash: what the fuzzer hunts."""
        return self.status in ("mismatch", "exception")


def inputs(program: Program, seed: int = 0, exhaustive_limit: int = EXHAUSTIVE_LIMIT,
           n_random: int = N_RANDOM) -> list[list[Any]]:
    """Every input of length 1..N when there are few enough, else random ones (deterministic)."""
    vocab, n = list(program.vocab), program.max_seq_len
    if sum(len(vocab) ** k for k in range(1, n + 1)) <= exhaustive_limit:
        return [list(seq) for k in range(1, n + 1) for seq in itertools.product(vocab, repeat=k)]
    rng = random.Random(seed)
    return [[rng.choice(vocab) for _ in range(1 + i % n)] for i in range(n_random)]


def check(program: Program, causal: bool = False, dtype: str = "auto", seed: int = 0,
          timeout_s: float = 60.0, **options: Any) -> Outcome:
    """Compile `program` and compare the model with the evaluator on `inputs(program)`.

    Args:
        program: the fuzzed program.
        causal: compile causally and compare with the causal evaluator.
        dtype: the model's dtype ("auto", the default: float32 where its error bound holds, else float64).
        seed: for the random inputs.
        timeout_s: give up compiling after this long (status "timeout"; main thread only).
        options: more `compile_rasp_to_model` keywords.
    """
    import glassbox as gb
    from glassbox.rasp import evaluator

    sop = build(program)
    options.setdefault("max_params", MAX_PARAMS)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), _deadline(timeout_s):
            warnings.simplefilter("ignore")
            model = gb.compile_rasp_to_model(sop, vocab=set(program.vocab), max_seq_len=program.max_seq_len,
                                             causal=causal, dtype=dtype, **options)
    except CompileError as exc:
        return Outcome("rejected", rejection_reason(exc), str(exc), compile_s=time.perf_counter() - start)
    except _Timeout:
        return Outcome("timeout", f"compile > {timeout_s:g} s", compile_s=time.perf_counter() - start)
    except Exception as exc:  # a crash of the compiler is what the fuzzer looks for
        return Outcome("exception", f"compile: {type(exc).__name__}", _trace(exc),
                       compile_s=time.perf_counter() - start)
    compile_s = time.perf_counter() - start
    size = (model.config.n_layers, model.config.d_model)
    kept, refs = [], []
    for xs in inputs(program, seed):
        try:
            refs.append(evaluator.evaluate(sop, xs, causal=causal))
        except EvaluationError:
            continue
        kept.append(xs)
    skipped = len(inputs(program, seed)) - len(kept)
    if not kept:
        return Outcome("vacuous", "the evaluator raised on every input", skipped=skipped, compile_s=compile_s,
                       size=size)
    try:
        outs = [row for batch in _batches(kept, 512) for row in model.run(batch)]
    except Exception as exc:
        return Outcome("exception", f"run: {type(exc).__name__}", _trace(exc), compile_s=compile_s, size=size)
    numerical = model.numerical_output
    for xs, out, ref in zip(kept, outs, refs, strict=True):
        if not all(agree(a, b, numerical, dtype) for a, b in zip(out, ref, strict=True)):
            return Outcome("mismatch", _mismatch_kind(out, ref, numerical),
                           f"input {xs!r}: model {out!r}, evaluator {ref!r}", len(kept), skipped, compile_s,
                           (xs, out, ref), size)
    return Outcome("ok", checked=len(kept), skipped=skipped, compile_s=compile_s, size=size)


def rejection_reason(exc: CompileError) -> str:
    """The first problem's reason with labels, values and numbers blanked: a key to count rejections by."""
    if not exc.problems:
        return str(exc)
    reason = exc.problems[0][1]
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"\[[^\]]*\]|\([^)]*\)", "(…)", reason)
    reason = re.sub(r"\d[\d,]*(\.\d+)?(e[+-]?\d+)?", "N", reason)
    return reason[:110]


def _mismatch_kind(out: list[Any], ref: list[Any], numerical: bool) -> str:
    for a, b in zip(out, ref, strict=True):
        if agree(a, b, numerical):
            continue
        if a is None or b is None:
            return "None where a value is due" if a is None else "a value where None is due"
        if numerical:
            return "numerical error over the tolerance"
        if a == b:
            return f"right value, wrong type ({type(a).__name__} for {type(b).__name__})"
        return "wrong value"
    return "wrong value"


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i: i + size]


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])


class _Timeout(Exception):
    pass


class _deadline:  # noqa: N801 (a context manager used like a function)
    """Raise `_Timeout` after `seconds` (SIGALRM; a no-op off the main thread or without SIGALRM)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def __enter__(self) -> None:
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    @staticmethod
    def _fire(signum: int, frame: Any) -> None:
        raise _Timeout()
