"""Forced superposition: codes, width-d models, accuracy, geometry, sweeps, SAE ground truth, the CLI."""

import json
import math
import pathlib

import numpy as np
import pytest
import torch

import glassbox as gb
from glassbox import programs, rasp, superpose
from glassbox.cli.main import main
from glassbox.superpose import codes, ground_truth, learn, measure, run


@pytest.fixture(scope="module")
def sort_unique() -> gb.CompiledModel:
    return gb.compile_rasp_to_model(programs.make_sort_unique(rasp.tokens, rasp.tokens), vocab={1, 2, 3, 4},
                                    max_seq_len=5)


@pytest.fixture(scope="module")
def hist() -> gb.CompiledModel:
    return gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b", "c", "d"}, max_seq_len=5)


def _seqs(model: gb.CompiledModel, n: int = 150) -> list[list]:
    return run.evaluation_inputs(model, n, seed=3)


@pytest.mark.parametrize("kind", ["random", "analytic"])
def test_full_width_codes_are_exact(sort_unique: gb.CompiledModel, kind: str) -> None:
    sp = superpose.superpose(sort_unique, sort_unique.config.d_model, kind)
    seqs = _seqs(sort_unique)
    assert sp.model.run(seqs) == sort_unique.run(seqs)
    acc = measure.accuracy(sp.model, sort_unique.program, seqs)
    assert acc.output_positions == acc.output_sequences == 1.0 and acc.mean_variable == 1.0
    assert sp.model.residual_labels == [f"c{k}" for k in range(sp.code.width)]


def test_a_narrow_random_code_breaks_the_program(sort_unique: gb.CompiledModel) -> None:
    """The accuracy measure can fail: two dimensions cannot carry sort_unique through a random code."""
    sp = superpose.superpose(sort_unique, 2, "random")
    acc = measure.accuracy(sp.model, sort_unique.program, _seqs(sort_unique))
    assert acc.output_positions < 0.6 and acc.output_sequences < 0.3


def test_identity_code_keeps_every_weight_and_read(hist: gb.CompiledModel) -> None:
    code = codes.Code(np.eye(hist.config.d_model), tuple(hist.residual_labels), "analytic")
    sp = codes.apply_code(hist, code)
    for name, w in hist.module.state_dict().items():
        assert torch.equal(sp.model.module.state_dict()[name], w)
    relabel = {old: f"c{k}" for k, old in enumerate(hist.residual_labels)}
    for a, b in zip(hist.circuit, sp.model.circuit, strict=True):
        assert [(v, {relabel[k]: c for k, c in coefs.items()}) for v, coefs in a.read] == list(b.read)


def test_geometry_equals_hand_computed_values() -> None:
    """Three unit features at 120° in 2 dimensions (a triangle): D_i = 2/3, ‖W_i‖ = 1, D* = 2/3."""
    angles = np.arange(3) * 2 * math.pi / 3
    P = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # [D=3, d=2]
    g = measure.geometry(codes.Code(P, ("a", "b", "c"), "random"))
    assert np.allclose(g.norms, 1) and np.allclose(g.dimensionality, 2 / 3)
    assert np.allclose(g.interference, 2 * 0.25)  # Σ_{j≠i} (ŵ_i·w_j)² = 2 cos²(120°)
    assert math.isclose(g.dimensions_per_feature, 2 / 3) and g.superposed == ("a", "b", "c")
    eye = measure.geometry(codes.Code(np.eye(3), ("a", "b", "c"), "analytic"))
    assert np.allclose(eye.dimensionality, 1) and eye.superposed == ()


def test_hist_computes_in_fewer_dimensions_in_superposition(hist: gb.CompiledModel) -> None:
    """Acceptance: a width below the feature count with >= 99% accuracy and some 0 < D_i < 1."""
    seqs = _seqs(hist, 200)
    found = []
    for width in range(hist.config.d_model - 1, 0, -1):
        point = run.measure_point(superpose.superpose(hist, width, "analytic"), seqs)
        if point.accuracy.output_positions >= 0.99 and point.geometry.superposed:
            found.append(width)
    assert found, "no width below d_model keeps hist >= 99% accurate in superposition"


def test_learning_lowers_the_loss_and_beats_the_random_code(sort_unique: gb.CompiledModel) -> None:
    width = 12
    code, losses = learn.learn_code(sort_unique, width, superpose.LearnConfig(steps=150, init="random", seed=1))
    assert min(losses) < 0.5 * losses[0]
    seqs = _seqs(sort_unique)
    learned = run.measure_point(codes.apply_code(sort_unique, code), seqs)
    random = run.measure_point(superpose.superpose(sort_unique, width, "random", seed=1), seqs)
    assert learned.accuracy.mean_variable > random.accuracy.mean_variable


@pytest.mark.parametrize(("field", "value", "message"), [
    ("steps", 0, "steps and batch_size"), ("lr", 0.0, "lr must be"), ("init", "pca", "init must be"),
    ("zipf", -1.0, "zipf must be"), ("device", "tpu", "device must be"),
])
def test_learn_config_names_the_bad_field(field: str, value: object, message: str) -> None:
    with pytest.raises(gb.ConfigError, match=message):
        superpose.LearnConfig(**{field: value}).check()  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given where CUDA is missing")
def test_learning_on_cuda_without_a_gpu_is_a_config_error() -> None:
    with pytest.raises(gb.ConfigError, match="no CUDA device"):
        superpose.LearnConfig(device="cuda").check()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_learning_on_cuda_equals_learning_on_cpu(sort_unique: gb.CompiledModel) -> None:
    runs = [learn.learn_code(sort_unique, 12, superpose.LearnConfig(steps=20, device=d)) for d in ("cpu", "cuda")]
    (cpu_code, cpu_losses), (gpu_code, gpu_losses) = runs
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-6)
    np.testing.assert_allclose(gpu_code.matrix, cpu_code.matrix, atol=1e-8)


def test_loaded_models_are_measured_against_their_own_exact_reads(hist: gb.CompiledModel,
                                                                  tmp_path: pathlib.Path) -> None:
    loaded = gb.load(hist.save(tmp_path / "hist"))
    seqs = _seqs(hist, 60)
    sp = superpose.superpose(hist, 10, "analytic")
    by_program = measure.accuracy(sp.model, hist.program, seqs)
    by_model = measure.accuracy(sp.model, loaded, seqs)
    assert by_program.output_positions == by_model.output_positions
    assert by_program.variables == by_model.variables


def test_superposed_models_save_load_and_export(sort_unique: gb.CompiledModel, tmp_path: pathlib.Path) -> None:
    sp = superpose.superpose(sort_unique, 14, "random")
    run.save(sp, tmp_path / "sp")
    loaded = gb.load(tmp_path / "sp" / "model")
    seqs = _seqs(sort_unique, 40)
    ids = sp.model.encode(seqs)
    assert torch.equal(loaded(ids), sp.model(ids))
    code = run.load_code(tmp_path / "sp" / "code.json")
    assert np.array_equal(code.matrix, sp.code.matrix) and code.labels == sp.code.labels
    pytest.importorskip("transformer_lens")

    # In float64, so that the comparison checks the weight mapping, not float32 summation order
    # (a random code's logits are not the compiled model's clean 0/1 values).
    source = gb.compile_rasp_to_model(programs.make_sort_unique(rasp.tokens, rasp.tokens), vocab={1, 2, 3, 4},
                                      max_seq_len=5, dtype="float64")
    sp64 = superpose.superpose(source, 14, "random")
    tl = sp64.model.to_transformer_lens()
    logits = tl(ids)  # padded: the export masks PAD itself
    assert torch.allclose(logits, sp64.model(ids), rtol=0, atol=1e-9)


def test_sweeps_resume_and_refuse_other_settings(hist: gb.CompiledModel, tmp_path: pathlib.Path) -> None:
    seen: list[tuple[str, int]] = []
    first = run.sweep(hist, [13, 9], ["random", "analytic"], n_eval=40, out=tmp_path,
                      on_point=lambda p: seen.append((p.code, p.width)))
    assert seen == [("random", 13), ("random", 9), ("analytic", 13), ("analytic", 9)]
    rows = run.load_points(tmp_path / run.RESULTS_FILE)
    again = run.sweep(hist, [13, 9, 5], ["random", "analytic"], n_eval=40, out=tmp_path,
                      on_point=lambda p: seen.append((p.code, p.width)))
    assert seen[4:] == [("random", 5), ("analytic", 5)] and len(again) == 2
    assert run.load_points(tmp_path / run.RESULTS_FILE)[: len(rows)] == rows
    assert [p.to_dict() for p in first] == rows
    with pytest.raises(gb.ConfigError, match="other settings"):
        run.sweep(hist, [9], ["random"], n_eval=41, out=tmp_path)
    with pytest.raises(gb.ConfigError, match="width must be"):
        run.sweep(hist, [0], ["random"])


def test_ground_truth_follows_the_protocol(sort_unique: gb.CompiledModel) -> None:
    seqs = _seqs(sort_unique, 100)
    full = ground_truth.recorded(sort_unique, seqs)
    n, d = full.feature_dict.num_features, full.feature_dict.hidden_dim
    assert d == sort_unique.config.d_model and "one" not in full.labels and "tokens:1" in full.labels
    hidden, acts = full.sample_with_features(64)
    assert hidden.shape == (64, d) and acts.shape == (64, n)
    one_basis = torch.zeros(d)
    one_basis[sort_unique.residual_labels.index("one")] = 1.0  # the constant `one` is left out of the features
    assert torch.allclose(full.feature_dict(acts) + one_basis, hidden, atol=1e-5)
    sp = superpose.superpose(sort_unique, sort_unique.config.d_model, "random")  # a rotation
    rotated = ground_truth.recorded(sp, seqs)
    h, a = rotated.sample_with_features(64)
    assert rotated.labels == full.labels
    assert torch.allclose(rotated.feature_dict.feature_vectors.norm(dim=1), torch.ones(n), atol=1e-5)
    assert math.isclose(rotated.true_l0, full.true_l0, rel_tol=1e-6) and full.true_l0 > 1
    # every row's true activations reconstruct its hidden vector, up to the constant `one` feature
    one = torch.from_numpy(sp.code.matrix[sp.code.labels.index("one")]).float()
    assert torch.allclose(rotated.feature_dict(a) + one, h, atol=1e-4)


def test_cli_exact_width_and_sweep(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["superpose", "sort_unique", "--exact", "--out", str(tmp_path / "exact")]) == 0
    assert "exact: d_model 22 -> 20" in capsys.readouterr().out
    assert gb.load(tmp_path / "exact" / "model").run([[3, 1, 2]]) == [[1, 2, 3]]
    assert main(["superpose", "hist", "--width", "12", "--code", "analytic", "--out", str(tmp_path / "w")]) == 0
    assert (tmp_path / "w" / "overlap.png").stat().st_size > 0 and (tmp_path / "w" / "code.json").is_file()
    data = json.loads((tmp_path / "w" / run.RESULTS_FILE).read_text())
    assert data["points"][0]["width"] == 12 and 0 <= data["points"][0]["output_accuracy"] <= 1
    assert main(["superpose", "hist", "--widths", "13,6", "--code", "random,analytic", "--eval", "30",
                 "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "random: smallest width with >= 99% output accuracy: 13" in out
    assert (tmp_path / "s" / "curve.png").stat().st_size > 0
    assert main(["superpose", "hist", "--width", "3", "--code", "bogus", "--out", str(tmp_path / "x")]) == 2
    assert main(["superpose", "hist", "--width", "99", "--code", "random", "--out", str(tmp_path / "x")]) == 2
    assert "width must be an integer in 1..13" in capsys.readouterr().err
