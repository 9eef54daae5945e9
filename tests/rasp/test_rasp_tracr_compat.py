"""A tracr user's program runs unchanged after swapping the import (refs/tracr.md §1 and §3).

The functions below are written the way tracr's `compiler/lib.py` writes them, against the
`rasp` module namespace only.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox import rasp  # tracr: `from tracr.rasp import rasp`

FAST = settings(max_examples=30, deadline=None)


def make_length():
    all_true_selector = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_true_selector")
    return rasp.SelectorWidth(all_true_selector).named("length")


def make_reverse(sop):
    opp_idx = (make_length() - rasp.indices).named("opp_idx")
    opp_idx = (opp_idx - 1).named("opp_idx-1")
    reverse_selector = rasp.Select(rasp.indices, opp_idx, rasp.Comparison.EQ).named("reverse_selector")
    return rasp.Aggregate(reverse_selector, sop).named("reverse")


def make_frac_prevs(bools):
    bools = rasp.numerical(bools)
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    return rasp.numerical(rasp.Aggregate(prevs, bools, default=0)).named("frac_prevs")


def shift_by(offset, sop):
    select_off_by_offset = rasp.Select(rasp.indices, rasp.indices, lambda k, q: q == k + offset)
    out = rasp.Aggregate(select_off_by_offset, sop, default=None)
    return out.named(f"shift_by({offset})")


def make_sort_unique(vals, keys):
    smaller = rasp.Select(keys, keys, rasp.Comparison.LT).named("smaller")
    target_pos = rasp.SelectorWidth(smaller).named("target_pos")
    sel_new = rasp.Select(target_pos, rasp.indices, rasp.Comparison.EQ)
    return rasp.Aggregate(sel_new, vals).named("sort")


@pytest.mark.parametrize(("build", "xs", "expected"), [
    pytest.param(make_length, "abc", [3, 3, 3], id="length"),
    pytest.param(lambda: rasp.numerical(make_length()), "abc", [3, 3, 3], id="length-numerical"),
    pytest.param(lambda: make_reverse(rasp.tokens), "abcd", list("dcba"), id="reverse"),
    pytest.param(lambda: make_frac_prevs(rasp.tokens == "l"), "hello", [0, 0, 1 / 3, 1 / 2, 2 / 5],
                 id="frac_prevs"),
    pytest.param(lambda: shift_by(1, rasp.tokens), "abcd", [None, "a", "b", "c"], id="shift_by"),
    pytest.param(lambda: make_sort_unique(rasp.tokens, rasp.tokens), [2, 4, 3, 1], [1, 2, 3, 4], id="sort"),
    pytest.param(lambda: make_sort_unique(rasp.tokens, 1 - rasp.indices), "abcd", list("dcba"),
                 id="sort-by-reversed-index"),
])
def test_tracr_style_program(build, xs, expected):
    program = build()
    assert program(xs) == pytest.approx(expected)
    assert rasp.evaluate(program, xs) == pytest.approx(expected)


def test_select_lt_is_true_where_key_less_than_query():
    # refs/tracr.md §1.3: matrix[query][key], Select(tokens, tokens, LT) is True where key < query
    assert rasp.evaluate(rasp.Select(rasp.tokens, rasp.tokens, rasp.LT), [3, 1, 2]) == [
        [False, True, True],
        [False, False, False],
        [False, True, False],
    ]


@FAST
@given(st.permutations(range(5)))
def test_keys_come_first(perm):
    # keys = indices, queries = tokens: each query position q reads position tokens[q]
    gather = rasp.Aggregate(rasp.Select(rasp.indices, rasp.tokens, rasp.Comparison.EQ), rasp.tokens)
    assert gather(list(perm)) == [perm[perm[q]] for q in range(5)]
    # swapped: each query q reads the position whose token is q (the inverse permutation)
    scatter = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.EQ), rasp.indices)
    assert scatter(list(perm)) == [perm.index(q) for q in range(5)]


def test_predicate_called_as_key_then_query():
    # asymmetric predicate: query q selects key q - 1 (a shift right), never key q + 1
    prev = rasp.Select(rasp.indices, rasp.indices, lambda key, query: key == query - 1)
    assert rasp.Aggregate(prev, rasp.tokens, default="^")("abc") == ["^", "a", "b"]


def test_tracr_module_level_names_exist():
    for name in ("tokens", "indices", "length", "Map", "SequenceMap", "LinearSequenceMap", "Full",
                 "ConstantSOp", "Select", "Comparison", "Aggregate", "SelectorWidth", "SelectorAnd",
                 "SelectorOr", "SelectorNot", "numerical", "categorical", "evaluate", "get_encoding",
                 "is_numerical", "is_categorical", "Encoding", "SOp", "Selector", "RASPExpr",
                 "ConstantSelector"):
        assert hasattr(rasp, name), name


def test_tracr_style_keyword_arguments():
    # tracr code passes these by keyword
    m = rasp.Map(f=lambda x: x + 1, inner=rasp.tokens, simplify=False)
    agg = rasp.Aggregate(selector=rasp.Select(rasp.indices, rasp.indices, rasp.EQ), sop=m, default=0)
    sm = rasp.SequenceMap(f=lambda x, y: x * y, fst=agg, snd=rasp.indices)
    lsm = rasp.LinearSequenceMap(fst=sm, snd=rasp.tokens, fst_fac=2, snd_fac=-1)
    assert lsm([1, 2, 3]) == [-1, 4, 13]
