"""The shared case table of the compiler tests: programs, vocabularies, sizes, inputs and the oracle.

Every tier (IR, torch, bench/compile_sweep.py) reads `LIBRARY_CASES`; compiled models and
reference outputs are cached per case so the tiers share them within one pytest process.
"""

import dataclasses
import functools
import itertools
import random
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import glassbox as gb
from glassbox import programs, rasp
from glassbox.errors import EvaluationError

SIZES = (5, 10, 20, 40)
EXHAUSTIVE_LIMIT = 20_000  # all sequences of length 1..N, when there are at most this many
RANDOM_PER_SIZE = 300  # otherwise this many random inputs, every length 1..N represented
TOLERANCE = {"auto": 1e-4, "float32": 1e-4, "float64": 1e-9}  # |err| <= tol * max(1, |ref|), numerical outputs
INT16 = tuple(range(16))


@dataclasses.dataclass(frozen=True)
class Case:
    """One compilation: a program builder at a vocab, length, mode and dtype.

    Attributes:
        id: the pytest id.
        build: max_seq_len -> program.
        vocab: the input tokens.
        max_seq_len: N.
        causal: compile causally (the oracle is then `evaluate(..., causal=True)`).
        dtype: "auto" (the default: float32 where its error bound holds), "float32" or "float64".
        n_random: random inputs when the space is too large to enumerate.
        extra: optional (rng, N) -> extra inputs (e.g. balanced strings for Dyck programs).
    """

    id: str
    build: Callable[[int], rasp.SOp]
    vocab: tuple[Any, ...]
    max_seq_len: int
    causal: bool = False
    dtype: str = "auto"
    n_random: int = RANDOM_PER_SIZE
    extra: "Callable[[random.Random, int], list[list[Any]]] | None" = None


def balanced_shuffles(pairs: Sequence[str], count: int) -> Callable[[random.Random, int], list[list[Any]]]:
    """Random shuffles of balanced Dyck words over `pairs` (random strings are almost never balanced)."""

    def gen(rng: random.Random, n: int) -> list[list[Any]]:
        out = []
        for i in range(count):
            length = 2 * (1 + i % max(1, n // 2))
            opened = {p: 0 for p in pairs}
            seq, opens_left = [], length // 2
            for step in range(length):
                remaining = length - step
                n_open = sum(opened.values())
                can_close = n_open > 0
                must_close = opens_left == 0 or n_open == remaining
                if can_close and (must_close or rng.random() < 0.5):
                    p = rng.choice([q for q in pairs if opened[q]])
                    opened[p] -= 1
                    seq.append(p[1])
                else:
                    p = rng.choice(list(pairs))
                    opened[p] += 1
                    opens_left -= 1
                    seq.append(p[0])
            out.append(seq)
        return out

    return gen


def _library_cases() -> list[Case]:
    cases = []
    extras = {"shuffle_dyck": balanced_shuffles(["()"], 100), "shuffle_dyck2": balanced_shuffles(["()", "{}"], 100)}
    for name, entry in programs.LIBRARY.items():
        if entry.source != "tracr":
            continue  # the paper's programs: tests/programs/test_programs_paper.py (N 5, 10, 20; causal too)
        for n in SIZES:
            n_random = RANDOM_PER_SIZE
            if name == "sort_freq" and n == 40:
                # d_model 1774 / d_head 1640 at N=40: 300 inputs take ~40 s in torch on 2 cores.
                # The full 300 run in bench/compile_sweep.py.
                n_random = 32
            cases.append(Case(f"{name}-N{n}", entry.build, tuple(entry.vocab), n, n_random=n_random,
                              extra=extras.get(name)))
    # vocab 16: integer tokens
    cases += [
        Case("hist-v16-N10", lambda n: programs.make_hist(), INT16, 10),
        Case("sort-v16-N10", lambda n: programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1),
             INT16, 10),
        Case("sort_unique-v16-N5", lambda n: programs.make_sort_unique(rasp.tokens, rasp.tokens), INT16, 5),
        Case("count_less_freq-v16-N20", lambda n: programs.make_count_less_freq(2), INT16, 20),
    ]
    # float64 mode for every numerical-output program, and a categorical one
    for name in ("frac_prevs", "pair_balance"):
        entry = programs.LIBRARY[name]
        for n in SIZES:
            cases.append(Case(f"{name}-N{n}-f64", entry.build, tuple(entry.vocab), n, dtype="float64"))
    entry = programs.LIBRARY["sort"]
    cases.append(Case("sort-N20-f64", entry.build, tuple(entry.vocab), 20, dtype="float64"))
    return cases


LIBRARY_CASES = _library_cases()
CASES_BY_ID = {c.id: c for c in LIBRARY_CASES}


def space_size(n_vocab: int, max_seq_len: int) -> int:
    """The number of sequences of length 1..max_seq_len over n_vocab tokens."""
    return sum(n_vocab**k for k in range(1, max_seq_len + 1))


def generate_inputs(case: Case) -> list[list[Any]]:
    """Every input when the space is small, else `n_random` random ones covering every length 1..N."""
    vocab, n = list(case.vocab), case.max_seq_len
    if space_size(len(vocab), n) <= EXHAUSTIVE_LIMIT:
        return [list(s) for k in range(1, n + 1) for s in itertools.product(vocab, repeat=k)]
    rng = random.Random(zlib.crc32(case.id.encode()))
    count = case.n_random
    lengths = [n - i % n if count >= n else n - (i * n) // count for i in range(count)]
    seqs = [[rng.choice(vocab) for _ in range(k)] for k in lengths]
    if case.extra is not None:
        seqs += case.extra(rng, n)
    return seqs


def reference(program: rasp.SOp, seqs: list[list[Any]], causal: bool) -> tuple[list, list]:
    """(inputs, outputs) of the evaluator, dropping inputs on which it raises (outside the contract)."""
    kept, outs = [], []
    for s in seqs:
        try:
            out = rasp.evaluate(program, s, causal=causal)
        except EvaluationError:
            continue
        kept.append(s)
        outs.append(out)
    return kept, outs


@functools.cache
def compiled(case_id: str) -> Any:
    """The compiled model of a case (cached for the whole session)."""
    case = CASES_BY_ID[case_id]
    return gb.compile_rasp_to_model(case.build(case.max_seq_len), vocab=set(case.vocab),
                                    max_seq_len=case.max_seq_len, causal=case.causal, dtype=case.dtype)


@functools.cache
def oracle(case_id: str) -> tuple[list, list]:
    """The case's inputs and the evaluator's outputs (cached)."""
    case = CASES_BY_ID[case_id]
    return reference(case.build(case.max_seq_len), generate_inputs(case), case.causal)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def mismatches(got: list[list[Any]], want: list[list[Any]], seqs: list[list[Any]], numerical: bool,
               tol: float) -> tuple[list[str], float]:
    """Mismatch descriptions (first few) and the max relative error of numerical outputs.

    Categorical: exact equality, and None exactly where the reference is None. Numerical:
    |got - ref| <= tol * max(1, |ref|).
    """
    bad, worst = [], 0.0
    assert len(got) == len(want) == len(seqs)
    for seq, g, w in zip(seqs, got, want, strict=True):
        if len(g) != len(w):
            bad.append(f"{seq}: {len(g)} outputs for {len(w)} positions")
            continue
        for p, (x, y) in enumerate(zip(g, w, strict=True)):
            if y is None or x is None:
                if (x is None) != (y is None):
                    bad.append(f"{seq} @ {p}: got {x!r}, want {y!r}")
            elif numerical:
                err = abs(float(x) - float(y)) / max(1.0, abs(float(y)))
                worst = max(worst, err)
                if not err <= tol:
                    bad.append(f"{seq} @ {p}: got {x!r}, want {y!r} (rel err {err:.3g})")
            elif not _same_value(x, y):
                bad.append(f"{seq} @ {p}: got {x!r}, want {y!r}")
    return bad, worst


def _same_value(x: Any, y: Any) -> bool:
    """Categorical equality: the decoded value is the reference value (1 == True is not enough)."""
    if isinstance(x, bool) or isinstance(y, bool):
        return isinstance(x, bool) and isinstance(y, bool) and x == y
    return x == y


def check(model: Any, seqs: list[list[Any]], want: list[list[Any]], got: list[list[Any]], dtype: str) -> float:
    """Assert the outputs match the reference; returns the max relative numerical error."""
    bad, worst = mismatches(got, want, seqs, model.numerical_output, TOLERANCE[dtype])
    assert not bad, f"{len(bad)} mismatching position(s) of {len(seqs)} inputs, e.g.\n  " + "\n  ".join(bad[:8])
    return worst


def verify(program: rasp.SOp, vocab: Sequence[Any], max_seq_len: int, seqs: "list[list[Any]] | None" = None,
           causal: bool = False, dtype: str = "auto", n_random: int = RANDOM_PER_SIZE, ir: bool = True) -> Any:
    """Compile `program` and check torch (and IR) against the evaluator; returns the model.

    Inputs default to `generate_inputs` (exhaustive or random) for the vocab and length.
    """
    model = gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal,
                                     dtype=dtype)
    if seqs is None:
        seqs = generate_inputs(Case(f"adhoc-{program.label}-{max_seq_len}", lambda n: program, tuple(vocab),
                                    max_seq_len, n_random=n_random))
    kept, want = reference(program, seqs, causal)
    assert kept, "no input inside the contract"
    check(model, kept, want, model.run(kept), dtype)
    if ir:
        check(model, kept, want, model.run_ir(kept), "float32")
    return model
