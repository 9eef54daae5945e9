"""The ground-truth circuit: removing a non-edge changes nothing, bit for bit; removing an edge changes the output.

Every library program, causal and not, on all inputs if there are at most EXHAUSTIVE (else as many random ones):
- every pair of nodes (sender first) that is not an edge, removed alone (on FEW of the inputs; for programs
  of more than SMALL nodes, SAMPLED of the pairs) and all at once (on all inputs): logits identical;
- every edge, removed alone: the decoded output changes on some input (FEW inputs tried first, then all),
  except a `bos_default` edge into an Aggregate head whose selector selects some key at every query of every
  input, where BOS never wins.
Programs with more than SMALL nodes run in the slow tier.
"""

import itertools
import json
import pathlib
import random

import pytest
import torch

import glassbox as gb
from glassbox import rasp
from glassbox.cli import main as cli
from glassbox.errors import EvaluationError
from glassbox.export import circuit
from glassbox.inspect import circuit_graph as cg

from .export_cases import PROGRAMS, compiled, random_seqs

EXHAUSTIVE = 250
FEW = 40  # inputs (every length) for each non-edge removed alone; all of them for all non-edges at once
SAMPLED = 60  # non-edges removed alone, in programs of more than SMALL nodes (shuffle_dyck2 has 280)
SMALL = 11  # nodes; sort_freq (11) runs in the fast tier, shuffle_dyck (15) and shuffle_dyck2 (27) in the slow one


def _inputs(model: gb.CompiledModel) -> list[list]:
    if sum(len(model.vocab) ** k for k in range(1, model.max_seq_len + 1)) > EXHAUSTIVE:  # count before listing
        return random_seqs(model, EXHAUSTIVE, seed=0)
    return [list(s) for k in range(1, model.max_seq_len + 1) for s in itertools.product(model.vocab, repeat=k)]


def _pairs(model: gb.CompiledModel) -> list[tuple[cg.Node, cg.Node]]:
    """Every (sender, receiver) pair that could be an edge: the sender strictly before the receiver."""
    n = model.config.n_layers
    return [(a, b) for a, b in itertools.combinations(cg.circuit_nodes(model), 2)
            if b not in (cg.EMBED, cg.POS_EMBED) and cg._stage(a, n) < cg._stage(b, n)]


def _never_empty(model: gb.CompiledModel, layer: int, index: int, seqs: list[list]) -> bool:
    """Whether the selector of the Aggregate at head (layer, index) selects a key at every query of every input."""
    site = next(s for s in model.circuit if s.layer == layer and s.head == index)
    if site.kind != "Aggregate":
        return False
    for seq in seqs:
        try:
            trace = rasp.trace(model.program, seq, causal=model.config.causal)
        except EvaluationError:
            continue
        if not all(any(row) for row in trace[site.children[0]]):
            return False
    return True


def _cases() -> list:
    return [pytest.param(name, causal, id=f"{name}-{'causal' if causal else 'bidirectional'}",
                         marks=[pytest.mark.slow] if len(cg.circuit_nodes(compiled(name))) > SMALL else [])
            for name in PROGRAMS for causal in (False, True)]


@pytest.mark.parametrize(("name", "causal"), _cases())
def test_non_edges_change_nothing_and_edges_change_the_output(name: str, causal: bool) -> None:
    model = compiled(name, causal)
    graph = model.circuit_edges()
    seqs = _inputs(model)
    ids, lengths = model.encode(seqs), [len(s) for s in seqs]
    with torch.no_grad():
        base = model(ids)
    edges = set(graph.edge_list())
    non_edges = [p for p in _pairs(model) if p not in edges]
    assert edges <= set(_pairs(model))
    few = slice(None, None, max(1, len(seqs) // FEW))  # a removed non-edge subtracts exact zeros, whatever the input
    sampled = random.Random(0).sample(non_edges, min(SAMPLED, len(non_edges)))
    singles = non_edges if len(graph.nodes) <= SMALL else sampled
    for pair in singles:
        assert torch.equal(cg.run_with_edges_ablated(model, ids[few], [pair]), base[few]), pair
    assert torch.equal(cg.run_with_edges_ablated(model, ids, non_edges), base)
    ours = model.decode(base, lengths)
    for edge in graph.edges:
        pair = [(edge.sender, edge.receiver)]
        if model.decode(cg.run_with_edges_ablated(model, ids[few], pair), lengths[few]) != ours[few]:
            continue
        if model.decode(cg.run_with_edges_ablated(model, ids, pair), lengths) == ours:
            assert edge.bos_default, edge
            assert _never_empty(model, int(edge.receiver[0].split(".")[1]), edge.receiver[1], seqs), edge


def test_the_graph_follows_the_circuit_map() -> None:
    model = compiled("sort")
    graph = model.circuit_edges()
    assert graph.program == "sort" and graph.nodes == tuple(cg.circuit_nodes(model))
    assert set(n for n, _ in graph.nodes) <= set(model.hook_names)
    by_label = {x.label: x for x in graph.expressions}
    assert by_label["tokens"].nodes == (cg.EMBED,) and by_label["indices"].nodes == (cg.POS_EMBED,)
    assert by_label["target_pos"].nodes == (cg.head(1, 0), cg.mlp(1))  # a SelectorWidth: head and MLP
    assert by_label["sort"].nodes == (cg.head(2, 0),) and by_label["smaller"].nodes == ()
    assert by_label["sort"].residual == tuple(f"sort:{v}" for v in (1, 2, 3, 4))
    # the output's writer feeds the unembedding through exactly the output's directions
    (last,) = [e for e in graph.edges if e.receiver == cg.unembed(model.config.n_layers)]
    assert last.sender == cg.head(2, 0) and last.residual == by_label["sort"].residual
    # every edge's directions are written by its sender and read by its receiver
    for edge in graph.edges:
        assert set(edge.residual) <= set(graph.writes[edge.sender])


def test_edges_that_are_not_edges_of_the_model_are_refused() -> None:
    model = compiled("count")
    with pytest.raises(ValueError, match="sender first"):
        cg.run_with_edges_ablated(model, [["a"]], [(cg.mlp(0), cg.head(0, 0))])
    with pytest.raises(ValueError, match="sender first"):
        cg.run_with_edges_ablated(model, [["a"]], [(cg.EMBED, cg.head(3, 0))])


def test_export_circuit_writes_the_benchmark_shape(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture) -> None:
    model = compiled("sort_freq")
    model.save(tmp_path / "m")
    assert cli.main(["export", str(tmp_path / "m"), "--to", "circuit", "--out", str(tmp_path / "c.json")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text())
    graph = gb.load(tmp_path / "m").circuit_edges()  # a loaded model: from its weights and circuit map
    assert data["format"] == circuit.FORMAT and data["program"] == "sort_freq" == graph.program
    assert data["edge_list"] == [[list(a), list(b)] for a, b in graph.edge_list()]
    assert [e["from"] for e in data["edges"]] == [list(e.sender) for e in graph.edges]
    assert [n["node"] for n in data["nodes"]] == [list(n) for n in cg.circuit_nodes(model)]
    out = {x["label"]: x for x in data["expressions"]}["sort_freq"]
    assert out["encoding"] == "categorical" and out["values"] == [{"int": v} for v in model.output_values]
    assert out["nodes"] == [list(n) for n in graph.expressions[-1].nodes]
    # edges read back from JSON drive the ablation as the tuples do
    seqs = random_seqs(model, 30, seed=1)
    pairs = [tuple(map(tuple, p)) for p in data["edge_list"][:3]]
    torch.testing.assert_close(cg.run_with_edges_ablated(model, seqs, data["edge_list"][:3]),
                               cg.run_with_edges_ablated(model, seqs, pairs), rtol=0, atol=0)
    assert cli.main(["export", str(tmp_path / "m"), "--to", "circuit", "--out", str(tmp_path)]) == 2
