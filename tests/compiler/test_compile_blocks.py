"""Tier 1: the block factories (craft/chamber) on their own, densified over small named spaces."""

import itertools
import math

import numpy as np
import pytest

from glassbox import rasp
from glassbox.craft import bases, blocks
from glassbox.craft.bases import Direction
from glassbox.craft.chamber import attention, categorical_mlp, neurons, numerical_mlp

ONE = Direction(bases.ONE)
BOS = Direction(bases.TOKENS, "BOS")
X = Direction("x")
GATE = Direction("gate")
EXACT = 1e-9  # "exact": a few ulps of float64 on values of order 1..100


def run_mlp(mlp: blocks.MLP, x: np.ndarray) -> np.ndarray:
    return np.maximum(x @ mlp.w_in, 0) @ mlp.w_out


def vector(space: bases.Space, feature: dict) -> np.ndarray:
    v = np.zeros(len(space))
    for d, c in feature.items():
        v[space.index(d)] += c
    return v


# -- numerical_mlp.discretise ------------------------------------------------------------------
DISCRETISE_CASES = [
    pytest.param([0.0, 1.0], [3.0, -2.0], id="two-values-signed"),
    pytest.param([-3.0, 0.0, 0.5, 1.9], [1.0, 0.0, -7.5, 2.0], id="non-01-signed"),
    pytest.param([1 / (w + 1) for w in range(40, -1, -1)], [float(w) for w in range(40, -1, -1)],
                 id="selector-width-grid-N40"),
    pytest.param(sorted({k / n for n in range(1, 11) for k in range(n + 1)}), None, id="frac-grid-N10-x10"),
    pytest.param([0.0, 1e-3, 1.0, 1000.0], [5.0, 5.0, 5.0, -5.0], id="wide-range-repeated-outputs"),
]


@pytest.mark.parametrize(("values", "outs"), DISCRETISE_CASES)
def test_discretise_exact_on_every_value(values, outs):
    outs = outs if outs is not None else [10 * v for v in values]
    out = Direction("out")
    space = bases.Space((ONE, X, out))
    mlp = neurons.to_mlp("f", numerical_mlp.discretise({X: 1.0}, values, [{out: o} for o in outs]), space)
    xs = np.stack([vector(space, {ONE: 1.0, X: v}) for v in values])
    got = run_mlp(mlp, xs)[:, space.index(out)]
    np.testing.assert_allclose(got, outs, rtol=0, atol=EXACT * max(1.0, max(abs(o) for o in outs)))
    # BOS: the residual there is all zero (one = 0), and the MLP must write nothing.
    assert np.all(run_mlp(mlp, np.zeros((1, len(space)))) == 0)


def test_discretise_categorical_outputs_one_hot():
    values = [0.0, 0.25, 0.5, 2.0]
    labels = ["a", "b", "a", "c"]
    outs = [Direction("y", v) for v in "abc"]
    space = bases.Space((ONE, X, *outs))
    mlp = neurons.to_mlp("f", numerical_mlp.discretise(
        {X: 1.0}, values, [{Direction("y", lab): 1.0} for lab in labels]), space)
    for v, lab in zip(values, labels, strict=True):
        got = run_mlp(mlp, vector(space, {ONE: 1.0, X: v})[None])[0]
        np.testing.assert_allclose(got, vector(space, {Direction("y", lab): 1.0}), atol=EXACT)


def test_discretise_tolerates_off_grid_noise():
    """An input off by up to 3/8 of the local gap still lands on its plateau (documented margin)."""
    values, outs = [0.0, 1.0, 3.0], [1.0, 4.0, -2.0]
    out = Direction("out")
    space = bases.Space((ONE, X, out))
    mlp = neurons.to_mlp("f", numerical_mlp.discretise({X: 1.0}, values, [{out: o} for o in outs]), space)
    for v, o, noise in [(0.0, 1.0, 0.37), (1.0, 4.0, -0.37), (1.0, 4.0, 0.74), (3.0, -2.0, -0.74)]:
        got = run_mlp(mlp, vector(space, {ONE: 1.0, X: v + noise})[None])[0, space.index(out)]
        assert got == pytest.approx(o, abs=EXACT)


@pytest.mark.parametrize("gate_on", [0.0, 1.0])
def test_discretise_gate(gate_on):
    values, outs = [-1.0, 0.0, 0.5, 4.0], [2.0, -3.0, 0.0, 7.0]
    out = Direction("out")
    space = bases.Space((ONE, X, GATE, out))
    mlp = neurons.to_mlp("f", numerical_mlp.discretise(
        {X: 1.0}, values, [{out: o} for o in outs], gate={GATE: 1.0}), space)
    xs = np.stack([vector(space, {ONE: 1.0, X: v, GATE: gate_on}) for v in values])
    got = run_mlp(mlp, xs)[:, space.index(out)]
    np.testing.assert_allclose(got, np.array(outs) * gate_on, rtol=0, atol=EXACT * 10)
    assert np.all(run_mlp(mlp, np.zeros((1, len(space)))) == 0)


# -- categorical_mlp.sequence_map ----------------------------------------------------------------
def test_sequence_map_truth_table():
    xs_, ys_ = ["a", "b", "c"], [0, 1, 2, 3]
    f = lambda a, b: f"{a}{b % 2}" if b != 3 else None  # noqa: E731  (None: no output at all)
    outputs = sorted({f(a, b) for a in xs_ for b in ys_} - {None})
    dx = {a: Direction("x", a) for a in xs_}
    dy = {b: Direction("y", b) for b in ys_}
    dout = {o: Direction("out", o) for o in outputs}
    space = bases.Space((ONE, *dx.values(), *dy.values(), *dout.values()))
    mlp = neurons.to_mlp("sm", categorical_mlp.sequence_map(
        {a: {d: 1.0} for a, d in dx.items()}, {b: {d: 1.0} for b, d in dy.items()},
        lambda a, b: {} if f(a, b) is None else {dout[f(a, b)]: 1.0}), space)
    for a, b in itertools.product(xs_, ys_):
        got = run_mlp(mlp, vector(space, {ONE: 1.0, dx[a]: 1.0, dy[b]: 1.0})[None])[0]
        want = vector(space, {} if f(a, b) is None else {dout[f(a, b)]: 1.0})
        np.testing.assert_array_equal(got, want)
    # None in either input (an all-zero one-hot) and BOS (all zero) produce nothing.
    for feat in ({ONE: 1.0, dx["a"]: 1.0}, {ONE: 1.0, dy[1]: 1.0}, {}):
        assert np.all(run_mlp(mlp, vector(space, feat)[None]) == 0)


# -- attention.score_form ----------------------------------------------------------------------
def _one_head_model(keys_vals, query_vals, predicate, sharpness_tol=1e-8, n=6):
    """A one-head IR model whose output at each query is its attention pattern over positions."""
    kd = {v: Direction("k", v) for v in keys_vals}
    qd = {v: Direction("q", v) for v in query_vals}
    pos = [Direction("pos", i) for i in range(n)]
    att = [Direction("att", i) for i in range(n)]
    att_bos = Direction("att", "BOS")
    space = bases.Space((ONE, BOS, *kd.values(), *qd.values(), *pos, *att, att_bos))
    group = attention.PredicateGroup({v: {d: 1.0} for v, d in kd.items()}, {v: {d: 1.0} for v, d in qd.items()},
                                     predicate)
    sharp = attention.aggregate_sharpness(n, sharpness_tol)
    w_qk = attention.score_form([group], sharp, 0.5 * sharp, space, BOS, ONE)
    reads = {a: {p: 1.0} for a, p in zip(att, pos, strict=True)} | {att_bos: {BOS: 1.0}}
    head = blocks.AttentionHead("h", w_qk, attention.value_map(reads, space))
    model = blocks.Model(space, (blocks.Layer((head,), ()),))

    def pattern(keys, queries):
        rows = [vector(space, {BOS: 1.0})]
        for i, (k, q) in enumerate(zip(keys, queries, strict=True)):
            rows.append(vector(space, {ONE: 1.0, kd[k]: 1.0, qd[q]: 1.0, pos[i]: 1.0}))
        x = np.stack(rows)[None]
        y = model.apply(x)[0] - x[0]
        cols = [space.index(att_bos)] + [space.index(a) for a in att[: len(keys)]]
        return y[:, cols]  # [query (BOS first), BOS + key positions]

    return pattern


@pytest.mark.parametrize("comparison", list(rasp.Comparison), ids=lambda c: c.name)
def test_score_form_selects_right_keys_or_bos(comparison):
    vals = [0, 1, 2, 3]
    pattern = _one_head_model(vals, vals, comparison)
    keys, queries = [2, 0, 3, 2, 1, 0], [1, 3, 0, 2, 2, 0]
    p = pattern(keys, queries)
    # BOS query attends to BOS only, so nothing is written at BOS.
    np.testing.assert_allclose(p[0], np.eye(len(keys) + 1)[0], atol=1e-7)
    for qi, q in enumerate(queries):
        selected = [comparison(k, q) for k in keys]
        want = np.zeros(len(keys) + 1)
        if any(selected):
            want[1:] = np.array(selected, dtype=float) / sum(selected)
        else:
            want[0] = 1.0  # BOS fallback
        np.testing.assert_allclose(p[qi + 1], want, atol=1e-7, err_msg=f"query {qi} ({q})")


def test_score_form_arbitrary_predicate_that_raises():
    """A predicate that raises on a pair selects nothing there (the evaluator would raise)."""

    def pred(k, q):
        if k == 3:
            raise ZeroDivisionError
        return (k + q) % 2 == 0

    pattern = _one_head_model([0, 1, 2, 3], [0, 1], pred, n=4)
    p = pattern([3, 1, 2, 0], [0, 1, 0, 1])
    np.testing.assert_allclose(p[1], [0, 0, 0, 0.5, 0.5], atol=1e-7)
    np.testing.assert_allclose(p[2], [0, 0, 1, 0, 0], atol=1e-7)


def test_sharpness_formulas_meet_their_tolerance():
    for n in (1, 5, 40, 200):
        c = attention.aggregate_sharpness(n, 1e-8)
        assert (n + 1) * math.exp(-c / 2) <= 1e-8 * (1 + 1e-12)
        c = attention.width_sharpness(n, 1e-8)
        assert n * math.exp(-c) <= 1e-8 * (1 + 1e-12)
