"""Benchmark-suite-style cases written for tracr: only tracr's import paths and names are used.

Each case is (name, program builder, vocab, max_seq_len), as suites built on tracr declare them.
"""

from typing import Callable, List, Sequence, Set, Tuple

from tracr.compiler import lib
from tracr.rasp import rasp


def make_swap_first_two() -> rasp.SOp:
    target = rasp.Map(lambda i: 1 if i == 0 else 0 if i == 1 else i, rasp.indices)
    return rasp.Aggregate(rasp.Select(target, rasp.indices, rasp.Comparison.EQ), rasp.tokens).named("swap")


def make_is_sorted_prefix() -> rasp.SOp:
    prev = lib.shift_by(1, rasp.tokens)
    ok = rasp.SequenceMap(lambda x, y: x >= y, rasp.tokens, prev).named("ge_prev")
    return rasp.sop_not(rasp.sop_not(ok)).named("is_sorted_step")


def make_token_frac(token: rasp.Value) -> rasp.SOp:
    is_token = rasp.numerical(rasp.Map(lambda x: 1 if x == token else 0, rasp.tokens)).named("is_token")
    return lib.make_frac_prevs(is_token)


def scale(sop: rasp.SOp, factor: rasp.NumericValue) -> rasp.SOp:
    return rasp.numerical(rasp.Map(lambda x: factor * x, sop, simplify=False)).named(f"scale_{factor}")


def make_max_so_far() -> rasp.SOp:
    greater = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)
    n_greater = rasp.SelectorWidth(greater)
    return rasp.Map(lambda n: n == 0, n_greater).named("is_max")


def make_count_token(token: str) -> rasp.SOp:
    return rasp.categorical(lib.make_count(rasp.tokens, token))


def make_annotated_hist() -> rasp.SOp:
    hist = lib.make_hist()
    return rasp.annotate(hist, encoding=rasp.Encoding.CATEGORICAL, name="annotated_hist")


Case = Tuple[str, Callable[[], rasp.SOp], Set[rasp.Value], int]

CASES: List[Case] = [
    ("swap_first_two", make_swap_first_two, {1, 2, 3}, 4),
    ("is_sorted_step", make_is_sorted_prefix, {1, 2, 3}, 5),
    ("token_frac", lambda: make_token_frac("a"), {"a", "b"}, 5),
    ("scaled_frac", lambda: scale(make_token_frac("a"), 10), {"a", "b"}, 5),
    ("max_so_far", make_max_so_far, {1, 2, 3, 4}, 4),
    ("count_token", lambda: make_count_token("a"), {"a", "b", "c"}, 4),
    ("annotated_hist", make_annotated_hist, {"x", "y"}, 5),
    ("sort", lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=4, min_key=1), {1, 2, 3}, 4),
]


def reference(program: rasp.SOp, xs: Sequence[rasp.Value]) -> List[rasp.Value]:
    """The expected output, by the evaluator tracr users call."""
    return rasp.evaluate(program, xs)
