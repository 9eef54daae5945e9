"""The circuit map: for every RASP expression, what it is, where it lives and what computes it.

Plain data (JSON-ready apart from values, which `glassbox.export.values_json` encodes), so it
travels inside saved artifacts and lets a loaded model decode its residual stream by label. The
compiler builds it (`glassbox.compiler.circuit`); the runtime only reads it.
"""

import dataclasses
import enum
from typing import Any


class SiteEncoding(enum.StrEnum):
    """How a site's values are read."""

    CATEGORICAL = "categorical"  # one feature per value (one-hot when materialised)
    NUMERICAL = "numerical"  # one feature reading the value as a number
    SELECTOR = "selector"  # a selector: no residual read


class ComputedBy(enum.StrEnum):
    """What writes a site into the residual stream."""

    EMBEDDING = "embedding"  # the token or position embedding
    VIRTUAL = "virtual"  # nothing: a linear read of other sites' directions
    ATTENTION = "attention"  # one head
    MLP = "mlp"  # one MLP
    ATTENTION_MLP = "attention+mlp"  # a head and the MLP of the same layer (SelectorWidth)
    SELECTOR = "selector"  # selectors are computed inside the heads that use them


@dataclasses.dataclass(frozen=True)
class Site:
    """One expression of the program.

    Attributes:
        label: the expression's label (deterministic, unique in the program).
        kind: the RASP class name (`Map`, `Aggregate`, `Select`, ...), or `ImplicitCategorical` for
            the compiler's categorical copy of a numerical SOp (labelled `<source>.categorical`).
        encoding: categorical, numerical or selector.
        values: the possible values (sorted; None when unbounded or for selectors).
        children: labels of the direct sub-expressions.
        computed_by: embedding, virtual, attention, mlp, attention+mlp, or selector.
        layer: the layer of its head and/or MLP (None for embedding/virtual/selector).
        head: its head index in that layer (None if no head).
        mlp_units: (first unit, count) in that layer's MLP (None if no MLP).
        residual: the residual dimensions it owns (empty for virtual sites).
        read: how to read each value from the residual stream: for categorical sites a list of
            (value, {residual label: coefficient}); for numerical sites one [(None, {...})].
        live_until: the last residual stage at which `read` holds (stage 0 is after the embedding,
            2l+1 after layer l's attention, 2l+2 after its MLP); None: to the end. Set where a model
            reuses a dead variable's dimensions (`glassbox.superpose.compress_exact`).
    """

    label: str
    kind: str
    encoding: SiteEncoding
    values: "tuple[Any, ...] | None"
    children: tuple[str, ...]
    computed_by: ComputedBy
    layer: "int | None" = None
    head: "int | None" = None
    mlp_units: "tuple[int, int] | None" = None
    residual: tuple[int, ...] = ()
    read: tuple[tuple[Any, dict[str, float]], ...] = ()
    live_until: "int | None" = None
