"""`Lowered` → `Schedule`: place every op in the earliest layer its inputs allow (ASAP).

Layer l has an attention half (2l) and an MLP half (2l+1). A head needs all of its inputs
ready before 2l, an MLP before 2l+1; a SelectorWidth uses both halves of one layer. With no
limit on heads or units per layer, ASAP gives the fewest layers the dependencies allow.
"""

from glassbox.compiler.nodes import Lowered, OpKind, Schedule


def schedule(lowered: Lowered) -> Schedule:
    """Assign each op a layer; ops come in dependency order (post-order)."""
    ready: dict[str, int] = {}  # op label -> first half-layer at which its output can be read
    layer_of: dict[str, int] = {}
    for op in lowered.ops:
        earliest = max((ready[d] for d in op.deps), default=0)
        if op.kind is OpKind.MLP:
            half = earliest if earliest % 2 == 1 else earliest + 1
            ready[op.label] = half + 1
        else:  # heads and widths start on an attention half
            half = earliest if earliest % 2 == 0 else earliest + 1
            ready[op.label] = half + (2 if op.kind is OpKind.WIDTH else 1)
        layer_of[op.label] = half // 2
    n_layers = max((h + 1) // 2 for h in ready.values()) if ready else 0
    return Schedule(layer_of, max(n_layers, 1))
