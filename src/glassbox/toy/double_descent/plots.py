"""The double-descent figures from `results.json`: the paper's three panels, norms, T × m.

`figure_double_descent` draws Henighan et al.'s figure 1: test loss against T (log axis,
zero-output baseline at 1), a strip plot of feature (blue) and data-point (red)
dimensionalities with the m/T line, and 2-D plots of the features W_i and the hidden vectors
h_t at chosen T. `figure_norms` draws ‖W‖_F, ‖b‖ and mean vector lengths against T (the
paper's figure 4), `figure_tm` the mean test loss over a T × m grid.
"""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from glassbox.toy import results as results_io  # noqa: E402

FEATURE_COLOR, DATA_COLOR = "tab:blue", "tab:red"
PANEL_SIZES = (5, 30, 200, 2000, 50_000, None)  # the paper's bottom row


def _x(T: "int | None", inf_at: float) -> float:
    return inf_at if T is None else float(T)


def _axis(runs: "list[dict[str, Any]]") -> "tuple[list, float]":
    sizes = sorted({r["T"] for r in runs}, key=lambda T: float("inf") if T is None else T)
    finite = [T for T in sizes if T is not None] or [1]
    return sizes, max(finite) * 4.0


def _log_axis(ax, sizes: list, inf_at: float) -> None:
    ax.set_xscale("log")
    ticks = [_x(T, inf_at) for T in sizes]
    labels = ["∞" if T is None else (f"{T // 1000}k" if T >= 1000 else str(T)) for T in sizes]
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.minorticks_off()


def _nearest(sizes: list, want: "int | None") -> "int | None":
    if want is None:
        return None if None in sizes else max(T for T in sizes if T is not None)
    finite = [T for T in sizes if T is not None]
    return min(finite, key=lambda T: abs(np.log(T) - np.log(want)))


def _panel_sizes(sizes: list) -> list:
    chosen = []
    for want in PANEL_SIZES:
        T = _nearest(sizes, want)
        if T not in chosen:
            chosen.append(T)
    return chosen


def _vectors(ax, vectors: np.ndarray, color: str, lines: bool) -> None:
    if lines:
        # Only visible vectors: the ~n other features sit at the origin.
        norms = np.linalg.norm(vectors, axis=1)
        keep = vectors[norms > 0.05 * max(norms.max(), 1e-12)]
        for v in keep:
            ax.plot([0, v[0]], [0, v[1]], color=color, lw=0.8, alpha=0.7)
    ax.scatter(vectors[:, 0], vectors[:, 1], s=4, color=color)
    lim = 1.1 * max(np.abs(vectors).max(), 1e-6)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def figure_double_descent(results: "dict[str, Any]", path: "str | Path", m: int = 2) -> Path:
    """Test loss, dimensionality strip plot and 2-D feature/hidden plots against T.

    Args:
        results: the contents of results.json.
        path: PNG to write.
        m: which hidden size to draw (its runs only).

    Returns:
        The path written.
    """
    runs = [r for r in results["runs"] if r["d_hidden"] == m]
    sizes, inf_at = _axis(runs)
    panels = _panel_sizes(sizes)
    fig = plt.figure(figsize=(max(8, 1.6 * len(panels)), 9.5), constrained_layout=True)
    grid = fig.add_gridspec(4, len(panels), height_ratios=[2.2, 2.2, 1, 1])

    ax = fig.add_subplot(grid[0, :])
    xs = [_x(T, inf_at) for T in sizes]
    means = np.array([np.mean([r["test_loss"] for r in runs if r["T"] == T]) for T in sizes])
    # Like the paper, zoom on the zero-output loss 1 (the differences that matter are ~1%)
    # and mark the values above the top edge with their number.
    top = max(1.03, min(means.max(), 1.03))
    bottom = min(0.98, means.min() - 0.002)
    clipped = np.minimum(means, top)
    for r in runs:
        ax.scatter(_x(r["T"], inf_at), min(r["test_loss"], top), color="0.6", s=8, zorder=2)
    ax.plot(xs, clipped, "-", color="k", zorder=3)
    inside = means <= top
    ax.plot(np.array(xs)[inside], means[inside], "o", color="k", ms=4, zorder=4)
    for x, y in zip(np.array(xs)[~inside], means[~inside], strict=True):
        ax.plot(x, top, "^", color="tab:red", ms=7, zorder=4, clip_on=False)
        ax.annotate(f"{y:.3g}", (x, top), (4, -12), textcoords="offset points", fontsize=8)
    ax.set_ylim(bottom, top)
    ax.axhline(1.0, ls=":", color="k", lw=1, label="output zeros (loss 1)")
    ax.set_ylabel("test loss (mean over seeds)")
    ax.set_xlabel("dataset size T")
    _log_axis(ax, sizes, inf_at)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"Memorization and double descent: n = {len(runs[0]['b'])}, m = {m}")

    ax = fig.add_subplot(grid[1, :])
    rng = np.random.default_rng(0)
    for T in sizes:
        for r in (r for r in runs if r["T"] == T):
            x = _x(T, inf_at)
            fd = np.asarray(r["feature_dimensionality"])
            dd = np.asarray(r["data_dimensionality_sample"])
            fx = x * np.exp(rng.uniform(-0.12, 0.12, fd.size))
            dx = x * np.exp(rng.uniform(-0.12, 0.12, dd.size))
            ax.scatter(fx, fd, s=3, color=FEATURE_COLOR, alpha=0.35, lw=0)
            # Few points at small T: draw them larger so a T-gon's T values stand out.
            size = 14 if dd.size <= 50 else 3
            ax.scatter(dx, dd, s=size, color=DATA_COLOR, alpha=0.6, lw=0)
    finite = np.array([T for T in sizes if T is not None], dtype=float)
    ax.plot(finite, np.minimum(m / finite, 1.0), ":", color="k", label="hidden size / dataset size")
    ax.scatter([], [], color=FEATURE_COLOR, label="features W_i")
    ax.scatter([], [], color=DATA_COLOR, label="training points h_t")
    ax.set_ylabel("dimensionality")
    ax.set_xlabel("dataset size T")
    ax.set_ylim(-0.02, 1.02)
    _log_axis(ax, sizes, inf_at)
    ax.legend(loc="upper right", fontsize=8)

    if m == 2:
        for j, T in enumerate(panels):
            r = next(r for r in runs if r["T"] == T)
            name = "∞" if T is None else str(T)
            ax = fig.add_subplot(grid[2, j])
            _vectors(ax, np.asarray(r["W"]).T, FEATURE_COLOR, lines=True)
            ax.set_title(f"T = {name}", fontsize=9)
            if j == 0:
                ax.set_ylabel("features", fontsize=8)
            ax = fig.add_subplot(grid[3, j])
            _vectors(ax, np.asarray(r["hidden"]), DATA_COLOR, lines=T is not None and T <= 100)
            if j == 0:
                ax.set_ylabel("hidden vectors", fontsize=8)
    return _save(fig, path)


def figure_norms(results: "dict[str, Any]", path: "str | Path", m: int = 2) -> Path:
    """‖W‖_F, ‖b‖, mean ‖h_t‖ and largest ‖W_i‖ against T (means over seeds).

    Args:
        results: the contents of results.json.
        path: PNG to write.
        m: which hidden size to draw.

    Returns:
        The path written.
    """
    runs = [r for r in results["runs"] if r["d_hidden"] == m]
    sizes, inf_at = _axis(runs)
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for key, label in [
        ("W_norm", "‖W‖_F"),
        ("b_norm", "‖b‖"),
        ("hidden_norm_mean", "mean ‖h_t‖"),
        ("feature_norm_max", "max ‖W_i‖"),
    ]:
        ys = [np.mean([r[key] for r in runs if r["T"] == T]) for T in sizes]
        ax.plot([_x(T, inf_at) for T in sizes], ys, "o-", ms=3, label=label)
    ax.set_yscale("log")
    _log_axis(ax, sizes, inf_at)
    ax.set_xlabel("dataset size T")
    ax.legend(fontsize=8)
    ax.set_title(f"Norms against dataset size (m = {m})")
    return _save(fig, path)


def figure_tm(results: "dict[str, Any]", path: "str | Path") -> Path:
    """Mean test loss over the T × m grid (colour centred on the zero-output loss 1).

    Args:
        results: the contents of results.json.
        path: PNG to write.

    Returns:
        The path written.
    """
    runs = results["runs"]
    sizes, _ = _axis(runs)
    ms = sorted({r["d_hidden"] for r in runs})
    grid = np.full((len(ms), len(sizes)), np.nan)
    for i, m in enumerate(ms):
        for j, T in enumerate(sizes):
            losses = [r["test_loss"] for r in runs if r["T"] == T and r["d_hidden"] == m]
            grid[i, j] = np.mean(losses) if losses else np.nan
    spread = max(np.nanmax(np.abs(grid - 1.0)), 1e-6)
    fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
    image = ax.imshow(grid, cmap="RdBu_r", vmin=1 - spread, vmax=1 + spread, aspect="auto")
    ax.set_xticks(range(len(sizes)), ["∞" if T is None else str(T) for T in sizes], fontsize=7)
    ax.set_yticks(range(len(ms)), [str(m) for m in ms])
    ax.set_xlabel("dataset size T")
    ax.set_ylabel("hidden size m")
    fig.colorbar(image, label="mean test loss (1 = output zeros)")
    return _save(fig, path)


def _save(fig: Any, path: "str | Path") -> Path:
    try:
        return results_io.save_figure(fig, path)
    finally:
        plt.close(fig)


def write_figures(results: "dict[str, Any]", out_dir: "str | Path") -> "list[Path]":
    """All figures that the runs in `results` support.

    Args:
        results: the contents of results.json.
        out_dir: directory for the PNGs.

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    ms = sorted({r["d_hidden"] for r in results["runs"]})
    if not ms:
        return []
    m = 2 if 2 in ms else ms[0]
    paths = [
        figure_double_descent(results, out / "double_descent.png", m),
        figure_norms(results, out / "norms.png", m),
    ]
    if len(ms) > 1:
        paths.append(figure_tm(results, out / "tm_sweep.png"))
    saved = out / results_io.RESULTS
    keys = lambda res: [(r["T"], r["seed"], r["d_hidden"]) for r in res["runs"]]  # noqa: E731
    if saved.exists() and keys(json.loads(saved.read_text())) == keys(results):  # these results' own file
        results["figures"] = sorted({*results.get("figures", []), *(p.name for p in paths)})
        results_io.write_json(saved, results)  # lets --force remove exactly these figures later
    return paths
