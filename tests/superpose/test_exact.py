"""Exact compression: every library program, compressed by register allocation, equals the evaluator."""

import json
import pathlib

import numpy as np
import pytest

import glassbox as gb
from compiler import cases  # tests/compiler/cases.py: the compiler's own case table and oracle
from glassbox import programs, superpose
from glassbox.inspect import decode
from glassbox.superpose import allocate

EXACT_CASES = [c for c in cases.LIBRARY_CASES if c.max_seq_len <= 20 and not c.causal and c.dtype == "float32"]


@pytest.mark.parametrize("case_id", [pytest.param(c.id, id=c.id) for c in EXACT_CASES])
def test_compressed_model_matches_the_evaluator(case_id: str) -> None:
    compressed = superpose.compress_exact(cases.compiled(case_id))
    seqs, want = cases.oracle(case_id)
    cases.check(compressed.model, seqs, want, compressed.model.run(seqs), "float32")
    assert compressed.model.config.d_model <= compressed.source.config.d_model


@pytest.mark.parametrize("case_id", ["frac_prevs-N10-f64", "pair_balance-N10-f64", "sort-N20-f64"])
def test_float64_models_compress_exactly_too(case_id: str) -> None:
    compressed = superpose.compress_exact(cases.compiled(case_id))
    seqs, want = cases.oracle(case_id)
    cases.check(compressed.model, seqs, want, compressed.model.run(seqs), "float64")


@pytest.mark.parametrize("name", ["sort", "shuffle_dyck", "frac_prevs", "count_less_freq"])
def test_causal_models_compress_exactly_too(name: str) -> None:
    entry = programs.LIBRARY[name]
    program = entry.build(8)
    model = gb.compile_rasp_to_model(program, vocab=set(entry.vocab), max_seq_len=8, causal=True)
    seqs, want = cases.reference(program, cases.generate_inputs(
        cases.Case(f"causal-{name}", entry.build, tuple(entry.vocab), 8, causal=True)), causal=True)
    cases.check(model, seqs, want, superpose.compress_exact(model).model.run(seqs), "float32")


def test_dead_variables_share_dimensions_and_are_erased_first() -> None:
    entry = programs.LIBRARY["sort_freq"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    compressed = superpose.compress_exact(model)
    alloc = compressed.allocation
    assert compressed.model.config.d_model < model.config.d_model and alloc.erase
    shared = [label for label in compressed.model.residual_labels if "|" in label]
    assert shared, "some slot holds two variables over time"
    live = allocate.liveness(superpose.weights.weights_of(model), model.config.n_layers)
    for dim, layer in alloc.erase:  # erased in an MLP at or after the last read, before the next writer
        last = live.last_read[dim]
        assert last is not None and 2 * layer + 1 >= last
        nxt = [j for j, s in enumerate(alloc.slot) if s == alloc.slot[dim] and j != dim
               and (live.first_write[j] or -1) > (live.first_write[dim] or -1)]
        assert min(live.first_write[j] for j in nxt) >= 2 * layer + 1


def test_liveness_reads_the_weights() -> None:
    model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=3)
    live = allocate.liveness(superpose.weights.weights_of(model), model.config.n_layers)
    labels = model.residual_labels
    one, bos = labels.index("one"), labels.index("tokens:BOS")
    assert live.first_write[one] == allocate.EMBED and live.last_read[one] == 1  # the width MLP's bias
    assert live.last_read[bos] == 0  # read by the head's BOS score only
    out = labels.index("hist:1")
    assert live.first_write[out] == 1 and live.last_read[out] == 2  # the MLP writes it, the unembedding reads it


def test_interval_colouring_is_minimal_on_a_hand_made_schedule() -> None:
    # a: embed..0, b: 1..2 (reuses a after its eraser at half 1), c: embed..end, d: 0..1 (overlaps a, c)
    live = allocate.Liveness(first_write=(-1, 1, -1, 0), last_read=(0, 2, 2, 1), n_layers=1)
    alloc = allocate.allocate(live)
    assert alloc.n_slots == 3 and alloc.slot[1] == alloc.slot[0] and alloc.erase == ((0, 0),)
    assert alloc.valid_through[0] == 1 and alloc.valid_through[1] is None


def test_decode_skips_variables_whose_slot_was_reused(tmp_path: pathlib.Path) -> None:
    entry = programs.LIBRARY["sort_freq"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    small = superpose.compress_exact(model).model
    seq = [3, 1, 3, 2]
    full, packed = decode.decode_residual(model, seq), decode.decode_residual(small, seq)
    limited = {s.label: s.live_until for s in small.circuit if s.live_until is not None}
    assert limited
    got = {(r.stage, r.variable, r.pos): r.value for r in packed.readings}
    for r in full.readings:
        stage = next(s.index for s in full.stages if s.name == r.stage)
        key = (r.stage, r.variable, r.pos)
        if r.variable in limited and stage > limited[r.variable]:
            assert key not in got
        else:
            value = got[key]
            assert value == r.value or (isinstance(value, float) and abs(value - r.value) < 1e-4)
    loaded = gb.load(small.save(tmp_path / "m"))  # the artifact keeps live_until
    assert {s.label: s.live_until for s in loaded.circuit} == {s.label: s.live_until for s in small.circuit}
    assert loaded.run([seq]) == model.run([seq])
    header = json.loads((tmp_path / "m" / "glassbox.json").read_text())
    assert any(site["live_until"] is not None for site in header["circuit"])


def test_version_1_artifacts_still_load(tmp_path: pathlib.Path) -> None:
    model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=3)
    path = tmp_path / "m"
    model.save(path)
    header = json.loads((path / "glassbox.json").read_text())
    header["format_version"] = 1
    del header["integrity"]
    for site in header["circuit"]:
        del site["live_until"]
    (path / "glassbox.json").write_text(json.dumps(header))
    with pytest.warns(gb.GlassboxWarning, match="no header digest"):
        assert gb.load(path).run([["a", "b", "a"]]) == [[2, 1, 2]]


def test_folding_with_the_identity_is_the_same_model() -> None:
    model = gb.compile_rasp_to_model(programs.make_sort_unique(gb.rasp.tokens, gb.rasp.tokens),
                                     vocab={1, 2, 3}, max_seq_len=4)
    w = superpose.weights.weights_of(model)
    eye = np.eye(model.config.d_model)
    folded = superpose.weights.fold(w, eye, eye)
    assert all(np.array_equal(folded[k], w[k]) for k in w)
