"""Every error is a glassbox error type whose message names its culprit."""

import re

import numpy as np
import pytest

from glassbox import rasp
from glassbox.errors import EvaluationError, GlassboxError, InputError, RaspError

tokens, indices = rasp.tokens, rasp.indices
SEL = rasp.Select(tokens, tokens, rasp.Comparison.EQ).named("my_sel")
IDENTITY = lambda x: x  # noqa: E731
ADD = lambda x, y: x + y  # noqa: E731


# -- construction: constructor, argument position and name, and the wrong value ------------------------
@pytest.mark.parametrize(("build", "fragments"), [
    pytest.param(lambda: rasp.Map(IDENTITY, 3), ["Map(f, sop)", "argument 2", "sop", "int 3"], id="map-sop"),
    pytest.param(lambda: rasp.Map(IDENTITY, [1, 2]), ["Map(f, sop)", "argument 2", "[1, 2]"], id="map-list"),
    pytest.param(lambda: rasp.Map(IDENTITY, SEL), ["Map(f, sop)", "argument 2", "selector 'my_sel'"],
                 id="map-selector"),
    pytest.param(lambda: rasp.Map(5, tokens), ["Map(f, sop)", "argument 1", "(f)", "int 5"], id="map-f"),
    pytest.param(lambda: rasp.Map(tokens, tokens), ["Map(f, sop)", "argument 1", "SOp 'tokens'"],
                 id="map-f-is-sop"),
    pytest.param(lambda: rasp.SequenceMap(ADD, "x", tokens),
                 ["SequenceMap(f, fst, snd)", "argument 2", "(fst)", "str 'x'"], id="seqmap-fst"),
    pytest.param(lambda: rasp.SequenceMap(ADD, tokens, None),
                 ["SequenceMap(f, fst, snd)", "argument 3", "(snd)", "None"], id="seqmap-snd"),
    pytest.param(lambda: rasp.LinearSequenceMap(tokens, 7, 1, 1),
                 ["LinearSequenceMap", "argument 2", "(snd)", "int 7"], id="linear-snd"),
    pytest.param(lambda: rasp.LinearSequenceMap(tokens, indices, "a", 1),
                 ["LinearSequenceMap", "argument 3", "(fst_fac)", "'a'"], id="linear-fac"),
    pytest.param(lambda: rasp.Select(1.5, tokens, rasp.Comparison.EQ),
                 ["Select(keys, queries, predicate)", "argument 1", "(keys)", "float 1.5"], id="select-keys"),
    pytest.param(lambda: rasp.Select(tokens, SEL, rasp.Comparison.EQ),
                 ["Select(keys, queries, predicate)", "argument 2", "(queries)", "selector 'my_sel'"],
                 id="select-queries"),
    pytest.param(lambda: rasp.Select(tokens, tokens, "EQ"),
                 ["Select(keys, queries, predicate)", "argument 3", "(predicate)", "'EQ'"],
                 id="select-predicate"),
    pytest.param(lambda: rasp.Aggregate(tokens, tokens),
                 ["Aggregate(selector, sop, default, reduction)", "argument 1", "(selector)", "SOp 'tokens'"],
                 id="aggregate-selector-is-sop"),
    pytest.param(lambda: rasp.Aggregate([[True]], tokens),
                 ["Aggregate(selector, sop, default, reduction)", "argument 1", "[[True]]"],
                 id="aggregate-selector-list"),
    pytest.param(lambda: rasp.Aggregate(SEL, SEL),
                 ["Aggregate(selector, sop, default, reduction)", "argument 2", "(sop)", "selector 'my_sel'"],
                 id="aggregate-sop"),
    pytest.param(lambda: rasp.Aggregate(SEL, tokens, reduction="avg"),
                 ["Aggregate(selector, sop, default, reduction)", "argument 4", "(reduction)", "'avg'", "'sum'"],
                 id="aggregate-reduction-unknown"),
    pytest.param(lambda: rasp.Aggregate(SEL, tokens, default=indices),
                 ["Aggregate(selector, sop, default, reduction)", "argument 3", "(default)", "SOp 'indices'"],
                 id="aggregate-default"),
    pytest.param(lambda: rasp.SelectorWidth(tokens),
                 ["SelectorWidth(selector)", "argument 1", "SOp 'tokens'"], id="selector-width"),
    pytest.param(lambda: rasp.SelectorAnd(SEL, tokens),
                 ["SelectorAnd(fst, snd)", "argument 2", "(snd)", "SOp 'tokens'"], id="selector-and"),
    pytest.param(lambda: SEL | 1, ["SelectorOr(fst, snd)", "argument 2", "int 1"], id="selector-or-operator"),
    pytest.param(lambda: rasp.SelectorNot(0), ["SelectorNot(inner)", "argument 1", "int 0"],
                 id="selector-not"),
    pytest.param(lambda: rasp.Full(tokens), ["Full(fill)", "argument 1", "tokens"], id="full"),
    pytest.param(lambda: rasp.ConstantSOp("abc"), ["ConstantSOp(value)", "argument 1", "'abc'"],
                 id="constant"),
    pytest.param(lambda: rasp.numerical(3), ["numerical()", "argument 1", "int 3"], id="numerical"),
    pytest.param(lambda: rasp.categorical(SEL), ["categorical()", "argument 1", "selector 'my_sel'"],
                 id="categorical"),
    pytest.param(lambda: tokens + SEL, ["'+'", "SOp 'tokens'", "selector 'my_sel'"], id="sugar-selector"),
    pytest.param(lambda: tokens.named(""), ["named()", "''"], id="named-empty"),
    pytest.param(lambda: (tokens + 1).named(3), ["named()", "3"], id="named-int"),
])
def test_construction_error_names_culprit(build, fragments):
    with pytest.raises(RaspError) as info:
        build()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_rasp_error_is_a_glassbox_type_error():
    with pytest.raises(GlassboxError):
        rasp.Map(IDENTITY, 3)
    with pytest.raises(TypeError):
        rasp.Map(IDENTITY, 3)


# -- evaluation errors: the expression's label and the position ---------------------------------------
def test_numerical_aggregate_of_non_numeric_names_label_and_position():
    agg = rasp.numerical(rasp.Aggregate(rasp.Select(indices, indices, rasp.Comparison.LEQ), tokens))
    program = agg.named("running_mean") + 1
    with pytest.raises(EvaluationError, match=r"'running_mean' at position 2.*'x'"):
        program([1, 2, "x"])


def test_unnamed_aggregate_error_uses_its_program_label():
    eq = rasp.Select(indices, indices, rasp.Comparison.EQ)
    first = rasp.numerical(rasp.Aggregate(eq, indices))  # always numeric
    second = rasp.numerical(rasp.Aggregate(eq, tokens))
    program = first + second
    assert rasp.labels(program)[second] == "aggregate_1"
    assert program([5, 7]) == [5.0, 8.0]
    with pytest.raises(EvaluationError, match=r"'aggregate_1' at position 1.*'s'"):
        program([5, "s"])


@pytest.mark.parametrize(("build", "xs", "pattern"), [
    pytest.param(lambda: rasp.Map(lambda x: 1 / x, tokens).named("inv"), [2, 0],
                 r"'inv' at position 1.*ZeroDivisionError.*input 0", id="map"),
    pytest.param(lambda: rasp.SequenceMap(lambda x, y: x / y, tokens, indices).named("ratio"), [1, 2],
                 r"'ratio' at position 0.*ZeroDivisionError.*input 1, 0", id="sequence-map"),
    pytest.param(lambda: rasp.Map(lambda x: x + 1, tokens), ["a"],
                 r"'map' at position 0.*TypeError", id="map-unnamed"),
    pytest.param(lambda: rasp.SelectorWidth(rasp.Select(tokens, tokens, lambda k, q: k < q).named("cmp")),
                 [1, "a"], r"Select 'cmp' at query position 0, key position 1.*TypeError", id="predicate"),
])
def test_function_errors_name_label_and_position(build, xs, pattern):
    with pytest.raises(EvaluationError, match=pattern) as info:
        build()(xs)
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("xs", [
    pytest.param(5, id="int"),
    pytest.param(None, id="None"),
    pytest.param({1, 2}, id="set"),
    pytest.param({"a": 1}, id="dict"),
    pytest.param((x for x in "ab"), id="generator"),
    pytest.param(np.zeros((2, 2)), id="2d-array"),
    pytest.param(np.int64(3), id="numpy-scalar"),
])
def test_input_not_a_sequence(xs):
    with pytest.raises(InputError, match="sequence"):
        rasp.evaluate(tokens, xs)
    with pytest.raises(InputError):
        (tokens + 1)(xs)


def test_input_error_names_the_type():
    with pytest.raises(InputError, match=re.escape("got set")):
        rasp.evaluate(tokens, {1})
    with pytest.raises(InputError, match=re.escape("(2, 2)")):
        rasp.evaluate(tokens, np.zeros((2, 2)))


def test_every_evaluation_error_is_a_glassbox_value_error():
    for exc in (EvaluationError, InputError):
        assert issubclass(exc, GlassboxError) and issubclass(exc, ValueError)
