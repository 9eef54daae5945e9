"""The papers' figure types, one function each; every function returns a matplotlib Figure.

Figures are built on `matplotlib.figure.Figure` directly (no pyplot state, no GUI backend),
so they work headless and in threads; `save` writes PNG.

>>> import torch
>>> fig = features_2d(torch.randn(3, 2, 5), torch.ones(5), ["a", "b", "c"])
>>> len(fig.axes)   # 3 feature panels, 3 WᵀW panels, the WᵀW colorbar
7
"""

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from jaxtyping import Float
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from torch import Tensor

from glassbox.toy import metrics
from glassbox.toy import results as results_io

# Simple fractions at which feature dimensionalities cluster (Elhage et al. 2022).
FRACTIONS = {"1": 1.0, "3/4": 0.75, "2/3": 2 / 3, "1/2": 0.5, "2/5": 0.4, "3/8": 0.375}


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as a PNG at `path` (atomically) and return the path."""
    return results_io.save_figure(fig, path)


def _grid(n: int, cols: int, size: float) -> tuple[Figure, list]:
    rows = math.ceil(n / cols)
    cols = min(cols, n)
    fig = Figure(figsize=(size * cols, size * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def features_2d(
    W: Float[Tensor, "inst 2 feats"],
    importance: Float[Tensor, "*inst feats"],
    titles: Sequence[str],
    b: Float[Tensor, "inst feats"] | None = None,
) -> Figure:
    """Feature directions W_i of m = 2 models as segments from the origin, and WᵀW below (intro figure).

    Args:
        W: weights with two hidden dimensions.
        importance: colours the features (viridis: bright = important; legend of each feature's I_i).
        titles: one per instance.
        b: output biases, drawn as a column right of WᵀW when given (as in the paper's figure).

    Returns:
        Two panels per instance (axes fixed at ±1.5 as in the official notebook; WᵀW on a
        −1…1 colour scale with its colorbar).
    """
    n_inst, n = W.shape[0], W.shape[-1]
    cols = min(5, n_inst)
    rows = math.ceil(n_inst / cols)
    fig = Figure(figsize=(2.2 * cols + 1.2, 4.1 * rows + 0.6), layout="constrained")
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[1.0, 0.8] * rows)
    imp = importance.expand(n_inst, n).detach().cpu()
    norm = Normalize(0, float(imp.max()))
    W = W.detach().cpu()
    gram_axes = []
    for k, (w, title) in enumerate(zip(W, titles, strict=True)):
        r, c = divmod(k, cols)
        ax = fig.add_subplot(grid[2 * r, c])
        colours = colormaps["viridis"](norm(imp[k].numpy()))
        for i in range(n):
            ax.plot([0, w[0, i]], [0, w[1, i]], color=colours[i], lw=1.5)
        ax.scatter(w[0], w[1], c=colours, s=25, zorder=3)
        ax.set(xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), aspect="equal", xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
        ax_g = fig.add_subplot(grid[2 * r + 1, c])
        gram = w.T @ w
        if b is not None:  # b as one more column, a gap apart
            gram = np.hstack([gram.numpy(), np.full((n, 1), np.nan), b.detach().cpu()[k].numpy()[:, None]])
        ax_g.imshow(np.asarray(gram), cmap="RdBu", vmin=-1, vmax=1)
        ax_g.set(xticks=[], yticks=[], xlabel="WᵀW" + ("  |  b" if b is not None else ""))
        gram_axes.append(ax_g)
    fig.colorbar(ScalarMappable(Normalize(-1, 1), "RdBu"), ax=gram_axes, label="WᵀW entry (and b)", shrink=0.8)
    handles = [Line2D([], [], color=colormaps["viridis"](norm(float(v))), marker="o", label=f"{i}: I = {float(v):.2g}")
               for i, v in enumerate(imp[0])]  # fmt: skip
    fig.legend(handles=handles, title="feature: importance", loc="outside lower center", ncol=min(n, 10), fontsize=8)
    return fig


def gram_and_norms(
    W: Float[Tensor, "inst d_hidden feats"], b: Float[Tensor, "inst feats"], titles: Sequence[str]
) -> Figure:
    """Per instance: WᵀW heatmap, the bias b, and ‖W_i‖ bars coloured by interference.

    Interference Σ_{j≠i}(Ŵ_i·W_j)² is drawn from dark (0, orthogonal) to yellow (≥ 1, heavy
    superposition), as in the paper's sparsity-sweep figure; both colour scales have colorbars.

    Args:
        W: weights.
        b: output biases.
        titles: one per instance.

    Returns:
        A figure with one row per instance.
    """
    W, b = W.detach().cpu(), b.detach().cpu()
    n_inst, n = W.shape[0], W.shape[-1]
    fig = Figure(figsize=(8.5, 2.0 * n_inst + 0.8), layout="constrained")
    grid = fig.add_gridspec(n_inst, 3, width_ratios=[n, 1.2, 2 * n])
    norms, interference = metrics.feature_norms(W), metrics.interference(W).clamp(max=1)
    cmap = colormaps["plasma"]
    heat, bars = [], []
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
        heat += [ax, ax_b]
        bars.append(ax_n)
        if k == 0:
            ax.set_title("WᵀW", fontsize=9)
            ax_b.set_title("b", fontsize=9)
            ax_n.set_title("‖W_i‖ per feature i (colour: interference)", fontsize=9)
    bars[-1].set_xlabel("‖W_i‖")
    fig.colorbar(ScalarMappable(Normalize(-1, 1), "RdBu"), ax=heat, location="bottom", label="WᵀW entry, b_i")
    fig.colorbar(ScalarMappable(Normalize(0, 1), cmap), ax=bars, location="bottom",
                 label="interference Σ_{j≠i} (Ŵ_i·W_j)², clipped at 1")  # fmt: skip
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
        ax.set(xticks=range(m), xlabel="neuron", ylabel="weight from each feature", title=title)
    fig.colorbar(ScalarMappable(Normalize(0, n - 1), "viridis"), ax=axes, label="feature index")
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
    fig.colorbar(ScalarMappable(Normalize(-1, 1), "RdBu"), ax=axes, label="weight / the neuron's largest |weight|")
    return fig


def loss_curves(
    history: Float[Tensor, "logs inst"], log_every: int, titles: Sequence[str], label: str = ""
) -> Figure:
    """Training loss of every instance (log scale) against step, the legend beside the axes.

    Args:
        history: the selected restart's mean training loss every `log_every` steps.
        log_every: steps between logged values.
        titles: one per instance (its density); over 12 instances, a colorbar of the index instead.
        label: the run's label, for the title.
    """
    fig = Figure(figsize=(7.5, 3.5), layout="constrained")
    ax = fig.add_subplot()
    steps = np.arange(1, history.shape[0] + 1) * log_every
    many = len(titles) > 12
    cmap, norm = colormaps["viridis"], Normalize(0, max(len(titles) - 1, 1))
    for k, title in enumerate(titles):
        ax.plot(steps, history[:, k].numpy(), lw=1, label=title, color=cmap(norm(k)) if many else None)
    ax.set(yscale="log", xlabel="training step", ylabel="training loss (mean over the batch)")
    ax.set_title(f"Training loss of each instance{f' ({label})' if label else ''}, best restart", fontsize=10)
    if many:
        fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label="instance index")
    else:
        ax.legend(fontsize=7, title="instance", title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def scaling(rows: Sequence[dict]) -> Figure:
    """Loss against width m on log-log axes, one line per weight decay with its fitted power law, and
    the fraction of represented features below; one column per frequency distribution (Liu et al. 2025).

    Args:
        rows: `experiments.scaling_table` rows (frequencies, frequency_exponent, weight_decay,
            d_hidden, loss, represented_fraction, exponent, exponent_ci95, prefactor).
    """
    panels = sorted({(r["frequencies"], r["frequency_exponent"]) for r in rows})
    decays = sorted({r["weight_decay"] for r in rows})
    cmap, norm = colormaps["coolwarm"], Normalize(min(decays), max(max(decays), min(decays) + 1e-9))
    fig = Figure(figsize=(4.6 * len(panels) + 1.2, 6.4), layout="constrained")
    grid = fig.add_gridspec(2, len(panels), height_ratios=[2, 1])
    fraction_axes = []
    for j, (freq, a) in enumerate(panels):
        ax, ax_f = fig.add_subplot(grid[0, j]), fig.add_subplot(grid[1, j])
        for r in sorted((r for r in rows if (r["frequencies"], r["frequency_exponent"]) == (freq, a)),
                        key=lambda r: r["weight_decay"]):  # fmt: skip
            colour, m = cmap(norm(r["weight_decay"])), np.asarray(r["d_hidden"], dtype=float)
            label = f"weight decay {r['weight_decay']:+g}"
            if r["exponent"] is not None:
                lo, hi = r["exponent_ci95"]
                label += f": exponent {r['exponent']:.2f} [{lo:.2f}, {hi:.2f}]"
                ax.plot(m, r["prefactor"] * m ** -r["exponent"], "--", color=colour, lw=1)
            ax.plot(m, r["loss"], "o", color=colour, label=label)
            ax_f.plot(m, r["represented_fraction"], "o-", color=colour, ms=4)
        law = f"p_i ∝ i^−{a:g}" if freq == "power_law" else f"p_i ∝ exp(−{a:g} i/n)" if freq == "exponential" else freq
        ax.set(xscale="log", yscale="log", ylabel="test loss", title=f"frequencies {law}")
        for a_ in (ax, ax_f):
            a_.set_xticks(m, [str(int(v)) for v in m])
            a_.minorticks_off()
        ax.legend(fontsize=7, title="dashed: fitted loss ∝ m^−exponent (95% CI)", title_fontsize=7)
        ax_f.set(xscale="log", xlabel="width m (hidden dimensions)", ylabel="represented fraction\n(‖W_i‖ > 1/2)",
                 ylim=(-0.03, 1.03))  # fmt: skip
        fraction_axes += [ax, ax_f]
    fig.colorbar(ScalarMappable(norm, cmap), ax=fraction_axes, label="weight decay (< 0: strong superposition)")
    return fig
