"""The size check before assembly: exact dimensions, upper-bound d_head and parameters, refusal and warning."""

import warnings

import pytest

import glassbox as gb
from glassbox import programs
from glassbox.cli import main as cli
from glassbox.compiler import budget


@pytest.mark.parametrize("name", sorted(programs.LIBRARY))
def test_the_estimate_matches_the_built_model(name: str) -> None:
    entry = programs.LIBRARY[name]
    model = gb.compile_rasp_to_model(entry.build(8), vocab=set(entry.vocab), max_seq_len=8)
    comp, cfg = model.compilation, model.config
    assert comp is not None
    found = budget.size(comp.encodings, comp.lowered, comp.schedule, comp.options)
    assert (found.n_layers, found.d_model, found.n_heads, found.d_mlp) == (cfg.n_layers, cfg.d_model, cfg.n_heads,
                                                                          cfg.d_mlp)
    assert found.d_head >= cfg.d_head
    assert found.params >= sum(p.numel() for p in model.module.parameters())


def test_max_params_refuses_before_assembly_and_names_the_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from glassbox.compiler import assemble

    def never(*args: object) -> None:
        raise AssertionError("assemble must not run")

    monkeypatch.setattr(assemble, "assemble", never)
    entry = programs.LIBRARY["sort"]
    with pytest.raises(gb.CompileError, match=r"sort: the model would have .* parameters .* over max_params=1,000"):
        gb.compile_rasp_to_model(entry.build(20), vocab=set(entry.vocab), max_seq_len=20, max_params=1000)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_max_params_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(gb.CompileError, match="max_params: must be a positive integer"):
        gb.compile_rasp_to_model(programs.make_hist(), vocab={"a"}, max_seq_len=2, max_params=bad)  # type: ignore


def test_a_large_model_warns_with_its_size(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    monkeypatch.setattr(budget, "WARN_PARAMS", 100)
    with pytest.warns(gb.GlassboxWarning, match=r"hist: building a large model: .* parameters"):
        gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=4)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert cli.main(["compile", "hist", "--out", str(tmp_path / "h")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [next(line for line in err if line.startswith("glassbox: warning: hist: building a large model"))]
