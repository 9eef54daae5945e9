"""The sparse forward pass equals the dense module: every library program, causal or not, padded batches."""

import random
import warnings

import pytest
import torch

import glassbox as gb
from glassbox import rasp
from glassbox.model import sparse
from glassbox.programs import library as lib
from glassbox.programs.catalog import LIBRARY


def _batch(vocab, max_seq_len, n=60, seed=0):
    rng = random.Random(seed)
    return [[rng.choice(vocab) for _ in range(rng.randint(1, max_seq_len))] for _ in range(n)]


def _compile(program, vocab, max_seq_len, causal=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gb.GlassboxWarning)  # causal=True on programs that look ahead
        return gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_sparse_pass_equals_dense_on_every_library_program(name, causal):
    entry = LIBRARY[name]
    model = _compile(entry.build(8), entry.vocab, 8, causal)
    seqs = _batch(list(entry.vocab), 8)  # mixed lengths: PAD keys in most rows
    ids = model.encode(seqs)
    with torch.no_grad():
        dense, fast = model.module(ids), sparse.forward(sparse.plan(model.module), model.module, ids)
    # The same sums without their zero terms: equal up to float32 summation order, relative to the
    # largest logit magnitude of the row.
    scale = dense.abs().amax(dim=-1, keepdim=True).clamp_min(1.0)
    assert ((fast - dense).abs() <= 1e-5 * scale).all()
    assert model.run(seqs, sparse_pass=True) == model.run(seqs, sparse_pass=False)


def test_a_large_model_takes_the_sparse_path_and_decodes_the_same():
    program = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=10, min_key=1)
    model = _compile(program, range(64), 10)
    plan = sparse.plan(model.module)
    assert sparse.worthwhile(plan)  # 9.2M dense weights per token, about 5% of them in the plan
    assert plan.sparse_weights < 0.1 * plan.dense_weights
    seqs = _batch(list(range(64)), 10, n=200)
    auto = model.run(seqs)
    assert model._sparse_plan is not None  # the automatic choice built (and used) the plan
    assert auto == model.run(seqs, sparse_pass=False) == [rasp.evaluate(program, s) for s in seqs]


def test_editing_a_weight_in_place_rebuilds_the_plan():
    entry = LIBRARY["hist"]
    model = _compile(entry.build(5), entry.vocab, 5)
    seqs = _batch(list(entry.vocab), 5)
    before = model.run(seqs, sparse_pass=True)
    with torch.no_grad():
        model.module.unembed.W_U.mul_(-1)  # every logit's sign flips: nothing decodes as before
    after_dense = model.run(seqs, sparse_pass=False)
    assert after_dense != before
    assert model.run(seqs, sparse_pass=True) == after_dense


def test_an_attached_hook_forces_the_dense_pass():
    entry = LIBRARY["frac_prevs"]
    model = _compile(entry.build(5), entry.vocab, 5)
    assert not sparse.hooked(model.module)
    point = dict(model.module.named_modules())["blocks.0.attn.hook_z"]
    handle = point.register_forward_hook(lambda _m, _i, out: out * 0)
    try:
        assert sparse.hooked(model.module)
        ablated = model.run([["x", "y", "x"]], sparse_pass=True)  # the hook must still run
    finally:
        handle.remove()
    assert ablated == [[0.0, 0.0, 0.0]]
    expected = rasp.evaluate(entry.build(5), ["x", "y", "x"])
    assert model.run([["x", "y", "x"]], sparse_pass=True) == [pytest.approx(expected, abs=1e-5)]


def test_gathers_are_recognised_and_exact():
    g = torch.Generator().manual_seed(0)
    one_per_column = torch.zeros(6, 4)
    one_per_column[torch.tensor([5, 0, 0, 3]), torch.arange(4)] = torch.tensor([2.0, -1.0, 0.5, 3.0])
    gather = sparse.Linear.of(one_per_column)
    assert gather.W is None and gather.weights == 4
    dense_block = torch.zeros(6, 3)
    dense_block[1:3] = torch.randn(2, 3, generator=g)
    block = sparse.Linear.of(dense_block)
    assert block.W is not None and block.rows.tolist() == [1, 2]
    x = torch.randn(7, 6, generator=g)
    assert torch.equal(gather(x), x @ one_per_column)
    torch.testing.assert_close(block(x), x @ dense_block, rtol=0, atol=1e-6)
