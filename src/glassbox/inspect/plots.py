"""Figures of a compiled model: residual stream per stage, attention per head, the program graph.

matplotlib is imported inside the functions (so `import glassbox` stays light) and only through
`matplotlib.figure.Figure`, never pyplot: no GUI backend and no global figure state.
"""

import io
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from glassbox.errors import InputError
from glassbox.inspect import decode
from glassbox.model.circuit import ComputedBy, SiteEncoding

EMBED_COLOR = "#9e9e9e"
LAYER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")


def layer_color(layer: "int | None") -> str:
    """The colour of a layer in every figure and in the report (None: the embedding)."""
    return EMBED_COLOR if layer is None else LAYER_COLORS[layer % len(LAYER_COLORS)]


def stage_layer(stage_index: int) -> "int | None":
    """The layer a stage belongs to (None for the embedding)."""
    return None if stage_index == 0 else (stage_index - 1) // 2


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _cache(model: Any, inputs: Any, seq: "Sequence[Any] | None") -> tuple[Mapping[str, Any], list[str], int]:
    """The cache, the column labels and the number of positions to show."""
    if isinstance(inputs, Mapping):
        cache = inputs
        if seq is None:
            n = next(iter(cache.values())).shape[1]
            return cache, ["BOS", *map(str, range(1, n))], n
    else:
        seq = list(inputs)
        _, cache = model.run_with_cache([seq])
    return cache, ["BOS", *map(decode.format_token, seq)], len(seq) + 1


def residual_heatmaps(model: Any, inputs: Any, *, seq: "Sequence[Any] | None" = None,
                      stages: "Sequence[str] | None" = None) -> Any:
    """The residual stream of one input after each stage: one heatmap band per stage, dimensions by label.

    Rows are grouped by stage (embed, L0 attn, L0 mlp, ...) and labelled by stage and token; columns
    are the residual dimensions, labelled `name:value`. One colour scale (red +, blue -) for all bands.

    Args:
        model: a `CompiledModel`.
        inputs: one input sequence (without BOS), or a cache from `model.run_with_cache` (batch 0 is shown).
        seq: with a cache, the input it was run on (labels the rows).
        stages: stage names to draw ("embed", "L0 attn", ...); default all.

    Returns:
        A matplotlib Figure.
    """
    import numpy as np

    cache, tokens, n = _cache(model, inputs, seq)
    all_stages = decode.stages(model.config.n_layers)
    chosen = [s for s in all_stages if stages is None or s.name in stages]
    if stages is not None and len(chosen) != len(set(stages)):
        raise InputError(f"unknown stage in {list(stages)}; stages are {[s.name for s in all_stages]}")
    bands = []
    for stage in chosen:
        if stage.hook == "hook_embed":
            resid = cache["hook_embed"][0] + cache["hook_pos_embed"][0]
        else:
            resid = cache[stage.hook][0]
        bands.append(resid[:n].detach().float().cpu().numpy())  # [pos, d_model]
    data = np.concatenate(bands)  # [stage * pos, d_model]
    labels = model.residual_labels
    fig = _figure(min(40.0, 3.0 + 0.16 * len(labels)), 1.6 + 0.16 * len(data))
    ax = fig.add_subplot()
    bound = max(1e-9, float(abs(data).max()))
    im = ax.imshow(data, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(data)), [f"{t}" for _ in chosen for t in tokens], fontsize=6)
    for i, stage in enumerate(chosen):
        if i:
            ax.axhline(i * n - 0.5, color="black", lw=0.8)
        ax.text(1.005, (i + 0.5) * n - 0.5, stage.name, transform=ax.get_yaxis_transform(), ha="left",
                va="center", fontsize=8, color=layer_color(stage_layer(stage.index)), fontweight="bold")
    ax.tick_params(axis="y", pad=1)
    ax.set_xlabel("residual dimension (name:value)", fontsize=8)
    ax.set_ylabel("position (grouped by stage, named on the right)", fontsize=8)
    ax.set_title("residual stream after each stage", fontsize=9, loc="left")
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.1)
    return fig


def attention_patterns(model: Any, inputs: Any, *, seq: "Sequence[Any] | None" = None) -> Any:
    """The attention pattern of every head that computes a site, with token labels on both axes.

    Args:
        model: a `CompiledModel`.
        inputs: one input sequence (without BOS), or a cache from `model.run_with_cache` (batch 0 is shown).
        seq: with a cache, the input it was run on.

    Returns:
        A matplotlib Figure: one panel per used head, titled by layer, head and the site it computes.
    """
    cache, tokens, n = _cache(model, inputs, seq)
    heads = [(s.layer, s.head, s.label) for s in model.circuit if s.head is not None]
    cols = min(4, max(1, len(heads)))
    rows = max(1, -(-len(heads) // cols))
    side = 1.2 + 0.32 * n
    fig = _figure(side * cols + 0.6, side * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(heads):]:
        ax.set_axis_off()
    if not heads:
        axes[0].text(0.5, 0.5, "this program uses no attention heads", ha="center", va="center")
        return fig
    for ax, (layer, head, label) in zip(axes, heads, strict=False):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"][0, head, :n, :n].detach().float().cpu().numpy()
        im = ax.imshow(pattern, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"L{layer} H{head} → {label}", fontsize=9, color=layer_color(layer))
        ax.set_xticks(range(n), tokens, rotation=90, fontsize=8)
        ax.set_yticks(range(n), tokens, fontsize=8)
        ax.set_xlabel("key", fontsize=8)
        ax.set_ylabel("query", fontsize=8)
    fig.colorbar(im, ax=list(axes[: len(heads)]), fraction=0.03, pad=0.02, label="attention weight")
    return fig


def graph_layout(circuit: Sequence[Any]) -> dict[str, tuple[float, float]]:
    """A layered layout of the program graph: label -> (x, y) (see `graph_routes` for the edges)."""
    return graph_routes(circuit)[0]


Edge = tuple[str, str]  # (child, parent): the child is read by the parent


Point = tuple[float, float]


def graph_routes(circuit: Sequence[Any]) -> tuple[dict[str, Point], dict[Edge, list[Point]]]:
    """A layered layout of the program graph: node positions, and each edge's route.

    Stage s (embed, L0 attn, L0 mlp, ...) is column x = 2s; selectors sit one column before the
    attention that uses them, virtual sites one column after the stage their sources complete. An
    edge that skips columns gets a waypoint with its own slot in every column it crosses (as in
    Sugiyama's layered drawing), so no edge runs behind a node. Within a column, nodes and
    waypoints are ordered by the mean height of what feeds them (fewer crossings).

    Returns:
        (label -> (x, y), (child, parent) -> the route's points from child to parent).
    """
    ready = decode.written_stage(circuit)
    consumers: dict[str, list[Any]] = {}
    for s in circuit:
        for c in s.children:
            consumers.setdefault(c, []).append(s)
    x: dict[str, int] = {}
    for s in circuit:
        if s.encoding is SiteEncoding.SELECTOR:
            using = [2 * c.layer + 1 for c in consumers.get(s.label, []) if c.layer is not None]
            x[s.label] = 2 * min(using) - 1 if using else 2 * ready[s.label] + 1
        elif s.computed_by is ComputedBy.VIRTUAL:
            x[s.label] = 2 * ready[s.label] + 1
        else:
            x[s.label] = 2 * ready[s.label]
    edges = [(c, s.label) for s in circuit for c in s.children if c in x]
    # Column members: ("node", label) or ("via", edge); each knows the point that feeds it.
    members: dict[int, list[tuple[str, Any]]] = {}
    for s in circuit:
        members.setdefault(x[s.label], []).append(("node", s.label))
    for edge in edges:
        for col in range(x[edge[0]] + 1, x[edge[1]]):
            members.setdefault(col, []).append(("via", edge))
    pos: dict[str, tuple[float, float]] = {}
    via: dict[tuple[Edge, int], float] = {}

    def fed_from(member: tuple[str, Any], col: int) -> list[float]:
        if member[0] == "via":
            child = member[1][0]
            return [pos[child][1] if x[child] == col - 1 else via[(member[1], col - 1)]]
        return [pos[c][1] if x[c] == x[member[1]] - 1 or x[c] >= x[member[1]] else via[((c, member[1]), col - 1)]
                for c, p in edges if p == member[1] and (c in pos)]

    for col in sorted(members):
        here = members[col]
        here.sort(key=lambda m: -sum(ys) / len(ys) if (ys := fed_from(m, col)) else 0.0)
        heights = [1.0 if kind == "node" else 0.45 for kind, _ in here]
        top = (sum(heights) - heights[0]) / 2 if here else 0.0
        y = top
        for (kind, item), h, prev in zip(here, heights, [0.0, *heights[:-1]], strict=True):
            y -= (h + prev) / 2 if prev else 0.0
            if kind == "node":
                pos[item] = (col, y)
            else:
                via[(item, col)] = y
    # Elbow routes: along a row inside a column (the node's own, or the edge's reserved slot), and
    # vertically only in the gaps between columns, each edge at its own offset within the gap.
    in_gap: dict[float, int] = {}
    routes: dict[Edge, list[tuple[float, float]]] = {}
    for edge in edges:
        stops = [pos[edge[0]], *((col, via[(edge, col)]) for col in range(x[edge[0]] + 1, x[edge[1]])), pos[edge[1]]]
        route = [stops[0]]
        for (xa, ya), (xb, yb) in itertools.pairwise(stops):
            if xb not in (xa, xa + 1) or (ya == yb and xb == xa + 1):  # already level (or not forward)
                route.append((xb, yb))
                continue
            k = in_gap.get(xa, 0)  # a same-column edge goes out into the gap on the right and back
            in_gap[xa] = k + 1
            gap = xa + 0.5 + 0.04 * ((k % 5) - 2)
            route += [(gap, ya), (gap, yb), (xb, yb)]
        routes[edge] = route
    return pos, routes


def program_graph(model: Any) -> Any:
    """The program's expressions as a layered graph, each node coloured by the layer that computes it.

    Filled boxes are written to the residual stream (grey: the embedding); white boxes with a
    coloured border are virtual (linear reads of their sources); dashed boxes are selectors. Edges
    never pass behind a box (`graph_routes`); the figure is as wide as it needs to be for 9-point
    labels (the report lets it scroll rather than shrink).

    Args:
        model: a `CompiledModel` (only `model.circuit` is used).

    Returns:
        A matplotlib Figure.
    """
    circuit = model.circuit
    pos, routes = graph_routes(circuit)
    ready = decode.written_stage(circuit)
    all_stages = decode.stages(model.config.n_layers)
    right = max([2 * len(all_stages) - 2, *(p[0] for p in pos.values())])
    ys = [p[1] for p in pos.values()] + [p[1] for r in routes.values() for p in r] or [0.0]
    fig = _figure(max(5.0, 1.2 * (right + 2)), max(2.6, 0.62 * (max(ys) - min(ys)) + 1.8))
    ax = fig.add_subplot()
    texts = {}
    for s in circuit:
        x, y = pos[s.label]
        layer = stage_layer(ready[s.label]) if s.computed_by is not ComputedBy.EMBEDDING else None
        if s.encoding is SiteEncoding.SELECTOR:
            layer = stage_layer(int(x) + 1)
        color = layer_color(layer)
        where = _where(s)
        filled = s.computed_by not in (ComputedBy.VIRTUAL, ComputedBy.SELECTOR)
        box = dict(boxstyle="round,pad=0.3", facecolor=color if filled else "white", edgecolor=color,
                   linewidth=1.5, linestyle="--" if s.encoding is SiteEncoding.SELECTOR else "-")
        texts[s.label] = ax.text(x, y, f"{_wrap(s.label)}\n{where}", ha="center", va="center", fontsize=9,
                                 color="white" if filled else "black", bbox=box, zorder=3, gid=f"node:{s.label}")
    for (child, parent), route in routes.items():
        if len(route) > 2:  # the waypoints, then the arrow into the parent from the last one
            xs, ys_ = zip(*route[:-1], strict=True)
            ax.plot(xs, ys_, color="#555555", lw=0.9, zorder=2, solid_capstyle="round")
        ax.annotate("", xy=route[-1], xytext=route[-2], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="#555555", lw=0.9, shrinkA=0, shrinkB=0,
                                    patchA=texts[child].get_bbox_patch() if len(route) == 2 else None,
                                    patchB=texts[parent].get_bbox_patch()))
    for stage in all_stages:
        col = 2 * stage.index
        ax.axvspan(col - 0.55, col + 0.55, color=layer_color(stage_layer(stage.index)), alpha=0.08, zorder=0)
        ax.text(col, 1.0, stage.name, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-1.0, right + 1.0)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    return fig


def _wrap(label: str, width: int = 10) -> str:
    """A long label broken after underscores (and the `&` and `.` of the compiler's own labels), so each box
    stays narrower than a column."""
    lines, line = [], ""
    for part in label.replace("_", "_\x00").replace("&", "&\x00").replace(".", ".\x00").split("\x00"):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def _where(site: Any) -> str:
    """A node's second line: what computes it."""
    if site.encoding is SiteEncoding.SELECTOR:
        return "selector"
    if site.computed_by in (ComputedBy.EMBEDDING, ComputedBy.VIRTUAL):
        return site.computed_by.value
    parts = []
    if site.head is not None:
        parts.append(f"H{site.head}")
    if site.mlp_units is not None:
        parts.append(f"MLP {site.mlp_units[1]}u")
    line = f"L{site.layer} " + " + ".join(parts)
    return line if len(line) <= 10 else f"L{site.layer} {parts[0]}\n" + " + ".join(parts[1:])  # as narrow as a label


def save(fig: Any, path: "str | Path") -> Path:
    """Write a figure as PNG or SVG (chosen by the suffix) and return the path.

    Raises:
        InputError: the suffix is neither .png nor .svg.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"{path}: figures are saved as .png or .svg, not {path.suffix or 'no suffix'!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    return path


def to_svg(fig: Any) -> str:
    """A figure as an inline `<svg>` element (text kept as text, no XML prolog)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "glassbox"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]
