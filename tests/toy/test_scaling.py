"""The scaling preset's parts (Liu, Liu & Gore 2025): frequencies, negative weight decay, metrics, fit, figure."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from glassbox.toy import data, experiments, lab, metrics, optim, plots, presets
from glassbox.toy.config import DataConfig


@pytest.mark.parametrize(("kind", "exponent"), [("power_law", 1.5), ("exponential", 8.0), ("uniform", 1.0)])
def test_frequencies_keep_the_mean_density_and_follow_their_law(kind, exponent):
    p = data.frequencies(torch.tensor([1 / 256, 0.002], dtype=torch.float64), 256,
                         DataConfig(frequencies=kind, frequency_exponent=exponent))  # fmt: skip
    if kind == "uniform":
        assert p.shape == (2,)
        return
    torch.testing.assert_close(p.mean(1), torch.tensor([1 / 256, 0.002], dtype=torch.float64))
    ratio = p[0, 9] / p[0, 4]  # feature 10 against feature 5
    expected = (10 / 5) ** -exponent if kind == "power_law" else math.exp(-exponent * 5 / 256)
    assert float(ratio) == pytest.approx(expected)


def test_sampled_features_are_active_with_their_frequencies():
    cfg = DataConfig(frequencies="power_law", frequency_exponent=1.0, value_high=2.0)
    p = data.frequencies(torch.tensor([0.05]), 8, cfg)
    x = data.sample_batch(p, 200_000, 8, cfg, data.make_generator(0, "cpu"))
    torch.testing.assert_close((x != 0).float().mean(1), p, atol=2e-3, rtol=0)
    assert float(x.max()) > 1.9  # values U(0, 2)


@pytest.mark.parametrize("array", [torch.tensor, np.array])
def test_negative_weight_decay_pulls_each_feature_norm_to_one(array):
    W = array(np.array([[[3.0, 0.01, 0.0], [4.0, 0.0, 0.2]]]))  # [inst, d_hidden=2, feats=3]: norms 5, 0.01, 0.2
    opt = optim.AdamW([W], (0.9, 0.999), 1e-8, weight_decay=-1.0, norm_dims=[-2])
    for _ in range(600):
        opt.step(0.02, [array(np.zeros((1, 2, 3)))])
    norms = np.sqrt((np.asarray(W) ** 2).sum(-2))
    np.testing.assert_allclose(norms, 1.0, atol=1e-3)
    np.testing.assert_allclose(np.asarray(W)[0, :, 0], [0.6, 0.8], atol=1e-3)  # directions are kept


def test_decay_bias_false_leaves_b_undecayed():
    from glassbox.toy.config import RunConfig, TrainConfig
    from glassbox.toy.train import train

    cfg = TrainConfig(steps=30, batch_size=16, eval_batch_size=16, weight_decay=5.0, lr=1e-2, decay_bias=False)
    run = RunConfig(train=cfg, model=dataclasses.replace(RunConfig().model, bias_init=0.5))
    kept = train(run).model.b_final.detach()
    decayed = train(dataclasses.replace(run, train=dataclasses.replace(cfg, decay_bias=True))).model.b_final.detach()
    assert float(kept.abs().mean()) > 2 * float(decayed.abs().mean())


def test_represented_fraction_counts_features_longer_than_a_half():
    W = torch.tensor([[1.0, 0.0, 0.3, -0.6], [0.0, 0.2, 0.3, 0.0]])  # norms 1, 0.2, 0.42, 0.6
    assert float(metrics.represented_fraction(W)) == 0.5
    assert metrics.represented_fraction(torch.stack([W, 2 * W])).tolist() == [0.5, 0.75]


def test_power_law_fit_recovers_the_exponent_with_an_honest_interval():
    rng = np.random.default_rng(0)
    m = np.geomspace(4, 64, 6)
    fit = metrics.power_law_fit(m, 3.0 * m**-0.7 * np.exp(rng.normal(0, 0.05, m.size)))
    assert fit.ci95[0] < 0.7 < fit.ci95[1] and fit.ci95[1] - fit.ci95[0] < 0.3
    assert fit.prefactor == pytest.approx(3.0, rel=0.3) and fit.points == 6


def test_the_preset_sweeps_decay_from_negative_to_positive_over_a_log_grid_of_widths():
    exp = presets.PRESETS["scaling"]
    widths = sorted({r.model.d_hidden for r in exp.runs})
    assert len(widths) >= 5 and max(np.diff(np.log(widths))) < 1.5 * min(np.diff(np.log(widths)))
    decays = sorted({r.train.weight_decay for r in exp.runs})
    assert decays[0] < 0 < decays[-1]
    assert {r.data.frequencies for r in exp.runs} == {"power_law", "exponential"}
    assert len(exp.runs) == len(widths) * len(decays) * 2


def test_a_short_scaling_run_writes_its_fits_and_figure(tmp_path):
    exp = presets.PRESETS["scaling"]
    few = dataclasses.replace(exp, runs=tuple(r for r in exp.runs if r.train.weight_decay != 0.0
                                              and r.model.d_hidden <= 10)).with_train(steps=20, eval_batch_size=256)
    out = lab.run_experiment(few, tmp_path, progress=False)  # fmt: skip
    assert "scaling.png" in {p.name for p in out.figure_paths}
    rows = json.loads(out.results_path.read_text())["scaling"]
    assert len(rows) == 4 and all(r["d_hidden"] == [4, 6, 10] for r in rows)
    for r in rows:
        assert r["exponent_ci95"][0] <= r["exponent"] <= r["exponent_ci95"][1]
        assert all(0 <= f <= 1 for f in r["represented_fraction"])
    fig = plots.scaling(experiments.scaling_table(out.results))
    assert sum(hasattr(a, "_colorbar") for a in fig.axes) == 1
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None]
    assert len(legends) == 2 and "exponent" in legends[0].get_texts()[0].get_text()
    assert {a.get_xlabel() for a in fig.axes if not hasattr(a, "_colorbar")} >= {"width m (hidden dimensions)"}
