"""Deterministic labels: per program, from names and walk order only; distinct nodes never collide."""

import json
import subprocess
import sys

import pytest

from glassbox import programs, rasp

tokens, indices = rasp.tokens, rasp.indices


def walk_labels(program: rasp.RASPExpr) -> list[str]:
    names = rasp.labels(program)
    return [names[node] for node in rasp.walk(program)]


BUILDERS = {
    "sort_freq": lambda: programs.make_sort_freq(max_seq_len=5),
    "shuffle_dyck2": programs.make_shuffle_dyck2,
    "detect_pattern": lambda: programs.detect_pattern(rasp.tokens, "abc"),
    "reverse_of_sort": lambda: programs.make_reverse(programs.make_sort_unique(rasp.tokens, rasp.tokens)),
    "two_lengths": lambda: programs.make_length() + programs.make_length(),
}


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in BUILDERS])
def test_same_program_twice_in_one_process(name):
    first = walk_labels(BUILDERS[name]())
    programs.make_shuffle_dyck(["()", "[]", "{}"])  # unrelated construction in between
    rasp.Map(lambda x: x, rasp.tokens).named("sort").label  # noqa: B018  (reads a label)
    second = walk_labels(BUILDERS[name]())
    assert first == second
    assert len(first) == len(rasp.walk(BUILDERS[name]()))


_CHILD = """
import json, sys
from glassbox import programs, rasp
if sys.argv[1] == "busy":
    for _ in range(3):
        for entry in programs.LIBRARY.values():
            rasp.labels(entry.build(entry.max_seq_len))
        rasp.Map(lambda x: x, rasp.tokens).named("hist").label
programs_ = [programs.make_sort_freq(max_seq_len=5), programs.make_shuffle_dyck2(),
             programs.make_length() + programs.make_length()]
out = []
for p in programs_:
    names = rasp.labels(p)
    out.append([names[n] for n in rasp.walk(p)])
print(json.dumps(out))
"""


def _labels_in_subprocess(mode: str) -> list[list[str]]:
    done = subprocess.run([sys.executable, "-c", _CHILD, mode], capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


def test_same_labels_in_separate_processes():
    fresh = _labels_in_subprocess("fresh")
    busy = _labels_in_subprocess("busy")
    assert fresh == busy
    here = [walk_labels(p) for p in (programs.make_sort_freq(max_seq_len=5), programs.make_shuffle_dyck2(),
                                     programs.make_length() + programs.make_length())]
    assert fresh == here
    assert len(fresh) == 3 and all(fresh)


# -- the labelling rule ------------------------------------------------------------------------------
def test_first_keeps_name_later_duplicates_get_suffixes():
    a = rasp.Map(lambda x: x + 1, tokens)
    b = rasp.Map(lambda x: x + 2, tokens)
    c = rasp.Map(lambda x: x + 3, indices)
    program = rasp.SequenceMap(lambda x, y: x + y, rasp.SequenceMap(lambda x, y: x + y, a, b), c)
    assert walk_labels(program) == ["tokens", "map", "map_1", "sequence_map", "indices", "map_2",
                                    "sequence_map_1"]


def test_labels_follow_post_order_in_argument_order():
    a = (tokens + 1).named("x")
    b = (tokens + 2).named("x")
    assert walk_labels(a + b)[:3] == ["tokens", "x", "x_1"]
    assert rasp.labels(b + a)[b] == "x" and rasp.labels(b + a)[a] == "x_1"


def test_primitives_keep_their_names():
    program = (tokens + indices + rasp.length).named("length")
    names = rasp.labels(program)
    assert (names[tokens], names[indices], names[rasp.length]) == ("tokens", "indices", "length")
    assert names[program] == "length_1"


def test_user_names_never_take_primitive_names():
    fake = (tokens + 1).named("tokens")
    assert rasp.labels(fake)[fake] == "tokens_1"
    assert rasp.labels(fake)[tokens] == "tokens"


def test_a_user_sop_named_like_a_used_primitive_gets_its_own_label():
    fake = rasp.numerical(rasp.Map(lambda i: i + 1, indices)).named("indices")
    program = rasp.SequenceMap(lambda x, y: x + y, fake, rasp.numerical(indices))
    names = _assert_distinct_nodes_distinct_labels(program)
    assert names[fake] == "indices_1" and names[indices] == "indices"


def test_reserved_names_and_suffixes():
    one = (tokens + 1).named("one")
    view = (tokens + 2).named("x.categorical")
    names = rasp.labels(one + view, reserved=("one",), reserved_suffixes=(".categorical",))
    assert (names[one], names[view]) == ("one_1", "x.categorical_1")
    assert rasp.labels(one + view)[one] == "one"  # nothing is reserved unless asked


def test_user_name_clashing_with_a_generated_suffix():
    explicit = (tokens + 1).named("map_1")
    m1 = rasp.Map(lambda x: x, explicit, simplify=False)
    m2 = rasp.Map(lambda x: x, m1, simplify=False)
    assert walk_labels(m2) == ["tokens", "map_1", "map", "map_2"]


def test_label_property_is_the_label_as_root():
    program = programs.make_hist()
    assert program.label == "hist" == rasp.labels(program)[program]


# -- distinct nodes never share a label --------------------------------------------------------------
def _assert_distinct_nodes_distinct_labels(program):
    names = rasp.labels(program)
    primitives = {label for node, label in names.items() if isinstance(node, rasp.sops.PRIMITIVES)}
    derived = [label for node, label in names.items() if not isinstance(node, rasp.sops.PRIMITIVES)]
    assert len(derived) == len(set(derived)), derived
    assert not primitives & set(derived), primitives & set(derived)  # a primitive's copies share its label only
    return names


def test_two_separately_built_lengths():
    l1, l2 = programs.make_length(), programs.make_length()
    program = rasp.SequenceMap(lambda x, y: x + y, l1, l2)
    names = _assert_distinct_nodes_distinct_labels(program)
    assert names[l1] != names[l2]
    assert program("abc") == [6, 6, 6]


def test_two_nodes_given_the_same_name():
    x = (tokens + 1).named("a")
    y = (tokens * 2).named("a")
    names = _assert_distinct_nodes_distinct_labels(x + y)
    assert {names[x], names[y]} == {"a", "a_1"}


@pytest.mark.parametrize("copy", [
    pytest.param(rasp.numerical, id="numerical"),
    pytest.param(rasp.categorical, id="categorical"),
    pytest.param(lambda s: s.annotated(note="n"), id="annotated"),
    pytest.param(lambda s: s.named(s.name), id="renamed-same"),
])
@pytest.mark.parametrize("read_label_first", [pytest.param(False, id="fresh"),
                                              pytest.param(True, id="label-read")])
def test_copies_never_collide(copy, read_label_first):
    sop = (tokens + 1).named("p")
    if read_label_first:
        assert sop.label == "p"  # tracr caches an id here and copies it into the copy
    copied = copy(sop)
    names = _assert_distinct_nodes_distinct_labels(rasp.SequenceMap(lambda x, y: x + y, sop, copied))
    assert names[sop] != names[copied]
    assert sop.label == "p"


def test_selector_copies_never_collide():
    sel = rasp.Select(tokens, tokens, rasp.Comparison.EQ)
    program = rasp.SelectorWidth(sel & sel.named("select"))
    _assert_distinct_nodes_distinct_labels(program)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in programs.LIBRARY])
def test_library_programs_have_distinct_labels(name):
    entry = programs.LIBRARY[name]
    _assert_distinct_nodes_distinct_labels(entry.build(entry.max_seq_len))
