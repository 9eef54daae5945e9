"""decode_residual: every program variable reads back, at every stage that has it, as the evaluator's value."""

import random

import pytest

import glassbox as gb
from glassbox import programs
from glassbox.inspect import decode
from glassbox.rasp import evaluator, graph

NAMES = sorted(programs.LIBRARY)


def _compile(name: str) -> "tuple[object, object, object]":
    entry = programs.LIBRARY[name]
    program = entry.build(entry.max_seq_len)
    return entry, program, gb.compile_rasp_to_model(program, vocab=set(entry.vocab), max_seq_len=entry.max_seq_len)


def _reference(program, xs, model=None) -> dict:
    """Every expression's evaluator value on `xs`, by label (with `model`, also the compiler's own variables:
    a joint feature is the tuple of its components, a sum's selection count the width of its selector)."""
    nodes = dict(graph.labels(program).items())
    out = {label: evaluator.evaluate(node, xs) for node, label in nodes.items()}
    by_label = {label: node for node, label in nodes.items()}
    for site in model.circuit if model is not None else ():
        if site.kind == "JointFeature":
            out[site.label] = [tuple(out[c][p] for c in site.children) for p in range(len(xs))]
        elif site.kind == "SelectionCount":
            out[site.label] = [sum(row) for row in evaluator.evaluate(by_label[site.children[0]], xs)]
    return out


def _same(got, want) -> bool:
    if isinstance(got, float):
        return want is not None and abs(got - float(want)) <= 1e-4 * max(1.0, abs(float(want)))
    return got == want and (got is None) == (want is None)


@pytest.mark.parametrize("name", NAMES)
def test_every_variable_reads_as_the_evaluator_value(name):
    entry, program, model = _compile(name)
    rng = random.Random(1)
    inputs = [list(entry.example)] + [[rng.choice(entry.vocab) for _ in range(rng.randint(1, entry.max_seq_len))]
                                      for _ in range(4)]
    for xs in inputs:
        try:
            ref = _reference(program, xs, model)
        except gb.GlassboxError:
            continue  # outside the program's contract
        table = decode.decode_residual(model, xs)
        assert table.tokens == ("BOS", *xs)
        ready = {s.name: s.index for s in table.stages}
        for stage in table.stages:
            rows = table.table(stage.name)
            # A variable is listed exactly from the stage that writes it, and reads correctly from then on.
            assert set(rows) == {v for v in table.variables if ready[table.written_at[v]] <= stage.index}
            for label, readings in rows.items():
                assert [r.pos for r in readings] == list(range(len(xs) + 1))
                assert all(r.new == (table.written_at[label] == stage.name) for r in readings)
                got = [r.value for r in readings[1:]]
                assert all(_same(g, w) for g, w in zip(got, ref[label], strict=True)), (stage.name, label, got,
                                                                                         ref[label])


def test_written_stages_follow_the_circuit():
    _, _, model = _compile("sort")
    table = decode.decode_residual(model, [3, 1, 4])
    assert [s.name for s in table.stages] == ["embed", "L0 attn", "L0 mlp", "L1 attn", "L1 mlp", "L2 attn", "L2 mlp"]
    assert table.written_at == {"tokens": "embed", "indices": "embed", "keys": "L0 mlp", "target_pos": "L1 mlp",
                                "sort": "L2 attn"}
    assert table.value("L2 attn", "sort", 1) == 1
    with pytest.raises(KeyError):
        table.value("L1 mlp", "sort", 1)  # not computed yet
    margins = [r.margin for r in table.table("L2 mlp")["sort"][1:]]
    assert all(m > 0.9 for m in margins)


def test_virtual_sites_are_read_with_their_sources():
    _, _, model = _compile("frac_prevs")
    table = decode.decode_residual(model, ["x", "y", "x", "x"])
    assert table.written_at["map"] == "embed"  # a numerical read of tokens, no dimensions of its own
    assert [r.value for r in table.table("embed")["map"][1:]] == [1.0, 0.0, 1.0, 1.0]
    assert table.encodings["frac_prevs"] == "numerical"
    fracs = [r.value for r in table.table("L0 attn")["frac_prevs"][1:]]
    assert fracs == pytest.approx([1.0, 0.5, 2 / 3, 0.75], abs=1e-5)
    assert table.table("L0 attn")["frac_prevs"][1].margin is None


def test_cache_input_batch_and_padding():
    _, _, model = _compile("hist")
    seqs = [["a", "b"], ["c", "c", "c", "a"]]
    _, cache = model.run_with_cache(seqs)
    short = decode.decode_residual(model, cache, seq=seqs[0], batch=0)
    assert short.tokens == ("BOS", "a", "b")
    assert [r.value for r in short.table("L0 mlp")["hist"][1:]] == [1, 1]
    long = model.decode_residual(cache, seq=seqs[1], batch=1)  # the CompiledModel method
    assert [r.value for r in long.table("L0 mlp")["hist"][1:]] == [3, 3, 3, 1]
    unlabelled = decode.decode_residual(model, cache, batch=0)  # padded width, columns by index
    assert unlabelled.tokens == ("BOS", 1, 2, 3, 4)


def test_text_table_and_errors():
    _, _, model = _compile("hist")
    text = decode.decode_residual(model, ["a", "b", "a"]).to_text(margins=True)
    assert "L0 mlp  (blocks.0.hook_resid_post)" in text
    assert "*hist" in text and "2 (1.00)" in text
    table = decode.decode_residual(model, ["a"])
    with pytest.raises(gb.InputError, match="no stage"):
        table.table("L9 mlp")
    with pytest.raises(gb.InputError, match="run_with_cache"):
        decode.decode_residual(model, {"hook_embed": None})
    with pytest.raises(gb.InputError, match="not in the vocab"):
        decode.decode_residual(model, ["z"])


def test_loaded_model_decodes_the_same(tmp_path):
    pytest.importorskip("safetensors")
    _, _, model = _compile("sort")
    model.save(tmp_path / "m")
    loaded = gb.load(tmp_path / "m")
    assert loaded.decode_residual([2, 4, 1]) == model.decode_residual([2, 4, 1])


def test_bos_reads_as_no_value_for_every_variable_whatever_its_encoding() -> None:
    import glassbox as gb
    from glassbox import programs

    entry = programs.LIBRARY["frac_prevs"]  # numerical virtual variables beside categorical ones
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    table = model.decode_residual(list(entry.example))
    at_bos = [r for r in table.readings if r.pos == 0]
    assert at_bos and all(r.value is None and r.margin is None for r in at_bos)
    assert {table.encodings[r.variable] for r in at_bos} >= {"numerical", "categorical"}
    assert any(r.value is not None for r in table.readings if r.pos > 0 and table.encodings[r.variable] == "numerical")
