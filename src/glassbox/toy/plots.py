"""The papers' figure types, one function each; every function returns a matplotlib Figure.

Figures are built on `matplotlib.figure.Figure` directly (no pyplot state, no GUI backend),
so they work headless and in threads; `save` writes PNG.

>>> import torch
>>> fig = features_2d(torch.randn(3, 2, 5), torch.ones(5), ["a", "b", "c"])
>>> len(fig.axes)
3
"""

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from jaxtyping import Float
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from torch import Tensor

from glassbox.toy import metrics

# Simple fractions at which feature dimensionalities cluster (Elhage et al. 2022).
FRACTIONS = {"1": 1.0, "3/4": 0.75, "2/3": 2 / 3, "1/2": 0.5, "2/5": 0.4, "3/8": 0.375}


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as a PNG at `path` and return the path."""
    path = Path(path)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _grid(n: int, cols: int, size: float) -> tuple[Figure, list]:
    rows = math.ceil(n / cols)
    cols = min(cols, n)
    fig = Figure(figsize=(size * cols, size * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def features_2d(
    W: Float[Tensor, "inst 2 feats"], importance: Float[Tensor, "*inst feats"], titles: Sequence[str]
) -> Figure:
    """Feature directions W_i of m = 2 models as segments from the origin (intro figure).

    Args:
        W: weights with two hidden dimensions.
        importance: colours the features (viridis: bright = important).
        titles: one per instance.

    Returns:
        One panel per instance, axes fixed at ±1.5 as in the official notebook.
    """
    fig, axes = _grid(W.shape[0], 5, 2.2)
    imp = importance.expand(W.shape[0], W.shape[-1]).detach().cpu()
    for ax, w, colours, title in zip(axes, W.detach().cpu(), imp, titles, strict=True):
        cmap = colormaps["viridis"](Normalize(0, float(colours.max()))(colours.numpy()))
        for i in range(w.shape[1]):
            ax.plot([0, w[0, i]], [0, w[1, i]], color=cmap[i], lw=1.5)
        ax.scatter(w[0], w[1], c=cmap, s=25, zorder=3)
        ax.set(xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), aspect="equal", xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    return fig


def gram_and_norms(
    W: Float[Tensor, "inst d_hidden feats"], b: Float[Tensor, "inst feats"], titles: Sequence[str]
) -> Figure:
    """Per instance: WᵀW heatmap, the bias b, and ‖W_i‖ bars coloured by interference.

    Interference Σ_{j≠i}(Ŵ_i·W_j)² is drawn from black (0, orthogonal) to yellow (≥ 1,
    heavy superposition), as in the paper's sparsity-sweep figure.

    Args:
        W: weights.
        b: output biases.
        titles: one per instance.

    Returns:
        A figure with one row per instance.
    """
    W, b = W.detach().cpu(), b.detach().cpu()
    n_inst, n = W.shape[0], W.shape[-1]
    fig = Figure(figsize=(7.5, 2.0 * n_inst))
    grid = fig.add_gridspec(n_inst, 3, width_ratios=[n, 1.2, 2 * n], wspace=0.15)
    norms, interference = metrics.feature_norms(W), metrics.interference(W).clamp(max=1)
    cmap = colormaps["plasma"]
    for k in range(n_inst):
        ax = fig.add_subplot(grid[k, 0])
        ax.imshow((W[k].T @ W[k]).numpy(), cmap="RdBu", vmin=-1, vmax=1)
        ax.set(xticks=[], yticks=[], ylabel=titles[k])
        ax_b = fig.add_subplot(grid[k, 1])
        ax_b.imshow(b[k].unsqueeze(1).numpy(), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
        ax_b.set(xticks=[], yticks=[])
        ax_n = fig.add_subplot(grid[k, 2])
        ax_n.barh(range(n), norms[k].numpy(), color=cmap(interference[k].numpy()))
        ax_n.set(xlim=(0, 1.5), ylim=(n - 0.5, -0.5), yticks=[])
        if k == 0:
            ax.set_title("WᵀW", fontsize=9)
            ax_b.set_title("b", fontsize=9)
            ax_n.set_title("‖W_i‖ (colour: interference)", fontsize=9)
    return fig


def dimensions_per_feature(density: Float[Tensor, " inst"], d_star: Float[Tensor, " inst"], title: str = "") -> Figure:
    """D* = m/‖W‖_F² against 1/(1−S) on a log axis, with its sticky plateaus at 1 and 1/2."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.plot((1 / density).numpy(), d_star.numpy(), "o-", color="black", ms=4)
    for y in (1.0, 0.5):
        ax.axhline(y, color="grey", ls=":", lw=1)
    ax.set(xscale="log", xlabel="1 / (1 − S)", ylabel="dimensions per feature  m / ‖W‖²_F")
    ax.set_title(title, fontsize=10)
    return fig


def feature_dimensionality(
    density: Float[Tensor, " inst"], dims: Float[Tensor, "inst feats"], title: str = ""
) -> Figure:
    """Every feature's D_i against 1/(1−S), with lines at 1, 3/4, 2/3, 1/2, 2/5, 3/8."""
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    jitter = np.random.default_rng(0).uniform(0.97, 1.03, dims.shape)  # fixed: same image each run
    x = (1 / density).unsqueeze(1).expand_as(dims).numpy() * jitter
    ax.scatter(x.ravel(), dims.numpy().ravel(), s=6, alpha=0.5, color="tab:blue")
    for label, y in FRACTIONS.items():
        ax.axhline(y, color="grey", ls=":", lw=0.8)
        ax.text(x.max() * 1.15, y, label, va="center", fontsize=8)
    ax.set(xscale="log", xlabel="1 / (1 − S)", ylabel="feature dimensionality D_i", ylim=(-0.05, 1.1))
    ax.set_title(title, fontsize=10)
    return fig


def phase_diagram(
    importance_2: Sequence[float],
    density: Sequence[float],
    trained: Sequence[Sequence[str]],
    theory: Sequence[Sequence[str]],
    categories: Sequence[str],
) -> Figure:
    """Trained and closed-form phase diagrams of the n = 2, m = 1 model, side by side.

    Args:
        importance_2: x-axis values (relative importance of feature 2).
        density: y-axis values (1 − S).
        trained: `[density][importance]` solution names found by training.
        theory: `[density][importance]` lowest-loss candidate names.
        categories: all names, fixing each one's colour.

    Returns:
        The two-panel figure.
    """
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    cmap = ListedColormap(["tab:blue", "tab:orange", "tab:green", "lightgrey", "black"][: len(categories)])
    extent = (0, len(importance_2), len(density), 0)
    for i, (grid, name) in enumerate([(trained, "trained (best of restarts)"), (theory, "closed form")]):
        ax = fig.add_subplot(1, 2, i + 1)
        codes = np.array([[categories.index(c) for c in row] for row in grid])
        ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(categories) - 0.5, extent=extent, aspect="auto")
        xt = np.linspace(0, len(importance_2) - 1, 5).round().astype(int)
        yt = np.linspace(0, len(density) - 1, 5).round().astype(int)
        ax.set_xticks(xt + 0.5, [f"{importance_2[j]:.2g}" for j in xt])
        ax.set_yticks(yt + 0.5, [f"{density[j]:.2g}" for j in yt])
        ax.set(xlabel="relative importance of feature 2", ylabel="feature density 1 − S", title=name)
    handles = [Patch(color=cmap(k), label=c) for k, c in enumerate(categories)]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(categories), frameon=False)
    return fig


def neuron_stacks(W: Float[Tensor, "inst d_hidden feats"], titles: Sequence[str]) -> Figure:
    """Neuron stack plots: for each neuron, its weights from every feature stacked up (if
    positive) or down (if negative), coloured by feature (privileged-basis figure)."""
    W = W.detach().cpu()
    n_inst, m, n = W.shape
    fig, axes = _grid(n_inst, 4, 2.6)
    colours = colormaps["viridis"](np.linspace(0, 1, n))
    for ax, w, title in zip(axes, W, titles, strict=True):
        for j in range(m):
            up = down = 0.0
            for i in range(n):
                v = float(w[j, i])
                ax.bar(j, v, bottom=up if v >= 0 else down, color=colours[i], width=0.8, edgecolor="white", lw=0.3)
                up, down = (up + v, down) if v >= 0 else (up, down + v)
        ax.axhline(0, color="black", lw=0.6)
        ax.set(xticks=range(m), xlabel="neuron", title=title)
    return fig


def neuron_weights(W: Float[Tensor, "inst d_hidden feats"], titles: Sequence[str]) -> Figure:
    """Heatmaps of input-to-neuron weights, each neuron scaled so its largest |weight| is 1
    (the computation-in-superposition figure); rows are neurons, columns features."""
    W = W.detach().cpu()
    scaled = W / W.abs().amax(-1, keepdim=True).clamp_min(1e-12)
    fig, axes = _grid(W.shape[0], 4, 3.0)
    for ax, w, title in zip(axes, scaled, titles, strict=True):
        ax.imshow(w.numpy(), cmap="RdBu", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
        ax.set(xlabel="feature", ylabel="neuron", title=title)
    return fig


def loss_curves(history: Float[Tensor, "logs inst"], log_every: int, titles: Sequence[str]) -> Figure:
    """Training loss of every instance (log scale) against step."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    steps = np.arange(1, history.shape[0] + 1) * log_every
    for k, title in enumerate(titles):
        ax.plot(steps, history[:, k].numpy(), lw=1, label=title)
    ax.set(yscale="log", xlabel="step", ylabel="training loss")
    if len(titles) <= 12:
        ax.legend(fontsize=7, ncol=2)
    return fig
