"""The `glassbox.json` header of a saved model: build it from a model, and check and read it back.

Every reader raises `ValueError` with a dotted path (`config.d_model`, `circuit[3].read[0]`); the
artifact loader adds the file name and turns it into an `ArtifactError`.
"""

import dataclasses
import json
from typing import Any

from glassbox.export import integrity, values_json
from glassbox.model.circuit import ComputedBy, Site, SiteEncoding
from glassbox.model.config import DTYPES, Dtype, ModelConfig

FORMAT = "glassbox-artifact"
# 2 added circuit[*].live_until; 3 added `integrity` (the header's own digests). 1 and 2 still load,
# with a warning that their header is unprotected.
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
SEALED_SINCE = 3
KEYS = ("format", "format_version", "glassbox_version", "dtype", "config", "max_seq_len", "bos", "pad",
        "vocab", "token_ids", "input_encoding", "output_encoding", "output_label", "residual_labels",
        "circuit", "weights", "integrity")


def build(model: Any, dtype: str, weights: dict[str, list[int]], sha256: str) -> dict[str, Any]:
    """The header of `model` (a CompiledModel), given its weight shapes and the weight file's digest."""
    import glassbox

    enc = values_json.encode
    program = getattr(model, "program", None)
    output = ({"encoding": "numerical"} if model.output_values is None
              else {"encoding": "categorical", "values": [enc(v) for v in model.output_values]})
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "glassbox_version": glassbox.__version__,
        "dtype": dtype,
        "config": dataclasses.asdict(model.config),
        "max_seq_len": model.max_seq_len,
        "bos": enc(model.bos),
        "pad": enc(model.pad),
        "vocab": [enc(v) for v in model.vocab],
        "token_ids": [[enc(t), i] for t, i in model.token_ids.items()],
        "input_encoding": {"encoding": "categorical", "values": [enc(v) for v in model.vocab]},
        "output_encoding": output,
        "output_label": getattr(program, "label", None),
        "residual_labels": list(model.residual_labels),
        "circuit": [_site_to_json(s) for s in model.circuit],
        "weights": {"file": "model.safetensors", "sha256": sha256, "shapes": weights},
    }
    # The seal is taken over the JSON form, as `check` will see it after a round trip through a file.
    return {**header, "integrity": integrity.seal(json.loads(json.dumps(header, allow_nan=False)))}


def _site_to_json(site: Site) -> dict[str, Any]:
    enc = values_json.encode
    return {
        "label": site.label, "kind": site.kind, "encoding": site.encoding.value,
        "values": None if site.values is None else [enc(v) for v in site.values],
        "children": list(site.children), "computed_by": site.computed_by.value,
        "layer": site.layer, "head": site.head,
        "mlp_units": None if site.mlp_units is None else list(site.mlp_units),
        "residual": list(site.residual),
        "read": [[enc(v), dict(coefs)] for v, coefs in site.read],
        "live_until": site.live_until,
    }


@dataclasses.dataclass(frozen=True)
class Header:
    """A checked header: everything needed to rebuild a CompiledModel around the weights."""

    dtype: Dtype
    config: ModelConfig
    max_seq_len: int
    bos: Any
    pad: Any
    token_ids: dict[Any, int]
    output_values: "tuple[Any, ...] | None"
    residual_labels: list[str]
    circuit: tuple[Site, ...]
    weight_shapes: dict[str, tuple[int, ...]]
    sha256: str
    format_version: int


def read(data: Any) -> Header:
    """Check a parsed `glassbox.json` and return its contents.

    Raises:
        ValueError: naming the first field that is missing, of the wrong type or inconsistent.
    """
    _require(isinstance(data, dict), "header", "expected a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
    version = data.get("format_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise ValueError(f"format_version: unknown version {version!r} (this glassbox reads {READABLE_VERSIONS})")
    missing = [k for k in KEYS if k not in data and (k != "integrity" or version >= SEALED_SINCE)]
    extra = sorted(set(data) - set(KEYS))
    _require(not missing, "header", f"missing keys {missing}")
    _require(not extra, "header", f"unexpected keys {extra}")
    _require(data["dtype"] in DTYPES, "dtype", f"expected one of {DTYPES}, got {data['dtype']!r}")
    config = _config(data["config"])
    max_seq_len = _int(data["max_seq_len"], "max_seq_len", low=1)
    dec = values_json.decode
    bos, pad = dec(data["bos"], "bos"), dec(data["pad"], "pad")
    token_ids = _token_ids(data["token_ids"])
    vocab = [dec(v, f"vocab[{i}]") for i, v in enumerate(_list(data["vocab"], "vocab"))]
    output_values = _output(data["output_encoding"])
    labels = _list(data["residual_labels"], "residual_labels")
    _require(all(isinstance(s, str) for s in labels), "residual_labels", "expected strings")
    _check_consistent(config, max_seq_len, bos, pad, token_ids, vocab, output_values, labels)
    _require(data["input_encoding"] == {"encoding": "categorical", "values": data["vocab"]},
             "input_encoding", "does not match vocab")
    _require(data["output_label"] is None or isinstance(data["output_label"], str), "output_label",
             "expected a string or null")
    circuit = tuple(_site(s, f"circuit[{i}]", labels, version)
                    for i, s in enumerate(_list(data["circuit"], "circuit")))
    w = data["weights"]
    _require(isinstance(w, dict) and set(w) == {"file", "sha256", "shapes"}, "weights",
             "expected {file, sha256, shapes}")
    _require(w["file"] == "model.safetensors", "weights.file", f"expected 'model.safetensors', got {w['file']!r}")
    _require(isinstance(w["sha256"], str) and len(w["sha256"]) == 64, "weights.sha256", "expected a hex digest")
    _require(isinstance(w["shapes"], dict), "weights.shapes", "expected an object")
    shapes = {k: tuple(_list(v, f"weights.shapes.{k}")) for k, v in w["shapes"].items()}
    return Header(data["dtype"], config, max_seq_len, bos, pad, token_ids, output_values, labels, circuit,
                  shapes, w["sha256"], version)


def _check_consistent(cfg: ModelConfig, max_seq_len: int, bos: Any, pad: Any, token_ids: dict, vocab: list,
                      output_values: "tuple | None", labels: list) -> None:
    _require(list(token_ids) == [bos, pad, *vocab], "token_ids", "expected BOS, PAD, then the vocab, in order")
    _require(sorted(token_ids.values()) == list(range(len(token_ids))), "token_ids", "ids must be 0..n-1")
    _require(token_ids[bos] == 0, "token_ids", "BOS must have id 0")
    _require(cfg.pad_id == token_ids[pad], "config.pad_id", f"{cfg.pad_id} is not PAD's id {token_ids[pad]}")
    _require(cfg.d_vocab == len(token_ids), "config.d_vocab", f"{cfg.d_vocab} != {len(token_ids)} tokens")
    n_out = 1 if output_values is None else len(output_values)
    _require(cfg.d_vocab_out == n_out, "config.d_vocab_out", f"{cfg.d_vocab_out} != {n_out} output values")
    _require(cfg.d_model == len(labels), "config.d_model", f"{cfg.d_model} != {len(labels)} residual labels")
    _require(cfg.n_ctx == max_seq_len + 1, "config.n_ctx", f"{cfg.n_ctx} != max_seq_len + 1")
    _require(cfg.act_fn == "relu", "config.act_fn", f"unsupported {cfg.act_fn!r}")


def _config(data: Any) -> ModelConfig:
    _require(isinstance(data, dict), "config", "expected an object")
    fields = {f.name: f for f in dataclasses.fields(ModelConfig)}
    _require(set(data) == set(fields), "config",
             f"expected keys {sorted(fields)}, got {sorted(data)}")
    for name in ("n_layers", "d_model", "n_heads", "d_head", "d_mlp", "n_ctx", "d_vocab", "d_vocab_out"):
        _int(data[name], f"config.{name}", low=1 if name != "n_layers" else 0)
    _int(data["pad_id"], "config.pad_id", low=0)
    _require(isinstance(data["causal"], bool), "config.causal", "expected a boolean")
    scale = data["attn_scale"]
    _require(isinstance(scale, (int, float)) and not isinstance(scale, bool) and scale > 0, "config.attn_scale",
             "expected a positive number")
    _require(isinstance(data["act_fn"], str), "config.act_fn", "expected a string")
    return ModelConfig(**{**data, "attn_scale": float(scale)})


def _token_ids(data: Any) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for i, pair in enumerate(_list(data, "token_ids")):
        _require(isinstance(pair, list) and len(pair) == 2, f"token_ids[{i}]", "expected [token, id]")
        token = values_json.decode(pair[0], f"token_ids[{i}]")
        _require(token not in out, f"token_ids[{i}]", f"duplicate token {token!r}")
        out[token] = _int(pair[1], f"token_ids[{i}]", low=0)
    return out


def _output(data: Any) -> "tuple[Any, ...] | None":
    if data == {"encoding": "numerical"}:
        return None
    _require(isinstance(data, dict) and data.get("encoding") == "categorical" and set(data) == {"encoding", "values"},
             "output_encoding", "expected {encoding: numerical} or {encoding: categorical, values}")
    values = _list(data["values"], "output_encoding.values")
    return tuple(values_json.decode(v, f"output_encoding.values[{i}]") for i, v in enumerate(values))


def _site(data: Any, where: str, labels: list[str], version: int) -> Site:
    fields = [f.name for f in dataclasses.fields(Site) if version >= 2 or f.name != "live_until"]
    _require(isinstance(data, dict) and sorted(data) == sorted(fields), where, f"expected keys {fields}")
    for name in ("label", "kind", "encoding", "computed_by"):
        _require(isinstance(data[name], str), f"{where}.{name}", "expected a string")
    encodings, computers = [e.value for e in SiteEncoding], [c.value for c in ComputedBy]
    _require(data["encoding"] in encodings, f"{where}.encoding", f"expected one of {encodings}")
    _require(data["computed_by"] in computers, f"{where}.computed_by", f"expected one of {computers}")
    values = None
    if data["values"] is not None:
        values = tuple(values_json.decode(v, f"{where}.values[{i}]")
                       for i, v in enumerate(_list(data["values"], f"{where}.values")))
    children = _list(data["children"], f"{where}.children")
    _require(all(isinstance(c, str) for c in children), f"{where}.children", "expected strings")
    for name in ("layer", "head"):
        if data[name] is not None:
            _int(data[name], f"{where}.{name}", low=0)
    units = data["mlp_units"]
    if units is not None:
        units = tuple(_int(u, f"{where}.mlp_units", low=0) for u in _list(units, f"{where}.mlp_units"))
        _require(len(units) == 2, f"{where}.mlp_units", "expected [first, count]")
    residual = tuple(_int(r, f"{where}.residual", low=0) for r in _list(data["residual"], f"{where}.residual"))
    _require(all(r < len(labels) for r in residual), f"{where}.residual", "index beyond d_model")
    read = []
    for i, entry in enumerate(_list(data["read"], f"{where}.read")):
        at = f"{where}.read[{i}]"
        _require(isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], dict), at,
                 "expected [value, {label: coefficient}]")
        coefs = entry[1]
        _require(all(k in labels for k in coefs), at, "names a residual label the model does not have")
        _require(all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coefs.values()), at,
                 "coefficients must be numbers")
        read.append((values_json.decode(entry[0], at), {k: float(c) for k, c in coefs.items()}))
    live_until = data.get("live_until")
    if live_until is not None:
        _int(live_until, f"{where}.live_until", low=0)
    return Site(data["label"], data["kind"], SiteEncoding(data["encoding"]), values, tuple(children),
                ComputedBy(data["computed_by"]),
                data["layer"], data["head"], units, residual, tuple(read), live_until)


def _int(value: Any, where: str, low: int) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and value >= low, where,
             f"expected an integer >= {low}, got {value!r:.40}")
    return value


def _list(value: Any, where: str) -> list:
    _require(isinstance(value, list), where, f"expected a list, got {type(value).__name__}")
    return value


def _require(ok: bool, where: str, problem: str) -> None:
    if not ok:
        raise ValueError(f"{where}: {problem}")
