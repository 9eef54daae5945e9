"""`Encodings` → `Lowered`: build every materialised op's weights as sparse specs over named directions.

Nothing is decided here: `encodings.choose` fixed what is stored where, and found every problem.
Each rule below only calls a weight factory from `craft.chamber` (whose docstrings give the math):

* Aggregate → one attention head averaging the value's features (a default d is averaged as v - d,
  and the embedding adds d at every real token, so an empty selection leaves exactly d); for max/min
  the score adds each key's value rank, so only the best selected values are averaged;
* sum Aggregate → a count op (a head reading s/(w+1) and BOS's weight 1/(w+1), and an MLP writing w
  one-hot), then an MLP reading s = (w+1)·(s/(w+1)) per count w;
* SelectorWidth, length → a head that attends to BOS with weight 1/(w+1) and an MLP that reads it;
* non-linear Map → a discretising MLP over the numerical input's values;
* SequenceMap → a lookup-table MLP (categorical × categorical) or gated discretising MLPs
  (categorical × numerical);
* implicit categorical copy → a discretising MLP writing one-hots;
* joint feature (a composite selector's) → a lookup MLP writing the tuple of its inputs' values one-hot.
"""

from typing import Any

from glassbox import rasp
from glassbox.compiler import encodings as enc_pass
from glassbox.compiler import graph as graph_pass
from glassbox.compiler.nodes import Encoded, Encodings, Graph, HeadSpec, Lowered, Op, Options, ValueSets
from glassbox.craft import bases
from glassbox.craft.bases import Direction, Feature
from glassbox.craft.chamber import attention, categorical_mlp, numerical_mlp
from glassbox.craft.chamber.neurons import Neuron

ONE = enc_pass.ONE
# Attention weight an Aggregate may leak to unselected keys, per unit of value: far below each
# dtype's numerical-output tolerance (1e-4 relative in float32, 1e-9 in float64).
AGGREGATE_TOLERANCE = {"float32": 1e-8, "float64": 1e-13}


def lower(graph: Graph, sets: ValueSets, encodings: Encodings, options: Options) -> Lowered:
    """The ops of every materialised SOp (and implicit copy), in dependency order."""
    return _Builder(graph, sets, encodings, options).build()


class _Builder:
    def __init__(self, graph: Graph, sets: ValueSets, encodings: Encodings, options: Options) -> None:
        self.graph, self.sets, self.encodings, self.options = graph, sets, encodings, options
        self.nodes = {graph.label(node): node for node in graph.nodes}
        self.copies = {copy: source for source, copy in encodings.views.items()}
        self.summed = {count: label for label, count in encodings.counts.items()}
        self.embed_extra: dict[Direction, float] = {}

    def build(self) -> Lowered:
        ops = tuple(self.op(label) for label in self.encodings.order)
        return Lowered(ops, dict(self.embed_extra))

    def enc(self, label: str) -> Encoded:
        return self.encodings.by_label[label]

    def op(self, label: str) -> Op:
        enc = self.enc(label)
        assert enc.kind is not None
        head: "HeadSpec | None" = None
        neurons: list[Neuron] = []
        if label in self.copies:
            neurons = self.copy(label, self.copies[label])
        elif label in self.encodings.joints:
            features = [enc_pass.categorical_of(self.encodings, c) for c in self.encodings.joints[label]]
            neurons = categorical_mlp.joint(features, lambda values: {Direction(label, values): 1.0})
        elif label in self.summed:
            total = self.nodes[self.summed[label]]
            assert isinstance(total, rasp.Aggregate)
            head, neurons = self.sum_count(total, label, enc)
        else:
            node = self.nodes[label]
            if isinstance(node, rasp.Aggregate) and node.reduction == "sum":
                neurons = self.sum_readout(node, label)
            elif isinstance(node, rasp.Aggregate):
                head = self.aggregate(node, label)
            elif isinstance(node, (rasp.SelectorWidth, rasp.LengthType)):
                head, neurons = self.width(node, label, enc)
            elif isinstance(node, rasp.Map):
                neurons = self.function(node, self.graph.label(node.inner), label)
            elif isinstance(node, rasp.SequenceMap):
                if node.fst is node.snd:
                    neurons = self.function(node, self.graph.label(node.fst), label)
                else:
                    neurons = self.sequence_map(node, label)
            else:  # encodings.choose materialises nothing else
                raise AssertionError(f"no lowering rule for {type(node).__name__} {label!r}")
        return Op(label, enc.kind, head, tuple(neurons), enc.outputs, enc.scratch, enc.inputs)

    def out_vector(self, label: str, value: Any) -> Feature:
        """The output vector an MLP writes for `value` of the materialised `label`."""
        if value is None:
            return {}
        enc = self.enc(label)
        if enc.categorical is None:  # a numerical op (a categorical one may also be read as a number)
            return {Direction(label): float(value)} if value != 0 else {}
        if value not in enc.categorical:  # an argument pair the value sets prove never occurs (same-count means)
            return {}
        return {Direction(label, value): 1.0}

    def numerical(self, label: str) -> Feature:
        return self.enc(label).numerical or {}

    # -- MLPs ------------------------------------------------------------------------------
    def copy(self, label: str, source: str) -> list[Neuron]:
        vs = self.sets[source].values or ()
        return numerical_mlp.discretise(self.numerical(source), [float(v) for v in vs],
                                        [{Direction(label, v): 1.0} for v in vs])

    def function(self, node: "rasp.Map | rasp.SequenceMap", src: str, label: str) -> list[Neuron]:
        xs = list(self.sets[src].values or ())
        args = [(x,) if isinstance(node, rasp.Map) else (x, x) for x in xs]
        table = enc_pass.calls(node, self.sets[label], args)
        return numerical_mlp.discretise(self.numerical(src), [float(x) for x in xs],
                                        [self.out_vector(label, table[a]) for a in args])

    def sequence_map(self, node: rasp.SequenceMap, label: str) -> list[Neuron]:
        fst, snd = self.graph.label(node.fst), self.graph.label(node.snd)
        xs, ys = self.sets[fst].values or (), self.sets[snd].values or ()
        table = enc_pass.calls(node, self.sets[label], [(x, y) for x in xs for y in ys])
        fx, fy = self.enc(fst).categorical, self.enc(snd).categorical
        if fx is None and fy is None:  # two numerical inputs: the first is read through its copy
            fx = enc_pass.categorical_of(self.encodings, fst)
        if fx is not None and fy is not None:
            return categorical_mlp.sequence_map(fx, fy, lambda a, b: self.out_vector(label, table[(a, b)]))
        cat_first = fx is not None
        gates = fx if fx is not None else fy
        assert gates is not None
        gate_values, num_values = (xs, ys) if cat_first else (ys, xs)
        num = self.numerical(snd if cat_first else fst)
        neurons: list[Neuron] = []
        for g in gate_values:
            if g not in gates:
                continue
            outs = [self.out_vector(label, table[(g, v) if cat_first else (v, g)]) for v in num_values]
            neurons += numerical_mlp.discretise(num, [float(v) for v in num_values], outs, gate=gates[g])
        return neurons

    # -- heads -----------------------------------------------------------------------------
    def groups(self, label: str) -> tuple[attention.PredicateGroup, ...]:
        return tuple(attention.PredicateGroup(enc_pass.categorical_of(self.encodings, keys),
                                              enc_pass.categorical_of(self.encodings, queries), predicate)
                     for keys, queries, predicate in self.encodings.selectors[label])

    def aggregate(self, node: rasp.Aggregate, label: str) -> HeadSpec:
        groups = self.groups(label)
        n = self.options.max_seq_len
        reads, scale = self.aggregate_reads(node, label)
        tolerance = AGGREGATE_TOLERANCE[self.options.dtype] / scale
        if node.reduction in ("max", "min"):
            sop = self.graph.label(node.sop)
            cat = enc_pass.categorical_of(self.encodings, sop)
            ranked = enc_pass.bases_order(tuple(v for v in self.sets[sop].values or () if v in cat)) or []
            if node.reduction == "min":
                ranked.reverse()
            step, sharp, bos_score = attention.rank_scores(n, tolerance, len(groups), len(ranked))
            key_bias = bases.add(*((step * i, cat[v]) for i, v in enumerate(ranked)))
            return HeadSpec(groups, sharp, bos_score, reads, key_bias)
        sharp = attention.aggregate_sharpness(n, tolerance)
        bos_units = len(groups) - 0.5  # BOS wins only when nothing is selected, by half a unit each way
        return HeadSpec(groups, sharp, bos_units * sharp, reads)

    def aggregate_reads(self, node: rasp.Aggregate, label: str) -> tuple[dict[Direction, Feature], float]:
        """What an Aggregate head writes per output direction (the values' features, less the default's,
        which the embedding adds at every token, so an empty selection leaves exactly the default), and the
        largest magnitude it writes (numerical: the tolerance is relative to it)."""
        sop = self.graph.label(node.sop)
        if node.encoding is rasp.Encoding.NUMERICAL:
            read = enc_pass.numeric_read(self.enc(sop), self.sets[sop]) or {}
            default = float(node.default or 0)
            scale = max([1.0, abs(default)] + [abs(float(v)) for v in (self.sets[sop].values or ())])
            out = Direction(label)
            if default:
                read = bases.add((1, read), (-default, ONE))
                self.embed_extra[out] = self.embed_extra.get(out, 0.0) + default
            return {out: read}, scale
        src = enc_pass.categorical_of(self.encodings, sop)
        reads: dict[Direction, Feature] = {Direction(label, v): src[v] for v in (self.sets[label].values or ())
                                           if v in src}
        if node.default is not None:  # average onehot(v) - onehot(d), and the embedding adds onehot(d)
            out = Direction(label, node.default)
            reads[out] = bases.add((1, reads.get(out, {})), (-1, ONE))
            self.embed_extra[out] = self.embed_extra.get(out, 0.0) + 1.0
        return reads, 1.0

    # -- sums ------------------------------------------------------------------------------
    def sum_count(self, node: rasp.Aggregate, count: str, enc: Encoded) -> tuple[HeadSpec, list[Neuron]]:
        """A sum's count op: a head weighing BOS like each selected key (1/(w+1) each) reads BOS into
        `.bos_weight` and the values into `.scaled` (= s/(w+1)); the MLP writes w one-hot from the BOS weight.

        Each unselected key weighs at most e^{-c} of a selected one, so both reads are off by at most
        N·e^{-c}·max(1, 2·max|v|); c makes that 1e-3 of the smaller gap the MLPs must resolve (1/(N(N+1))
        between BOS weights, the gap between distinct sums s/(w+1) at one count).
        """
        groups = self.groups(count)
        n = self.options.max_seq_len
        sop = self.graph.label(node.sop)
        weight, scaled = enc.scratch
        vmax = max([1.0] + [abs(float(v)) for v in self.sets[sop].values or ()])
        gap = 1.0 / (n * (n + 1)) if n > 0 else 1.0
        for w, sums in self.sums_by_count(node).items():
            xs = sorted(float(v) / (w + 1) for v in sums)
            gap = min([gap] + [(b - a) / (2 * vmax) for a, b in zip(xs, xs[1:], strict=False) if b > a])
        sharp = attention.width_sharpness(n, gap * 1e-3)
        read = enc_pass.numeric_read(self.enc(sop), self.sets[sop]) or {}
        head = HeadSpec(groups, sharp, len(groups) * sharp, {weight: {self.options.bos_direction: 1.0}, scaled: read})
        widths = list(range(n, -1, -1))  # ascending 1/(w+1)
        neurons = numerical_mlp.discretise({weight: 1.0}, [1.0 / (w + 1) for w in widths],
                                           [{Direction(count, w): 1.0} for w in widths])
        return head, neurons

    def sums_by_count(self, node: rasp.Aggregate) -> dict[int, list[Any]]:
        """Per selection count w >= 1, the possible sums (value-set inference enumerated them)."""
        by_count = self.sets[self.graph.label(node)].by_count
        assert by_count is not None
        return {w: sorted(vs, key=float) for w, vs in sorted(by_count[1].items()) if w > 0 and vs}

    def sum_readout(self, node: rasp.Aggregate, label: str) -> list[Neuron]:
        """s = (w+1)·scaled, per count w: a discretising MLP over the sums s/(w+1) possible at w, gated on
        w's one-hot (the default where w = 0)."""
        count = self.encodings.counts[label]
        scaled = {Direction(count + graph_pass.SCALED_SUFFIX): 1.0}
        by_count = self.sums_by_count(node)
        xs_all = [0.0] + [float(v) / (w + 1) for w, vs in by_count.items() for v in vs]
        lo, hi = min(xs_all), max(xs_all)
        neurons: list[Neuron] = []
        default = self.out_vector(label, node.default)
        if default:
            neurons.append(Neuron({Direction(count, 0): 1.0}, default))
        for w, sums in by_count.items():
            xs = [float(v) / (w + 1) for v in sums]
            outs = [self.out_vector(label, v) for v in sums]
            # the gate must hold off whatever the scaled sum is at other counts: span their whole range
            xs, outs = [lo, *xs, hi], [outs[0], *outs, outs[-1]]
            neurons += numerical_mlp.discretise(scaled, xs, outs, gate={Direction(count, w): 1.0})
        return neurons

    def width(self, node: "rasp.SelectorWidth | rasp.LengthType", label: str,
              enc: Encoded) -> tuple[HeadSpec, list[Neuron]]:
        groups = self.groups(label)
        n = self.options.max_seq_len
        (scratch,) = enc.scratch
        assert scratch.name == label + graph_pass.WIDTH_SCRATCH_SUFFIX
        gap = 1.0 / (n * (n + 1)) if n > 0 else 1.0
        sharp = attention.width_sharpness(n, gap * 1e-3)
        head = HeadSpec(groups, sharp, len(groups) * sharp, {scratch: {self.options.bos_direction: 1.0}})
        widths = list(range(n, -1, -1))  # ascending 1/(w+1)
        possible = set(self.sets[label].values or ())  # `length` is never 0
        neurons = numerical_mlp.discretise(
            {scratch: 1.0}, [1.0 / (w + 1) for w in widths],
            [self.out_vector(label, w) if w in possible else {} for w in widths])
        return head, neurons
