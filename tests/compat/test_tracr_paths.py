"""Drop-in tracr: tracr's public names exist in glassbox.rasp, and tracr-style modules run unchanged.

The modules in tracr_style/ are written against tracr's import paths only (`from tracr.rasp import rasp`,
`from tracr.compiler import compiling, lib`); they import once `install_tracr_aliases()` has run.
"""

import importlib.util
import pathlib
import sys
import typing

import pytest
import torch

from glassbox import compat, programs, rasp
from glassbox.errors import GlassboxError

HERE = pathlib.Path(__file__).parent / "tracr_style"

# Every public name of tracr's tracr/rasp/rasp.py (HEAD 9ce2b8c), read from its source.
TRACR_RASP_NAMES = [
    "SelectorValue", "NumericValue", "Value", "VT", "RASPExprT", "SOpT", "T", "DEFAULT_ANNOTATORS", "Annotator",
    "RASPExpr", "annotate", "SOp", "TokensType", "IndicesType", "LengthType", "tokens", "indices", "length",
    "Map", "SequenceMap", "LinearSequenceMap", "Full", "sop_not", "ConstantSOp", "Predicate", "Comparison",
    "Selector", "Select", "ConstantSelector", "SelectorWidth", "SelectorAnd", "SelectorOr", "SelectorNot",
    "selector_not", "selector_and", "selector_or", "Aggregate", "Encoding", "numerical", "categorical",
    "get_encoding", "is_numerical", "is_categorical", "default_encoding", "default_name", "RASPEvaluator",
    "DefaultRASPEvaluator", "evaluate",
]
TRACR_LIB_NAMES = [
    "make_length", "make_reverse", "make_pair_balance", "make_shuffle_dyck", "make_shuffle_dyck2", "make_hist",
    "make_sort_unique", "make_sort", "make_sort_freq", "make_frac_prevs", "shift_by", "detect_pattern",
    "make_count_less_freq", "make_count", "make_nary_sequencemap",
]


@pytest.fixture(scope="module")
def tracr():
    module = compat.install_tracr_aliases()
    yield module
    compat.uninstall_tracr_aliases()


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"tracr_style_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", TRACR_RASP_NAMES)
def test_every_tracr_rasp_name_exists(name):
    assert hasattr(rasp, name), name
    assert name in rasp.__all__


def test_tracr_names_mean_what_they_mean_in_tracr():
    assert typing.get_args(rasp.Value) == (type(None), int, float, str, bool)
    assert typing.get_args(rasp.NumericValue) == (int, float)
    assert rasp.default_name(rasp.Map(lambda x: x, rasp.tokens)) == "map"
    assert rasp.default_name(rasp.LinearSequenceMap(rasp.tokens, rasp.indices, 1, 1)) == "linear_sequence_map"
    assert rasp.default_encoding(rasp.tokens) is rasp.Encoding.CATEGORICAL
    with pytest.raises(TypeError):
        rasp.default_encoding(rasp.Select(rasp.tokens, rasp.tokens, rasp.EQ))
    assert set(rasp.DEFAULT_ANNOTATORS) >= {"name", "encoding"}
    x = rasp.Map(lambda v: v + 1, rasp.tokens)
    y = rasp.annotate(x, encoding=rasp.Encoding.NUMERICAL, name="y")
    assert y is not x and y.name == "y" and rasp.is_numerical(y) and rasp.is_categorical(x)
    assert rasp.sop_not(rasp.tokens == 1)([1, 2]) == [False, True]
    assert [c.value for c in rasp.Comparison] == ["==", "<", "<=", ">", ">=", "!=", "True", "False"]
    assert issubclass(rasp.DefaultRASPEvaluator, rasp.RASPEvaluator)
    hist = programs.make_hist()
    assert rasp.DefaultRASPEvaluator().evaluate(hist, "abac") == rasp.evaluate(hist, "abac") == [2, 1, 2, 1]
    assert rasp.selector_and(rasp.Select(rasp.tokens, rasp.tokens, rasp.EQ),
                             rasp.Select(rasp.indices, rasp.indices, rasp.LEQ), simplify=False)
    assert isinstance(x.unique_id, int) and rasp.numerical(x).unique_id != x.unique_id  # tracr copies the id


def test_annotations_are_read_only_and_defaults_are_lazy():
    x = rasp.Map(lambda v: v, rasp.tokens)
    assert dict(x.annotations) == {}
    assert x.annotations["name"] == "map" and x.annotations["encoding"] is rasp.Encoding.CATEGORICAL
    with pytest.raises(TypeError):
        x.annotations["name"] = "other"  # type: ignore[index]
    with pytest.raises(KeyError, match="no annotation 'colour'"):
        x.annotations["colour"]


def test_the_tracr_import_paths_resolve_to_glassbox(tracr):
    import tracr.rasp.rasp as tracr_rasp
    from tracr.compiler import compiling, lib
    from tracr.rasp import rasp as tracr_rasp2

    assert tracr_rasp is tracr_rasp2 is rasp
    assert all(getattr(lib, name) is getattr(programs, name) for name in TRACR_LIB_NAMES)
    assert compiling.COMPILER_BOS == "compiler_bos" and compiling.COMPILER_PAD == "compiler_pad"
    assert sys.modules["tracr"] is tracr
    assert compat.install_tracr_aliases() is tracr  # idempotent


def test_a_real_tracr_is_not_shadowed_silently(monkeypatch):
    import types

    monkeypatch.setitem(sys.modules, "tracr", types.ModuleType("tracr"))
    with pytest.raises(GlassboxError, match="real tracr"):
        compat.install_tracr_aliases()


@pytest.mark.parametrize("name", [c[0] for c in [
    ("swap_first_two",), ("is_sorted_step",), ("token_frac",), ("scaled_frac",), ("max_so_far",),
    ("count_token",), ("annotated_hist",), ("sort",)]])
def test_benchmark_style_cases_compile_exactly(tracr, name):
    from tracr.compiler import compiling

    module = _load("benchmark_cases")
    (_, build, vocab, max_seq_len), = [c for c in module.CASES if c[0] == name]
    program = build()
    model = compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=max_seq_len, compiler_bos="BOS")
    from glassbox.inspect import verification

    result = verification.verify(model, program, 200, seed=1)
    assert result.ok, result.summary()
    xs = sorted(vocab, key=repr)[:max_seq_len]
    decoded = model.apply(["BOS", *xs]).decoded
    assert all(verification.same(a, b) for a, b in zip(decoded[1:], module.reference(program, xs), strict=True))


@pytest.mark.parametrize("name", TRACR_LIB_NAMES)
def test_tracr_library_runs_through_tracr_paths(tracr, name):
    from glassbox.inspect import verification

    module = _load("library_run")
    decoded, expected, out = module.run(name)
    assert decoded[0] == expected[0] == "compiler_bos"
    assert all(verification.same(a, b) for a, b in zip(decoded[1:], expected[1:], strict=True)), (decoded, expected)
    pos, d_model = out.transformer_output.shape[1:]
    assert len(out.residuals) == len(out.layer_outputs) == 2 * len(out.attn_logits)
    assert all(r.shape == (1, pos, d_model) for r in out.residuals + out.layer_outputs)
    assert out.input_embeddings.shape == (1, pos, d_model) and out.unembedded.shape == (1, pos)
    assert torch.equal(out.residuals[-1], out.transformer_output)
    assert torch.allclose(out.input_embeddings + sum(out.layer_outputs), out.transformer_output, atol=1e-5)


def test_tracr_extension_points(tracr):
    module = _load("api_usage")
    assert module.with_default_annotator("colour", "red") == "red"
    assert "colour" not in rasp.DEFAULT_ANNOTATORS
    counter = module.CountingEvaluator()
    program = rasp.Map(lambda x: x + 1, rasp.Map(lambda x: x * 2, rasp.tokens), simplify=False)
    assert counter.evaluate(program, [1, 2]) == [3, 5] and counter.maps == 2
    assert module.typed_identity(rasp.tokens) is rasp.tokens
    assert module.names() == {"map": "map", "select": "select", "encoding": rasp.Encoding.CATEGORICAL, "lt": "<"}
    assert module.causal_frac(["x", "y", "x"]) == pytest.approx([1.0, 0.5, 2 / 3])


def test_apply_returns_tracr_fields_and_encoders():
    import glassbox as gb

    model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=4)
    out = model.apply(["BOS", "a", "b", "a"])
    fields = ("decoded", "unembedded", "layer_outputs", "residuals", "attn_logits", "transformer_output",
              "input_embeddings")
    assert all(hasattr(out, f) for f in fields)
    assert [model.output_encoder.decoding_map[i] for i in out.unembedded[0, 1:].tolist()] == out.decoded[1:]
    assert model.input_encoder.encode(["BOS", "a"]) == model.encode([["a"]])[0].tolist()
    assert model.input_encoder.bos_token == "BOS" and model.input_encoder.pad_token == "PAD"
    assert out.attn_logits[0].shape == (1, model.config.n_heads, 4, 4)
