"""The saved artifact: bit-identical round trips for every library program, and every way a file can be bad."""

import json
import pathlib
import pickle
from collections.abc import Callable

import pytest
import torch
from safetensors.torch import load_file, save_file

import glassbox as gb
from glassbox.errors import ArtifactError
from glassbox.model.circuit import ComputedBy, Site, SiteEncoding
from glassbox.model.transformer import weight_shapes

from .export_cases import PROGRAMS, compiled, random_seqs


@pytest.mark.parametrize("name", PROGRAMS)
def test_round_trip_is_bit_identical(name: str, tmp_path: pathlib.Path) -> None:
    model = compiled(name)
    model.save(tmp_path)
    loaded = gb.load(tmp_path)
    seqs = random_seqs(model, 40, seed=len(name))
    ids = model.encode(seqs)
    assert torch.equal(loaded.encode(seqs), ids)
    with torch.no_grad():
        assert torch.equal(loaded(ids), model(ids))
    assert loaded.run(seqs) == model.run(seqs)
    logits, cache = loaded.run_with_cache(seqs)
    ref_logits, ref_cache = model.run_with_cache(seqs)
    assert torch.equal(logits, ref_logits) and cache.keys() == ref_cache.keys()
    assert all(torch.equal(cache[k], ref_cache[k]) for k in cache)
    example = ["BOS", *programs_example(name)]
    assert loaded.apply(example).decoded == model.apply(example).decoded
    assert loaded.decode(logits, [len(s) for s in seqs]) == model.decode(ref_logits, [len(s) for s in seqs])


def programs_example(name: str) -> list:
    return list(gb.programs.LIBRARY[name].example)


def test_loaded_model_keeps_metadata_but_not_the_compilation(tmp_path: pathlib.Path) -> None:
    model = compiled("sort")
    loaded = gb.load(model.save(tmp_path))
    assert loaded.compilation is None and loaded.program is None
    assert loaded.circuit == model.circuit and loaded.residual_labels == model.residual_labels
    assert loaded.config == model.config and loaded.token_ids == model.token_ids
    assert list(loaded.token_ids) == list(model.token_ids)
    assert loaded.output_values == model.output_values
    assert (loaded.bos, loaded.pad, loaded.max_seq_len) == (model.bos, model.pad, model.max_seq_len)
    with pytest.raises(gb.InputError, match="loaded from disk"):
        loaded.run_ir([[1, 2]])


@pytest.mark.parametrize(("name", "causal", "dtype"), [("frac_prevs", True, "float64"), ("sort", True, "float32"),
                                                       ("nary_sequencemap", False, "float64")])
def test_round_trip_causal_and_float64(name: str, causal: bool, dtype: str, tmp_path: pathlib.Path) -> None:
    model = compiled(name, causal, dtype)
    loaded = gb.load(model.save(tmp_path))
    ids = model.encode(random_seqs(model, 30, seed=1))
    assert loaded.config.causal is causal and loaded.module.embed.W_E.dtype == model.module.embed.W_E.dtype
    with torch.no_grad():
        assert torch.equal(loaded(ids), model(ids))


def test_value_types_survive(tmp_path: pathlib.Path) -> None:
    """Output values 0..5 stay ints, (False, True) stay bools, and every circuit value keeps its type."""
    for name in ("hist", "shuffle_dyck", "sort"):
        model = compiled(name)
        loaded = gb.load(model.save(tmp_path / name))
        assert [type(v) for v in loaded.output_values] == [type(v) for v in model.output_values]
        for site, ref in zip(loaded.circuit, model.circuit, strict=True):
            assert [type(v) for v in site.values or ()] == [type(v) for v in ref.values or ()]


def test_header_holds_the_documented_fields(tmp_path: pathlib.Path) -> None:
    model = compiled("reverse")
    data = json.loads((model.save(tmp_path) / "glassbox.json").read_text())
    assert data["format_version"] == 3 and data["glassbox_version"] == gb.__version__
    assert set(data["integrity"]["groups"]) == {"tokens", "output", "config", "circuit", "weights"}
    assert data["output_encoding"] == {"encoding": "categorical", "values": ["a", "b", "c", "d"]}
    assert data["vocab"] == ["a", "b", "c", "d"] and data["bos"] == "BOS" and data["pad"] == "PAD"
    assert data["output_label"] == "reverse" and data["dtype"] == "float32"
    assert data["residual_labels"] == model.residual_labels
    assert {s["label"] for s in data["circuit"]} == {s.label for s in model.circuit}
    assert set(load_file(str(tmp_path / "model.safetensors"))) == set(weight_shapes(model.config))
    numerical = json.loads((compiled("frac_prevs").save(tmp_path / "n") / "glassbox.json").read_text())
    assert numerical["output_encoding"] == {"encoding": "numerical"}


def test_loading_unpickles_nothing(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled("hist").save(tmp_path)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("loading must not unpickle")

    for target in (pickle, torch):
        monkeypatch.setattr(target, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    assert gb.load(tmp_path).run([["a", "b", "a"]]) == [[2, 1, 2]]


def test_unencodable_value_is_an_artifact_error(tmp_path: pathlib.Path) -> None:
    model = gb.load(compiled("hist").save(tmp_path / "ok"))
    model.circuit = (Site("x", "Map", SiteEncoding.CATEGORICAL, (frozenset({1}),), (), ComputedBy.MLP),)
    with pytest.raises(ArtifactError, match="glassbox.json.*cannot encode"):
        model.save(tmp_path / "bad")
    assert not (tmp_path / "bad" / "model.safetensors").exists()


# -- damaged files ----------------------------------------------------------------------------------

def _edit_json(fn: Callable[[dict], None]) -> Callable[[pathlib.Path], None]:
    def edit(folder: pathlib.Path) -> None:
        path = folder / "glassbox.json"
        data = json.loads(path.read_text())
        fn(data)
        path.write_text(json.dumps(data))
    return edit


def _edit_weights(fn: Callable[[dict], None]) -> Callable[[pathlib.Path], None]:
    def edit(folder: pathlib.Path) -> None:
        path = folder / "model.safetensors"
        weights = load_file(str(path))
        fn(weights)
        save_file(weights, str(path))
    return edit


def _truncate(name: str, keep: float) -> Callable[[pathlib.Path], None]:
    def edit(folder: pathlib.Path) -> None:
        path = folder / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    return edit


def _set(data: dict, keys: str, value: object) -> None:
    *path, last = keys.split(".")
    for k in path:
        data = data[int(k)] if isinstance(data, list) else data[k]
    data[last] = value


def _nan(w: dict) -> None:
    w["blocks.0.mlp.W_in"][0, 0] = float("nan")


def _nudge(w: dict) -> None:
    w["unembed.W_U"][0, 0] += 1.0


DAMAGE = [
    pytest.param(lambda f: (f / "glassbox.json").unlink(), "glassbox.json", "cannot read", id="header-missing"),
    pytest.param(lambda f: (f / "model.safetensors").unlink(), "model.safetensors", "missing", id="weights-missing"),
    pytest.param(_truncate("glassbox.json", 0.5), "glassbox.json", "not valid JSON", id="header-truncated"),
    pytest.param(_truncate("model.safetensors", 0.6), "model.safetensors", "truncated", id="weights-truncated"),
    pytest.param(_truncate("model.safetensors", 0.0), "model.safetensors", "truncated", id="weights-empty"),
    pytest.param(lambda f: (f / "glassbox.json").write_text("[1, 2"), "glassbox.json", "not valid JSON",
                 id="header-bad-json"),
    pytest.param(lambda f: (f / "glassbox.json").write_bytes(b"\xff\xfe{}"), "glassbox.json", "cannot read",
                 id="header-not-utf8"),
    pytest.param(lambda f: (f / "glassbox.json").write_text("[]"), "glassbox.json", "JSON object",
                 id="header-not-object"),
    pytest.param(_edit_json(lambda d: _set(d, "format_version", 99)), "glassbox.json", "unknown version 99",
                 id="unknown-format-version"),
    pytest.param(_edit_json(lambda d: _set(d, "format", "tracr")), "glassbox.json", "format", id="wrong-format"),
    pytest.param(_edit_json(lambda d: d.pop("circuit")), "glassbox.json", "missing keys", id="header-missing-key"),
    pytest.param(_edit_json(lambda d: _set(d, "extra", 1)), "glassbox.json", "unexpected keys",
                 id="header-extra-key"),
    pytest.param(_edit_json(lambda d: _set(d, "config.d_mlp", 3)), "glassbox.json", "shapes do(es)? not match",
                 id="config-weights-mismatch"),
    pytest.param(_edit_json(lambda d: _set(d, "config.d_model", 5)), "glassbox.json", "config.d_model",
                 id="config-labels-mismatch"),
    pytest.param(_edit_json(lambda d: _set(d, "config.pad_id", 3)), "glassbox.json", "config.pad_id",
                 id="config-pad-mismatch"),
    pytest.param(_edit_json(lambda d: _set(d, "config.n_layers", "3")), "glassbox.json", "config.n_layers",
                 id="config-wrong-type"),
    pytest.param(_edit_json(lambda d: d["config"].pop("causal")), "glassbox.json", "config", id="config-missing"),
    pytest.param(_edit_json(lambda d: _set(d, "config.act_fn", "gelu")), "glassbox.json", "act_fn",
                 id="config-unsupported-act"),
    pytest.param(_edit_json(lambda d: _set(d, "dtype", "float16")), "glassbox.json", "dtype", id="bad-dtype"),
    pytest.param(_edit_json(lambda d: d["output_encoding"]["values"].pop()), "glassbox.json", "d_vocab_out",
                 id="output-values-mismatch"),
    pytest.param(_edit_json(lambda d: d["token_ids"].reverse()), "glassbox.json", "token_ids", id="token-ids-order"),
    pytest.param(_edit_json(lambda d: _set(d, "circuit.0.values", [{"int": 1.5}])), "glassbox.json",
                 r"circuit\[0\]\.values\[0\]", id="bad-encoded-value"),
    pytest.param(_edit_json(lambda d: _set(d, "circuit.0.residual", [999])), "glassbox.json", "beyond d_model",
                 id="circuit-residual-out-of-range"),
    pytest.param(_edit_json(lambda d: _set(d, "circuit.0.read", [[{"int": 0}, {"nope": 1.0}]])), "glassbox.json",
                 "residual label", id="circuit-unknown-label"),
    pytest.param(_edit_json(lambda d: d["circuit"][0].pop("kind")), "glassbox.json", r"circuit\[0\]",
                 id="circuit-missing-field"),
    pytest.param(lambda f: (f / "glassbox.json").write_text((f / "glassbox.json").read_text().replace(
        '"attn_scale": 1.0', '"attn_scale": NaN')), "glassbox.json", "non-finite", id="header-nan"),
    pytest.param(_edit_weights(lambda w: w.pop("blocks.0.attn.W_Q")), "model.safetensors", "missing weights",
                 id="weights-missing-key"),
    pytest.param(_edit_weights(lambda w: w.__setitem__("extra", torch.zeros(2))), "model.safetensors",
                 "unexpected weights", id="weights-extra-key"),
    pytest.param(_edit_weights(lambda w: w.__setitem__("unembed.W_U", w["unembed.W_U"][:, :-1].contiguous())),
                 "model.safetensors", "unembed.W_U has shape", id="weights-wrong-shape"),
    pytest.param(_edit_weights(lambda w: w.__setitem__("embed.W_E", w["embed.W_E"].double())), "model.safetensors",
                 "dtype", id="weights-wrong-dtype"),
    pytest.param(_edit_weights(_nan), "model.safetensors", "non-finite", id="weights-nan"),
    pytest.param(_edit_weights(_nudge), "model.safetensors", "SHA-256", id="weights-tampered"),
    pytest.param(_edit_json(lambda d: _set(d, "weights.sha256", "0" * 64)), "model.safetensors", "SHA-256",
                 id="digest-tampered"),
]


@pytest.mark.parametrize(("damage", "file", "problem"), DAMAGE)
def test_damaged_artifact_raises_naming_file_and_problem(damage: Callable[[pathlib.Path], None], file: str,
                                                         problem: str, tmp_path: pathlib.Path) -> None:
    compiled("count").save(tmp_path)
    damage(tmp_path)
    with pytest.raises(ArtifactError, match=problem) as info:
        gb.load(tmp_path)
    assert str(info.value).startswith(str(tmp_path / file))


def test_missing_folder(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ArtifactError, match="glassbox.json: cannot read"):
        gb.load(tmp_path / "nowhere")


# -- edits that keep the header well formed but change what the model does -------------------------

def _swap(items: list, i: int = 0, j: int = 1) -> None:
    items[i], items[j] = items[j], items[i]


def _swap_token_ids(d: dict) -> None:
    a, b = d["token_ids"][2], d["token_ids"][3]  # two vocab tokens (0 is BOS, 1 is PAD)
    a[1], b[1] = b[1], a[1]


TAMPER = [
    pytest.param(lambda d: _swap(d["output_encoding"]["values"]), "the output encoding", id="output-values-swapped"),
    pytest.param(_swap_token_ids, "the vocabulary and token ids", id="token-ids-swapped"),
    pytest.param(lambda d: _set(d, "output_label", "other"), "the output encoding", id="output-label"),
    pytest.param(lambda d: _set(d, "config.attn_scale", 2.0), "the format, dtype and config", id="attn-scale"),
    pytest.param(lambda d: _set(d, "config.causal", True), "the format, dtype and config", id="causal-flag"),
    pytest.param(lambda d: _swap(d["residual_labels"]), "the residual labels and circuit map", id="labels-swapped"),
    pytest.param(lambda d: _set(d, "circuit.0.label", "renamed"), "the residual labels and circuit map",
                 id="circuit-label"),
    pytest.param(lambda d: _set(d, "integrity.sha256", "0" * 64), "the seal itself", id="seal-edited"),
    pytest.param(lambda d: _set(d, "integrity.groups.output", "0" * 64), "the output encoding", id="group-edited"),
    pytest.param(lambda d: d.pop("integrity"), "missing keys", id="seal-removed"),
]


@pytest.mark.parametrize(("edit", "group"), TAMPER)
def test_a_tampered_header_is_an_artifact_error_naming_the_group(edit: Callable[[dict], None], group: str,
                                                                  tmp_path: pathlib.Path) -> None:
    model = compiled("sort")
    model.save(tmp_path)
    path = tmp_path / "glassbox.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match=group) as info:
        gb.load(tmp_path)
    assert str(info.value).startswith(str(path))


def test_the_seal_does_not_cover_the_writer_version(tmp_path: pathlib.Path) -> None:
    model = compiled("sort")
    path = model.save(tmp_path) / "glassbox.json"
    data = json.loads(path.read_text())
    data["glassbox_version"] = "9.9.9"
    path.write_text(json.dumps(data, indent=4))  # and whitespace is not part of the canonical form
    seq = list(model.vocab)[::-1]
    assert gb.load(tmp_path).run([seq]) == model.run([seq])


@pytest.mark.parametrize("version", [1, 2])
def test_unsealed_older_versions_load_with_a_warning(version: int, tmp_path: pathlib.Path) -> None:
    model = compiled("hist")
    path = model.save(tmp_path) / "glassbox.json"
    data = json.loads(path.read_text())
    data["format_version"] = version
    del data["integrity"]
    if version == 1:
        for site in data["circuit"]:
            del site["live_until"]
    path.write_text(json.dumps(data))
    with pytest.warns(gb.GlassboxWarning, match="no header digest.*save the model again"):
        loaded = gb.load(tmp_path)
    assert loaded.run([["a", "b", "a"]]) == [[2, 1, 2]]
