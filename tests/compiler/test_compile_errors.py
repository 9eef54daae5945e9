"""Tier 5: what cannot be compiled fails up front with one error naming every culprit."""

import pytest

import glassbox as gb
from glassbox import programs, rasp
from glassbox.errors import CompileError, InputError


def test_one_compile_error_lists_every_offending_expression():
    # (numerical-keyed Selects and non-None defaults now compile: see test_compile_regressions)
    bad_map = rasp.numerical(rasp.Map(lambda t: f"<{t}>", rasp.tokens)).named("bad_map")
    num_keyed = rasp.Select(bad_map, rasp.tokens, rasp.Comparison.EQ).named("num_keyed")
    bad_or = (rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
              | rasp.ConstantSelector([[True] * 3] * 3)).named("bad_or")  # (an OR across pairs compiles)
    const = rasp.ConstantSOp([1, 2, 3]).named("const")
    w1 = rasp.SelectorWidth(num_keyed).named("w1")
    w2 = rasp.SelectorWidth(bad_or).named("w2")
    prog = rasp.SequenceMap(lambda a, b: a + b, rasp.SequenceMap(lambda a, b: a + b, w1, w2), const)
    with pytest.raises(CompileError) as info:
        gb.compile_rasp_to_model(prog, vocab=set("ab"), max_seq_len=3)
    labels = {label for label, _ in info.value.problems}
    assert {"bad_map", "bad_or", "const"} <= labels, info.value.problems
    text = str(info.value)
    for label, reason in info.value.problems:
        assert label in text and reason in text
    assert "number" in dict(info.value.problems)["bad_map"]


def test_causal_length_is_reported():
    with pytest.raises(CompileError) as info:
        gb.compile_rasp_to_model(rasp.Map(lambda n: n + 1, rasp.length), vocab={"a"}, max_seq_len=3, causal=True)
    assert "length" in [label for label, _ in info.value.problems]


@pytest.mark.parametrize(("kwargs", "culprit"), [
    ({"vocab": {"a", "BOS"}}, "compiler_bos"),
    ({"vocab": {"a", "PAD"}}, "compiler_pad"),
    ({"vocab": set()}, "vocab"),
    ({"vocab": {"a"}, "max_seq_len": 0}, "max_seq_len"),
    ({"vocab": {"a"}, "compiler_pad": "BOS"}, "compiler_pad"),
])
def test_bad_arguments(kwargs, culprit):
    kwargs = {"max_seq_len": 4, **kwargs}
    with pytest.raises(CompileError) as info:
        gb.compile_rasp_to_model(programs.make_hist(), **kwargs)
    assert culprit in [label for label, _ in info.value.problems]


def test_input_errors_name_token_and_position():
    model = gb.compile_rasp_to_model(programs.make_hist(), vocab=set("ab"), max_seq_len=4)
    with pytest.raises(InputError, match=r"sequence 1, position 2: token 'z'"):
        model.run([["a"], ["a", "b", "z"]])
    with pytest.raises(InputError, match=r"sequence 0 has 5 tokens.*max_seq_len=4"):
        model.run([list("aaaaa")])
    with pytest.raises(InputError, match="BOS"):
        model.run([["a", "BOS"]])
    with pytest.raises(InputError):
        model.apply(["a", "b"])
