"""Every library program against an independent plain-Python reference, on random and documented inputs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox import programs, rasp

from . import reference as ref

FAST = settings(max_examples=40, deadline=None)
MAX_LEN = 6


def words(alphabet: str, max_size: int = MAX_LEN) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(alphabet), max_size=max_size)


def numbers(max_size: int = MAX_LEN) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(min_value=-3, max_value=4), max_size=max_size)


# -- tracr's documented examples (refs/tracr.md §3) ---------------------------------------------------
DOCUMENTED = [
    pytest.param(programs.make_length, "abc", [3, 3, 3], id="length"),
    pytest.param(lambda: programs.make_reverse(rasp.tokens), "abcd", list("dcba"), id="reverse-abcd"),
    pytest.param(lambda: programs.make_reverse(rasp.tokens), "ad", list("da"), id="reverse-ad"),
    pytest.param(
        lambda: programs.make_pair_balance(rasp.tokens, "(", ")"), "a()b(c))",
        [0, 1 / 2, 0, 0, 1 / 5, 1 / 6, 0, -1 / 8], id="pair_balance",
    ),
    pytest.param(lambda: programs.make_shuffle_dyck(["()", "{}"]), "({)}", [True] * 4, id="dyck-ok"),
    pytest.param(lambda: programs.make_shuffle_dyck(["()", "{}"]), "(){)}", [False] * 5, id="dyck-bad"),
    pytest.param(programs.make_shuffle_dyck2, "({)}", [True] * 4, id="dyck2-ok"),
    pytest.param(programs.make_shuffle_dyck2, "(){)}", [False] * 5, id="dyck2-bad"),
    pytest.param(programs.make_hist, "abac", [2, 1, 2, 1], id="hist"),
    pytest.param(
        lambda: programs.make_sort_unique(rasp.tokens, rasp.tokens), [2, 4, 3, 1], [1, 2, 3, 4],
        id="sort_unique",
    ),
    pytest.param(
        lambda: programs.make_sort_unique(rasp.tokens, 1 - rasp.indices), "abcd", list("dcba"),
        id="sort_unique-by-negative-index",
    ),
    pytest.param(
        lambda: programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1),
        [2, 4, 1, 2], [1, 2, 2, 4], id="sort",
    ),
    pytest.param(lambda: programs.make_sort_freq(max_seq_len=5), [2, 4, 2, 1], [2, 2, 4, 1], id="sort_freq"),
    pytest.param(
        lambda: programs.make_frac_prevs(rasp.numerical(rasp.tokens == "l")), "hello",
        [0, 0, 1 / 3, 1 / 2, 2 / 5], id="frac_prevs",
    ),
    pytest.param(lambda: programs.shift_by(1, rasp.tokens), "abcd", [None, "a", "b", "c"], id="shift_by"),
    pytest.param(
        lambda: programs.detect_pattern(rasp.tokens, "abc"), "abcabc",
        [None, None, True, False, False, True], id="detect_pattern",
    ),
    pytest.param(lambda: programs.make_count_less_freq(2), "aaabbc", [3] * 6, id="count_less_freq"),
    pytest.param(lambda: programs.make_count_less_freq(2), "aacbbc", [6] * 6, id="count_less_freq-all"),
    pytest.param(lambda: programs.make_count(rasp.tokens, "a"), "aaabbc", [3] * 6, id="count"),
    pytest.param(
        lambda: programs.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens, rasp.tokens,
                                               rasp.indices),
        [1, 2, 3], [2, 3, 4], id="nary_sequencemap",
    ),
]


@pytest.mark.parametrize(("build", "xs", "expected"), DOCUMENTED)
def test_documented_example(build, xs, expected):
    assert build()(xs) == pytest.approx(expected)


# -- random inputs against the references ---------------------------------------------------------
@FAST
@given(words("abcd"))
def test_length(xs):
    assert programs.make_length()(xs) == ref.length(xs)


@FAST
@given(words("abcd"))
def test_reverse(xs):
    assert programs.make_reverse(rasp.tokens)(xs) == ref.reverse(xs)


@FAST
@given(words("abcd"))
def test_reverse_of_derived_sop(xs):
    upper = rasp.Map(str.upper, rasp.tokens)
    assert programs.make_reverse(upper)(xs) == ref.reverse([x.upper() for x in xs])


@FAST
@given(words("abcd"))
def test_hist(xs):
    assert programs.make_hist()(xs) == ref.hist(xs)


@FAST
@given(st.lists(st.integers(min_value=-5, max_value=9), unique=True, max_size=MAX_LEN))
def test_sort_unique(xs):
    assert programs.make_sort_unique(rasp.tokens, rasp.tokens)(xs) == sorted(xs)
    # vals distinct from keys: the permutation itself
    assert programs.make_sort_unique(rasp.indices, rasp.tokens)(xs) == ref.sort_by(range(len(xs)), xs)


@FAST
@given(numbers())
def test_sort_is_stable(xs):
    program = programs.make_sort(rasp.indices, rasp.tokens, max_seq_len=MAX_LEN, min_key=1)
    assert program(xs) == ref.sort_by(range(len(xs)), xs)
    assert programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=MAX_LEN, min_key=1)(xs) == sorted(xs)


@FAST
@given(st.lists(st.sampled_from([0.0, 0.5, 1.5, 2.0]), max_size=MAX_LEN))
def test_sort_with_fractional_min_key(xs):
    # min_key equals the smallest gap between distinct keys (0.5)
    program = programs.make_sort(rasp.indices, rasp.tokens, max_seq_len=MAX_LEN, min_key=0.5)
    assert program(xs) == ref.sort_by(range(len(xs)), xs)


@FAST
@given(st.lists(st.integers(min_value=1, max_value=4), max_size=MAX_LEN))
def test_sort_freq(xs):
    assert programs.make_sort_freq(max_seq_len=MAX_LEN)(xs) == ref.sort_freq(xs)


@FAST
@given(words("xy"))
def test_frac_prevs(xs):
    program = programs.make_frac_prevs(rasp.numerical(rasp.tokens == "x"))
    assert program(xs) == pytest.approx(ref.frac_prevs([x == "x" for x in xs]))


@FAST
@given(words("ab()", max_size=10))
def test_pair_balance(xs):
    program = programs.make_pair_balance(rasp.tokens, "(", ")")
    assert program(xs) == pytest.approx(ref.pair_balance(xs, "(", ")"))


# Unconstrained words are rarely balanced; mix in shuffles of balanced words so both outcomes occur.
@st.composite
def dyck_words(draw: st.DrawFn, pairs: tuple[str, ...]) -> list[str]:
    if draw(st.booleans()):
        return draw(words("".join(pairs), max_size=8))
    out: list[str] = []
    for open_token, close_token in draw(st.lists(st.sampled_from(pairs), max_size=3)):
        out += [open_token, close_token]
    return draw(st.permutations(out))


@pytest.mark.parametrize("pairs", [
    pytest.param(("()",), id="one-pair"),
    pytest.param(("()", "{}"), id="two-pairs"),
    pytest.param(("()", "{}", "[]"), id="three-pairs"),
])
def test_shuffle_dyck(pairs):
    program = programs.make_shuffle_dyck(list(pairs))

    @FAST
    @given(dyck_words(pairs))
    def check(xs):
        assert program(xs) == ref.shuffle_dyck(xs, pairs)

    check()


@FAST
@given(dyck_words(("()", "{}")))
def test_shuffle_dyck2(xs):
    out = programs.make_shuffle_dyck2()(xs)
    assert out == ref.shuffle_dyck(xs, ["()", "{}"])
    assert all(isinstance(b, bool) for b in out)


def test_shuffle_dyck_sees_both_outcomes():
    # guards the generator above: the property test is vacuous if every word fails
    program = programs.make_shuffle_dyck2()
    assert program("({)}") == [True] * 4 and program(")(") == [False] * 2


@FAST
@given(st.integers(min_value=0, max_value=4), words("abcd"))
def test_shift_by(offset, xs):
    assert programs.shift_by(offset, rasp.tokens)(xs) == ref.shift_by(offset, xs)


@FAST
@given(words("abc", max_size=8), st.lists(st.sampled_from("abc"), min_size=1, max_size=3))
def test_detect_pattern(xs, pattern):
    assert programs.detect_pattern(rasp.tokens, pattern)(xs) == ref.detect_pattern(xs, pattern)


@FAST
@given(st.integers(min_value=0, max_value=4), words("abcd"))
def test_count_less_freq(n, xs):
    assert programs.make_count_less_freq(n)(xs) == ref.count_less_freq(xs, n)


@FAST
@given(st.sampled_from("abcd"), words("abc"))
def test_count(token, xs):
    assert programs.make_count(rasp.tokens, token)(xs) == ref.count(xs, token)


@FAST
@given(st.lists(st.integers(min_value=-4, max_value=4), max_size=MAX_LEN))
def test_nary_sequencemap(xs):
    f = lambda a, b, c: a * 10 + b - c
    program = programs.make_nary_sequencemap(f, rasp.tokens, rasp.tokens + 1, rasp.indices)
    assert program(xs) == ref.nary_sequencemap(f, xs, [x + 1 for x in xs], range(len(xs)))


@FAST
@given(st.lists(st.integers(min_value=-4, max_value=4), max_size=MAX_LEN))
def test_nary_sequencemap_unary_and_binary(xs):
    unary = programs.make_nary_sequencemap(lambda a: a * 2, rasp.tokens)
    binary = programs.make_nary_sequencemap(lambda a, b: a - b, rasp.tokens, rasp.indices)
    assert unary(xs) == [x * 2 for x in xs]
    assert binary(xs) == ref.nary_sequencemap(lambda a, b: a - b, xs, range(len(xs)))


# -- causal evaluation: the "universal" programs read only the past --------------------------------
@FAST
@given(words("abc", max_size=8))
def test_causal_programs_agree_with_full(xs):
    for program in (
        programs.make_frac_prevs(rasp.numerical(rasp.tokens == "a")),
        programs.shift_by(2, rasp.tokens),
        programs.detect_pattern(rasp.tokens, "ab"),
    ):
        assert rasp.evaluate(program, xs, causal=True) == rasp.evaluate(program, xs)


def test_causal_changes_non_causal_programs():
    assert rasp.evaluate(programs.make_length(), "abcd", causal=True) == [1, 2, 3, 4]
    assert rasp.evaluate(programs.make_hist(), "aaba", causal=True) == [1, 2, 1, 3]


# -- argument validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(("build", "fragment"), [
    pytest.param(lambda: programs.make_shuffle_dyck([]), "at least one pair", id="dyck-no-pairs"),
    pytest.param(lambda: programs.make_shuffle_dyck(["(]]"]), "'(]]'", id="dyck-bad-pair"),
    pytest.param(lambda: programs.detect_pattern(rasp.tokens, ""), "pattern", id="empty-pattern"),
    pytest.param(lambda: programs.make_nary_sequencemap(lambda: 0), "at least one SOp", id="nary-no-sops"),
])
def test_bad_arguments(build, fragment):
    from glassbox.errors import RaspError

    with pytest.raises(RaspError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        build()
