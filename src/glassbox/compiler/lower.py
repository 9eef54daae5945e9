"""`Encodings` → `Lowered`: build every materialised op's weights as sparse specs over named directions.

Nothing is decided here: `encodings.choose` fixed what is stored where, and found every problem.
Each rule below only calls a weight factory from `craft.chamber` (whose docstrings give the math):

* Aggregate → one attention head averaging the value's features (a default d is averaged as v - d,
  and the embedding adds d at every real token, so an empty selection leaves exactly d);
* SelectorWidth, length → a head that attends to BOS with weight 1/(w+1) and an MLP that reads it;
* non-linear Map → a discretising MLP over the numerical input's values;
* SequenceMap → a lookup-table MLP (categorical × categorical) or gated discretising MLPs
  (categorical × numerical);
* implicit categorical copy → a discretising MLP writing one-hots.
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
        else:
            node = self.nodes[label]
            if isinstance(node, rasp.Aggregate):
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
        sop = self.graph.label(node.sop)
        bos_units = len(groups) - 0.5  # BOS wins only when nothing is selected, by half a unit each way
        if node.encoding is rasp.Encoding.NUMERICAL:
            read = enc_pass.numeric_read(self.enc(sop), self.sets[sop]) or {}
            default = float(node.default or 0)
            scale = max([1.0, abs(default)] + [abs(float(v)) for v in (self.sets[sop].values or ())])
            sharp = attention.aggregate_sharpness(n, AGGREGATE_TOLERANCE[self.options.dtype] / scale)
            out = Direction(label)
            if default:
                read = bases.add((1, read), (-default, ONE))
                self.embed_extra[out] = self.embed_extra.get(out, 0.0) + default
            return HeadSpec(groups, sharp, bos_units * sharp, {out: read})
        src = enc_pass.categorical_of(self.encodings, sop)
        sharp = attention.aggregate_sharpness(n, AGGREGATE_TOLERANCE[self.options.dtype])
        reads: dict[Direction, Feature] = {Direction(label, v): src[v] for v in (self.sets[label].values or ())
                                           if v in src}
        if node.default is not None:  # average onehot(v) - onehot(d), and the embedding adds onehot(d)
            out = Direction(label, node.default)
            reads[out] = bases.add((1, reads.get(out, {})), (-1, ONE))
            self.embed_extra[out] = self.embed_extra.get(out, 0.0) + 1.0
        return HeadSpec(groups, sharp, bos_units * sharp, reads)

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
