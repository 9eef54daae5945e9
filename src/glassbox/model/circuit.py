"""The circuit map: for every RASP expression, what it is, where it lives and what computes it.

Plain data (JSON-ready apart from values, which `glassbox.export.values_json` encodes), so it
travels inside saved artifacts and lets a loaded model decode its residual stream by label.
"""

import dataclasses
from typing import Any

from glassbox import rasp


@dataclasses.dataclass(frozen=True)
class Site:
    """One expression of the program.

    Attributes:
        label: the expression's label (deterministic, unique in the program).
        kind: the RASP class name (`Map`, `Aggregate`, `Select`, ...).
        encoding: "categorical", "numerical" or "selector".
        values: the possible values (sorted; None when unbounded or for selectors).
        children: labels of the direct sub-expressions.
        computed_by: "embedding", "virtual" (a linear read of other sites), "attention",
            "mlp" or "attention+mlp"; "selector" for selectors.
        layer: the layer of its head and/or MLP (None for embedding/virtual/selector).
        head: its head index in that layer (None if no head).
        mlp_units: (first unit, count) in that layer's MLP (None if no MLP).
        residual: the residual dimensions it owns (empty for virtual sites).
        read: how to read each value from the residual stream: for categorical sites a list of
            (value, {residual label: coefficient}); for numerical sites one [(None, {...})].
    """

    label: str
    kind: str
    encoding: str
    values: "tuple[Any, ...] | None"
    children: tuple[str, ...]
    computed_by: str
    layer: "int | None" = None
    head: "int | None" = None
    mlp_units: "tuple[int, int] | None" = None
    residual: tuple[int, ...] = ()
    read: tuple[tuple[Any, dict[str, float]], ...] = ()


def build(compilation: Any, residual_labels: list[str]) -> tuple[Site, ...]:
    """The circuit map of a compilation (see `CompiledModel.compilation`), in program order."""
    graph, sets = compilation.graph, compilation.value_sets
    lowered, plan, assembled = compilation.lowered, compilation.schedule, compilation.assembled
    ops = {op.label: op for op in lowered.ops}
    index = {label: i for i, label in enumerate(residual_labels)}
    sites = []
    for node in graph.nodes:
        label = graph.labels[node]
        children = tuple(graph.labels[c] for c in node.children)
        if isinstance(node, rasp.Selector):
            sites.append(Site(label, type(node).__name__, "selector", None, children, "selector"))
            continue
        vs = sets.get(id(node))
        enc = lowered.encodings.get(label)
        read: tuple = ()
        if enc is not None and enc.categorical is not None and node.encoding is rasp.Encoding.CATEGORICAL:
            read = tuple((v, {str(d): c for d, c in f.items()}) for v, f in enc.categorical.items())
        elif enc is not None and enc.numerical is not None:
            read = ((None, {str(d): c for d, c in enc.numerical.items()}),)
        op = ops.get(label)
        layer = head = units = None
        residual: tuple[int, ...] = ()
        if op is not None:
            layer = plan.layer_of[label]
            computed_by = {"attn": "attention", "mlp": "mlp", "width": "attention+mlp"}[op.kind]
            if op.head is not None:
                head = assembled.head_labels[layer].index(label)
            for name, start, count in assembled.mlp_units[layer]:
                if name == label:
                    units = (start, count)
            residual = tuple(index[str(d)] for d in (*op.scratch, *op.outputs))
        elif isinstance(node, (rasp.TokensType, rasp.IndicesType)) and enc is not None and enc.categorical:
            computed_by = "embedding"
            residual = tuple(index[str(d)] for f in enc.categorical.values() for d in f)
        else:
            computed_by = "virtual"
        sites.append(Site(label, type(node).__name__, node.encoding.value, vs.values if vs else None,
                          children, computed_by, layer, head, units, residual, read))
    own = set(graph.labels.values())
    sites += [_implicit(op, plan, assembled, index) for op in lowered.ops if op.label not in own]
    return tuple(sites)


def _implicit(op: Any, plan: Any, assembled: Any, index: dict[str, int]) -> Site:
    """A site for an op the compiler added itself: the categorical copy of a numerical SOp that a
    Select or a categorical Aggregate compares (labelled `<source>.categorical`)."""
    layer = plan.layer_of[op.label]
    units = next(((start, count) for name, start, count in assembled.mlp_units[layer] if name == op.label), None)
    source = op.label.rsplit(".", 1)[0]
    read = tuple((d.value, {str(d): 1.0}) for d in op.outputs)
    return Site(op.label, "ImplicitCategorical", "categorical", tuple(d.value for d in op.outputs), (source,),
                "mlp", layer, None, units, tuple(index[str(d)] for d in op.outputs), read)
