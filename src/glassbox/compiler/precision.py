"""`Lowered` → `Precision`: a worst-case float error bound for every value the model computes, and the dtype.

Every materialised op's error is bounded from the value sets and the weights it was built with,
in the order the ops run, and carried along to whatever reads it:

* a direction's content: exact for the embedding; for a head, the leak its sharpness allows plus
  the rounding of the softmax and of the weighted sum, plus the error of what it averages and of
  the scores (sharpness × the deviation of its key and query one-hots); for a discretising MLP,
  `numerical_mlp.discretise_bound` per input value; for a lookup-table MLP, twice its inputs'
  deviation times its outputs;
* a read (a feature Σ c·d over directions): Σ |c|·err(d) plus its rounding, KAPPA·u·Σ |c|·max|d|.

The checks: every discretising MLP's input stays within 3/8 of the gap between neighbouring values
(else its plateau could be missed) and no two values it must tell apart are merged; every one-hot
stays within 1/4 of 0 or 1; the numerical output is within the contract, 1e-4·max(1, |value|)
(float32 and "auto"; 1e-9 for an explicit float64). With `dtype="auto"` (the default) a program
that fails in float32 and holds in float64 compiles in float64; otherwise each failure is a
CompileError naming the expression, the bound and the values.
"""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from glassbox import rasp
from glassbox.compiler import encodings as enc_pass
from glassbox.compiler import graph as graph_pass
from glassbox.compiler.nodes import Encodings, Graph, Lowered, Op, Options, ValueSets
from glassbox.craft.bases import Direction, Feature
from glassbox.craft.chamber import numerical_mlp
from glassbox.model.config import Dtype

ROUNDOFF: dict[str, float] = {"float32": 2.0**-24, "float64": 2.0**-53}
CONTRACT = {"float32": 1e-4, "float64": 1e-9}  # |err| <= CONTRACT * max(1, |value|) of a numerical output
ONE_HOT_SLACK = 0.25  # a one-hot coordinate may be off by less than this (decoding and the heads need < 1/2)
KAPPA = numerical_mlp.KAPPA


@dataclasses.dataclass(frozen=True)
class Margins:
    """How far the model is from a wrong decision (static, from the construction).

    Attributes:
        attention: the smallest score gap, in logits, between a key that must win and one that must
            lose (a selected key and BOS, or BOS and an unselected key), after the score's own error.
        attention_at: the head's label.
        mlp: the smallest distance from an input value to a ramp edge of a discretising MLP, after the
            input's error, as a fraction of the gap to the neighbouring value (3/8 when exact).
        mlp_at: the MLP's label.
    """

    attention: float = float("inf")
    attention_at: str = ""
    mlp: float = float("inf")
    mlp_at: str = ""


@dataclasses.dataclass(frozen=True)
class Precision:
    """The error analysis of a compilation.

    Attributes:
        dtype: the dtype the model is built in.
        bounds: per label, a bound on the error of its value (numerical) or of its one-hot
            coordinates (categorical); materialised ops only, and the output.
        output_bound: the numerical output's bound (its worst over its values; None if categorical).
        margins: the static decision margins.
        problems: (label, reason) where the contract cannot hold.
    """

    dtype: Dtype
    bounds: Mapping[str, float]
    output_bound: "float | None"
    margins: Margins
    problems: tuple[tuple[str, str], ...]


def choose(graph: Graph, sets: ValueSets, encodings: Encodings, lowered: Lowered, options: Options,
           auto: bool) -> Precision:
    """The analysis in the requested dtype; with `auto`, float32 if it holds there, else float64."""
    first = analyse(graph, sets, encodings, lowered, options, options.dtype, "float32" if auto else options.dtype)
    if not first.problems or not auto or options.dtype == "float64":
        return first
    second = analyse(graph, sets, encodings, lowered, options, "float64", "float32")
    return second if not second.problems else first


def analyse(graph: Graph, sets: ValueSets, encodings: Encodings, lowered: Lowered, options: Options,
            dtype: Dtype, contract: str) -> Precision:
    """Bounds in `dtype`, checked against the contract of `contract` (a dtype name)."""
    return _Analysis(graph, sets, encodings, options, dtype, CONTRACT[contract]).run(lowered)


class _Analysis:
    def __init__(self, graph: Graph, sets: ValueSets, encodings: Encodings, options: Options, dtype: Dtype,
                 contract: float) -> None:
        self.graph, self.sets, self.encodings, self.options = graph, sets, encodings, options
        self.dtype, self.contract = dtype, contract
        self.u = ROUNDOFF[dtype]
        self.nodes = {graph.label(node): node for node in graph.nodes}
        self.copies = {copy: source for source, copy in encodings.views.items()}
        self.err: dict[Direction, float] = {}
        self.size: dict[Direction, float] = {}
        self.bounds: dict[str, float] = {}
        self.per_value: dict[str, list[tuple[float, float]]] = {}  # numerical MLP label -> (value, bound)
        self.problems: list[tuple[str, str]] = []
        self.margins = Margins()

    # -- reading ---------------------------------------------------------------------------------
    def direction(self, d: Direction) -> tuple[float, float]:
        """(error, largest magnitude) of a residual direction's content."""
        if d in self.err:
            return self.err[d], self.size[d]
        return 0.0, 1.0  # the embedding: one, tokens:*, indices:* are exact 0/1

    def scale(self, feature: Feature) -> float:
        return sum(abs(c) * self.direction(d)[1] for d, c in feature.items())

    def content_error(self, feature: Feature) -> float:
        return sum(abs(c) * self.direction(d)[0] for d, c in feature.items())

    def read_error(self, feature: Feature) -> float:
        return sum(abs(c) * self.direction(d)[0] for d, c in feature.items()) + KAPPA * self.u * self.scale(feature)

    def write(self, directions: Sequence[Direction], error: float, size: float) -> None:
        for d in directions:
            self.err[d], self.size[d] = error, size

    def largest(self, label: str) -> float:
        return max([1.0] + [abs(float(v)) for v in self.sets[label].values or () if rasp.is_number(v)])

    # -- ops ---------------------------------------------------------------------------------------
    def run(self, lowered: Lowered) -> Precision:
        for d, c in lowered.embed_extra.items():  # defaults the embedding adds: exact up to one rounding
            self.err[d], self.size[d] = KAPPA * self.u * abs(c), abs(c)
        for op in lowered.ops:
            self.op(op)
        out = self.output()
        return Precision(self.dtype, dict(self.bounds), out, self.margins, tuple(dict.fromkeys(self.problems)))

    def op(self, op: Op) -> None:
        label = op.label
        if label in self.copies:
            source = self.copies[label]
            values = list(self.sets[source].values or ())
            outs: list[Feature] = [{Direction(label, v): 1.0} for v in values]
            self.discretiser(label, source, self.numerical(source), values, outs)
            return
        node = self.nodes.get(label)
        if node is None or (isinstance(node, rasp.Aggregate) and node.reduction != "mean"):
            # A construction with its own derived margins (a sum/max/min Aggregate, its selection count, a
            # composite selector's joint feature): its outputs are re-derived one-hots or read-outs whose
            # sharpness that construction sets from the value gaps; this pass adds no bound for them.
            self.write(self.outputs(label) if label in self.encodings.by_label else (), 0.0, 1.0)
            if (isinstance(node, rasp.Aggregate) and node.reduction == "sum" and self.dtype == "float32"
                    and node.encoding is rasp.Encoding.NUMERICAL):
                # its read-out's float32 rounding was measured over the contract (1.2e-4 relative, fuzz seed 3)
                self.problems.append((label, "a numerical sum has no float32 error bound (its read-out can miss "
                                             "the 1e-4 contract); compile with dtype='auto' or 'float64'"))
            return
        if isinstance(node, rasp.Aggregate):
            self.aggregate(node, op)
        elif isinstance(node, (rasp.SelectorWidth, rasp.LengthType)):
            self.width(node, op)
        elif isinstance(node, rasp.Map) or (isinstance(node, rasp.SequenceMap) and node.fst is node.snd):
            src = self.graph.label(node.inner if isinstance(node, rasp.Map) else node.fst)
            xs = list(self.sets[src].values or ())
            args = [(x,) if isinstance(node, rasp.Map) else (x, x) for x in xs]
            table = enc_pass.calls(node, self.sets[label], args)
            self.discretiser(label, src, self.numerical(src), xs, [self.out_vector(label, table[a]) for a in args])
        elif isinstance(node, rasp.SequenceMap):
            self.sequence_map(node, label)

    def numerical(self, label: str) -> Feature:
        return self.encodings.by_label[label].numerical or {}

    def out_vector(self, label: str, value: Any) -> Feature:
        if value is None:
            return {}
        cat = self.encodings.by_label[label].categorical
        if cat is None:
            return {Direction(label): float(value)} if value != 0 else {}
        return {Direction(label, value): 1.0} if value in cat else {}  # as lower.out_vector

    def outputs(self, label: str) -> tuple[Direction, ...]:
        return self.encodings.by_label[label].outputs

    def discretiser(self, label: str, src: str, x: Feature, values: list[Any], outs: list[Feature],
                    gate: "Feature | None" = None) -> None:
        if not values:
            return
        floats = [float(v) for v in values]
        bounds, margin, merged = numerical_mlp.discretise_bound(
            floats, outs, self.scale(x), self.read_error(x), self.u,
            None if gate is None else self.read_error(gate))
        if merged is not None:
            a, b = merged
            self.problems.append((label, f"its input {src!r} holds {a!r} and {b!r}, closer than a float model can "
                                         "tell apart, and it gives different results on them (round the input, "
                                         "e.g. with a Map, before comparing it)"))
        if margin < 0 and merged is None:
            self.problems.append((label, f"its input {src!r} can be off by {self.read_error(x):.2g} in {self.dtype}, "
                                         "more than 3/8 of the gap between two of its neighbouring values "
                                         f"(the smallest gap is {min_gap(floats):.2g}), so it could read the wrong "
                                         "one"))
        if margin < self.margins.mlp:
            self.margins = dataclasses.replace(self.margins, mlp=margin, mlp_at=label)
        # a gated SequenceMap has one discretiser per gate value, and only one is on at a time
        self.bounds[label] = max(self.bounds.get(label, 0.0), max(bounds))
        enc = self.encodings.by_label[label]
        if enc.categorical is None:  # a number: per input value, the output value and its bound
            self.per_value.setdefault(label, []).extend(
                (sum(o.values()) if o else 0.0, b) for o, b in zip(outs, bounds, strict=True))
            self.write(self.outputs(label), self.bounds[label], self.largest(label))
        else:
            self.one_hot(label, self.bounds[label])

    def one_hot(self, label: str, deviation: float) -> None:
        if deviation >= ONE_HOT_SLACK and not any(p[0] == label for p in self.problems):
            self.problems.append((label, f"its one-hot outputs can be off by {deviation:.2g} in {self.dtype}, "
                                         f"over {ONE_HOT_SLACK}"))
        self.write(self.outputs(label), deviation, 1.0)

    def sequence_map(self, node: rasp.SequenceMap, label: str) -> None:
        fst, snd = self.graph.label(node.fst), self.graph.label(node.snd)
        xs, ys = self.sets[fst].values or (), self.sets[snd].values or ()
        table = enc_pass.calls(node, self.sets[label], [(x, y) for x in xs for y in ys])
        fx, fy = self.encodings.by_label[fst].categorical, self.encodings.by_label[snd].categorical
        if fx is None and fy is None:
            fx = enc_pass.categorical_of(self.encodings, fst)
        if fx is not None and fy is not None:  # lookup table: ReLU(x_a + y_b - 1) per pair
            dev = max([0.0] + [self.read_error(f) for f in (*fx.values(), *fy.values())])
            biggest = max([1.0] + [abs(c) for a in xs for b in ys
                                   for c in self.out_vector(label, table[(a, b)]).values()])
            error = biggest * (2 * dev + 2 * KAPPA * self.u)
            if 2 * dev >= 0.5:
                self.problems.append((label, f"its inputs' one-hots can be off by {dev:.2g} in {self.dtype}"))
            self.bounds[label] = error
            if self.encodings.by_label[label].categorical is None:
                self.write(self.outputs(label), error, self.largest(label))
            else:
                self.one_hot(label, error)
            return
        cat_first = fx is not None
        gates = fx if fx is not None else fy
        assert gates is not None
        gate_values, num_values, num = (xs, ys, snd) if cat_first else (ys, xs, fst)
        for g in gate_values:
            if g not in gates:
                continue
            outs = [self.out_vector(label, table[(g, v) if cat_first else (v, g)]) for v in num_values]
            self.discretiser(label, num, self.numerical(num), list(num_values), outs, gate=gates[g])

    def head_score_error(self, op: Op) -> float:
        assert op.head is not None
        # Scores are sharpness × one-hot products: exact for exact one-hots, and the weights are cast the
        # same way for every key, so keys that must score alike differ only by their one-hots' own errors.
        dev = 0.0
        for group in op.head.groups:
            q = max([0.0] + [self.content_error(f) for f in group.queries.values()])
            k = max([0.0] + [self.content_error(f) for f in group.keys.values()])
            dev += q + k
        score_error = op.head.sharpness * dev  # between keys that must score alike
        margin = op.head.sharpness / 2 - score_error - 2 * self.u * op.head.sharpness * max(1, len(op.head.groups))
        if margin < self.margins.attention:
            self.margins = dataclasses.replace(self.margins, attention=margin, attention_at=op.label)
        if margin <= 0:
            self.problems.append((op.label, f"its attention scores can be off by {score_error:.2g} in {self.dtype}, "
                                            f"more than half its sharpness ({op.head.sharpness:.3g})"))
        return score_error

    def aggregate(self, node: rasp.Aggregate, op: Op) -> None:
        from glassbox.compiler.lower import AGGREGATE_TOLERANCE

        assert op.head is not None
        label = op.label
        score_error = self.head_score_error(op)
        leak = AGGREGATE_TOLERANCE[self.options.dtype]
        if node.encoding is rasp.Encoding.NUMERICAL:
            (read,) = op.head.reads.values()
            size = self.scale(read)
            # averaging keeps the inputs' error; score errors up to ε reweigh the selected keys by up to
            # e^{2ε} - 1 relative to each other, and let the leak grow by e^{ε}
            spread = math.expm1(2 * min(score_error, 1.0))
            error = (leak * math.exp(min(score_error, 30.0)) + self.read_error(read) + 2 * KAPPA * self.u * size
                     + spread * size)
            error += KAPPA * self.u * abs(float(node.default or 0))
            self.bounds[label] = error
            self.write(self.outputs(label), error, self.largest(label))
            return
        dev = max([0.0] + [self.read_error(f) for f in op.head.reads.values()])
        # the selected keys all hold the one value (the evaluator's rule): reweighing them changes nothing;
        # a score error only lets the leak to unselected keys and BOS grow by e^{ε}
        deviation = leak * math.exp(min(score_error, 30.0)) + dev + 2 * KAPPA * self.u
        self.bounds[label] = deviation
        self.one_hot(label, deviation)

    def width(self, node: "rasp.SelectorWidth | rasp.LengthType", op: Op) -> None:
        label = op.label
        n = self.options.max_seq_len
        score_error = self.head_score_error(op)
        (scratch,) = op.scratch
        assert scratch.name == label + graph_pass.WIDTH_SCRATCH_SUFFIX
        gap = 1.0 / (n * (n + 1)) if n > 0 else 1.0
        # BOS and the selected keys score alike; a score error ε among them moves BOS's weight 1/(w+1)
        # by at most (e^{2ε} - 1)/4, and lets the leak (at most gap·1e-3) grow by e^{ε}
        drift = math.expm1(2 * min(score_error, 1.0)) / 4
        self.write((scratch,), gap * 1e-3 * math.exp(min(score_error, 30.0)) + 2 * KAPPA * self.u + drift, 1.0)
        widths = list(range(n, -1, -1))
        possible = set(self.sets[label].values or ())
        outs = [self.out_vector(label, w) if w in possible else {} for w in widths]
        self.discretiser(label, label, {scratch: 1.0}, [1.0 / (w + 1) for w in widths], outs)

    # -- the output ---------------------------------------------------------------------------------
    def output(self) -> "float | None":
        sink = self.graph.sink_label
        enc = self.encodings.by_label[sink]
        if self.graph.sink.encoding is not rasp.Encoding.NUMERICAL or enc.numerical is None:
            return None
        if sink in self.per_value:  # a discretising MLP: per value
            worst = 0.0
            for value, bound in self.per_value[sink]:
                worst = max(worst, bound)
                if bound > self.contract * max(1.0, abs(value)):
                    self.problems.append((sink, f"its float error can reach {bound:.2g} at the value {value:.6g} "
                                                f"in {self.dtype}, over the contract's "
                                                f"{self.contract:g}·max(1, |value|)"))
                    break
            return worst
        bound = self.read_error(enc.numerical)
        smallest = min([abs(float(v)) for v in self.sets[sink].values or () if rasp.is_number(v)], default=0.0)
        if bound > self.contract * max(1.0, smallest):
            self.problems.append((sink, f"its float error can reach {bound:.2g} in {self.dtype} (its values reach "
                                        f"{self.largest(sink):.3g} and come as close to 0 as {smallest:.3g}), over "
                                        f"the contract's {self.contract:g}·max(1, |value|)"))
        self.bounds[sink] = bound
        return bound


def min_gap(values: Sequence[float]) -> float:
    """The smallest gap between neighbouring values (inf for fewer than two)."""
    ordered = sorted(values)
    return min((b - a for a, b in zip(ordered, ordered[1:], strict=False)), default=float("inf"))
