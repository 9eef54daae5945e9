"""Every boolean combination of Selects compiles exactly, whatever key/query pairs it reads."""

import pytest

import glassbox as gb
from glassbox import rasp

from .exactness import assert_exact

LT, EQ, LEQ, GT, NEQ = (rasp.Comparison.LT, rasp.Comparison.EQ, rasp.Comparison.LEQ, rasp.Comparison.GT,
                        rasp.Comparison.NEQ)
k, i = rasp.tokens, rasp.indices
shifted = rasp.Map(lambda t: t % 2, rasp.tokens).named("parity")


def select(keys, queries, predicate):
    return rasp.Select(keys, queries, predicate)


TIE_BREAK = select(k, k, LT) | (select(k, k, EQ) & select(i, i, LT))  # the paper's stable sort
SELECTORS = {
    "tie_break": TIE_BREAK,
    "or": select(k, k, EQ) | select(i, i, LT),
    "not_and": ~(select(k, k, EQ) & select(i, i, LT)),
    "or_and_third_pair": (select(k, k, EQ) | select(i, i, LT)) & select(k, i, lambda a, b: a <= b + 1),
    "nested_not_or": ~(~select(k, i, LEQ) | ~select(i, i, GT)) | select(shifted, shifted, NEQ),
    "xor": (select(k, k, EQ) & ~select(i, i, GT)) | (~select(k, k, EQ) & select(i, i, GT)),
    "and_only": select(k, k, LEQ) & select(i, i, LT),  # additive: no joint feature
    "never": select(k, k, EQ) & ~select(k, k, EQ) & select(i, i, LT),
    "always": select(k, k, EQ) | ~select(k, k, EQ) | select(i, i, LT),
}


def _users(sel):
    values = rasp.numerical(rasp.Map(lambda t: t - 1.5, rasp.tokens))
    return {
        "width": rasp.SelectorWidth(sel),
        "mean": rasp.numerical(rasp.Aggregate(sel, values, default=0)),
        "max": rasp.Aggregate(sel, k, default=0, reduction="max"),
        "min": rasp.numerical(rasp.Aggregate(sel, values, default=9, reduction="min")),
        "sum": rasp.numerical(rasp.Aggregate(sel, k, default=0, reduction="sum")),
    }


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("name", list(SELECTORS))
def test_exhaustive_against_the_evaluator(name, causal):
    for use, program in _users(SELECTORS[name]).items():
        try:
            assert_exact(program, (1, 2, 3), 5, causal=causal)
        except AssertionError as exc:
            raise AssertionError(f"{name} in {use}: {exc}") from None


def test_the_stable_sort_tie_break_at_larger_sizes():
    target = rasp.SelectorWidth(TIE_BREAK).named("target")
    sort = rasp.Aggregate(select(target, i, EQ), k).named("sort")
    for n in (5, 10, 20):
        model = assert_exact(sort, (1, 2, 3, 4), n)
        assert model.run([[3, 1, 3, 2, 1][:n]]) == [[1, 1, 2, 3, 3][:n]]


def test_the_circuit_map_says_how_each_selector_was_built():
    def kinds(sel):
        model = gb.compile_rasp_to_model(rasp.SelectorWidth(sel.named("sel")), vocab={1, 2, 3}, max_seq_len=4)
        return {s.label: s.kind for s in model.circuit}, model

    got, model = kinds(SELECTORS["and_only"])
    assert got["sel"] == "SelectorAnd: additive scores: an AND of 2 groups (one per key/query pair)"
    assert model.config.n_layers == 1 and not any(kind == "JointFeature" for kind in got.values())
    got, model = kinds(TIE_BREAK)
    assert got["sel"] == ("SelectorOr: by its truth table over 2 key/query pairs: 1 group(s), joint features of "
                          "tokens&indices")
    assert got["tokens&indices.joint"] == "JointFeature"
    joint = next(s for s in model.circuit if s.label == "tokens&indices.joint")
    assert joint.children == ("tokens", "indices") and len(joint.values) == 3 * 4 and joint.layer == 0
    assert model.config.n_layers == 2  # the joint feature's MLP (layer 0), then the width
    got, _ = kinds(SELECTORS["or_and_third_pair"])
    assert got["sel"].endswith("over 3 key/query pairs: 2 group(s), joint features of tokens&indices")
    assert kinds(select(k, k, EQ) | select(k, k, LT))[0]["sel"] == "SelectorOr: one predicate"


def test_a_selector_that_cannot_be_tabulated_names_itself():
    big = rasp.numerical(rasp.Map(lambda t: t, rasp.tokens))
    before = rasp.numerical(rasp.Aggregate(select(i, i, LEQ), big, default=0))
    after = rasp.numerical(rasp.Aggregate(select(i, i, GT), big, default=0))
    pairs = rasp.SequenceMap(lambda a, b: (a, b), before, after)  # too many values to enumerate
    sel = (select(pairs, pairs, LT) | select(i, i, LT)).named("wide_or")
    with pytest.raises(gb.CompileError) as info:
        gb.compile_rasp_to_model(rasp.SelectorWidth(sel), vocab=set(range(10)), max_seq_len=10)
    assert "wide_or" in dict(info.value.problems), info.value.problems


def test_independent_blocks_get_their_own_joint_features():
    # (A | B) & (C | D) over four pairs: two joint features of two pairs each, not one of four
    a, b = select(k, k, EQ), select(i, i, LT)
    c, d = select(shifted, k, EQ), select(k, i, GT)
    sel = ((a | b) & (c | d)).named("sel")
    model = assert_exact(rasp.SelectorWidth(sel), (1, 2, 3), 5)
    kinds = {s.label: s.kind for s in model.circuit}
    assert kinds["sel"].startswith("SelectorAnd: by its truth table over 4 key/query pairs: 2 group(s)")
    assert sorted(label for label, kind in kinds.items() if kind == "JointFeature") == [
        "parity&tokens.joint", "tokens&indices.joint"]


def test_a_numerical_sop_in_a_joint_feature_is_read_through_its_categorical_copy():
    frac = rasp.numerical(rasp.Aggregate(select(i, i, LEQ), rasp.numerical(rasp.tokens == 1), default=0))
    sel = select(frac, frac, LT) | (select(frac, frac, EQ) & select(i, i, LT))
    model = assert_exact(rasp.SelectorWidth(sel.named("sel")), (1, 2), 5)
    kinds = {s.label: s.kind for s in model.circuit}
    assert kinds["aggregate.categorical"] == "ImplicitCategorical"
    joints = [s for s in model.circuit if s.kind == "JointFeature"]
    assert [sorted(s.children) for s in joints] == [["aggregate", "indices"]]


def test_only_the_selectors_own_selects_are_its_atoms():
    # the Select inside `mean` (an SOp the OR reads) is no atom of the OR: two pairs, not three
    mean = rasp.numerical(rasp.Aggregate(select(k, k, lambda a, b: a + 1 == b), i, default=0))
    sel = (select(i, k, rasp.Comparison.GEQ) | select(mean, i, GT)).named("sel")
    model = assert_exact(rasp.SelectorWidth(sel), (0, 1, 2), 4)
    assert {s.label: s.kind for s in model.circuit}["sel"].startswith("SelectorOr: by its truth table over 2 ")


def test_a_joint_feature_too_large_to_build_is_refused_naming_the_selector():
    # (v3, v4) are functions of one position, but their value sets multiply: 11,224 combinations
    v3 = rasp.numerical(rasp.Aggregate(select(k, k, LEQ), i, default=0))
    v4 = rasp.SequenceMap(lambda x, y: x * y, v3, i)
    sel = (select(i, v3, LT) | select(i, v4, lambda a, b: a + 1 == b)).named("huge_or")
    with pytest.raises(gb.CompileError) as info:
        gb.compile_rasp_to_model(rasp.numerical(rasp.Aggregate(sel, i, default=0)), vocab={"a", "b"}, max_seq_len=6)
    assert "joint feature" in dict(info.value.problems)["huge_or"]
