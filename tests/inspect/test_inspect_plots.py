"""Figures: residual heatmaps, attention patterns and the layered program graph, saved as PNG and SVG."""

import itertools

import pytest

import glassbox as gb
from glassbox import programs
from glassbox.inspect import plots


def _model(name: str):
    entry = programs.LIBRARY[name]
    return entry, gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)


def test_figures_save_as_png_and_svg(tmp_path):
    entry, model = _model("sort")
    xs = list(entry.example)
    figs = {"graph": plots.program_graph(model), "attention": plots.attention_patterns(model, xs),
            "residual": plots.residual_heatmaps(model, xs)}
    for name, fig in figs.items():
        png = plots.save(fig, tmp_path / f"{name}.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = plots.to_svg(figs["graph"])
    assert svg.startswith("<svg") and "target_pos" in svg and "L1 H0" in svg and "MLP 11u" in svg
    attn = plots.to_svg(figs["attention"])
    assert "L2 H0 → sort" in attn and "query" in attn and "BOS" in attn
    resid = plots.to_svg(figs["residual"])
    assert "target_pos.bos_weight" in resid and "L2 mlp" in resid
    assert plots.save(figs["graph"], tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(gb.InputError, match=".png or .svg"):
        plots.save(figs["graph"], tmp_path / "g.jpg")
    with pytest.raises(gb.InputError, match="unknown stage"):
        plots.residual_heatmaps(model, xs, stages=["L7 mlp"])


def test_graph_layout_is_layered():
    _, model = _model("sort")
    pos = plots.graph_layout(model.circuit)
    # columns: stage s at x = 2s; selectors half a column before the attention that reads them
    assert pos["tokens"][0] == pos["indices"][0] == 0
    assert pos["keys"][0] == 4  # L0 mlp
    assert pos["smaller"][0] == 5 and pos["target_pos"][0] == 8  # L1 attn at 6, MLP finishes it at 8
    assert pos["sel_new"][0] == 9 and pos["sort"][0] == 10
    _, frac = _model("frac_prevs")
    assert plots.graph_layout(frac.circuit)["map"][0] == 1  # virtual: just after its source's stage


def test_model_without_heads():
    entry, model = _model("nary_sequencemap")
    svg = plots.to_svg(plots.attention_patterns(model, list(entry.example)))
    assert "uses no attention heads" in svg


def test_colours_by_layer():
    assert plots.layer_color(None) == plots.EMBED_COLOR
    assert plots.layer_color(0) != plots.layer_color(1)
    assert plots.stage_layer(0) is None and plots.stage_layer(1) == plots.stage_layer(2) == 0


def _hidden_edges(model: gb.CompiledModel) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Edges whose route passes under a box other than its two ends, and pairs of boxes that overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plots.program_graph(model)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    boxes = {t.get_gid()[len("node:"):]: t.get_bbox_patch().get_window_extent(renderer)
             for t in ax.texts if (t.get_gid() or "").startswith("node:")}
    assert set(boxes) == {s.label for s in model.circuit}
    assert all(t.get_fontsize() >= 9 for t in ax.texts if (t.get_gid() or "").startswith("node:"))
    _, routes = plots.graph_routes(model.circuit)
    hidden = []
    for (child, parent), route in routes.items():
        points = ax.transData.transform(route)
        samples = [a + (b - a) * t / 40 for a, b in itertools.pairwise(points) for t in range(41)]
        for name, box in boxes.items():
            if name not in (child, parent) and any(box.x0 + 1 < x < box.x1 - 1 and box.y0 + 1 < y < box.y1 - 1
                                                   for x, y in samples):
                hidden.append((child, parent, name))
    overlaps = [(a, b) for a in boxes for b in boxes if a < b and boxes[a].overlaps(boxes[b])]
    return hidden, overlaps


@pytest.mark.parametrize("name", ["shuffle_dyck2", "shuffle_dyck", "sort_freq", "sort"])
def test_no_edge_runs_under_a_box_and_no_boxes_overlap(name: str) -> None:
    _, model = _model(name)
    assert _hidden_edges(model) == ([], [])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(programs.LIBRARY))
@pytest.mark.parametrize("n", [5, 10])
def test_the_graph_is_readable_for_every_library_program(name: str, n: int) -> None:
    entry = programs.LIBRARY[name]
    model = gb.compile_rasp_to_model(entry.build(n), vocab=set(entry.vocab), max_seq_len=n)
    assert _hidden_edges(model) == ([], [])
