"""The TransformerLens export, for whichever TransformerLens is installed (3.x here, 4 in `make test-tl4`).

On every library program, causal and not, padded and not, with nothing attached to the TL model: its
decoded outputs equal the RASP evaluator, and its logits and every activation at a glassbox hook name
that TL also has equal ours (rtol 1e-5, atol 1e-4 in float32; 1e-9 in float64). TL 4's bridge fires the
pattern at `attn.hook_attn_scores`, so that one hook is compared for TL 3 only.
"""

import json
import pathlib
import pickle
import subprocess
import sys

import pytest
import torch

from glassbox import programs
from glassbox.errors import ArtifactError, InputError
from glassbox.export import transformer_lens as tl_export

from .export_cases import PROGRAMS, check_outputs, compiled, random_seqs

pytest.importorskip("transformer_lens")
pytestmark = pytest.mark.tl

VERSION = tl_export.installed_version()
TOL = {"rtol": 1e-5, "atol": 1e-4}
TOL64 = {"rtol": 1e-9, "atol": 1e-9}


def mapped_hooks(model) -> list[str]:
    """Our hook names whose TL activation is the same tensor (the whole cache of glassbox's hooks)."""
    return [n for n in model.hook_names if VERSION == 3 or not n.endswith("attn.hook_attn_scores")]


def assert_same_run(model, tl, seqs: list[list], tol: dict) -> None:
    """TL's logits and every mapped activation equal ours (at PAD positions too), its outputs the evaluator's."""
    ids = model.encode(seqs)
    ours, cache = model.run_with_cache(ids)
    with torch.no_grad():
        theirs, tl_cache = tl.run_with_cache(ids)
    torch.testing.assert_close(theirs, ours, **tol)
    for act in mapped_hooks(model):
        mine, other = cache[act], tl_cache[act]
        torch.testing.assert_close(other, mine.expand_as(other), **tol, msg=lambda m, a=act: f"{a}: {m}")
    check_outputs(model, seqs, model.decode(theirs, [len(s) for s in seqs]), tol["atol"])


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_transformer_lens_equals_ours(name: str, causal: bool) -> None:
    model = compiled(name, causal)
    tl = model.to_transformer_lens()
    for length in (1, model.max_seq_len):  # unpadded, equal-length batches: the shortest and the longest
        assert_same_run(model, tl, random_seqs(model, 8, seed=length, length=length), TOL)
    seqs = random_seqs(model, 40, seed=7)  # padded, mixed lengths: nothing attached, PAD masked by the export
    assert len({len(s) for s in seqs}) > 1
    assert_same_run(model, tl, seqs, TOL)


@pytest.mark.parametrize(("name", "causal"), [("sort", False), ("frac_prevs", True), ("shuffle_dyck2", False)])
def test_float64_transformer_lens_equals_ours_to_1e9(name: str, causal: bool) -> None:
    model = compiled(name, causal, "float64")
    tl = model.to_transformer_lens()
    assert tl.cfg.dtype == torch.float64
    assert_same_run(model, tl, random_seqs(model, 40, seed=11), TOL64)


def test_the_installed_version_is_the_default_and_the_other_one_is_refused() -> None:
    model = compiled("count")
    tl = model.to_transformer_lens(version=VERSION)
    assert type(tl).__name__ == ("TransformerBridge" if VERSION >= 4 else "HookedTransformer")
    other = 3 if VERSION >= 4 else 4
    with pytest.raises(ImportError, match=f"version={other} needs TransformerLens"):
        model.to_transformer_lens(version=other)
    with pytest.raises(InputError, match="version must be"):
        model.to_transformer_lens(version=2)


def test_transformer_lens_is_imported_only_by_the_export() -> None:
    code = ("import sys, glassbox, glassbox.export.transformer_lens; "
            "assert 'transformer_lens' not in sys.modules, 'transformer_lens was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_config_is_the_compiled_architecture(causal: bool) -> None:
    model = compiled("sort", causal)
    cfg, ours = model.to_transformer_lens().cfg, model.config
    assert cfg.normalization_type is None and cfg.act_fn == "relu"
    assert cfg.attention_dir == ("causal" if causal else "bidirectional")
    assert cfg.positional_embedding_type == "standard" and cfg.default_prepend_bos is False
    assert (cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.d_head, cfg.d_mlp, cfg.n_ctx, cfg.d_vocab, cfg.d_vocab_out) == (
        ours.n_layers, ours.d_model, ours.n_heads, ours.d_head, ours.d_mlp, ours.n_ctx, ours.d_vocab, ours.d_vocab_out)


def test_the_published_identity_unembed_would_be_wrong() -> None:
    """TL #481: an identity over the first d_vocab_out residual dims decodes garbage; the real W_U does not."""
    model = compiled("reverse")
    labels = model.residual_labels
    output_dims = [labels.index(f"reverse:{v}") for v in model.output_values]
    assert output_dims[0] != 0 and sorted(labels)[0] != "reverse:a"
    tl = model.to_transformer_lens()
    assert torch.equal(tl.W_U, model.module.unembed.W_U.detach())
    seqs = random_seqs(model, 20, seed=3, length=model.max_seq_len)
    ids = model.encode(seqs)
    identity = torch.eye(model.config.d_model, model.config.d_vocab_out)
    with torch.no_grad():
        right = model.decode(tl(ids))
        if VERSION == 3:
            tl.unembed.W_U.copy_(identity)
        else:  # the native head, an nn.Linear: [d_vocab_out, d_model]
            tl.unembed.original_component.weight.copy_(identity.T)
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


def test_saved_transformer_lens_files_rebuild_the_model(tmp_path: pathlib.Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    model = compiled("sort_freq")
    folder = tl_export.save_transformer_lens(model, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    assert config["transformer_lens"] == VERSION and config["dtype"] == "float32"
    assert config[tl_export.CONFIG_KEY[VERSION]]["attention_dir"] == "bidirectional"
    assert "dtype" not in config[tl_export.CONFIG_KEY[VERSION]]
    assert config["glassbox"]["pad_id"] == model.config.pad_id
    assert config["glassbox"]["output_values"] == [{"int": v} for v in model.output_values]

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("loading must not unpickle")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    tl = tl_export.load_transformer_lens(folder)
    assert_same_run(model, tl, random_seqs(model, 40, seed=2), TOL)  # padded: masked after loading too
    example = [list(programs.LIBRARY["sort_freq"].example)]
    assert model.decode(tl(model.encode(example))) == model.run(example)


def test_float64_files_load_as_float64(tmp_path: pathlib.Path) -> None:
    model = compiled("frac_prevs", True, "float64")
    tl = tl_export.load_transformer_lens(tl_export.save_transformer_lens(model, tmp_path))
    assert tl.cfg.dtype == torch.float64
    assert_same_run(model, tl, random_seqs(model, 20, seed=4), TOL64)


def test_damaged_transformer_lens_files_raise(tmp_path: pathlib.Path) -> None:
    folder = tl_export.save_transformer_lens(compiled("count"), tmp_path)
    (folder / "config.json").write_text("{")
    with pytest.raises(ArtifactError, match="config.json"):
        tl_export.load_transformer_lens(folder)
    folder = tl_export.save_transformer_lens(compiled("count"), tmp_path / "b")
    config = json.loads((folder / "config.json").read_text())
    config[tl_export.CONFIG_KEY[VERSION]]["d_model"] += 1
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="model.safetensors: does not fit config.json"):
        tl_export.load_transformer_lens(folder)
    config["transformer_lens"] = 3 if VERSION >= 4 else 4
    config[tl_export.CONFIG_KEY[config["transformer_lens"]]] = config.pop(tl_export.CONFIG_KEY[VERSION])
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ImportError, match=f"config.json: written for TransformerLens {config['transformer_lens']}"):
        tl_export.load_transformer_lens(folder)
