"""End-to-end regressions: compiled programs beyond the library equal the RASP evaluator (the library sweep
lives in tests/compiler)."""

import itertools
import random

import pytest

import glassbox as gb
from glassbox import programs, rasp
from glassbox.errors import GlassboxError

EXHAUSTIVE_LIMIT = 20_000
RANDOM_INPUTS = 300


def _inputs(vocab: tuple, n: int, seed: int) -> list[list]:
    total = sum(len(vocab) ** k for k in range(1, n + 1))
    if total <= EXHAUSTIVE_LIMIT:
        return [list(s) for k in range(1, n + 1) for s in itertools.product(vocab, repeat=k)]
    rng = random.Random(seed)
    return [[rng.choice(vocab) for _ in range(rng.randint(1, n))] for _ in range(RANDOM_INPUTS)]


def _same(out: object, ref: object) -> bool:
    if ref is None or out is None:
        return out is None and ref is None
    if isinstance(out, float):
        return abs(out - ref) <= 1e-4 * max(1.0, abs(ref))
    return out == ref


def _check(model, program, seqs, run) -> int:
    checked = 0
    outs = run(seqs)
    for seq, out in zip(seqs, outs, strict=True):
        try:
            ref = rasp.evaluate(program, seq, causal=model.config.causal)
        except GlassboxError:
            continue  # outside the program's contract (e.g. repeated keys in sort_unique)
        checked += 1
        assert all(_same(o, r) for o, r in zip(out, ref, strict=True)), (seq, out, ref)
    return checked


def test_selector_width_exact_at_every_width() -> None:
    model = gb.compile_rasp_to_model(programs.make_length(), vocab={"a"}, max_seq_len=40)
    seqs = [["a"] * k for k in range(1, 41)]
    assert model.run(seqs) == [[k] * k for k in range(1, 41)]


def test_vocab_16_sort() -> None:
    vocab = tuple(range(16))
    program = programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=10, min_key=1)
    model = gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=10)
    assert _check(model, program, _inputs(vocab, 10, seed=16), model.run) == RANDOM_INPUTS


def test_negative_numerical_map_and_map_after_frac_prevs() -> None:
    frac = programs.make_frac_prevs(rasp.numerical(rasp.tokens == "x"))
    for program in (
        rasp.numerical(rasp.Map(lambda t: {"x": -4, "y": 3}[t], rasp.tokens)),
        rasp.numerical(rasp.Map(lambda v: 10 * v * v - 3, frac)),
        rasp.Map(lambda v: v > 0.5, frac),
    ):
        model = gb.compile_rasp_to_model(program, vocab={"x", "y"}, max_seq_len=8)
        assert _check(model, program, _inputs(("x", "y"), 8, seed=1), model.run) > 500


def test_two_selector_widths_in_one_layer_feed_a_select() -> None:
    hist = programs.make_hist()
    count_a = programs.make_count(rasp.tokens, "a")
    both = rasp.SequenceMap(lambda h, c: h + c, hist, count_a)
    sel = rasp.Select(hist, count_a, rasp.Comparison.LEQ)
    program = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.Map(float, both)), default=0))
    model = gb.compile_rasp_to_model(program, vocab={"a", "b", "c"}, max_seq_len=5)
    assert model.config.n_layers >= 2
    assert _check(model, program, _inputs(("a", "b", "c"), 5, seed=2), model.run) == 363


def test_length_full_and_composite_and_selector() -> None:
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    program = rasp.SequenceMap(lambda w, n: (w, n), rasp.SelectorWidth(same & before), rasp.length)
    program = rasp.SequenceMap(lambda p, f: p[0] * f + p[1], program, rasp.Full(10))
    model = gb.compile_rasp_to_model(program, vocab={"a", "b"}, max_seq_len=5)
    assert _check(model, program, _inputs(("a", "b"), 5, seed=3), model.run) == 62


def test_padding_does_not_leak_between_sequences() -> None:
    entry = programs.LIBRARY["reverse"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    alone = [model.run([seq])[0] for seq in (["a"], ["b", "c", "d", "a", "b"], ["c", "c"])]
    assert model.run([["a"], ["b", "c", "d", "a", "b"], ["c", "c"]]) == alone


def test_causal_compilation_matches_causal_evaluator() -> None:
    for program in (programs.make_frac_prevs(rasp.numerical(rasp.tokens == "a")),
                    programs.shift_by(1, rasp.tokens), programs.detect_pattern(rasp.tokens, "ab")):
        model = gb.compile_rasp_to_model(program, vocab={"a", "b"}, max_seq_len=6, causal=True)
        assert _check(model, program, _inputs(("a", "b"), 6, seed=4), model.run) == 126


def test_float64_mode_is_tighter() -> None:
    frac = programs.make_frac_prevs(rasp.numerical(rasp.tokens == "x"))
    program = rasp.numerical(rasp.Map(lambda v: 7 * v * v, frac))
    model = gb.compile_rasp_to_model(program, vocab={"x", "y"}, max_seq_len=10, dtype="float64")
    seqs = _inputs(("x", "y"), 10, seed=5)
    for seq, out in zip(seqs, model.run(seqs), strict=True):
        ref = rasp.evaluate(program, seq)
        assert all(abs(o - r) <= 1e-9 * max(1.0, abs(r)) for o, r in zip(out, ref, strict=True))


def test_compile_error_lists_every_problem() -> None:
    const = rasp.ConstantSOp([1, 2, 1, 2])
    words = rasp.numerical(rasp.Map(lambda t: "many", rasp.tokens))
    bad_or = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
                                | rasp.ConstantSelector([[True] * 4] * 4))  # fixed for one length
    program = rasp.SequenceMap(lambda a, b: (a, b), rasp.SequenceMap(lambda a, b: a, const, words), bad_or)
    with pytest.raises(gb.CompileError) as info:
        gb.compile_rasp_to_model(program.named("out"), vocab={1, 2}, max_seq_len=4)
    labels = {label for label, _ in info.value.problems}
    assert {"constant_sop", "map", "selector_or"} <= labels, info.value.problems
    assert all(label in str(info.value) for label in ("constant_sop", "map", "selector_or"))


def test_numerical_keys_and_defaults_compile() -> None:
    frac = programs.make_frac_prevs(rasp.numerical(rasp.tokens == 1))
    half = rasp.numerical(rasp.Map(lambda t: t * 0.5, rasp.tokens))
    later = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k > q)
    for program in (
        rasp.Aggregate(rasp.Select(frac, frac, rasp.Comparison.LT), rasp.tokens, default=0),
        rasp.numerical(rasp.SequenceMap(lambda a, b: a * b, frac, half)),
        rasp.numerical(rasp.Aggregate(later, half, default=-2.5)),
        rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ), half),
    ):
        model = gb.compile_rasp_to_model(program, vocab={1, 2, 3, 4}, max_seq_len=5)
        assert _check(model, program, _inputs((1, 2, 3, 4), 5, seed=6), model.run) > 100


def test_input_errors_name_token_and_position() -> None:
    model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=3)
    with pytest.raises(gb.InputError, match=r"sequence 0, position 1: token 'z'"):
        model.run([["a", "z"]])
    with pytest.raises(gb.InputError, match="max_seq_len=3"):
        model.run([["a"] * 4])
    with pytest.raises(gb.CompileError, match="compiler_bos"):
        gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "BOS"}, max_seq_len=3)
