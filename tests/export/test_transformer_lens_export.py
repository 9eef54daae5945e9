"""The TransformerLens export equals our model: logits, every cached attn_out/mlp_out/resid_post, decoded outputs."""

import json
import pathlib
import pickle

import pytest
import torch

from glassbox import programs
from glassbox.errors import ArtifactError
from glassbox.export import transformer_lens as tl_export

from .export_cases import PROGRAMS, compiled, random_seqs

pytest.importorskip("transformer_lens")

TOL = {"rtol": 1e-5, "atol": 1e-4}


def _activation_names(n_layers: int) -> list[str]:
    return [f"blocks.{i}.{hook}" for i in range(n_layers) for hook in ("hook_attn_out", "hook_mlp_out",
                                                                        "hook_resid_post")]


def _tl_run(tl, ids: torch.Tensor, pad_id: int) -> tuple[torch.Tensor, dict]:
    with torch.no_grad(), tl.hooks(fwd_hooks=tl_export.pad_mask_hooks(tl, ids, pad_id)):
        logits, cache = tl.run_with_cache(ids)
    return logits, cache


def _same_outputs(model, theirs: list, ours: list) -> None:
    """Categorical outputs decode identically; numerical ones agree within the logits' tolerance."""
    if not model.numerical_output:
        assert theirs == ours
        return
    assert [len(row) for row in theirs] == [len(row) for row in ours]
    torch.testing.assert_close(torch.tensor(sum(theirs, [])), torch.tensor(sum(ours, [])), **TOL)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_transformer_lens_equals_ours(name: str, causal: bool) -> None:
    model = compiled(name, causal)
    tl = model.to_transformer_lens()
    # unpadded, equal-length batches: plain TransformerLens, no hooks
    for length in range(1, model.max_seq_len + 1):
        seqs = random_seqs(model, 6, seed=length, length=length)
        ours, cache = model.run_with_cache(seqs)
        with torch.no_grad():
            theirs, tl_cache = tl.run_with_cache(model.encode(seqs))
        torch.testing.assert_close(theirs, ours, **TOL)
        for act in _activation_names(model.config.n_layers):
            torch.testing.assert_close(tl_cache[act], cache[act], **TOL, msg=lambda m, a=act: f"{a}: {m}")
        _same_outputs(model, model.decode(theirs), model.run(seqs))
    # padded, variable-length batches: PAD keys masked by pad_mask_hooks
    seqs = random_seqs(model, 40, seed=7)
    ids = model.encode(seqs)
    ours, cache = model.run_with_cache(seqs)
    theirs, tl_cache = _tl_run(tl, ids, model.config.pad_id)
    torch.testing.assert_close(theirs, ours, **TOL)
    for act in _activation_names(model.config.n_layers):
        torch.testing.assert_close(tl_cache[act], cache[act], **TOL)
    _same_outputs(model, model.decode(theirs, [len(s) for s in seqs]), model.run(seqs))


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_config_is_the_compiled_architecture(causal: bool) -> None:
    model = compiled("sort", causal)
    tl = model.to_transformer_lens()
    cfg, ours = tl.cfg, model.config
    assert cfg.normalization_type is None and cfg.act_fn == "relu" and not cfg.use_attn_scale
    assert cfg.attention_dir == ("causal" if causal else "bidirectional")
    assert cfg.positional_embedding_type == "standard" and cfg.default_prepend_bos is False
    assert (cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.d_head, cfg.d_mlp, cfg.n_ctx, cfg.d_vocab, cfg.d_vocab_out) == (
        ours.n_layers, ours.d_model, ours.n_heads, ours.d_head, ours.d_mlp, ours.n_ctx, ours.d_vocab, ours.d_vocab_out)
    state = tl.state_dict()
    assert all(not v.any() for k, v in state.items() if k.rsplit(".", 1)[-1].startswith("b_"))
    assert torch.equal(state["unembed.W_U"], model.module.unembed.W_U.detach())


def test_the_published_identity_unembed_would_be_wrong() -> None:
    """TL #481: an identity over the first d_vocab_out residual dims decodes garbage; the real W_U does not."""
    model = compiled("reverse")
    labels = model.residual_labels
    output_dims = [labels.index(f"reverse:{v}") for v in model.output_values]
    assert output_dims[0] != 0 and sorted(labels)[0] != "reverse:a"
    tl = model.to_transformer_lens()
    seqs = random_seqs(model, 20, seed=3, length=model.max_seq_len)
    ids = model.encode(seqs)
    with torch.no_grad():
        right = model.decode(tl(ids))
        tl.unembed.W_U.copy_(torch.eye(model.config.d_model, model.config.d_vocab_out))
        wrong = model.decode(tl(ids))
    assert right == model.run(seqs) and wrong != right


def test_library_has_outputs_that_do_not_sort_first() -> None:
    """The acceptance case is covered: many library outputs are not the alphabetically first residual block
    (tracr's layout), and in ours no output starts at dimension 0."""
    late = []
    for name in PROGRAMS:
        model = compiled(name)
        output = model.circuit[-1]
        assert 0 not in output.residual
        if sorted({label.split(":")[0] for label in model.residual_labels})[0] != output.label:
            late.append(name)
    assert {"reverse", "sort", "sort_freq", "shift_by", "shuffle_dyck"} <= set(late), late


def test_causal_transformer_lens_attention_mask_also_works() -> None:
    """In causal models TL 3.x masks padded keys through `attention_mask` (real positions are unaffected)."""
    model = compiled("frac_prevs", causal=True)
    tl = model.to_transformer_lens()
    seqs = random_seqs(model, 30, seed=5)
    ids = model.encode(seqs)
    with torch.no_grad():
        theirs = tl(ids, attention_mask=(ids != model.config.pad_id).long())
        ours = model(ids)
    for row, seq in enumerate(seqs):
        torch.testing.assert_close(theirs[row, : len(seq) + 1], ours[row, : len(seq) + 1], **TOL)


def test_saved_transformer_lens_files_rebuild_the_model(tmp_path: pathlib.Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    model = compiled("sort_freq")
    folder = tl_export.save_transformer_lens(model, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    assert config["hooked_transformer_config"]["attention_dir"] == "bidirectional"
    assert config["glassbox"]["pad_id"] == model.config.pad_id
    assert config["glassbox"]["output_values"] == [{"int": v} for v in model.output_values]

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("loading must not unpickle")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    tl = tl_export.load_transformer_lens(folder)
    seqs = random_seqs(model, 20, seed=2, length=4)
    ids = model.encode(seqs)
    with torch.no_grad():
        torch.testing.assert_close(tl(ids), model(ids), **TOL)
    example = [list(programs.LIBRARY["sort_freq"].example)]
    assert model.decode(tl(model.encode(example))) == model.run(example)


def test_damaged_transformer_lens_files_raise(tmp_path: pathlib.Path) -> None:
    folder = tl_export.save_transformer_lens(compiled("count"), tmp_path)
    (folder / "config.json").write_text("{")
    with pytest.raises(ArtifactError, match="config.json"):
        tl_export.load_transformer_lens(folder)
    folder = tl_export.save_transformer_lens(compiled("count"), tmp_path / "b")
    config = json.loads((folder / "config.json").read_text())
    config["hooked_transformer_config"]["d_model"] += 1
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="model.safetensors: does not fit config.json"):
        tl_export.load_transformer_lens(folder)
