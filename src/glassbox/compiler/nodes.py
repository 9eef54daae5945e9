"""The contract between compiler passes: small frozen dataclasses, grouped by the pass that fills them."""

import dataclasses
from collections.abc import Mapping
from typing import Any

from glassbox import rasp
from glassbox.craft import bases
from glassbox.craft.bases import Direction, Feature
from glassbox.craft.chamber.attention import PredicateGroup
from glassbox.craft.chamber.neurons import Neuron


@dataclasses.dataclass(frozen=True)
class Options:
    """What the user asked for (filled by `compile_rasp_to_model`)."""

    vocab: tuple[Any, ...]  # sorted
    max_seq_len: int
    causal: bool
    bos: Any
    pad: Any
    dtype: str = "float32"

    @property
    def bos_direction(self) -> Direction:
        """The residual direction marking the BOS position."""
        return Direction(bases.TOKENS, self.bos)


# -- graph pass ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Graph:
    """The program as a DAG: distinct nodes in post-order, with their labels."""

    sink: rasp.RASPExpr
    nodes: tuple[rasp.RASPExpr, ...]
    labels: Mapping[rasp.RASPExpr, str]


# -- lowering pass ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Encoded:
    """How an SOp is read from the residual stream.

    Attributes:
        categorical: per value, the feature that is 1 when the SOp holds that value (else None).
        numerical: the feature that reads the SOp's scalar value (else None).
        deps: labels of the materialised ops whose outputs these features read.
    """

    categorical: "Mapping[Any, Feature] | None"
    numerical: "Feature | None"
    deps: frozenset[str]


@dataclasses.dataclass(frozen=True)
class HeadSpec:
    """One attention head, before densification."""

    groups: tuple[PredicateGroup, ...]
    sharpness: float
    bos_score: float
    reads: Mapping[Direction, Feature]  # output direction -> value feature it averages


@dataclasses.dataclass(frozen=True)
class Op:
    """A materialised computation: an attention head, an MLP, or both (SelectorWidth)."""

    label: str
    kind: str  # "attn" | "mlp" | "width"
    head: "HeadSpec | None"
    neurons: tuple[Neuron, ...]
    outputs: tuple[Direction, ...]
    scratch: tuple[Direction, ...]
    deps: frozenset[str]


@dataclasses.dataclass(frozen=True)
class Lowered:
    """Every op, every SOp's encoding, and the output read-out."""

    ops: tuple[Op, ...]
    encodings: Mapping[str, Encoded]
    output_values: "tuple[Any, ...] | None"  # None for a numerical output
    output_features: tuple[Feature, ...]
    uses_indices: bool
    embed_extra: Mapping[Direction, float]  # constants every real token's embedding adds (defaults)


# -- schedule pass ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Schedule:
    """Per op label, the layer that runs its attention and/or MLP part."""

    layer_of: Mapping[str, int]
    n_layers: int
