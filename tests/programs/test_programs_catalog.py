"""The catalog: every entry builds and evaluates its example, at several lengths."""

import pytest

from glassbox import programs, rasp

from . import reference as ref

# Expected outputs of each entry's example, from the plain-Python references.
EXPECTED = {
    "length": ref.length,
    "reverse": ref.reverse,
    "hist": ref.hist,
    "sort_unique": sorted,
    "sort": sorted,
    "sort_freq": ref.sort_freq,
    "frac_prevs": lambda xs: ref.frac_prevs([x == "x" for x in xs]),
    "pair_balance": lambda xs: ref.pair_balance(xs, "(", ")"),
    "shuffle_dyck": lambda xs: ref.shuffle_dyck(xs, ["()"]),
    "shuffle_dyck2": lambda xs: ref.shuffle_dyck(xs, ["()", "{}"]),
    "shift_by": lambda xs: ref.shift_by(1, xs),
    "detect_pattern": lambda xs: ref.detect_pattern(xs, "abc"),
    "count_less_freq": lambda xs: ref.count_less_freq(xs, 2),
    "count": lambda xs: ref.count(xs, "a"),
    "nary_sequencemap": lambda xs: [x + x - i for i, x in enumerate(xs)],
    "stable_sort": sorted,
    "mark_first_instance": ref.mark_first_instance,
    "double_histogram": ref.double_histogram,
    "sort_by_most_frequent": ref.sort_freq,
    "dyck1_ptf": lambda xs: ref.dyck_ptf(xs, ["()"]),
    "dyck2_ptf": lambda xs: ref.dyck_ptf(xs, ["()", "[]"]),
    # the example is a prompt: only its last position has a next token, the first digit of the sum
    "long_addition": lambda xs: [None] * (len(xs) - 1) + [ref.long_addition(57, 95, 2)[0]],
    "count_to": ref.count_to_next,
    "mode": ref.mode,
    "running_max": ref.running_max,
    "running_sum": ref.running_sum,
}


def test_every_entry_has_an_expectation():
    assert sorted(programs.LIBRARY) == sorted(EXPECTED)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in programs.LIBRARY])
def test_entry_builds_and_evaluates_its_example(name):
    entry = programs.LIBRARY[name]
    assert entry.name == name and entry.summary
    assert len(entry.example) <= entry.max_seq_len
    assert set(entry.example) <= set(entry.vocab)
    program = entry.build(entry.max_seq_len)
    assert isinstance(program, rasp.SOp)
    assert program(list(entry.example)) == pytest.approx(EXPECTED[name](list(entry.example)))


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in programs.LIBRARY])
def test_entry_builds_deterministically(name):
    entry = programs.LIBRARY[name]
    first = list(rasp.labels(entry.build(entry.max_seq_len)).values())
    second = list(rasp.labels(entry.build(entry.max_seq_len)).values())
    assert first == second
    # only copies of the primitives tokens/indices/length may share a label
    derived = [label for label in first if label not in ("tokens", "indices", "length")]
    assert len(set(derived)) == len(derived)
