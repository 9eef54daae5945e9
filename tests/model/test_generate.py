"""model.generate: greedy, batched generation equals running the evaluator one step at a time."""

import itertools

import pytest

import glassbox as gb
from glassbox import rasp
from glassbox.errors import GlassboxError, InputError


def repeat(k: int) -> rasp.SOp:
    """The token k - 1 positions back (None before it): generating from it repeats the last k tokens."""
    back = rasp.Select(rasp.indices, rasp.Map(lambda i: i - k + 1, rasp.indices), rasp.Comparison.EQ)
    return rasp.Aggregate(back, rasp.tokens).named(f"repeat{k}")


def count_same() -> rasp.SOp:
    """How often the current token occurred so far (capped at 3), as the next token."""
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    return rasp.Map(lambda w: min(w, 3), rasp.SelectorWidth(same & before)).named("count_same")


def reference(program, prompt, max_new_tokens, max_seq_len, causal, stop=()):
    """The evaluator, one step at a time."""
    seq = list(prompt)
    for _ in range(max_new_tokens):
        if len(seq) >= max_seq_len:
            break
        token = rasp.evaluate(program, seq, causal=causal)[-1]
        if token is None:
            break
        seq.append(token)
        if token in stop:
            break
    return seq


def _prompts(vocab, longest):
    return [list(p) for n in range(1, longest + 1) for p in itertools.product(vocab, repeat=n)]


@pytest.mark.parametrize("causal", [True, False], ids=["causal", "bidirectional"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_repeat_generates_as_the_evaluator(k, causal):
    program, n = repeat(k), 9
    model = gb.compile_rasp_to_model(program, vocab={"a", "b", "c"}, max_seq_len=n, causal=causal)
    prompts = _prompts(("a", "b", "c"), 4)
    got = model.generate(prompts, max_new_tokens=6)
    want = [reference(program, p, 6, n, causal) for p in prompts]
    assert got == want
    # the period-k repeat is what the references say it is: a prompt of length >= k repeats its last k tokens
    for p, g in zip(prompts, got, strict=True):
        if len(p) >= k:
            assert all(g[i] == g[i - k] for i in range(len(p), len(g))) and len(g) == min(n, len(p) + 6)
        else:
            assert g == p  # nothing k - 1 positions back: None ends the sequence


@pytest.mark.parametrize("causal", [True, False], ids=["causal", "bidirectional"])
def test_counting_generates_as_the_evaluator_with_stop_tokens(causal):
    program, n = count_same(), 8
    model = gb.compile_rasp_to_model(program, vocab={1, 2, 3}, max_seq_len=n, causal=causal)
    prompts = _prompts((1, 2, 3), 3)
    for stop in ((), (3,), (2, 3)):
        got = model.generate(prompts, max_new_tokens=10, stop=list(stop) or None)
        assert got == [reference(program, p, 10, n, causal, stop) for p in prompts]
    assert model.generate([[1]], 10, stop=3) == [[1, 1, 2, 1, 3]]  # a single stop token, kept at the end


def test_generation_stops_at_max_seq_len_and_zero_tokens():
    model = gb.compile_rasp_to_model(repeat(1), vocab={"a", "b"}, max_seq_len=4, causal=True)
    assert model.generate([["a"], ["a", "b", "b", "a"]], max_new_tokens=10) == [["a"] * 4, ["a", "b", "b", "a"]]
    assert model.generate([["b", "a"]], max_new_tokens=0) == [["b", "a"]]


def test_generation_errors_are_glassbox_errors_naming_the_culprit():
    model = gb.compile_rasp_to_model(repeat(1), vocab={"a", "b"}, max_seq_len=4, causal=True)
    bad = {
        "max_new_tokens": lambda: model.generate([["a"]], max_new_tokens=-1),
        "True": lambda: model.generate([["a"]], max_new_tokens=True),
        "'z'": lambda: model.generate([["z"]], max_new_tokens=2),
        "prompt 1 is empty": lambda: model.generate([["a"], []], max_new_tokens=2),
        "max_seq_len=4": lambda: model.generate([["a"] * 5], max_new_tokens=2),
        "stop token 'q'": lambda: model.generate([["a"]], max_new_tokens=2, stop="q"),
        "list of token sequences": lambda: model.generate("ab", max_new_tokens=2),
    }
    for needle, call in bad.items():
        with pytest.raises(InputError, match=needle):
            call()
    numerical = gb.compile_rasp_to_model(rasp.numerical(rasp.Map(lambda t: 1.0 if t == "a" else 0.0, rasp.tokens)),
                                         vocab={"a", "b"}, max_seq_len=4, causal=True)
    with pytest.raises(InputError, match="numerical"):
        numerical.generate([["a"]], 2)


def test_an_output_that_is_not_a_token_is_an_error_unless_it_is_a_stop():
    program = rasp.Map(lambda t: {"a": "b", "b": "END"}[t], rasp.tokens)
    model = gb.compile_rasp_to_model(program, vocab={"a", "b"}, max_seq_len=5, causal=True)
    with pytest.raises(GlassboxError, match="'END' at position 1 is not an input token"):
        model.generate([["a"]], 3)
    assert model.generate([["a"], ["b"]], 3, stop="END") == [["a", "b", "END"], ["b", "END"]]


def test_a_loaded_model_generates(tmp_path):
    model = gb.compile_rasp_to_model(repeat(2), vocab={"a", "b"}, max_seq_len=6, causal=True)
    loaded = gb.load(model.save(tmp_path / "m"))
    assert loaded.generate([["a", "b"]], 4) == model.generate([["a", "b"]], 4) == [["a", "b", "a", "b", "a", "b"]]
