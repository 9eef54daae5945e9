"""One self-contained HTML page showing a compiled program running on one input.

The page holds the program graph coloured by layer, the residual stream decoded by label after
every stage (one table each), the attention pattern of every head and the raw residual heatmaps.
Figures are inline SVG; there are no external stylesheets, scripts, fonts or images, so the page
works offline and fetches nothing.
"""

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glassbox.errors import InputError
from glassbox.inspect import decode, plots

LOW_MARGIN = 0.5  # categorical reads with a smaller margin over the runner-up are flagged in the tables

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 28px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 16px 0 4px; } .sub { color: #666; margin: 0 0 12px; }
.figure { overflow-x: auto; background: white; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; }
.figure svg { max-width: 100%; height: auto; }
#graph svg { max-width: none; }  /* the program graph scrolls rather than shrinking its labels */
table { border-collapse: collapse; background: white; margin: 4px 0 8px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e0e0e0; padding: 3px 10px; text-align: center; }
th { background: #f2f2f2; font-weight: 600; } td.var { text-align: left; font-family: ui-monospace, monospace; }
tr.new td.var { font-weight: 700; } tr.new td { background: #fffbe6; }
td.low { color: #b00020; } td.none { color: #aaa; }
tr.hl td { background: #e3f2fd !important; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.stages { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 4px 24px; }
.stages section { overflow-x: auto; }
.io td, .io th { font-family: ui-monospace, monospace; } .legend span { margin-right: 16px; }
"""

# Hovering a variable highlights its row in every stage's table.
_JS = """
document.addEventListener("DOMContentLoaded", function () {
  var rows = document.querySelectorAll("tr[data-var]");
  rows.forEach(function (row) {
    row.addEventListener("mouseenter", function () { toggle(row.dataset.variable, true); });
    row.addEventListener("mouseleave", function () { toggle(row.dataset.variable, false); });
  });
  function toggle(name, on) {
    rows.forEach(function (r) { if (r.dataset.variable === name) { r.classList.toggle("hl", on); } });
  }
  document.body.dataset.ready = "1";
});
"""


def build_report(model: Any, seq: Sequence[Any], *, title: "str | None" = None) -> str:
    """The report page for one input, as an HTML string.

    Args:
        model: a `CompiledModel` (compiled or loaded).
        seq: one input sequence, without BOS.
        title: the page title (default: the program's label).

    Returns:
        A complete, self-contained HTML document.

    Raises:
        InputError: the input is not in the vocab or too long.
    """
    seq = list(seq)
    logits, cache = model.run_with_cache([seq])
    output = model.decode(logits, [len(seq)])[0]
    table = decode.decode_residual(model, cache, seq=seq)
    name = title or _program_name(model)
    figures = []
    for make in (plots.program_graph, lambda m: plots.attention_patterns(m, cache, seq=seq),
                 lambda m: plots.residual_heatmaps(m, cache, seq=seq)):
        fig = make(model)
        figures.append(plots.to_svg(fig))
    graph_svg, attn_svg, resid_svg = figures
    e = html.escape
    c = model.config
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',  # no favicon request
        f"<title>glassbox report: {e(name)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{e(name)}</h1>",
        f'<p class="sub">{c.n_layers} layers, d_model={c.d_model}, {c.n_heads} head(s) of width {c.d_head}, '
        f"d_mlp={c.d_mlp}, max_seq_len={model.max_seq_len}, {'causal' if c.causal else 'bidirectional'} "
        "attention</p>",
        _io_table(model, seq, output),
        "<h2>Program graph</h2>",
        '<p class="sub legend">Each node is one RASP expression, placed in the column of the sublayer that '
        "computes it and coloured by layer. " + _legend(c.n_layers) + "Filled: written to the residual "
        "stream; white: virtual (a linear read of its sources); dashed: selectors (used by the next "
        "attention).</p>",
        f'<div class="figure" id="graph">{graph_svg}</div>',
        "<h2>Residual stream, decoded by label</h2>",
        '<p class="sub">After the embedding and after every attention and MLP sublayer, each variable '
        "computed so far is read from its residual directions at every position (categorical: the "
        "active value, hover for its margin; numerical: the value). Highlighted rows are new at that "
        f"stage; red cells have a margin below {LOW_MARGIN}; - means no value reads above 0.5.</p>",
        '<div class="stages">', *(_stage_table(table, stage) for stage in table.stages), "</div>",
        "<h2>Attention patterns</h2>",
        '<p class="sub">Every head that computes a variable: rows are queries, columns keys.</p>',
        f'<div class="figure" id="attention">{attn_svg}</div>',
        "<h2>Raw residual stream</h2>",
        "<details><summary>Heatmaps of every residual dimension after every stage</summary>",
        f'<div class="figure" id="residual">{resid_svg}</div></details>',
        f"</main><script>{_JS}</script></body></html>",
    ]
    return "\n".join(parts)


def write_report(model: Any, seq: Sequence[Any], path: "str | Path", *, title: "str | None" = None) -> Path:
    """Write `build_report(model, seq)` to `path` (parent directories created) and return the path."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the .html file to write, e.g. {path / 'report.html'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(model, seq, title=title), encoding="utf-8")
    return path


def _program_name(model: Any) -> str:
    if getattr(model, "program", None) is not None:
        return str(model.program.label)
    return model.circuit[-1].label if model.circuit else "compiled model"


def _legend(n_layers: int) -> str:
    items = [(None, "embedding")] + [(layer, f"layer {layer}") for layer in range(n_layers)]
    return "".join(f'<span><i class="swatch" style="background:{plots.layer_color(layer)}"></i>{name}</span>'
                   for layer, name in items)


def _cell(text: Any) -> str:
    return html.escape(str(text))


def _io_table(model: Any, seq: list[Any], output: list[Any]) -> str:
    e = _cell
    rows = [("input", ["BOS", *seq]), ("model output", ["", *map(_fmt, output)])]
    if getattr(model, "program", None) is not None:
        from glassbox.errors import GlassboxError
        from glassbox.rasp import evaluator

        try:
            ref = evaluator.evaluate(model.program, seq, causal=model.config.causal)
            rows.append(("RASP evaluator", ["", *map(_fmt, ref)]))
        except GlassboxError as exc:
            rows.append(("RASP evaluator", ["", f"error: {exc}"]))
    body = "".join(f'<tr data-row="{e(name)}"><th>{e(name)}</th>' + "".join(f"<td>{e(v)}</td>" for v in values)
                   + "</tr>" for name, values in rows)
    return f'<table class="io" id="io">{body}</table>'


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return decode.format_reading(decode.Reading("", "", 0, value, None, False))
    return str(value)


def _stage_table(table: decode.ResidualDecode, stage: decode.Stage) -> str:
    e = _cell
    layer = plots.stage_layer(stage.index)
    head = "".join(f"<th>{e(decode.format_token(t))}</th>" for t in table.tokens)
    rows = []
    for label, readings in table.table(stage.name).items():
        cells = []
        for r in readings:
            classes = []
            if r.value is None:
                classes.append("none")
            elif r.margin is not None and r.margin < LOW_MARGIN and r.pos > 0:
                classes.append("low")
            tip = f"margin {r.margin:.3f}" if r.margin is not None else f"value {r.value!r}"
            cells.append(f'<td class="{" ".join(classes)}" data-pos="{r.pos}" title="{e(tip)}">'
                         f"{e(decode.format_reading(r))}</td>")
        new = ' class="new"' if readings[0].new else ""
        rows.append(f'<tr data-var data-variable="{e(label)}"{new}><td class="var">{e(label)}</td>'
                    f'{"".join(cells)}</tr>')
    return (f'<section><h3><i class="swatch" style="background:{plots.layer_color(layer)}"></i>'
            f"after {e(stage.name)} <small>({e(stage.hook)})</small></h3>"
            f'<table class="decode" data-stage="{e(stage.name)}"><tr><th>variable</th>{head}</tr>'
            f'{"".join(rows)}</table></section>')
