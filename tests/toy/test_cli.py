"""`glassbox toy superposition` end to end, and every preset's plumbing at a few steps."""

import json

import pytest
import torch

from glassbox.cli import main as cli
from glassbox.cli import toy_cmds
from glassbox.toy import experiments, lab


def test_cli_intro_writes_config_results_and_figures(tmp_path, capsys):
    out = tmp_path / "intro"
    code = cli.main(["toy", "superposition", "--preset", "intro", "--out", str(out),
                     "--steps", "40", "--seed", "3", "--no-progress"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out.splitlines()
    for name in ("config.json", "results.json", "intro.png"):
        assert str(out / name) in printed
        assert (out / name).stat().st_size > 0
    config = json.loads((out / "config.json").read_text())
    assert config["runs"][0]["train"]["steps"] == 40 and config["runs"][0]["train"]["seed"] == 3
    results = json.loads((out / "results.json").read_text())
    instances = results["instances"]
    assert len(instances) == 10
    first = instances[0]
    for key in ("feature_probability", "importance", "W", "b", "feature_norms", "feature_dimensionality", "loss"):
        assert key in first
    assert len(first["W"]) == 2 and len(first["W"][0]) == 5  # [d_hidden][feats]
    assert first["feature_probability"] == 1.0 and instances[6]["feature_probability"] == 0.1
    # Saved metrics are those of the saved weights.
    W = torch.tensor(first["W"])
    assert first["feature_norms"] == pytest.approx(W.norm(dim=0).tolist(), abs=1e-5)


def test_cli_rejects_cuda_without_a_gpu(tmp_path, capsys):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    code = cli.main(["toy", "superposition", "--out", str(tmp_path), "--device", "cuda", "--no-progress"])
    assert code == 2
    assert "no CUDA GPU is available" in capsys.readouterr().err


def test_cli_preset_list_matches_the_library():
    assert set(toy_cmds.SUPERPOSITION_PRESETS) == set(experiments.PRESETS)


@pytest.mark.parametrize("name", sorted(experiments.PRESETS))
def test_every_preset_runs_and_draws(name, tmp_path):
    exp = lab.preset(name).with_train(steps=8, eval_batch_size=128, batch_size=64)
    output = lab.run_experiment(exp, tmp_path, progress=False)
    assert all(p.exists() and p.stat().st_size > 0 for p in output.paths)
    assert len(output.figure_paths) >= 2  # the preset's own figure(s) plus loss curves
    results = json.loads(output.results_path.read_text())
    assert len(results["instances"]) == sum(r.n_instances for r in exp.runs)
    if name == "phase-diagram":
        assert 0 <= results["phase_diagram"]["agreement"] <= 1
