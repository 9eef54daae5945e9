"""Selectors: Select with every Comparison and arbitrary predicates, boolean combinations, causal masking."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox import rasp
from glassbox.errors import EvaluationError, RaspError

FAST = settings(max_examples=30, deadline=None)
tokens, indices = rasp.tokens, rasp.indices
C = rasp.Comparison

PYTHON_PREDICATES = {
    C.EQ: lambda k, q: k == q,
    C.LT: lambda k, q: k < q,
    C.LEQ: lambda k, q: k <= q,
    C.GT: lambda k, q: k > q,
    C.GEQ: lambda k, q: k >= q,
    C.NEQ: lambda k, q: k != q,
    C.TRUE: lambda k, q: True,
    C.FALSE: lambda k, q: False,
}
COMPARISONS = [pytest.param(c, id=c.name) for c in C]


def matrix(keys, queries, predicate, causal=False):
    """Reference: rows are queries, columns keys."""
    return [
        [bool(predicate(k, q)) and (not causal or j <= i) for j, k in enumerate(keys)]
        for i, q in enumerate(queries)
    ]


def test_every_comparison_is_covered():
    assert set(PYTHON_PREDICATES) == set(C)
    assert len(C) == 8


@pytest.mark.parametrize("comparison", COMPARISONS)
def test_comparison_called_as_key_then_query(comparison):
    for key in range(3):
        for query in range(3):
            assert comparison(key, query) == PYTHON_PREDICATES[comparison](key, query)


@pytest.mark.parametrize("comparison", COMPARISONS)
def test_comparison_rejects_none(comparison):
    with pytest.raises(ValueError, match="None"):
        comparison(None, 1)
    with pytest.raises(ValueError, match="None"):
        comparison(1, None)


def test_comparisons_are_module_constants_too():
    assert (rasp.EQ, rasp.LT, rasp.LEQ, rasp.GT, rasp.GEQ, rasp.NEQ, rasp.TRUE, rasp.FALSE) == tuple(C)


@pytest.mark.parametrize("comparison", COMPARISONS)
@pytest.mark.parametrize("causal", [pytest.param(False, id="full"), pytest.param(True, id="causal")])
def test_select_with_comparison(comparison, causal):
    keys, queries = [1, 3, 2, 2], [2, 0, 3, 1]
    sel = rasp.Select(rasp.ConstantSOp(keys), rasp.ConstantSOp(queries), comparison)
    expected = matrix(keys, queries, PYTHON_PREDICATES[comparison], causal)
    assert rasp.evaluate(sel, "abcd", causal=causal) == expected


@FAST
@given(st.lists(st.integers(0, 4), max_size=6), st.booleans())
def test_select_with_arbitrary_predicate(xs, causal):
    pred = lambda k, q: (k + q) % 3 == 0
    sel = rasp.Select(tokens, indices, pred)
    assert rasp.evaluate(sel, xs, causal=causal) == matrix(xs, range(len(xs)), pred, causal)


def test_select_lt_example_is_key_less_than_query():
    # row = query, column = key: position 1 (query 2) selects position 0 (key 1)
    assert rasp.evaluate(rasp.Select(tokens, tokens, C.LT), [1, 2]) == [[False, False], [True, False]]


def test_select_predicate_receives_key_then_query():
    seen = []
    sel = rasp.Select(rasp.ConstantSOp(["k0", "k1"]), rasp.ConstantSOp(["q0", "q1"]),
                      lambda k, q: seen.append((k, q)) or True)
    rasp.evaluate(sel, "ab")
    assert set(seen) == {("k0", "q0"), ("k1", "q0"), ("k0", "q1"), ("k1", "q1")}


def test_select_of_empty_input():
    assert rasp.evaluate(rasp.Select(tokens, tokens, C.TRUE), []) == []


def test_select_on_none_raises_naming_positions():
    sel = rasp.Select(rasp.ConstantSOp([1, None]), tokens, C.EQ).named("sel")
    with pytest.raises(EvaluationError, match=r"'sel'.*None.*key position 1"):
        rasp.evaluate(sel, [1, 2])


def test_select_on_none_query_raises_also_when_causal():
    sel = rasp.Select(indices, rasp.ConstantSOp([0, None, 2]), C.TRUE).named("q")
    with pytest.raises(EvaluationError, match=r"'q'.*query position 1 = None"):
        rasp.evaluate(sel, "abc", causal=True)


# -- boolean combinations ----------------------------------------------------------------------------
A = rasp.Select(tokens, tokens, C.LEQ)
B = rasp.Select(indices, indices, C.NEQ)
XS = [2, 1, 2, 0]


def _np(sel, causal=False):
    return np.array(rasp.evaluate(sel, XS, causal=causal))


@pytest.mark.parametrize(("build", "combine"), [
    pytest.param(lambda: rasp.SelectorAnd(A, B), lambda a, b: a & b, id="SelectorAnd"),
    pytest.param(lambda: A & B, lambda a, b: a & b, id="and-operator"),
    pytest.param(lambda: rasp.selector_and(A, B), lambda a, b: a & b, id="selector_and"),
    pytest.param(lambda: rasp.SelectorOr(A, B), lambda a, b: a | b, id="SelectorOr"),
    pytest.param(lambda: A | B, lambda a, b: a | b, id="or-operator"),
    pytest.param(lambda: rasp.selector_or(A, B), lambda a, b: a | b, id="selector_or"),
    pytest.param(lambda: rasp.SelectorNot(A), lambda a, b: ~a, id="SelectorNot"),
    pytest.param(lambda: ~A, lambda a, b: ~a, id="not-operator"),
    pytest.param(lambda: rasp.selector_not(A), lambda a, b: ~a, id="selector_not"),
    pytest.param(lambda: ~(A & ~B) | B, lambda a, b: ~(a & ~b) | b, id="nested"),
])
def test_selector_combination(build, combine):
    sel = build()
    assert isinstance(sel, rasp.Selector)
    expected = combine(_np(A), _np(B))
    assert (_np(sel) == expected).all()
    # causal: the same combination of the masked operands, masked again
    causal_expected = np.tril(combine(_np(A, True), _np(B, True)))
    assert (_np(sel, causal=True) == causal_expected).all()


def test_selector_not_is_masked_when_causal():
    never = rasp.Select(tokens, tokens, C.FALSE)
    assert rasp.evaluate(~never, "abc", causal=True) == np.tril(np.ones((3, 3), bool)).tolist()
    assert rasp.evaluate(~never, "abc") == np.ones((3, 3), bool).tolist()


def test_selector_combination_children():
    assert (A & B).children == (A, B)
    assert (A | B).children == (A, B)
    assert (~A).children == (A,)


def test_selector_width_of_combination():
    width = rasp.SelectorWidth(A & B)
    assert width(XS) == _np(A & B).sum(axis=1).tolist()


# -- ConstantSelector --------------------------------------------------------------------------------
def test_constant_selector():
    value = [[1, 0, 1], [0, 1, 0], [1, 1, 1]]
    sel = rasp.ConstantSelector(value)
    assert rasp.evaluate(sel, "abc") == [[bool(v) for v in row] for row in value]
    assert rasp.evaluate(sel, "abc", causal=True) == np.tril(np.array(value, bool)).tolist()


def test_constant_selector_checks_shape():
    with pytest.raises(EvaluationError, match=r"constant_selector.*\(2, 2\).*\(3, 3\)"):
        rasp.evaluate(rasp.ConstantSelector([[1, 0], [0, 1]]), "abc")


def test_constant_selector_of_empty_input():
    assert rasp.evaluate(rasp.ConstantSelector([]), []) == []


def test_constant_selector_must_be_rectangular():
    with pytest.raises(RaspError, match=r"ConstantSelector\(value\).*row 1"):
        rasp.ConstantSelector([[1, 0], [1]])
