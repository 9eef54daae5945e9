"""Tier 6: no library program is bigger than tracr's compilation of it.

tracr's numbers are copied from /work/shared/refs/tracr_sizes.md §3 (non-causal results table,
measured at tracr's test vocab and length): layers, residual width d, and the widest MLP
(max of "MLP hidden (used)" over layers). We compile at the same vocab and length.
"""

import pytest

import glassbox as gb
from glassbox import programs, rasp

# name: (builder(max_seq_len), vocab, max_seq_len, tracr layers, tracr d_model, tracr widest MLP)
TRACR = {
    "length": (lambda n: programs.make_length(), "abcd", 5, 1, 19, 12),  # "[nb] length"
    "reverse": (lambda n: programs.make_reverse(rasp.tokens), "abcd", 5, 4, 43, 30),
    "hist": (lambda n: programs.make_hist(), "abcd", 5, 1, 19, 12),
    "sort_unique": (lambda n: programs.make_sort_unique(rasp.tokens, rasp.tokens), (1, 2, 3, 4), 5, 2, 23, 12),
    "sort": (lambda n: programs.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1),
             (1, 2, 3, 4), 5, 3, 43, 20),
    "sort_freq": (lambda n: programs.make_sort_freq(max_seq_len=n), (1, 2, 3, 4), 5, 5, 66, 30),
    "frac_prevs": (lambda n: programs.make_frac_prevs(rasp.numerical(rasp.tokens == "l")), "ehlo", 5, 2, 14, 1),
    "pair_balance": (lambda n: programs.make_pair_balance(rasp.tokens, "(", ")"), "()", 5, 2, 15, 4),  # [nb]
    "shuffle_dyck": (lambda n: programs.make_shuffle_dyck(["()"]), "()", 5, 6, 38, 106),
    "shuffle_dyck2": (lambda n: programs.make_shuffle_dyck2(), "(){}", 5, 8, 55, 212),
    "shift_by": (lambda n: programs.shift_by(1, rasp.tokens), "abcd", 5, 1, 16, 0),
    "detect_pattern": (lambda n: programs.detect_pattern(rasp.tokens, "abc"), "abc", 6, 3, 26, 6),
    "count_less_freq": (lambda n: programs.make_count_less_freq(2), "abcd", 6, 2, 29, 14),
    "count": (lambda n: programs.make_count(rasp.tokens, "a"), "abc", 8, 1, 24, 18),
    "nary_sequencemap": (lambda n: programs.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens,
                                                                  rasp.tokens, rasp.indices), (1, 2, 3), 5, 3, 74, 45),
}


def test_table_covers_the_library():
    # the paper's programs (composite selectors, sum/max/min) have no tracr compilation to compare with
    assert set(TRACR) == {name for name, entry in programs.LIBRARY.items() if entry.source == "tracr"}


@pytest.mark.parametrize("name", sorted(TRACR))
def test_not_bigger_than_tracr(name):
    build, vocab, n, layers, d_model, mlp = TRACR[name]
    model = gb.compile_rasp_to_model(build(n), vocab=set(vocab), max_seq_len=n)
    units = model.compilation.assembled.mlp_units  # per layer: (label, first unit, count)
    widest = max([0] + [sum(count for _, _, count in layer) for layer in units])
    ours = (model.config.n_layers, model.config.d_model, widest)
    assert ours[0] <= layers and ours[1] <= d_model and ours[2] <= mlp, (
        f"{name}: ours (layers, d_model, widest MLP) = {ours}, tracr = {(layers, d_model, mlp)}")
