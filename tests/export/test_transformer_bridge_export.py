"""TransformerLens 4 only: the TransformerBridge's scale and PAD mask, and the files it loads."""

import json
import pathlib

import pytest
import torch

from glassbox.export import transformer_lens as tl_export

from .export_cases import compiled, random_seqs
from .test_transformer_lens_export import TOL, assert_same_run

pytest.importorskip("transformer_lens")
pytestmark = [pytest.mark.tl, pytest.mark.skipif((tl_export.installed_version() or 0) < 4,
                                                 reason="TransformerBridge.boot_native needs TransformerLens 4")]


def test_saved_weights_are_native_keys_that_boot_native_takes(tmp_path: pathlib.Path) -> None:
    from safetensors.torch import load_file
    from transformer_lens import TransformerBridge
    from transformer_lens.config import TransformerBridgeConfig

    model = compiled("sort")
    folder = tl_export.save_transformer_lens(model, tmp_path, version=4)
    c = json.loads((folder / "config.json").read_text())
    weights = load_file(folder / "model.safetensors")
    n = model.config.n_layers
    assert {"tok_embed.weight", "pos.weight", "head.weight", f"layers.{n - 1}.attn.q.weight",
            f"layers.{n - 1}.mlp.fc_out.bias"} <= set(weights)
    assert weights["head.weight"].shape == (model.config.d_vocab_out, model.config.d_model)
    # TL 4 itself refuses unscaled attention (attn_scale=1.0) for d_head > 1: loud, never a silently wrong model
    assert model.config.d_head > 1 and c["transformer_bridge_config"]["attn_scale"] == 1.0
    with pytest.raises(ValueError, match="attn_scale"):
        TransformerBridge.boot_native(TransformerBridgeConfig.from_dict(c["transformer_bridge_config"]))
    result = TransformerBridge.boot_native(TransformerBridgeConfig.from_dict(
        {**c["transformer_bridge_config"], "use_attn_scale": False})).load_state_dict(weights, strict=False)
    assert not result.unexpected_keys


def test_the_pad_mask_survives_reset_hooks_and_yields_to_a_given_mask() -> None:
    model = compiled("sort_freq")
    tl = model.to_transformer_lens()
    tl.reset_hooks()
    seqs = random_seqs(model, 30, seed=2)
    assert_same_run(model, tl, seqs, TOL)
    ids = model.encode(seqs)
    with torch.no_grad():
        given = tl(ids, attention_mask=(ids != model.config.pad_id).long())
        everything = tl(ids, attention_mask=torch.ones_like(ids))  # a caller's mask wins: PAD attended
    torch.testing.assert_close(given, model(ids), **TOL)
    assert model.decode(everything, [len(s) for s in seqs]) != model.run(seqs)


def test_every_attention_is_unscaled() -> None:
    from transformer_lens.model_bridge.sources.native import NativeAttention

    tl = compiled("sort").to_transformer_lens()
    scales = {m.scale for m in tl.original_model.modules() if isinstance(m, NativeAttention)}
    assert scales == {1.0} and tl.cfg.use_attn_scale and tl.cfg.attn_scale == 1.0
