"""Aggregate(..., reduction="sum" | "max" | "min"): compiled exactly, against the evaluator, on every small input."""

import pytest
import torch

import glassbox as gb
from glassbox import rasp
from glassbox.errors import CompileError, EvaluationError, RaspError

from .exactness import assert_exact

LEQ, LT, EQ, GT = rasp.Comparison.LEQ, rasp.Comparison.LT, rasp.Comparison.EQ, rasp.Comparison.GT
PREVS = rasp.Select(rasp.indices, rasp.indices, LEQ)
# selects nothing at some queries (the default shows), several keys elsewhere, across two pairs
SMALLER_BEFORE = rasp.Select(rasp.indices, rasp.indices, LT) & rasp.Select(rasp.tokens, rasp.tokens, LT)


def test_the_language_and_evaluator():
    xs = [3, 1, 2, 0]
    assert rasp.Aggregate(PREVS, rasp.tokens, reduction="sum")(xs) == [3, 4, 6, 6]
    assert rasp.Aggregate(PREVS, rasp.tokens, reduction="max")(xs) == [3, 3, 3, 3]
    assert rasp.Aggregate(PREVS, rasp.tokens, reduction="min")(xs) == [3, 1, 1, 0]
    assert rasp.Aggregate(SMALLER_BEFORE, rasp.tokens, default=-1, reduction="max")(xs) == [-1, -1, 1, -1]
    assert rasp.Aggregate(PREVS, rasp.tokens)([1, 1]) == [1, 1]  # mean stays tracr's
    assert rasp.Aggregate(PREVS, rasp.tokens, reduction="max")("bab") == ["b", "b", "b"]  # any ordered values
    with pytest.raises(RaspError, match="reduction.*'median'"):
        rasp.Aggregate(PREVS, rasp.tokens, reduction="median")
    with pytest.raises(EvaluationError, match="cannot add"):
        rasp.Aggregate(PREVS, rasp.tokens, reduction="sum")("ab")
    with pytest.raises(EvaluationError, match="cannot be ordered"):
        rasp.Aggregate(PREVS, rasp.tokens, reduction="max")([1, "a"])


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("reduction", ["sum", "max", "min"])
@pytest.mark.parametrize("selector", [PREVS, SMALLER_BEFORE], ids=["prevs", "smaller_before"])
@pytest.mark.parametrize("encoding,default", [("numerical", 0), ("numerical", 2.5), ("categorical", None),
                                              ("categorical", 9)])
def test_exhaustive(selector, reduction, encoding, default, causal):
    program = rasp.Aggregate(selector, rasp.tokens, default=default, reduction=reduction)
    program = rasp.numerical(program) if encoding == "numerical" else program
    assert_exact(program, (0, 1, 2, 3), 5, causal=causal)


@pytest.mark.parametrize("reduction", ["sum", "max", "min"])
def test_numerical_values_and_functions_of_the_result(reduction):
    values = rasp.numerical(rasp.Map(lambda t: {"a": -1.5, "b": 0.25, "c": 4.0}[t], rasp.tokens))
    total = rasp.numerical(rasp.Aggregate(PREVS, values, default=0, reduction=reduction))
    assert_exact(total, ("a", "b", "c"), 6)
    assert_exact(rasp.Map(lambda v: v > 1, total), ("a", "b", "c"), 6)  # a categorical read of the result
    # a materialised numerical value (an MLP's output) is ranked through its implicit categorical copy
    frac = rasp.numerical(rasp.Aggregate(PREVS, rasp.numerical(rasp.tokens == "a"), default=0))
    assert_exact(rasp.numerical(rasp.Aggregate(PREVS, frac, default=0, reduction=reduction)), ("a", "b"), 6)


def test_sizes_follow_the_construction():
    sums = assert_exact(rasp.numerical(rasp.Aggregate(PREVS, rasp.tokens, default=0, reduction="sum")), (0, 1, 2), 6)
    assert (sums.config.n_layers, sums.config.n_heads) == (2, 1)  # a count head + MLP, then the read-out MLP
    site = {s.label: s for s in sums.circuit}
    assert site["aggregate.count"].kind == "SelectionCount" and site["aggregate"].layer == 1
    top = assert_exact(rasp.Aggregate(PREVS, rasp.tokens, reduction="max"), (0, 1, 2), 6)
    assert (top.config.n_layers, top.config.n_heads) == (1, 1)  # one head: a value-ranked score


@pytest.mark.parametrize("n", [10, 20])
def test_larger_lengths_sampled(n):
    for reduction in ("sum", "max", "min"):
        program = rasp.numerical(rasp.Aggregate(PREVS, rasp.tokens, default=0, reduction=reduction))
        assert_exact(program, (0, 1, 2, 3, 5), n, causal=reduction == "sum")
        assert_exact(rasp.Aggregate(SMALLER_BEFORE, rasp.tokens, default=-1, reduction=reduction), (0, 1, 2, 3), n)


def test_what_cannot_be_compiled_names_the_expression():
    floats = rasp.numerical(rasp.Map(lambda t: t / 3, rasp.tokens))
    cases = {
        "categorical sum": rasp.Aggregate(PREVS, floats, reduction="sum").named("float_sum"),
        "ordered values": rasp.Aggregate(PREVS, rasp.Map(lambda t: (t,) if t else "x", rasp.tokens),
                                         reduction="max").named("mixed_max"),
        "cannot be None": rasp.numerical(rasp.Aggregate(PREVS, rasp.tokens, reduction="min")).named("no_default"),
        "numeric values": rasp.numerical(rasp.Aggregate(PREVS, rasp.Map(str, rasp.tokens), default=0,
                                                        reduction="sum")).named("text_sum"),
    }
    for needle, program in cases.items():
        with pytest.raises(CompileError) as info:
            gb.compile_rasp_to_model(program, vocab={0, 1, 2}, max_seq_len=4)
        assert program.name in dict(info.value.problems), info.value.problems
        assert needle in str(info.value)


@pytest.mark.parametrize("reduction", ["sum", "max", "min"])
def test_float64_numerical_outputs_are_tighter(reduction):
    values = rasp.numerical(rasp.Map(lambda t: t / 4 - 0.3, rasp.tokens))
    program = rasp.numerical(rasp.Aggregate(SMALLER_BEFORE, values, default=1.5, reduction=reduction))
    assert_exact(program, (0, 1, 2, 3), 6, dtype="float64")  # within 1e-9 relative


def test_float_sums_are_rounded_once_so_a_threshold_on_them_is_exact():
    # 0.1 + 0.2 + 0.4 is 0.7000000000000001 or 0.7 by summation order; the evaluator and the value sets both
    # round the exact sum once, so a categorical read sitting on the tie agrees on every order.
    values = rasp.numerical(rasp.Map(lambda t: {"a": 0.1, "b": 0.2, "c": 0.4}[t], rasp.tokens))
    total = rasp.numerical(rasp.Aggregate(PREVS, values, default=0, reduction="sum"))
    orders = [list(p) for p in ("abc", "acb", "bca", "cab")]
    assert len({rasp.evaluate(total, seq)[-1] for seq in orders}) == 1
    assert_exact(rasp.Map(lambda v: v > 0.7, total), ("a", "b", "c"), 4)


def test_numerical_sums_compile_in_float64_under_auto_and_float32_refuses_them():
    # fuzz seed 3 #1665 (causal), shrunk: a float32 sum of sums read 1.0001220703125 for 1 (over 1e-4)
    counts = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, EQ), rasp.indices, default=0,
                                           reduction="sum"))
    program = rasp.numerical(rasp.Aggregate(rasp.Select(counts, rasp.tokens, EQ), counts, default=1, reduction="sum"))
    model = assert_exact(program, (0, 1), 6, causal=True)
    assert model.module.embed.W_E.dtype == torch.float64
    with pytest.raises(CompileError, match="no float32 error bound"):
        gb.compile_rasp_to_model(program, vocab={0, 1}, max_seq_len=6, causal=True, dtype="float32")
