"""TransformerLens 3.x only: the HookedTransformer's PAD mask by construction, and the files loaded by hand."""

import copy
import io
import json
import pathlib

import pytest
import torch

from glassbox.export import transformer_lens as tl_export

from .export_cases import compiled, random_seqs
from .test_transformer_lens_export import TOL, assert_same_run

pytest.importorskip("transformer_lens")
pytestmark = [pytest.mark.tl, pytest.mark.skipif((tl_export.installed_version() or 0) >= 4,
                                                 reason="HookedTransformer needs TransformerLens < 4")]


def test_files_load_by_hand_as_the_readme_shows(tmp_path: pathlib.Path) -> None:
    from safetensors.torch import load_file
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    model = compiled("sort_freq")
    folder = tl_export.save_transformer_lens(model, tmp_path / "sort_freq_tl", version=3)
    c = json.loads((folder / "config.json").read_text())
    tl = HookedTransformer(HookedTransformerConfig(**c["hooked_transformer_config"], dtype=getattr(torch, c["dtype"])))
    tl.load_state_dict(load_file(folder / "model.safetensors"))
    seqs = random_seqs(model, 50, seed=1)
    ids = model.encode(seqs)
    with torch.no_grad():  # built by hand, TL 3 attends PAD keys in a bidirectional model: wrong answers
        unmasked = model.decode(tl(ids), [len(s) for s in seqs])
    assert unmasked != model.run(seqs)
    tl_export.mask_pad(tl, c["glassbox"]["pad_id"])
    assert_same_run(model, tl.eval(), seqs, TOL)


def test_the_pad_mask_survives_reset_hooks_and_shows_in_hook_attn_scores() -> None:
    model = compiled("sort_freq")
    tl = model.to_transformer_lens()
    seqs = random_seqs(model, 30, seed=2)
    ids = model.encode(seqs)
    seen = []
    tl.add_hook("blocks.0.attn.hook_attn_scores", lambda s, hook: seen.append(s.clone()), is_permanent=True)
    tl.reset_hooks(including_permanent=True)
    tl.add_hook("blocks.0.attn.hook_attn_scores", lambda s, hook: seen.append(s.clone()), prepend=True)
    assert_same_run(model, tl, seqs, TOL)
    (scores,) = seen
    assert torch.equal(torch.isinf(scores), (ids == model.config.pad_id)[:, None, None, :].expand_as(scores))


def test_the_masked_model_deep_copies_and_pickles() -> None:
    model = compiled("hist")
    tl = model.to_transformer_lens()
    buffer = io.BytesIO()
    torch.save(tl, buffer)
    buffer.seek(0)
    for clone in (copy.deepcopy(tl), torch.load(buffer, weights_only=False)):
        assert_same_run(model, clone, random_seqs(model, 30, seed=3), TOL)


def test_an_attention_mask_of_ones_and_zeros_is_still_taken() -> None:
    """TL 3's own `attention_mask` (applied in causal models) composes with the PAD mask at real positions
    (it also moves PAD positions' positional embedding, so those differ)."""
    model = compiled("frac_prevs", causal=True)
    tl = model.to_transformer_lens()
    seqs = random_seqs(model, 30, seed=5)
    ids = model.encode(seqs)
    with torch.no_grad():
        theirs = tl(ids, attention_mask=(ids != model.config.pad_id).long())
        ours = model(ids)
    for row, seq in enumerate(seqs):
        torch.testing.assert_close(theirs[row, : len(seq) + 1], ours[row, : len(seq) + 1], **TOL)
