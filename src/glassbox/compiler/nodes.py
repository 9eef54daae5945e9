"""The contract between compiler passes: one frozen dataclass per pass output, in pipeline order.

    check_arguments → Options
    graph.build     → Graph          the program as a DAG, every node labelled
    values.infer    → ValueSets      per label, the values an SOp can hold
    encodings.choose→ Encodings      per label, how an SOp is stored and read (virtual or its own directions)
    lower.lower     → Lowered        the materialised ops as sparse weight specs
    schedule.schedule → Schedule     the layer of every op
    assemble.assemble → Assembled    the IR model and the dense TransformerLens-named weights

Per-node data is keyed one way everywhere: by the node's label (`Graph.labels`).
"""

import dataclasses
import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from glassbox import rasp
from glassbox.craft import bases, blocks
from glassbox.craft.bases import Direction, Feature
from glassbox.craft.chamber.attention import PredicateGroup
from glassbox.craft.chamber.neurons import Neuron
from glassbox.model.config import Dtype

if TYPE_CHECKING:
    from glassbox.compiler.precision import Precision


# -- arguments ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Options:
    """What the user asked for (checked by `validate.check_arguments`)."""

    vocab: tuple[Any, ...]  # sorted distinct tokens
    max_seq_len: int  # the longest input, BOS excluded
    causal: bool  # compile the program's causal meaning, with a causal mask
    bos: Any  # the BOS token (id 0)
    pad: Any  # the PAD token (id 1)
    dtype: Dtype = "float32"  # the torch model's dtype (the IR is float64)
    auto_dtype: bool = False  # dtype="auto": float32, or float64 where float32 cannot hold the contract

    @property
    def bos_direction(self) -> Direction:
        """The residual direction marking the BOS position."""
        return Direction(bases.TOKENS, self.bos)


# -- graph.build -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Graph:
    """The program as a DAG: distinct nodes in post-order (children first), each with its label."""

    sink: rasp.SOp
    nodes: tuple[rasp.RASPExpr, ...]
    labels: Mapping[rasp.RASPExpr, str]

    def label(self, node: rasp.RASPExpr) -> str:
        """The node's label, unique in the program."""
        return self.labels[node]

    @property
    def sink_label(self) -> str:
        return self.labels[self.sink]


# -- values.infer ------------------------------------------------------------------------------
# For (functions of) numerical Aggregates: the selector's structural key and, per number n of
# selected keys, the values possible at a position that selects n keys.
ByCount = tuple[Any, Mapping[int, frozenset[Any]]]


@dataclasses.dataclass(frozen=True)
class ValueSet:
    """What an SOp can hold.

    Attributes:
        values: sorted distinct values (None excluded), or None when too many to enumerate.
        may_be_none: whether the SOp can be None at some position.
        failures: inputs on which the SOp's function raised (those inputs give None).
        by_count: for numerical means (and functions of them), the values per selection count.
            Two such SOps over the same selector share the count at every position, so a
            SequenceMap of them pairs only values with the same count.
        table: for Maps and SequenceMaps, the function's result per argument tuple (None where
            it raised), so no later pass calls a user function again.
        twins: values equal to one in `values` but of another type or sign (`0.0` for `0`, `True`
            for `1`): the residual stream holds them as that one value, so every function reading
            them is checked to give them equal results (`values.infer`).
    """

    values: "tuple[Any, ...] | None"
    may_be_none: bool = False
    failures: tuple[str, ...] = ()
    by_count: "ByCount | None" = None
    table: "Mapping[tuple[Any, ...], Any] | None" = None
    twins: tuple[Any, ...] = ()

    @property
    def bounded(self) -> bool:
        return self.values is not None

    @property
    def numeric(self) -> bool:
        return self.values is not None and all(rasp.is_number(v) for v in self.values)


ValueSets = Mapping[str, ValueSet]  # SOp label -> its value set


# -- encodings.choose --------------------------------------------------------------------------
class Storage(enum.Enum):
    """Where an SOp's value lives in the residual stream."""

    EMBEDDED = "embedded"  # the token/position embedding writes it (tokens, indices)
    VIRTUAL = "virtual"  # a linear read of other SOps' directions: no dimensions, no layer
    MATERIALISED = "materialised"  # directions of its own, written by a head and/or an MLP


class OpKind(enum.Enum):
    """What computes a materialised SOp."""

    ATTN = "attn"  # one attention head (Aggregate)
    MLP = "mlp"  # one MLP (non-linear Map/SequenceMap, implicit categorical copy)
    WIDTH = "width"  # a head and the MLP of the same layer (SelectorWidth, length)


@dataclasses.dataclass(frozen=True)
class Encoded:
    """How an SOp is read from the residual stream.

    Attributes:
        categorical: per value, the feature that is 1 when the SOp holds that value (else None).
        numerical: the feature that reads the SOp's scalar value (else None).
        deps: labels of the materialised ops whose outputs these features read.
        storage: embedded, virtual or materialised.
        kind: for materialised SOps, what computes them.
        outputs: for materialised SOps, the directions they own (in residual order).
        scratch: for materialised SOps, directions they use internally (a width's BOS weight).
        inputs: for materialised SOps, the labels of the ops whose outputs their op reads.
    """

    categorical: "Mapping[Any, Feature] | None"
    numerical: "Feature | None"
    deps: frozenset[str]
    storage: Storage = Storage.VIRTUAL
    kind: "OpKind | None" = None
    outputs: tuple[Direction, ...] = ()
    scratch: tuple[Direction, ...] = ()
    inputs: frozenset[str] = frozenset()


# One AND-ed term of a selector: (keys label, queries label, predicate over their values).
Group = tuple[str, str, Callable[[Any, Any], bool]]


@dataclasses.dataclass(frozen=True)
class Encodings:
    """Every SOp's encoding, the compiler's implicit categorical copies, and the output read-out.

    Attributes:
        by_label: per SOp label (and per implicit copy, labelled `<source>.categorical`).
        order: the labels of every materialised op, in dependency order.
        views: a numerical SOp's label -> the label of its implicit categorical copy (an MLP).
        selectors: per Aggregate/SelectorWidth label, its selector as an AND of groups.
        output_values: the output's values in logit order (None for a numerical output).
        output_features: the feature read into each logit.
        uses_indices: whether the indices embedding is read.
        problems: (label, reason) for everything that cannot be compiled.
        counts: a sum Aggregate's label -> the label of its internal count op (`<label>.count`: a head
            and an MLP writing the selection count w one-hot and the scaled sum s/(w+1)).
        joints: a joint feature's label (`a&b.joint`) -> its component SOps' labels (an MLP writes the
            tuple of their values one-hot, for a selector that is not an AND of single-pair conditions).
        plans: per selector label (of an Aggregate or SelectorWidth), how it was built.
    """

    by_label: Mapping[str, Encoded]
    order: tuple[str, ...]
    views: Mapping[str, str]  # source label -> label of its implicit categorical copy
    selectors: Mapping[str, tuple[Group, ...]]
    output_values: "tuple[Any, ...] | None"
    output_features: tuple[Feature, ...]
    uses_indices: bool
    problems: tuple[tuple[str, str], ...]
    counts: Mapping[str, str] = dataclasses.field(default_factory=dict)
    joints: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    plans: Mapping[str, str] = dataclasses.field(default_factory=dict)


# -- lower.lower -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class HeadSpec:
    """One attention head, before densification."""

    groups: tuple[PredicateGroup, ...]
    sharpness: float
    bos_score: float
    reads: Mapping[Direction, Feature]  # output direction -> value feature it averages
    key_bias: Feature = dataclasses.field(default_factory=dict)  # a score term of the key alone (max/min ranks)


@dataclasses.dataclass(frozen=True)
class Op:
    """A materialised computation: an attention head, an MLP, or both (SelectorWidth)."""

    label: str
    kind: OpKind
    head: "HeadSpec | None"
    neurons: tuple[Neuron, ...]
    outputs: tuple[Direction, ...]
    scratch: tuple[Direction, ...]
    deps: frozenset[str]


@dataclasses.dataclass(frozen=True)
class Lowered:
    """Every materialised op as sparse weight specs, and the embedding's constant terms."""

    ops: tuple[Op, ...]
    embed_extra: Mapping[Direction, float]  # constants every real token's embedding adds (defaults)


# -- schedule.schedule -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Schedule:
    """Per op label, the layer that runs its attention and/or MLP part."""

    layer_of: Mapping[str, int]
    n_layers: int


# -- assemble.assemble -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Assembled:
    """The IR model and the dense weights of the equivalent standard transformer.

    Attributes:
        ir: the IR model (runs in numpy, float64).
        weights: TransformerLens-named arrays, exactly the torch module's state dict
            (`embed.W_E`, `pos_embed.W_pos`, `blocks.{l}.attn.W_Q|W_K|W_V|W_O`,
            `blocks.{l}.mlp.W_in|W_out`, `unembed.W_U`).
        token_ids: input token -> id (BOS 0, PAD 1, then the vocab in order).
        head_labels: per layer, the label computed by each head.
        mlp_units: per layer, (label, first unit, unit count) for each MLP.
        d_head, d_mlp, n_heads: the padded sizes.
    """

    ir: blocks.Model
    weights: Mapping[str, np.ndarray]
    token_ids: Mapping[Any, int]
    head_labels: tuple[tuple[str, ...], ...]
    mlp_units: tuple[tuple[tuple[str, int, int], ...], ...]
    d_head: int
    d_mlp: int
    n_heads: int


# -- the whole compilation ---------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Compilation:
    """Every pass's output, kept on the model for inspection and the IR tier of tests."""

    options: Options
    graph: Graph
    values: ValueSets
    encodings: Encodings
    lowered: Lowered
    schedule: Schedule
    assembled: Assembled
    precision: "Precision | None" = None
