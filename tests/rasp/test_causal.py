"""Prefix-stability: the static proof is sound (checked against the evaluator on every input), decides
the library, and the compiler warns or refuses for causal programs that look ahead."""

import warnings

import pytest

import glassbox as gb
from glassbox import programs, rasp
from glassbox.rasp import causal

N = 4


@pytest.mark.parametrize("name", sorted(programs.LIBRARY))
def test_the_static_proof_is_sound_and_exhaustive_search_agrees(name: str) -> None:
    entry = programs.LIBRARY[name]
    program = entry.build(N)
    proved = not rasp.look_aheads(program, N)
    found = causal.counterexample(program, entry.vocab, N)
    if proved:
        assert found is None, f"{name} proved prefix-stable, but {found} is a counterexample"
    decided = rasp.prefix_stable(program, entry.vocab, N)
    assert decided is (found is None)


def test_what_the_library_looks_ahead_at() -> None:
    looks = {name: rasp.look_aheads(e.build(N), N) for name, e in programs.LIBRARY.items()}
    assert looks["sort"] == ["target_pos"] and looks["sort_freq"] == ["hist"]
    assert looks["frac_prevs"] == looks["hist"] == looks["shuffle_dyck"] == []


def _prev_token() -> rasp.SOp:
    prev = rasp.Map(lambda i: max(i - 1, 0), rasp.indices)
    return rasp.Aggregate(rasp.Select(rasp.indices, prev, rasp.Comparison.EQ), rasp.tokens)


def _running_mean() -> rasp.SOp:
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    return rasp.numerical(rasp.Aggregate(prevs, rasp.numerical(rasp.tokens), default=0))


def _mean_of_later() -> rasp.SOp:
    # At the last position the keys at or after the query are the query itself, in both meanings...
    later = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ)
    return rasp.numerical(rasp.Aggregate(later, rasp.numerical(rasp.tokens))).named("later")


def _running_mean_of_later() -> rasp.SOp:
    # ...but read at earlier positions (by a running mean) it sees the future.
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    return rasp.numerical(rasp.Aggregate(prevs, _mean_of_later()))


def _reads_running_mean_early() -> rasp.SOp:
    # A running mean over a non-triangular (token-equality) selector, read back at earlier positions.
    same = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ),
                                         rasp.numerical(rasp.indices))).named("same_mean")
    first = rasp.Select(rasp.indices, rasp.Full(0), rasp.Comparison.EQ)
    return rasp.numerical(rasp.Aggregate(first, same, default=0)).named("at_first")


@pytest.mark.parametrize(("build", "static", "decided"), [
    pytest.param(_running_mean, True, True, id="running-mean"),
    pytest.param(_mean_of_later, True, True, id="mean-of-later-positions-at-the-last"),
    pytest.param(_running_mean_of_later, None, False, id="mean-of-later-positions-read-earlier"),
    pytest.param(lambda: rasp.length, None, False, id="length"),
    pytest.param(_reads_running_mean_early, None, False, id="look-ahead-read-earlier"),
    pytest.param(lambda: rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)), True, True,
                 id="histogram-at-the-last-position"),
])
def test_hand_made_cases(build, static: "bool | None", decided: bool) -> None:
    program = build()
    assert rasp.prefix_stable(program) is static
    assert rasp.prefix_stable(program, {1, 2, 3}, N) is decided


def test_index_only_selectors_are_checked_by_evaluation_when_the_length_is_known() -> None:
    program = _prev_token()
    assert rasp.prefix_stable(program) is True  # the selector is only read at the last position
    reread = rasp.Aggregate(rasp.Select(rasp.indices, rasp.Full(0), rasp.Comparison.EQ), program, default=None)
    assert rasp.prefix_stable(reread) is None  # earlier positions of prev: triangular, but not by syntax
    assert rasp.look_aheads(reread, N) == [] and rasp.prefix_stable(reread, max_seq_len=N) is True


def test_causal_compilation_warns_or_refuses_naming_the_look_ahead() -> None:
    entry = programs.LIBRARY["sort"]
    with pytest.warns(gb.GlassboxWarning, match=r"target_pos: looks ahead.*not prefix-stable \(input \["):
        gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5, causal=True)
    with pytest.raises(gb.CompileError, match="target_pos: looks ahead"):
        gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5, causal=True,
                                 strict_causal=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stable programs and non-causal ones compile silently
        gb.compile_rasp_to_model(_running_mean(), vocab={1, 2, 3}, max_seq_len=5, causal=True, strict_causal=True)
        gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
