"""glassbox.fuzz: the generator is typed and deterministic, the shrinker minimises, and a few hundred random
programs compile exactly (the CI share of bench/fuzz.py's 10,000)."""

import json

import pytest

from glassbox import fuzz, rasp
from glassbox.cli.main import main
from glassbox.fuzz import catalog
from glassbox.fuzz.program import Node, Program

CI_CAMPAIGNS = [  # (seed, first index, count, causal): 600 programs, about 20 s
    pytest.param(0, 0, 250, False, id="seed0"),
    pytest.param(1, 0, 200, False, id="seed1"),
    pytest.param(2, 0, 150, True, id="seed2-causal"),
]


@pytest.mark.parametrize(("seed", "start", "n", "causal"), CI_CAMPAIGNS)
def test_random_programs_compile_exactly(seed, start, n, causal):
    summary = fuzz.run(n, seed, start=start, causal=causal, max_checks=60)
    report = "\n\n".join(f"program {f.index}: {f.shrunk_outcome.detail}\n{fuzz.to_source(f.shrunk)}"
                         for f in summary.failures)
    assert not summary.failures, report
    assert summary.counts.get("timeout", 0) == 0
    assert summary.counts.get("ok", 0) >= 0.9 * n, summary.to_text()


def test_generation_is_deterministic_and_typed():
    for i in range(60):
        for causal in (False, True):
            program = fuzz.generate(7, i, causal=causal)
            assert program == fuzz.generate(7, i, causal=causal)
            fuzz.typecheck(program)
            assert program.nodes[-1].op not in ("select", "and", "or", "not")
            if causal:
                assert all(node.op != "length" for node in program.nodes)
    assert fuzz.generate(7, 0) != fuzz.generate(7, 1)


def test_generator_covers_every_primitive_and_both_encodings():
    seen_ops, seen_preds, numerical, reductions = set(), set(), set(), set()
    for i in range(400):
        for node in fuzz.generate(3, i).nodes:
            seen_ops.add(node.op)
            if node.op == "aggregate":
                reductions.add((node.reduction, node.numerical))
            if node.op == "select":
                seen_preds.add(node.fn)
            if node.numerical:
                numerical.add(node.op)
    assert seen_ops == {"tokens", "indices", "length", "full", "map", "sequence_map", "linear_sequence_map",
                        "select", "and", "or", "not", "aggregate", "width"}
    assert seen_preds == set(catalog.COMPARISONS) | set(catalog.PREDICATES)
    categorical = {(r, False) for r in ("mean", "max", "min")}  # a categorical sum is not a thing
    assert reductions == {(r, True) for r in ("mean", "sum", "max", "min")} | categorical
    assert {"map", "sequence_map", "linear_sequence_map", "aggregate", "width", "full", "tokens",
            "indices"} <= numerical


def test_source_is_runnable_and_means_the_same():
    for i in range(40):
        program = fuzz.generate(5, i)
        namespace: dict = {}
        exec(fuzz.to_source(program), namespace)
        xs = list(program.vocab)[: program.max_seq_len]
        try:
            want = rasp.evaluate(fuzz.build(program), xs)
        except Exception as exc:  # the evaluator raises on this input: so must the printed program
            with pytest.raises(type(exc)):
                rasp.evaluate(namespace["program"], xs)
            continue
        assert rasp.evaluate(namespace["program"], xs) == want
        assert namespace["vocab"] == set(program.vocab) and namespace["max_seq_len"] == program.max_seq_len


def test_shrinker_finds_a_minimal_program():
    big = next(p for i in range(200) if (p := fuzz.generate(11, i)).size >= 6
               and any(n.op == "width" for n in p.nodes))
    has_width = lambda p: any(n.op == "width" for n in p.nodes)  # a stand-in for "still fails"
    small = fuzz.shrink(big, has_width)
    assert has_width(small) and small.size <= 2, fuzz.to_source(small)  # a width of one Select
    assert small.max_seq_len == 1 and len(small.vocab) == 1


def test_the_oracle_is_strict_about_types_and_tolerant_of_float_error():
    assert fuzz.agree(0, 0, False) and fuzz.agree(0, 0.0, False) and fuzz.agree(True, 1, False)
    assert not fuzz.agree("0", "0.0", False) and not fuzz.agree((0,), [0], False)
    assert not fuzz.agree(None, 0, False) and fuzz.agree(None, None, False)
    assert fuzz.agree(1.00005, 1, True) and not fuzz.agree(1.0002, 1, True)
    assert fuzz.agree(1000.05, 1000, True) and not fuzz.agree(1e-9, None, True)


def test_a_failure_is_shrunk_and_written_as_a_runnable_file(tmp_path, monkeypatch):
    from glassbox.fuzz import campaign, oracle

    real = oracle.check

    def broken(program, **kw):  # pretend every program with an Aggregate is compiled wrong
        outcome = real(program, **kw)
        if any(n.op == "aggregate" for n in program.nodes) and outcome.status == "ok":
            return oracle.Outcome("mismatch", "wrong value", "pretend", counterexample=([program.vocab[0]], [0], [1]))
        return outcome

    monkeypatch.setattr(oracle, "check", broken)
    summary = campaign.run(12, 0, out=tmp_path, max_checks=40)
    assert summary.failures
    failure = summary.failures[0]
    assert failure.shrunk.size <= failure.program.size and failure.path.exists()
    namespace: dict = {"__name__": "not_main"}
    exec(failure.path.read_text(), namespace)
    assert isinstance(namespace["program"], rasp.SOp)
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["n"] == 12 and data["failures"][0]["file"] == str(failure.path)


def test_cli_fuzz(tmp_path, capsys):
    assert main(["fuzz", "--n", "6", "--seed", "0", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "compiled" in out and "rejected" in out and str(tmp_path / "summary.json") in out
    assert json.loads((tmp_path / "summary.json").read_text())["counts"]


def test_typecheck_refuses_ill_typed_programs():
    ok = Program((Node("tokens"), Node("map", (0,), "int:lambda x: x + 1")), (1, 2), 3)
    fuzz.typecheck(ok)
    for bad in [
        Program((Node("tokens"), Node("map", (0,), "str:lambda x: x + x")), (1, 2), 3),  # str function on ints
        Program((Node("tokens"), Node("select", (0, 0), "EQ")), (1, 2), 3),  # the output is a selector
        Program((Node("tokens"), Node("indices"), Node("select", (0, 1), "EQ"),
                 Node("aggregate", (2, 0), None), Node("map", (3,), "int:lambda x: x + 1", numerical=True)),
                (1, 2), 3),  # numerical but may be None
    ]:
        with pytest.raises(fuzz.program.IllTyped):
            fuzz.typecheck(bad)
