"""Semantics of every SOp primitive and combinator, the operator sugar, and annotations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox import rasp
from glassbox.errors import EvaluationError

FAST = settings(max_examples=30, deadline=None)
ints = st.lists(st.integers(min_value=-5, max_value=5), max_size=6)
tokens, indices, length = rasp.tokens, rasp.indices, rasp.length


# -- primitives --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sop", "xs", "expected"), [
    pytest.param(tokens, [3, 1, 2], [3, 1, 2], id="tokens"),
    pytest.param(tokens, "ab", ["a", "b"], id="tokens-str"),
    pytest.param(tokens, (4, 5), [4, 5], id="tokens-tuple"),
    pytest.param(tokens, np.array([7, 8]), [7, 8], id="tokens-array"),
    pytest.param(indices, "xyz", [0, 1, 2], id="indices"),
    pytest.param(length, "xyz", [3, 3, 3], id="length"),
    pytest.param(tokens, [], [], id="tokens-empty"),
    pytest.param(indices, [], [], id="indices-empty"),
    pytest.param(length, [], [], id="length-empty"),
    pytest.param(rasp.Full(7), [1, 2], [7, 7], id="full"),
    pytest.param(rasp.Full(None), "ab", [None, None], id="full-none"),
    pytest.param(rasp.Full("z"), "", [], id="full-empty"),
    pytest.param(rasp.ConstantSOp([5, 6, 7]), "abc", [5, 6, 7], id="constant"),
    pytest.param(rasp.ConstantSOp([5, 6, 7], check_length=False), "a", [5, 6, 7], id="constant-unchecked"),
])
def test_primitive(sop, xs, expected):
    assert sop(xs) == expected
    assert rasp.evaluate(sop, xs) == expected


def test_tokens_of_array_are_python_values():
    out = tokens(np.array([1, 2]))
    assert out == [1, 2] and all(type(x) is int for x in out)


def test_constant_sop_checks_length():
    with pytest.raises(EvaluationError, match=r"constant_sop.*3 values.*2 tokens"):
        rasp.ConstantSOp([1, 2, 3])("ab")


def test_primitive_default_names():
    assert (tokens.name, indices.name, length.name) == ("tokens", "indices", "length")


# -- Map ---------------------------------------------------------------------------------------------
@FAST
@given(ints)
def test_map_is_elementwise(xs):
    assert rasp.Map(lambda x: x * x - 1, tokens)(xs) == [x * x - 1 for x in xs]


def test_map_passes_none_through_without_calling_f():
    calls = []
    m = rasp.Map(lambda x: calls.append(x) or x + 1, rasp.ConstantSOp([1, None, 3]))
    assert m([0, 0, 0]) == [2, None, 4]
    assert calls == [1, 3]


def test_map_simplify_fuses_map_of_map():
    inner = rasp.Map(lambda x: x + 1, tokens)
    fused = rasp.Map(lambda x: x * 10, inner)
    unfused = rasp.Map(lambda x: x * 10, inner, simplify=False)
    assert fused.inner is tokens and fused.children == (tokens,)
    assert unfused.inner is inner
    assert fused([1, 2]) == unfused([1, 2]) == [20, 30]
    assert len(rasp.walk(fused)) == 2 and len(rasp.walk(unfused)) == 3


def test_map_fusion_keeps_none_pass_through():
    # the inner function yields None for odd x; the outer one would crash on None
    inner = rasp.Map(lambda x: None if x % 2 else x, tokens)
    outer_f = lambda x: x + 100
    fused = rasp.Map(outer_f, inner)
    unfused = rasp.Map(outer_f, inner, simplify=False)
    assert fused.inner is tokens
    assert fused([1, 2, 3, 4]) == unfused([1, 2, 3, 4]) == [None, 102, None, 104]


def test_map_does_not_fuse_other_sops():
    seq = rasp.SequenceMap(lambda x, y: x + y, tokens, indices)
    assert rasp.Map(lambda x: -x, seq).inner is seq


# -- SequenceMap, LinearSequenceMap ------------------------------------------------------------------
@FAST
@given(ints)
def test_sequence_map(xs):
    sm = rasp.SequenceMap(lambda x, y: (x, y), tokens, indices)
    assert sm(xs) == list(zip(xs, range(len(xs)), strict=True))


@pytest.mark.parametrize(("fst", "snd"), [
    pytest.param([None, 1, 2], [1, None, 2], id="either-none"),
    pytest.param([None, None, 2], [None, 5, 2], id="both-none"),
])
def test_sequence_map_none(fst, snd):
    sm = rasp.SequenceMap(lambda x, y: x * y, rasp.ConstantSOp(fst), rasp.ConstantSOp(snd))
    assert sm("abc") == [None if a is None or b is None else a * b for a, b in zip(fst, snd, strict=True)]


def test_sequence_map_of_the_same_sop_twice():
    assert rasp.SequenceMap(lambda x, y: x - 2 * y, tokens, tokens)([1, 2]) == [-1, -2]


@FAST
@given(ints, st.integers(-3, 3), st.floats(-2, 2, allow_nan=False))
def test_linear_sequence_map(xs, a, b):
    lsm = rasp.LinearSequenceMap(tokens, indices, a, b)
    assert lsm(xs) == pytest.approx([a * x + b * i for i, x in enumerate(xs)])
    assert (lsm.fst, lsm.snd, lsm.fst_fac, lsm.snd_fac) == (tokens, indices, a, b)
    assert isinstance(lsm, rasp.SequenceMap) and lsm.name == "linear_sequence_map"


def test_linear_sequence_map_passes_none():
    lsm = rasp.LinearSequenceMap(rasp.ConstantSOp([1, None]), indices, 2, 3)
    assert lsm("ab") == [2, None]


# -- SelectorWidth -----------------------------------------------------------------------------------
@FAST
@given(ints)
def test_selector_width(xs):
    sel = rasp.Select(tokens, tokens, rasp.Comparison.LT)
    assert rasp.SelectorWidth(sel)(xs) == [sum(k < q for k in xs) for q in xs]


@pytest.mark.parametrize(("comparison", "expected"), [
    pytest.param(rasp.Comparison.TRUE, [3, 3, 3], id="all"),
    pytest.param(rasp.Comparison.FALSE, [0, 0, 0], id="none"),
])
def test_selector_width_extremes(comparison, expected):
    width = rasp.SelectorWidth(rasp.Select(tokens, tokens, comparison))
    assert width("abc") == expected
    assert all(type(w) is int for w in width("abc"))


def test_selector_width_causal():
    width = rasp.SelectorWidth(rasp.Select(tokens, tokens, rasp.Comparison.TRUE))
    assert rasp.evaluate(width, "abcd", causal=True) == [1, 2, 3, 4]
    assert rasp.evaluate(width, "", causal=True) == []


# -- Aggregate ---------------------------------------------------------------------------------------
def _eq_sel(keys=indices, queries=indices):
    return rasp.Select(keys, queries, rasp.Comparison.EQ)


def test_categorical_aggregate_moves_values():
    shift = rasp.Select(indices, indices, lambda k, q: k == q - 1)
    assert rasp.Aggregate(shift, tokens)("abc") == [None, "a", "b"]
    assert rasp.Aggregate(shift, tokens, default="_")("abc") == ["_", "a", "b"]


def test_categorical_aggregate_same_value_at_several_positions():
    sel = rasp.Select(tokens, tokens, rasp.Comparison.EQ)
    assert rasp.Aggregate(sel, tokens)("abab") == list("abab")


def test_categorical_aggregate_rejects_different_values():
    agg = rasp.Aggregate(rasp.Select(tokens, tokens, rasp.Comparison.TRUE), tokens).named("mix")
    with pytest.raises(EvaluationError, match=r"categorical Aggregate 'mix' at position 0.*'a'.*'b'"):
        agg("ab")


def test_categorical_aggregate_returns_value_unchanged():
    agg = rasp.Aggregate(_eq_sel(), tokens)
    out = agg([3, "x", (1, 2)])
    assert out == [3, "x", (1, 2)] and type(out[0]) is int


@FAST
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=6))
def test_numerical_aggregate_is_the_mean(xs):
    prevs = rasp.Select(indices, indices, rasp.Comparison.LEQ)
    agg = rasp.numerical(rasp.Aggregate(prevs, tokens, default=0))
    out = agg(xs)
    assert out == pytest.approx([sum(xs[: i + 1]) / (i + 1) for i in range(len(xs))])
    assert all(type(v) is float for v in out)


def test_numerical_aggregate_single_value_is_float():
    out = rasp.numerical(rasp.Aggregate(_eq_sel(), tokens))([1, 2, True])
    assert out == [1.0, 2.0, 1.0] and all(type(v) is float for v in out)


def test_numerical_aggregate_of_bools():
    sel = rasp.Select(tokens, tokens, rasp.Comparison.TRUE)
    agg = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(tokens == "x")))
    assert agg("xyyx") == [0.5] * 4


@pytest.mark.parametrize(("default", "numerical"), [
    pytest.param(None, False, id="categorical-None"),
    pytest.param(0, True, id="numerical-0"),
    pytest.param(None, True, id="numerical-None"),
    pytest.param("pad", False, id="categorical-pad"),
])
def test_aggregate_empty_selection_gives_default(default, numerical):
    agg = rasp.Aggregate(rasp.Select(tokens, tokens, rasp.Comparison.FALSE), tokens, default=default)
    if numerical:
        agg = rasp.numerical(agg)
    assert agg([1, 2, 3]) == [default] * 3


def test_aggregate_partly_empty_selection():
    sel = rasp.Select(tokens, indices, rasp.Comparison.EQ)  # query i selects keys whose token is i
    assert rasp.numerical(rasp.Aggregate(sel, tokens, default=-1))([0, 0, 5]) == [0.0, -1, -1]


def test_aggregate_on_empty_input():
    assert rasp.Aggregate(_eq_sel(), tokens)([]) == []


def test_numerical_aggregate_rejects_non_numeric():
    agg = rasp.numerical(rasp.Aggregate(_eq_sel(), tokens)).named("avg")
    with pytest.raises(EvaluationError, match=r"'avg' at position 1.*'b'"):
        agg([1, "b"])


def test_numerical_aggregate_rejects_selected_none():
    agg = rasp.numerical(rasp.Aggregate(_eq_sel(), rasp.ConstantSOp([1, None]))).named("avg")
    with pytest.raises(EvaluationError, match=r"'avg' at position 1"):
        agg("ab")


def test_aggregate_causal_sees_only_the_past():
    agg = rasp.numerical(rasp.Aggregate(rasp.Select(tokens, tokens, rasp.Comparison.TRUE), tokens))
    assert agg([2, 4, 6]) == [4.0] * 3
    assert rasp.evaluate(agg, [2, 4, 6], causal=True) == [2.0, 3.0, 4.0]


# -- operator sugar ----------------------------------------------------------------------------------
X = [3, 0, -2, 5]
Y = [1, 2, 3, 4]  # the indices+1 operand; never zero, so division is safe


@pytest.mark.parametrize(("build", "expected"), [
    pytest.param(lambda: tokens + 1, [x + 1 for x in X], id="add-const"),
    pytest.param(lambda: 1 + tokens, [1 + x for x in X], id="radd-const"),
    pytest.param(lambda: tokens - 1, [x - 1 for x in X], id="sub-const"),
    pytest.param(lambda: 10 - tokens, [10 - x for x in X], id="rsub-const"),
    pytest.param(lambda: tokens * 3, [x * 3 for x in X], id="mul-const"),
    pytest.param(lambda: 3 * tokens, [3 * x for x in X], id="rmul-const"),
    pytest.param(lambda: tokens / 2, [x / 2 for x in X], id="div-const"),
    pytest.param(lambda: 60 / (indices + 1), [60 / y for y in Y], id="rdiv-const"),
    pytest.param(lambda: tokens + (indices + 1), [x + y for x, y in zip(X, Y, strict=True)], id="add-sop"),
    pytest.param(lambda: tokens - (indices + 1), [x - y for x, y in zip(X, Y, strict=True)], id="sub-sop"),
    pytest.param(lambda: tokens * (indices + 1), [x * y for x, y in zip(X, Y, strict=True)], id="mul-sop"),
    pytest.param(lambda: tokens / (indices + 1), [x / y for x, y in zip(X, Y, strict=True)], id="div-sop"),
    pytest.param(lambda: -tokens, [-x for x in X], id="neg"),
    pytest.param(lambda: tokens < 1, [x < 1 for x in X], id="lt"),
    pytest.param(lambda: tokens <= 0, [x <= 0 for x in X], id="le"),
    pytest.param(lambda: tokens > 0, [x > 0 for x in X], id="gt"),
    pytest.param(lambda: tokens >= 3, [x >= 3 for x in X], id="ge"),
    pytest.param(lambda: tokens == 5, [x == 5 for x in X], id="eq"),
    pytest.param(lambda: tokens != 5, [x != 5 for x in X], id="ne"),
    pytest.param(lambda: 1 < tokens, [1 < x for x in X], id="reflected-lt"),
    pytest.param(lambda: tokens < indices, [x < i for i, x in enumerate(X)], id="lt-sop"),
    pytest.param(lambda: tokens == indices, [x == i for i, x in enumerate(X)], id="eq-sop"),
    pytest.param(lambda: ~tokens, [not x for x in X], id="invert"),
    pytest.param(lambda: tokens & 7, [x and 7 for x in X], id="and-const"),
    pytest.param(lambda: 7 & tokens, [7 and x for x in X], id="rand-const"),
    pytest.param(lambda: tokens | 7, [x or 7 for x in X], id="or-const"),
    pytest.param(lambda: 7 | tokens, [7] * 4, id="ror-const"),  # `7 or x`, not tracr's `x or 7`
    pytest.param(lambda: 0 | tokens, [0 or x for x in X], id="ror-falsy-const"),
    pytest.param(lambda: tokens & indices, [x and i for i, x in enumerate(X)], id="and-sop"),
    pytest.param(lambda: tokens | indices, [x or i for i, x in enumerate(X)], id="or-sop"),
])
def test_operator_sugar(build, expected):
    sop = build()
    assert isinstance(sop, rasp.SOp)
    assert sop(X) == expected


def test_ror_order_differs_from_or():
    xs = [3, 0]
    assert (5 | tokens)(xs) == [5, 5]
    assert (tokens | 5)(xs) == [3, 5]


def test_sugar_with_constant_is_map_and_with_sop_is_sequence_map():
    assert type(tokens + 1) is rasp.Map
    assert type(tokens + indices) is rasp.SequenceMap
    assert type(tokens == indices) is rasp.SequenceMap
    assert (tokens + indices).children == (tokens, indices)


def test_sugar_passes_none_through():
    sop = rasp.ConstantSOp([None, 2])
    assert (sop + 1)("ab") == [None, 3]
    assert (sop == 2)("ab") == [None, True]
    assert (sop * indices)("ab") == [None, 2]


# -- encodings and annotations -----------------------------------------------------------------------
def test_default_encoding_is_categorical():
    assert rasp.is_categorical(tokens) and not rasp.is_numerical(tokens)
    assert rasp.get_encoding(tokens + 1) is rasp.Encoding.CATEGORICAL


@pytest.mark.parametrize(("make", "encoding"), [
    pytest.param(rasp.numerical, rasp.Encoding.NUMERICAL, id="numerical"),
    pytest.param(rasp.categorical, rasp.Encoding.CATEGORICAL, id="categorical"),
])
def test_encoding_functions_return_copies(make, encoding):
    original = rasp.numerical(tokens + 1) if encoding is rasp.Encoding.CATEGORICAL else tokens + 1
    before = original.encoding
    copy = make(original)
    assert copy is not original
    assert copy.encoding is encoding
    assert original.encoding is before  # the original is untouched
    assert copy([1, 2]) == original([1, 2]) == [2, 3]


def test_named_returns_a_renamed_copy():
    sop = tokens + 1
    named = sop.named("plus_one")
    assert named is not sop
    assert (named.name, sop.name) == ("plus_one", "map")
    assert named([1]) == [2]


def test_annotated_merges_and_copies():
    sop = rasp.numerical(tokens + 1).named("p")
    tagged = sop.annotated(colour="red")
    assert tagged is not sop
    assert dict(tagged.annotations) == {"encoding": rasp.Encoding.NUMERICAL, "name": "p", "colour": "red"}
    assert "colour" not in sop.annotations
    assert tagged.annotated(colour="blue").annotations["colour"] == "blue"
    assert tagged.annotations["colour"] == "red"


def test_annotations_are_read_only():
    with pytest.raises(TypeError):
        (tokens + 1).annotations["name"] = "x"  # type: ignore[index]


def test_copy_keeps_children():
    sop = tokens + indices
    copy = sop.named("c")
    assert copy.children == sop.children
    assert copy([1, 1]) == [1, 2]


def test_selectors_can_be_named():
    sel = rasp.Select(tokens, tokens, rasp.Comparison.EQ).named("same")
    assert sel.name == "same" and isinstance(sel, rasp.Selector)
