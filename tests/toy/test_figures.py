"""The figures carry what a reader needs: colorbars where colour is a value, legends, axis labels."""

import json

import numpy as np
import torch
from matplotlib.figure import Figure

from glassbox.toy import experiments, lab, plots


def _colorbar_labels(fig: Figure) -> list[str]:
    return [a.get_ylabel() or a.get_xlabel() for a in fig.axes if hasattr(a, "_colorbar")]


def _legend_texts(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(a.get_legend() for a in fig.axes if a.get_legend() is not None)]
    return [t.get_text() for legend in legends for t in [legend.get_title(), *legend.get_texts()]]


W = torch.randn(3, 2, 5, generator=torch.Generator().manual_seed(0))
B = torch.zeros(3, 5)
TITLES = ["a", "b", "c"]


def test_intro_figure_has_the_importance_legend_and_a_gram_panel_with_its_colorbar():
    fig = plots.features_2d(W, 0.9 ** torch.arange(5.0), TITLES, B)
    assert _colorbar_labels(fig) == ["WᵀW entry (and b)"]
    texts = _legend_texts(fig)
    assert "feature: importance" in texts and "0: I = 1" in texts and "4: I = 0.66" in texts
    grams = [a for a in fig.axes if a.get_xlabel().startswith("WᵀW")]
    assert len(grams) == 3 and all(a.images for a in grams)


def test_sparsity_sweep_figure_has_colorbars_for_gram_and_interference():
    fig = plots.gram_and_norms(W, B, TITLES)
    labels = _colorbar_labels(fig)
    assert any("WᵀW" in label for label in labels) and any("interference" in label for label in labels)
    assert any(a.get_xlabel() == "‖W_i‖" for a in fig.axes)


def test_neuron_figures_have_colorbars():
    assert _colorbar_labels(plots.neuron_stacks(W, TITLES)) == ["feature index"]
    assert "largest |weight|" in _colorbar_labels(plots.neuron_weights(W, TITLES))[0]


def test_loss_curves_keep_the_legend_off_the_curves_and_label_the_axes():
    history = torch.rand(10, 3)
    fig = plots.loss_curves(history, 100, TITLES, "relu")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "training step" and "training loss" in ax.get_ylabel()
    assert "relu" in ax.get_title()
    fig.canvas.draw()
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # beside the axes, not over the curves
    many = plots.loss_curves(torch.rand(10, 20), 100, [str(i) for i in range(20)])
    assert _colorbar_labels(many) == ["instance index"]


def test_loss_figures_have_explanatory_names(tmp_path):
    exp = lab.preset("sparsity-sweep").with_train(steps=4, batch_size=16, eval_batch_size=32)
    out = lab.run_experiment(exp, tmp_path, progress=False)
    names = {p.name for p in out.figure_paths}
    assert {"training_loss_linear.png", "training_loss_relu_output.png", "gram_linear.png"} <= names
    assert not any(name.startswith("loss_") for name in names)
    assert sorted(json.loads(out.results_path.read_text())["figures"]) == sorted(names)
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temporary behind


def test_any_experiment_runs_and_gets_loss_curves(tmp_path):
    from glassbox.toy.config import ExperimentConfig, RunConfig, TrainConfig

    mine = ExperimentConfig("mine", (RunConfig(train=TrainConfig(steps=3, batch_size=8, eval_batch_size=8)),))
    out = lab.run_experiment(mine, tmp_path, progress=False)
    assert [p.name for p in out.figure_paths] == ["training_loss.png"]
    assert experiments.figures("mine", out.results).keys() == {"training_loss"}
    assert lab.run_experiment(mine, tmp_path, progress=False, figures=False).figure_paths == ()


def test_double_descent_panels_label_the_dataset_size(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from glassbox.toy.double_descent import plots as dd_plots

    run = {"d_hidden": 2, "seed": 0, "test_loss": 1.0, "feature_dimensionality": [0.5] * 4,
           "data_dimensionality_sample": [0.5], "W": np.eye(2, 4).tolist(), "hidden": [[1.0, 0.0]],
           "b": [0.0] * 4, "W_norm": 1.0, "b_norm": 0.1, "hidden_norm_mean": 1.0, "feature_norm_max": 1.0}  # fmt: skip
    results = {"runs": [{**run, "T": T} for T in (3, 30, None)]}
    seen = []
    real_save = dd_plots._save
    monkeypatch.setattr(dd_plots, "_save", lambda fig, path: (seen.append([a.get_xlabel() for a in fig.axes]),
                                                              real_save(fig, path))[1])  # fmt: skip
    dd_plots.write_figures(results, tmp_path)
    plt.close("all")
    double_descent, norms = seen
    assert double_descent[:2] == ["dataset size T", "dataset size T"] and norms == ["dataset size T"]
