"""Configs, schedule, presets, resumable results and the CLI command."""

import argparse
import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from glassbox.cli import double_descent_cmds
from glassbox.errors import ConfigError
from glassbox.toy.double_descent import experiments
from glassbox.toy.double_descent.config import DataConfig, ExperimentConfig, TrainConfig
from glassbox.toy.double_descent.train import init_params, lr_at


def test_invalid_config_lists_every_problem():
    with pytest.raises(ConfigError) as err:
        ExperimentConfig(
            sizes=(0, None),
            data=DataConfig(sparsity=1.5),
            train=TrainConfig(schedule="linear", restarts=0),
        )
    message = str(err.value)
    for part in ("sparsity", "schedule", "restarts", "dataset size"):
        assert part in message


@pytest.mark.parametrize("schedule", ["cosine", "cosine_quarter"])
def test_schedule_warms_up_linearly_then_decays_to_zero(schedule):
    cfg = TrainConfig(steps=2000, warmup_frac=0.05, schedule=schedule)
    lrs = [lr_at(s, cfg) for s in range(cfg.steps)]
    assert lrs[0] == pytest.approx(cfg.lr / 100)
    assert lrs[99] == pytest.approx(cfg.lr) and max(lrs) == pytest.approx(cfg.lr)
    assert all(a >= b for a, b in zip(lrs[99:], lrs[100:], strict=False))
    assert lrs[-1] == pytest.approx(0.0, abs=1e-12)
    halfway = lrs[100 + (1900 - 1) // 2] / cfg.lr
    assert halfway == pytest.approx(0.5 if schedule == "cosine" else math.cos(math.pi / 4), 1e-3)


@pytest.mark.parametrize("init", ["xavier_normal", "xavier_uniform"])
def test_xavier_init_scale(init):
    W, b = init_params(2, 10_000, TrainConfig(init=init, bias_init=0.0), seed=0)
    std = math.sqrt(2 / 10_002)  # fan_in = n, fan_out = m
    assert float(W.std()) == pytest.approx(std, rel=0.02)
    bound = float(W.abs().max())
    assert (bound <= math.sqrt(3) * std + 1e-9) == (init == "xavier_uniform")
    assert torch.all(b == 0)


def test_presets_match_the_issue():
    paper, quick = experiments.PRESETS["paper"], experiments.PRESETS["quick"]
    assert len(paper.sizes) == 21 and paper.seeds == (0, 1, 2, 3)
    assert (paper.data.n_features, paper.data.sparsity, paper.train.steps) == (10_000, 0.999, 50_000)
    assert quick.sizes[:9] == (3, 5, 10, 30, 100, 300, 1000, 3000, 10_000)
    assert (quick.data.n_features, quick.train.steps, len(quick.seeds)) == (1000, 10_000, 1)


def _cli(out, preset="smoke"):
    parser = argparse.ArgumentParser()
    double_descent_cmds.register(parser.add_subparsers())
    args = parser.parse_args(["double-descent", "--preset", preset, "--out", str(out)])
    args.no_progress = True
    return args.func(args)


def test_cli_writes_results_and_resumes(tmp_path, capsys):
    assert _cli(tmp_path) == 0
    printed = capsys.readouterr().out
    assert str(tmp_path / "results.json") in printed and "double_descent.png" in printed
    config = json.loads((tmp_path / "config.json").read_text())
    results = json.loads((tmp_path / "results.json").read_text())
    smoke = experiments.PRESETS["smoke"]
    assert ExperimentConfig.from_dict(config) == smoke
    runs = {r["T"]: r for r in results["runs"]}
    assert sorted(runs, key=lambda T: T or 1e9) == [3, 5, 100, None]
    for T, run in runs.items():
        assert len(run["W"]) == 2 and len(run["W"][0]) == smoke.data.n_features
        assert len(run["feature_dimensionality"]) == smoke.data.n_features
        assert run["W_norm"] > 0 and run["b_norm"] >= 0 and run["test_loss"] > 0
        expect = None if T is None or T > smoke.max_points_reported else T
        got = run["data_dimensionality"]
        assert (got is None) if expect is None else len(got) == expect
    for name in ("double_descent.png", "norms.png"):
        assert (tmp_path / name).stat().st_size > 10_000

    # Interrupted sweep: drop the last two runs; a rerun redoes only those, keeps the rest.
    results["runs"] = results["runs"][:2]
    results["runs"][0]["test_loss"] = -123.0  # marker: a kept run is not recomputed
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert _cli(tmp_path) == 0
    again = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert len(again) == 4 and again[0]["test_loss"] == -123.0
    assert again[3]["W"] == runs[None]["W"]  # same seeds, same numbers


def test_resuming_a_different_experiment_is_refused(tmp_path):
    experiments.run_experiment(experiments.PRESETS["smoke"], tmp_path, show_progress=False)
    other = dataclasses.replace(experiments.PRESETS["smoke"], seeds=(1,))
    with pytest.raises(ConfigError, match="seeds"):
        experiments.run_experiment(other, tmp_path, show_progress=False)


def test_glassbox_command_runs_the_smoke_preset(tmp_path, capsys):
    from glassbox.cli.main import main

    out = tmp_path / "dd"
    assert main(["toy", "double-descent", "--preset", "smoke", "--out", str(out), "--no-progress"]) == 0
    assert (out / "results.json").exists() and (out / "double_descent.png").exists()
    # Resuming with another preset into the same directory is a user error (exit code 2).
    assert main(["toy", "double-descent", "--preset", "quick", "--out", str(out)]) == 2
    assert "different experiment" in capsys.readouterr().err


@pytest.mark.parametrize("decay_bias", [True, False])
def test_numpy_adamw_equals_torch_adamw(decay_bias):
    from glassbox.toy.double_descent.train import NumpyAdamW, TorchAdamW

    gen = torch.Generator().manual_seed(0)
    start = [torch.randn(2, 7, generator=gen, dtype=torch.float64), torch.randn(7, generator=gen, dtype=torch.float64)]
    decays = [0.3, 0.3 * decay_bias]
    ours = NumpyAdamW([p.numpy().copy() for p in start], decays, (0.9, 0.99), 1e-8)
    ref = TorchAdamW([p.clone() for p in start], decays, (0.9, 0.99), 1e-8)
    for step in range(30):
        grads = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in start]
        lr = 1e-2 * (1 + step % 3)
        ours.step([g.numpy() for g in grads], lr)
        ref.step(grads, lr)
    for mine, theirs in zip(ours.params, ref.params, strict=True):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(ours.params[0], start[0].numpy())


def test_t_by_m_sweep_writes_the_heatmap(tmp_path):
    from glassbox.toy.double_descent import plots

    smoke = experiments.PRESETS["smoke"]
    sweep = dataclasses.replace(smoke, name="tm", sizes=(3, 50), d_hidden=(1, 3), train=TrainConfig(steps=50))
    results = experiments.run_experiment(sweep, tmp_path, show_progress=False)
    assert sorted((r["T"], r["d_hidden"]) for r in results["runs"]) == [(3, 1), (3, 3), (50, 1), (50, 3)]
    assert all(len(r["W"]) == r["d_hidden"] for r in results["runs"])
    names = [p.name for p in plots.write_figures(results, tmp_path)]
    assert names == ["double_descent.png", "norms.png", "tm_sweep.png"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown without CUDA")
def test_cuda_without_a_gpu_is_a_clear_user_error(tmp_path, capsys):
    from glassbox.cli.main import main

    argv = ["toy", "double-descent", "--preset", "smoke", "--out", str(tmp_path), "--device", "cuda"]
    assert main(argv) == 2
    assert "no CUDA device" in capsys.readouterr().err
