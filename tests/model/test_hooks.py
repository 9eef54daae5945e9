"""Hooks on the compiled module: names, caches, and ablations whose effect the circuit map predicts exactly."""

import random

import pytest
import torch

import glassbox as gb
from glassbox import programs, rasp
from glassbox.inspect import decode
from glassbox.model import hooks as model_hooks
from glassbox.model.circuit import ComputedBy

ABLATED = ["frac_prevs", "sort", "sort_freq", "hist", "shuffle_dyck", "pair_balance", "count_less_freq", "reverse"]


def _model(name: str) -> tuple[programs.Entry, gb.CompiledModel]:
    entry = programs.LIBRARY[name]
    return entry, gb.compile_rasp_to_model(entry.build(entry.max_seq_len), vocab=set(entry.vocab),
                                           max_seq_len=entry.max_seq_len)


def _inputs(entry: programs.Entry, n: int, seed: int = 0) -> list[list]:
    rng = random.Random(seed)
    vocab = sorted(entry.vocab, key=repr)
    return [[rng.choice(vocab) for _ in range(rng.randint(1, entry.max_seq_len))] for _ in range(n)]


def _descendants(circuit: tuple, label: str) -> set[str]:
    """Sites whose value depends on `label` (itself included), through the circuit's children."""
    out = {label}
    changed = True
    while changed:
        changed = False
        for site in circuit:
            if site.label not in out and any(c in out for c in site.children):
                out.add(site.label)
                changed = True
    return out


def _ablate_head(layer: int, head: int):
    def fn(z: torch.Tensor, hook) -> torch.Tensor:
        assert hook.name == f"blocks.{layer}.attn.hook_z"
        z = z.clone()
        z[:, :, head, :] = 0
        return z
    return [(f"blocks.{layer}.attn.hook_z", fn)]


def _expected_when_ablated(model: gb.CompiledModel, label: str) -> object:
    """What the circuit map predicts a head's site reads once its head writes nothing."""
    node = {model.compilation.graph.label(n): n for n in model.compilation.graph.nodes}[label]
    if isinstance(node, rasp.Aggregate):  # the embedding's default term is all that is left
        if node.encoding is rasp.Encoding.NUMERICAL:
            return float(node.default or 0)
        return node.default
    assert isinstance(node, (rasp.SelectorWidth, rasp.LengthType))
    return model.max_seq_len  # BOS weight 0 reads as 1/(w+1) below 1/(N+1): the widest plateau, N


@pytest.mark.parametrize("name", ABLATED)
def test_ablating_a_head_changes_exactly_what_the_circuit_map_says(name: str) -> None:
    entry, model = _model(name)
    seqs = _inputs(entry, 12)
    heads = [s for s in model.circuit if s.head is not None]
    assert heads
    for site in heads:
        assert site.computed_by in (ComputedBy.ATTENTION, ComputedBy.ATTENTION_MLP)
        hooks = _ablate_head(site.layer, site.head)
        affected = _descendants(model.circuit, site.label)
        for seq in seqs:
            clean = decode.decode_residual(model, seq)
            with model_hooks.hooks(model.module, hooks):
                _, cache = model.run_with_cache([seq])
            ablated = decode.decode_residual(model, cache, seq=seq)
            for a, b in zip(clean.readings, ablated.readings, strict=True):
                assert (a.stage, a.variable, a.pos) == (b.stage, b.variable, b.pos)
                if a.variable not in affected:
                    assert b.value == a.value or abs(b.value - a.value) < 1e-5, (site.label, a)
            want = _expected_when_ablated(model, site.label)
            last = ablated.stages[-1].name
            for pos in range(1, len(seq) + 1):
                got = ablated.value(last, site.label, pos)
                assert got == want or (isinstance(want, float) and abs(got - want) < 1e-5), (site.label, pos, got)


def test_run_with_hooks_ablates_the_output_head_and_leaves_the_model_clean() -> None:
    entry, model = _model("sort_unique")
    seqs = [[3, 1, 2], [2, 1]]
    out = next(s for s in model.circuit if s.label == model.compilation.graph.sink_label)
    logits = model.run_with_hooks(seqs, fwd_hooks=_ablate_head(out.layer, out.head))
    assert model.decode(logits, [3, 2]) == [[None] * 3, [None] * 2]  # nothing averaged: every output empty
    assert model.run(seqs) == [[1, 2, 3], [1, 2]]  # the hook is gone afterwards


def test_hook_names_predicates_caches_and_errors() -> None:
    _, model = _model("frac_prevs")
    names = model.hook_names
    assert names[0] == "hook_embed" and "blocks.0.attn.hook_pattern" in names and "blocks.0.hook_resid_post" in names
    seen: list[str] = []
    model.run_with_hooks([["x"]], [(lambda n: n.endswith("hook_resid_post"), lambda x, hook: seen.append(hook.name))])
    assert seen == [f"blocks.{i}.hook_resid_post" for i in range(model.config.n_layers)]
    _, cache = model.run_with_cache([["x", "y"]], names_filter=lambda n: "attn" in n)
    assert cache and all("attn" in n for n in cache)
    assert cache["blocks.0.attn.hook_pattern"].shape == (1, model.config.n_heads, 3, 3)
    with pytest.raises(gb.InputError, match="no hook point named 'blocks.9.nope'"):
        model.run_with_hooks([["x"]], [("blocks.9.nope", lambda x, hook: x)])
    with pytest.raises(gb.InputError, match="token ids"):
        model.run_with_hooks(torch.zeros(2, 3), [])
    ids = model.encode([["x", "y"]])
    assert torch.equal(model.run_with_hooks(ids), model(ids))
