"""The compilation → the circuit map: one `Site` per expression (and per implicit categorical copy, and per
sum Aggregate's selection count `<label>.count`)."""

from glassbox import rasp
from glassbox.compiler.nodes import Compilation, Graph, OpKind, Storage
from glassbox.model.circuit import ComputedBy, Site, SiteEncoding

_COMPUTED_BY = {OpKind.ATTN: ComputedBy.ATTENTION, OpKind.MLP: ComputedBy.MLP, OpKind.WIDTH: ComputedBy.ATTENTION_MLP}


def build(comp: Compilation) -> tuple[Site, ...]:
    """The circuit map of a compilation, in program order, then the implicit copies."""
    graph, encodings, plan, assembled = comp.graph, comp.encodings, comp.schedule, comp.assembled
    index = {label: i for i, label in enumerate(assembled.ir.residual.labels)}

    def placement(label: str) -> "tuple[int, int | None, tuple[int, int] | None]":
        layer = plan.layer_of[label]
        heads = assembled.head_labels[layer]
        head = heads.index(label) if label in heads else None
        units = next(((start, count) for name, start, count in assembled.mlp_units[layer] if name == label), None)
        return layer, head, units

    sites = []
    for node in graph.nodes:
        label = graph.label(node)
        children = tuple(graph.label(c) for c in node.children)
        if not isinstance(node, rasp.SOp):
            how = encodings.plans.get(label)
            kind = type(node).__name__ + (f": {how}" if how else "")
            sites.append(Site(label, kind, SiteEncoding.SELECTOR, None, children, ComputedBy.SELECTOR))
            continue
        enc = encodings.by_label[label]
        read: tuple = ()
        if enc.categorical is not None and node.encoding is rasp.Encoding.CATEGORICAL:
            read = tuple((v, {str(d): c for d, c in f.items()}) for v, f in enc.categorical.items())
        elif enc.numerical is not None:
            read = ((None, {str(d): c for d, c in enc.numerical.items()}),)
        encoding = SiteEncoding(node.encoding.value)
        values = comp.values[label].values
        if enc.storage is Storage.MATERIALISED:
            assert enc.kind is not None
            layer, head, units = placement(label)
            residual = tuple(index[str(d)] for d in (*enc.scratch, *enc.outputs))
            sites.append(Site(label, type(node).__name__, encoding, values, children, _COMPUTED_BY[enc.kind],
                              layer, head, units, residual, read))
        elif enc.storage is Storage.EMBEDDED:
            residual = tuple(index[str(d)] for f in (enc.categorical or {}).values() for d in f)
            sites.append(Site(label, type(node).__name__, encoding, values, children, ComputedBy.EMBEDDING,
                              residual=residual, read=read))
        else:
            sites.append(Site(label, type(node).__name__, encoding, values, children, ComputedBy.VIRTUAL, read=read))
    for source, copy in encodings.views.items():
        enc = encodings.by_label[copy]
        layer, _, units = placement(copy)
        sites.append(Site(copy, "ImplicitCategorical", SiteEncoding.CATEGORICAL, tuple(d.value for d in enc.outputs),
                          (source,), ComputedBy.MLP, layer, None, units, tuple(index[str(d)] for d in enc.outputs),
                          tuple((d.value, {str(d): 1.0}) for d in enc.outputs)))
    for joint, components in encodings.joints.items():
        enc = encodings.by_label[joint]
        layer, _, units = placement(joint)
        sites.append(Site(joint, "JointFeature", SiteEncoding.CATEGORICAL, tuple(d.value for d in enc.outputs),
                          components, ComputedBy.MLP, layer, None, units, tuple(index[str(d)] for d in enc.outputs),
                          tuple((d.value, {str(d): 1.0}) for d in enc.outputs)))
    for total, count in encodings.counts.items():
        enc = encodings.by_label[count]
        layer, head, units = placement(count)
        sites.append(Site(count, "SelectionCount", SiteEncoding.CATEGORICAL, tuple(d.value for d in enc.outputs),
                          (graph.label(graph_node(graph, total).selector),), ComputedBy.ATTENTION_MLP, layer, head,
                          units, tuple(index[str(d)] for d in (*enc.scratch, *enc.outputs)),
                          tuple((d.value, {str(d): 1.0}) for d in enc.outputs)))
    return tuple(sites)


def graph_node(graph: Graph, label: str) -> rasp.Aggregate:
    """The Aggregate labelled `label`."""
    node = next(n for n in graph.nodes if graph.label(n) == label)
    assert isinstance(node, rasp.Aggregate)
    return node
