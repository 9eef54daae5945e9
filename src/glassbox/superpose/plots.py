"""Figures of the bridge: the "still computes" curve, and PPᵀ over labelled variable values.

Built on `matplotlib.figure.Figure` (no pyplot state), saved with the toy lab's `save`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from glassbox.superpose.codes import Code
from glassbox.toy.plots import save as save

CODE_COLOURS = {"random": "tab:gray", "analytic": "tab:blue", "learned": "tab:red"}


def curve(points: Sequence[Mapping[str, Any]], d_model: int, title: str = "",
          mcc: "Mapping[tuple[str, int], float] | None" = None) -> Figure:
    """Output accuracy and mean D_i against width, one line per code (rows of `results.json`).

    Args:
        points: sweep rows (`code`, `width`, `output_accuracy`, `mean_dimensionality`).
        d_model: the uncompressed width (a dashed line).
        title: the program.
        mcc: optional (code, width) -> the SAE's MCC against the true features, drawn dotted.
    """
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for kind in ("random", "analytic", "learned"):
        rows = sorted((p for p in points if p["code"] == kind), key=lambda p: p["width"])
        if not rows:
            continue
        w = [p["width"] for p in rows]
        colour = CODE_COLOURS[kind]
        ax.plot(w, [p["output_accuracy"] for p in rows], "-o", ms=3, color=colour, label=f"{kind}: accuracy")
        ax.plot(w, [p["mean_dimensionality"] for p in rows], "--", color=colour, alpha=0.6, label=f"{kind}: mean $D_i$")
        if mcc:
            pts = [(x, mcc[(kind, x)]) for x in w if (kind, x) in mcc]
            if pts:
                ax.plot(*zip(*pts, strict=True), ":s", ms=3, color=colour, label=f"{kind}: SAE MCC")
    ax.axvline(d_model, color="black", lw=0.8, ls=":")
    ax.set_xlabel("residual width d")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(title or "accuracy and dimensionality against width", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def overlap(code: Code, title: str = "") -> Figure:
    """PPᵀ over the labelled residual directions (the toy paper's WᵀW): feature i·feature j."""
    gram = code.matrix @ code.matrix.T
    n = len(code.labels)
    size = min(12.0, 2.0 + 0.22 * n)
    fig = Figure(figsize=(size, size), layout="constrained")
    ax = fig.add_subplot()
    lim = max(float(np.abs(gram).max()), 1e-12)
    image = ax.imshow(gram, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks(range(n), code.labels, rotation=90, fontsize=6)
    ax.set_yticks(range(n), code.labels, fontsize=6)
    ax.set_title(title or f"PPᵀ of the {code.kind} code, d = {code.width}", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.6)
    return fig


def story(curves: Mapping[str, tuple[Sequence[Mapping[str, Any]], int]],
          mcc: "Mapping[str, Mapping[tuple[str, int], float]] | None" = None) -> Figure:
    """The README figure: one panel per program (accuracy, mean D_i, and the SAE's MCC against width)."""
    fig = Figure(figsize=(4.2 * len(curves), 3.6), layout="constrained")
    for k, (name, (points, d_model)) in enumerate(curves.items()):
        ax = fig.add_subplot(1, len(curves), k + 1)
        for kind in ("random", "analytic", "learned"):
            rows = sorted((p for p in points if p["code"] == kind), key=lambda p: p["width"])
            if not rows:
                continue
            w = [p["width"] for p in rows]
            colour = CODE_COLOURS[kind]
            ax.plot(w, [p["output_accuracy"] for p in rows], "-o", ms=3, color=colour, label=f"{kind} accuracy")
            ax.plot(w, [p["mean_dimensionality"] for p in rows], "--", color=colour, alpha=0.6,
                    label=f"{kind} mean $D_i$")
            marks = (mcc or {}).get(name, {})
            pts = [(x, marks[(kind, x)]) for x in w if (kind, x) in marks]
            if pts:
                ax.plot(*zip(*pts, strict=True), ":s", ms=4, color=colour, label=f"{kind} SAE MCC")
        ax.axvline(d_model, color="black", lw=0.8, ls=":")
        ax.set_title(f"{name} (d_model {d_model})", fontsize=10)
        ax.set_xlabel("residual width d")
        ax.set_ylim(-0.02, 1.05)
        if k == 0:
            ax.legend(fontsize=6, loc="lower right")
    return fig
