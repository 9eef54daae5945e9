"""nnsight traces the compiled module as it is: `NNsight(model.module)` reads a head's output and patches it,
and the patch's effect equals the same edit made with glassbox's own hook.

nnsight by default mounts `.save()` on every Python object, process-wide, which breaks torch's ONNX writer
(`onnx_ir.save` is looked up lazily, and the mounted method wins) for every later test; so the test turns that
off through nnsight's own config file and calls `nnsight.save(value)` instead.
"""

import pathlib
import random

import pytest
import torch

import glassbox as gb
from glassbox import programs

LAYER, HEAD = 0, 1  # shuffle_dyck: layer 0 has three heads (length, opens, closes); head 1 computes `opens`


def _model_and_ids() -> tuple[gb.CompiledModel, torch.Tensor, list[int]]:
    entry = programs.LIBRARY["shuffle_dyck"]
    model = gb.compile_rasp_to_model(entry.build(entry.max_seq_len), vocab=set(entry.vocab),
                                     max_seq_len=entry.max_seq_len)
    rng = random.Random(0)
    seqs = [[rng.choice(entry.vocab) for _ in range(rng.randint(1, entry.max_seq_len))] for _ in range(40)]
    return model, model.encode(seqs), [len(s) for s in seqs]


def test_nnsight_reads_and_patches_a_head_as_our_hook_does(tmp_path: pathlib.Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "nnsight.yaml").write_text("APP:\n  PYMOUNT: false\n")
    monkeypatch.setenv("NNSIGHT_CONFIG", str(tmp_path / "nnsight.yaml"))
    nnsight = pytest.importorskip("nnsight")  # imported here, so collection never depends on it
    assert not hasattr(object(), "save"), "nnsight was imported before this test, with .save mounted"
    model, ids, lengths = _model_and_ids()
    name = f"blocks.{LAYER}.attn.hook_z"
    _, cache = model.run_with_cache(ids)
    other = model.encode([["("] * model.max_seq_len] * ids.shape[0])[:, : ids.shape[1]]
    _, other_cache = model.run_with_cache(other)
    donor = other_cache[name][:, :, HEAD]  # the head's output on another input: activation patching

    traced = nnsight.NNsight(model.module)
    with traced.trace(ids):
        read = nnsight.save(traced.blocks[LAYER].attn.hook_z.output[:, :, HEAD])
        clean = nnsight.save(traced.output)
    with traced.trace(ids):
        traced.blocks[LAYER].attn.hook_z.output[:, :, HEAD] = donor
        patched = nnsight.save(traced.output)

    def patch(z: torch.Tensor, hook: object) -> torch.Tensor:
        z = z.clone()
        z[:, :, HEAD] = donor
        return z

    ours = model.run_with_hooks(ids, [(name, patch)])
    assert torch.equal(read, cache[name][:, :, HEAD]) and torch.equal(clean, model(ids))
    assert torch.equal(patched, ours)
    assert model.decode(patched, lengths) != model.decode(clean, lengths)  # the patch does something
    with torch.no_grad():  # outside a trace, the traced module still computes the model
        assert torch.equal(model(ids), clean)
