"""Tier 4: one regression test per tracr silent failure (refs/tracr.md §4.2) and per API promise."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import glassbox as gb
from glassbox import programs, rasp

from . import cases

XY = ("x", "y")


def frac_prevs(token="x"):
    return programs.make_frac_prevs(rasp.numerical(rasp.tokens == token))


# -- §4.2 item 7: negative outputs of a categorical -> numerical Map -------------------------------
@pytest.mark.parametrize("f", [lambda x: x - 3, lambda x: -(x * x) + 1, lambda x: -2.5 if x % 2 else 0.75],
                         ids=["shift", "negative-square", "signed-constant"])
def test_negative_cat_to_num_map_survives(f):
    sop = rasp.numerical(rasp.Map(f, rasp.tokens))
    model = cases.verify(sop, range(6), 5)
    assert min(model.run([[0, 1, 2, 3, 4]])[0]) < 0


def test_negative_values_survive_a_numerical_mean():
    neg = rasp.numerical(rasp.Map(lambda x: x - 3, rasp.tokens))
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    cases.verify(rasp.numerical(rasp.Aggregate(prevs, neg, default=0)), range(4), 5)


# -- §4.2 item 4: numerical Maps after frac_prevs --------------------------------------------------
MAPS_AFTER_FRAC = [
    pytest.param(lambda fp: rasp.numerical(rasp.Map(lambda x: 10 * x, fp)), id="10x"),
    pytest.param(lambda fp: rasp.Map(lambda x: x > 0.5, fp), id="gt-half"),
    pytest.param(lambda fp: rasp.numerical(rasp.Map(lambda x: x * x - 0.25, fp)), id="square"),
    pytest.param(lambda fp: rasp.Map(lambda x: round(3 * x), fp), id="round-3x"),
]


@pytest.mark.parametrize("n", [5, 8])
@pytest.mark.parametrize("make", MAPS_AFTER_FRAC)
def test_map_after_frac_prevs_exact(make, n):
    cases.verify(make(frac_prevs()), XY, n)


def test_tracr_hello_example():
    """tracr gives [10, 5, 5, 10, 5] here; the answer is [10, 5, 6.67, 7.5, 6]... for tokens == 'l'."""
    sop = rasp.numerical(rasp.Map(lambda x: 10 * x, frac_prevs("l")))
    model = gb.compile_rasp_to_model(sop, vocab=set("helo"), max_seq_len=5)
    got = model.run([list("hello")])[0]
    want = rasp.evaluate(sop, list("hello"))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * 10)


# -- §4.2 item 3: SelectorWidth exact for every width ----------------------------------------------
def test_selector_width_every_width_at_n40():
    seqs = [["a"] * k for k in range(1, 41)]
    model = cases.verify(programs.make_length(), "ab", 40, seqs=seqs)
    assert [out[0] for out in model.run(seqs)] == list(range(1, 41))


def test_selector_width_every_count_including_zero_at_n40():
    seqs = [["a"] * k + ["b"] * (40 - k) for k in range(41)]
    model = cases.verify(programs.make_count(rasp.tokens, "a"), "ab", 40, seqs=seqs)
    assert [out[-1] for out in model.run(seqs)] == list(range(41))


# -- §4.2 item 8: two SelectorWidths in one layer ---------------------------------------------------
def test_two_selector_widths_in_one_layer_then_select_on_them():
    hist = programs.make_hist()
    count_a = programs.make_count(rasp.tokens, "a")
    later = rasp.SelectorWidth(rasp.Select(hist, count_a, rasp.Comparison.LEQ)).named("later")
    model = cases.verify(later, "abc", 5)
    layer_of = model.compilation.schedule.layer_of
    assert layer_of["hist"] == layer_of["count_a"] < layer_of["later"]
    # and also as a pair, both read out
    pair = rasp.SequenceMap(lambda h, c: (h, c), hist, count_a)
    cases.verify(pair, "abc", 5)


# -- §4.2 item 2: None semantics --------------------------------------------------------------------
def test_shift_by_none_positions_decode_as_none():
    model = cases.verify(programs.shift_by(2, rasp.tokens), "ab", 5)
    assert model.run([list("bab")]) == [[None, None, "b"]]


def test_categorical_aggregate_default_none():
    nxt = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1)
    sop = rasp.Aggregate(nxt, rasp.tokens)
    model = cases.verify(sop, "abc", 5)
    assert model.run([list("abc")]) == [["b", "c", None]]
    # a None flowing through a categorical Map stays None
    cases.verify(rasp.Map(lambda t: t.upper(), sop), "abc", 5)


def test_aggregate_defaults_other_than_none_and_zero():
    nxt = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1)
    cases.verify(rasp.Aggregate(nxt, rasp.tokens, default="z"), "ab", 5)
    val = rasp.numerical(rasp.Map(lambda t: 1.0 if t == "a" else -1.0, rasp.tokens))
    cases.verify(rasp.numerical(rasp.Aggregate(nxt, val, default=2)), "ab", 5)


# -- §4.1 rejections that glassbox compiles -----------------------------------------------------
@pytest.mark.parametrize("make", [
    pytest.param(lambda: rasp.length, id="length"),
    pytest.param(lambda: rasp.Map(lambda n: n % 3, rasp.length), id="map-of-length"),
    pytest.param(lambda: rasp.SequenceMap(lambda n, i: n - i, rasp.length, rasp.indices), id="length-minus-index"),
    pytest.param(lambda: rasp.Full(7), id="full"),
    pytest.param(lambda: rasp.SequenceMap(lambda t, f: f"{t}{f}", rasp.tokens, rasp.Full(2)), id="tokens-and-full"),
    pytest.param(lambda: rasp.numerical(rasp.Full(0.5)), id="numerical-full"),
])
def test_length_and_full_compile(make):
    cases.verify(make(), "ab", 7)


@pytest.mark.parametrize("values", [(0, 0.5, 1.9, -3), (-1, 2, 7)], ids=["mixed", "ints"])
def test_numerical_aggregate_of_any_values(values):
    vocab = "abcd"[: len(values)]
    val = rasp.numerical(rasp.Map(dict(zip(vocab, values, strict=True)).get, rasp.tokens))
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    mean = rasp.numerical(rasp.Aggregate(prevs, val, default=0))
    cases.verify(mean, vocab, 4)
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ)
    cases.verify(rasp.numerical(rasp.Aggregate(same, val, default=0)), vocab, 4)
    # and a non-linear Map of that mean
    cases.verify(rasp.Map(lambda m: m > 0.25, mean), vocab, 4)


@pytest.mark.parametrize("numerical_out", [True, False])
def test_sequence_map_numerical_by_categorical(numerical_out):
    fp = frac_prevs()
    if numerical_out:
        sop = rasp.numerical(rasp.SequenceMap(lambda x, t: x * x if t == "x" else -x, fp, rasp.tokens))
    else:
        sop = rasp.SequenceMap(lambda t, x: f"{t}{x > 0.5}", rasp.tokens, fp)
    cases.verify(sop, XY, 6)


@pytest.mark.parametrize("predicate", [*rasp.Comparison, lambda k, q: (k + 2 * q) % 3 == 0],
                         ids=[*(c.name for c in rasp.Comparison), "lambda"])
def test_select_every_comparison(predicate):
    sel = rasp.Select(rasp.tokens, rasp.tokens, predicate)
    cases.verify(rasp.SelectorWidth(sel), (1, 2, 3), 5)
    mean = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.Map(float, rasp.tokens)), default=0))
    cases.verify(mean, (1, 2, 3), 5)


@pytest.mark.parametrize("comparison", [rasp.Comparison.LT, rasp.Comparison.EQ], ids=["LT", "EQ"])
def test_select_on_numerical_keys(comparison):
    fp = frac_prevs()
    cases.verify(rasp.SelectorWidth(rasp.Select(fp, fp, comparison)), XY, 6)


def test_and_of_selects_over_different_keys():
    sel = (rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
           & rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT))
    cases.verify(rasp.SelectorWidth(sel), "abc", 5)  # earlier occurrences of my token
    ones = rasp.numerical(rasp.Map(lambda t: 1.0 if t == "a" else -0.5, rasp.tokens))
    cases.verify(rasp.numerical(rasp.Aggregate(sel, ones, default=0)), "abc", 5)
    prev_same = rasp.Aggregate(sel & rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1),
                               rasp.indices)
    cases.verify(prev_same, "abc", 5)


# -- padding, causal, dtype --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sort", "frac_prevs", "shift_by", "reverse"])
def test_batch_outputs_do_not_depend_on_the_batch(name):
    entry = programs.LIBRARY[name]
    model = gb.compile_rasp_to_model(entry.build(8), vocab=set(entry.vocab), max_seq_len=8)
    import random

    rng = random.Random(1)
    seqs = [[rng.choice(entry.vocab) for _ in range(rng.randint(1, 8))] for _ in range(20)]
    together = model.run(seqs)
    alone = [model.run([s])[0] for s in seqs]
    assert together == alone
    assert model.run(seqs[::-1]) == together[::-1]


@pytest.mark.parametrize("make", [
    pytest.param(lambda: frac_prevs(), id="frac_prevs"),
    pytest.param(lambda: programs.shift_by(2, rasp.tokens), id="shift_by"),
    pytest.param(lambda: programs.detect_pattern(rasp.tokens, "xy"), id="detect_pattern"),
    pytest.param(lambda: programs.make_hist(), id="hist"),
])
def test_causal_matches_causal_evaluator(make):
    cases.verify(make(), XY, 8, causal=True)


def test_float64_mode():
    model = cases.verify(frac_prevs(), XY, 12, dtype="float64")
    logits, _ = model.run_with_cache([list("xyx")])
    assert logits.dtype == torch.float64
    assert gb.compile_rasp_to_model(frac_prevs(), vocab=set(XY), max_seq_len=4).run_with_cache(
        [["x"]])[0].dtype == torch.float32


# -- the tracr-compatible API ------------------------------------------------------------------------
def test_apply_decoded_is_tracr_compatible():
    prog = programs.make_sort_unique(rasp.tokens, rasp.tokens)
    model = gb.compile_rasp_to_model(prog, vocab={1, 2, 3, 4}, max_seq_len=5)
    out = model.apply(["BOS", 3, 1, 2])
    assert out.decoded == ["BOS", 1, 2, 3] == ["BOS", *rasp.evaluate(prog, [3, 1, 2])]
    assert model.run([[3, 1, 2], [4, 2]]) == [[1, 2, 3], [2, 4]]
    shift = gb.compile_rasp_to_model(programs.shift_by(1, rasp.tokens), vocab=set("abcd"), max_seq_len=5)
    assert shift.apply(["BOS", "b", "a", "b"]).decoded == ["BOS", None, "b", "a"]


def test_run_with_cache_hook_names_and_config():
    entry = programs.LIBRARY["sort"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    logits, cache = model.run_with_cache([[3, 1, 2], [4]])
    cfg = model.config
    assert logits.shape == (2, 4, cfg.d_vocab_out)
    for layer in range(cfg.n_layers):
        assert cache[f"blocks.{layer}.hook_resid_post"].shape == (2, 4, cfg.d_model)
        assert cache[f"blocks.{layer}.attn.hook_pattern"].shape == (2, cfg.n_heads, 4, 4)
        for hook in ("hook_resid_pre", "hook_resid_mid", "mlp.hook_post", "attn.hook_z"):
            assert f"blocks.{layer}.{hook}" in cache
    # PAD keys get no attention
    assert torch.all(cache["blocks.0.attn.hook_pattern"][1, :, :, 2:] == 0)
    assert (cfg.n_ctx, cfg.d_vocab, cfg.d_vocab_out, cfg.causal) == (6, 2 + 4, 4, False)
    assert cfg.d_model == len(model.residual_labels)
    assert min(cfg.n_layers, cfg.n_heads, cfg.d_head, cfg.d_mlp) >= 1
    assert model.residual_labels[:2] == ["one", "tokens:BOS"]


LABELS_SCRIPT = """
import json, glassbox as gb
from glassbox import programs
out = {}
for name, e in programs.LIBRARY.items():
    out[name] = gb.compile_rasp_to_model(e.build(5), vocab=set(e.vocab), max_seq_len=5).residual_labels
print(json.dumps(out))
"""


def test_residual_labels_deterministic_across_compiles_and_processes():
    here = {name: gb.compile_rasp_to_model(e.build(5), vocab=set(e.vocab), max_seq_len=5).residual_labels
            for name, e in programs.LIBRARY.items()}
    again = {name: gb.compile_rasp_to_model(e.build(5), vocab=set(e.vocab), max_seq_len=5).residual_labels
             for name, e in programs.LIBRARY.items()}
    assert here == again
    for labels in here.values():
        assert len(set(labels)) == len(labels)
    env_seed = {"PYTHONHASHSEED": "12345"}
    import os

    out = subprocess.run([sys.executable, "-c", LABELS_SCRIPT], capture_output=True, text=True, check=True,
                         env={**os.environ, **env_seed}, timeout=120)
    assert json.loads(out.stdout) == here
