"""Lowering: decide how each SOp is computed and read, and build its weights as sparse specs.

Linear SOps cost nothing: categorical Maps, categorical→numerical Maps, affine numerical Maps
and SequenceMaps, Full, and tokens/indices read as numbers are *virtual*: their features are
linear combinations of other SOps' directions, composed into whatever reads them. Only
Aggregates (a head), SelectorWidths (a head and an MLP) and non-linear Maps/SequenceMaps
(an MLP) are materialised into residual directions of their own.

Problems are collected, never raised one at a time; the pipeline raises them all together.
"""

from typing import Any

from glassbox import rasp
from glassbox.compiler import selectors, values
from glassbox.compiler.nodes import Encoded, Graph, HeadSpec, Lowered, Op, Options
from glassbox.craft import bases
from glassbox.craft.bases import Direction, Feature
from glassbox.craft.chamber import attention, categorical_mlp, numerical_mlp

ONE = {Direction(bases.ONE): 1.0}
# Attention weight an Aggregate may leak to unselected keys, per unit of value: far below each
# dtype's numerical-output tolerance (1e-4 relative in float32, 1e-9 in float64).
AGGREGATE_TOLERANCE = {"float32": 1e-8, "float64": 1e-13}


class _Lowering:
    def __init__(self, graph: Graph, sets: dict[int, values.ValueSet], options: Options) -> None:
        self.graph, self.sets, self.options = graph, sets, options
        self.enc: dict[int, Encoded] = {}
        self.ops: list[Op] = []
        self.embed_extra: dict[Direction, float] = {}  # added to every real token's embedding
        self.views: dict[int, tuple[dict, frozenset[str]]] = {}  # implicit categorical copies
        self.problems: list[tuple[str, str]] = []

    def label(self, node: rasp.RASPExpr) -> str:
        return self.graph.labels[node]

    def problem(self, node: rasp.RASPExpr, reason: str) -> None:
        self.problems.append((self.label(node), reason))

    # -- reads -----------------------------------------------------------------------------
    def numeric_read(self, node: rasp.SOp) -> "Feature | None":
        """The feature reading `node` as a number (categorical SOps with numeric values too)."""
        enc = self.enc.get(id(node))
        if enc is None:
            return None
        if enc.numerical is not None:
            return enc.numerical
        vs = self.sets[id(node)]
        if not vs.numeric:
            return None
        return bases.add(*((float(v), enc.categorical[v]) for v in vs.values if v in enc.categorical))

    def calls(self, node: "rasp.Map | rasp.SequenceMap", argsets: list[tuple]) -> dict[tuple, Any]:
        """node.f on each argument tuple (None where it raises), reusing value-set inference's calls."""
        known = self.sets[id(node)].table or {}
        return {args: known[args] if args in known else values.safe_call(node.f, *args) for args in argsets}

    def values_of(self, node: rasp.SOp) -> "tuple[Any, ...] | None":
        return self.sets[id(node)].values

    # -- per-node rules --------------------------------------------------------------------
    def lower(self, node: rasp.RASPExpr) -> None:
        if isinstance(node, rasp.Selector):
            return
        vs = self.sets[id(node)]
        numerical = node.encoding is rasp.Encoding.NUMERICAL
        if numerical and vs.may_be_none:
            self.problem(node, "a numerical SOp cannot be None (a numerical residual has no 'empty' "
                               "value); give its Aggregate a numeric default or make it categorical")
        handler = {
            rasp.TokensType: self.lower_source, rasp.IndicesType: self.lower_source,
            rasp.LengthType: self.lower_length, rasp.Full: self.lower_full,
            rasp.Map: self.lower_map, rasp.SequenceMap: self.lower_sequence_map,
            rasp.LinearSequenceMap: self.lower_sequence_map, rasp.Aggregate: self.lower_aggregate,
            rasp.SelectorWidth: self.lower_width,
        }.get(type(node))
        if handler is None:
            self.problem(node, f"{type(node).__name__} cannot be compiled (it has no transformer form)")
            self.enc[id(node)] = Encoded({}, {} if numerical else None, frozenset())
            return
        handler(node)

    def set_virtual(self, node: rasp.SOp, table: "dict[Any, Feature] | None", scalar: "Feature | None",
                    deps: frozenset[str]) -> None:
        self.enc[id(node)] = Encoded(table, scalar, deps)

    def materialise(self, node: rasp.SOp, kind: str, deps: frozenset[str], head: "HeadSpec | None",
                    neurons: tuple = (), scratch: tuple[Direction, ...] = (),
                    outputs: "tuple[Direction, ...] | None" = None) -> tuple[Direction, ...]:
        label = self.label(node)
        if node.encoding is rasp.Encoding.NUMERICAL:
            dirs = (Direction(label),)
            self.enc[id(node)] = Encoded(None, {dirs[0]: 1.0}, frozenset({label}))
        else:
            dirs = tuple(Direction(label, v) for v in (self.values_of(node) or ()))
            self.enc[id(node)] = Encoded({d.value: {d: 1.0} for d in dirs}, None, frozenset({label}))
        self.ops.append(Op(label, kind, head, tuple(neurons), dirs, scratch, deps))
        return dirs

    def out_vector(self, node: rasp.SOp, value: Any) -> Feature:
        """The output vector an MLP writes for `value` of the materialised `node`."""
        label = self.label(node)
        if value is None:
            return {}
        if node.encoding is rasp.Encoding.NUMERICAL:
            return {Direction(label): float(value)} if value != 0 else {}
        return {Direction(label, value): 1.0}

    def lower_source(self, node: rasp.SOp) -> None:
        name = bases.TOKENS if isinstance(node, rasp.TokensType) else bases.INDICES
        table = {v: {Direction(name, v): 1.0} for v in self.values_of(node)}
        if node.encoding is rasp.Encoding.NUMERICAL:
            if not self.sets[id(node)].numeric:
                self.problem(node, f"numerical {name} needs numeric values, got {self.values_of(node)!r}")
                return self.set_virtual(node, None, {}, frozenset())
            return self.set_virtual(node, None, bases.add(*((float(v), f) for v, f in table.items())),
                                    frozenset())
        self.set_virtual(node, table, None, frozenset())

    def lower_full(self, node: rasp.Full) -> None:
        if node.encoding is rasp.Encoding.NUMERICAL:
            if not isinstance(node.fill, (int, float)):
                self.problem(node, f"numerical Full needs a number, got {node.fill!r}")
                return self.set_virtual(node, None, {}, frozenset())
            return self.set_virtual(node, None, bases.add((float(node.fill), ONE)), frozenset())
        self.set_virtual(node, {} if node.fill is None else {node.fill: dict(ONE)}, None, frozenset())

    def lower_map(self, node: rasp.Map) -> None:
        inner = self.enc[id(node.inner)]
        in_values = self.values_of(node.inner)
        if in_values is None:
            self.problem(node, f"the input {self.label(node.inner)!r} has too many possible values "
                               f"(> {values.MAX_VALUES}) to tabulate this Map")
            return self.set_virtual(node, {}, None if node.encoding.value == "categorical" else {},
                                    inner.deps)
        calls = self.calls(node, [(x,) for x in in_values])
        table = {x: calls[(x,)] for x in in_values}
        self.lower_function(node, table, node.inner, inner)

    def lower_function(self, node: rasp.SOp, table: dict, src: rasp.SOp, src_enc: Encoded) -> None:
        """A one-input function given as a table over the input's values."""
        numerical_out = node.encoding is rasp.Encoding.NUMERICAL
        if numerical_out and not all(values.is_number(y) for y in table.values() if y is not None):
            self.problem(node, "a numerical Map must return numbers, got "
                               f"{[y for y in table.values() if not values.is_number(y)][:3]!r}")
            return self.set_virtual(node, None, {}, src_enc.deps)
        if src_enc.categorical is not None:  # linear in the one-hot input: virtual
            out: dict[Any, dict] = {}
            for x, y in table.items():
                if y is not None and x in src_enc.categorical:
                    out[y] = bases.add((1, out.get(y, {})), (1, src_enc.categorical[x]))
            if numerical_out:  # read as a number, and (for free) as one-hots where something compares it
                scalar = bases.add(*((float(y), src_enc.categorical[x]) for x, y in table.items() if y is not None))
                return self.set_virtual(node, out, scalar, src_enc.deps)
            return self.set_virtual(node, out, None, src_enc.deps)
        xs = list(table)  # numerical input, ascending values
        if numerical_out:
            affine = _affine_fit([(float(x),) for x in xs], [float(table[x]) for x in xs])
            if affine is not None:
                (a,), b = affine
                return self.set_virtual(node, None, bases.add((a, src_enc.numerical), (b, ONE)), src_enc.deps)
        if any(table[x] is None for x in xs):
            self.problem(node, "its function fails on some input values: "
                               f"{self.sets[id(node)].failures or 'returns None'}")
        neurons = numerical_mlp.discretise(
            src_enc.numerical, [float(x) for x in xs], [self.out_vector(node, table[x]) for x in xs])
        self.materialise(node, "mlp", src_enc.deps, None, neurons)

    def lower_sequence_map(self, node: rasp.SequenceMap) -> None:
        if node.fst is node.snd:
            in_values = self.values_of(node.fst)
            if in_values is None:
                return self.problem(node, f"the input {self.label(node.fst)!r} has too many values")
            calls = self.calls(node, [(x, x) for x in in_values])
            table = {x: calls[(x, x)] for x in in_values}
            return self.lower_function(node, table, node.fst, self.enc[id(node.fst)])
        fx, fy = self.enc[id(node.fst)], self.enc[id(node.snd)]
        xs, ys = self.values_of(node.fst), self.values_of(node.snd)
        deps = fx.deps | fy.deps
        numerical_out = node.encoding is rasp.Encoding.NUMERICAL
        rx, ry = self.numeric_read(node.fst), self.numeric_read(node.snd)
        if isinstance(node, rasp.LinearSequenceMap) and numerical_out and rx is not None and ry is not None:
            return self.set_virtual(node, None, bases.add((node.fst_fac, rx), (node.snd_fac, ry)), deps)
        if xs is None or ys is None or len(xs) * len(ys) > values.MAX_VALUES:
            self.problem(node, "its inputs have too many value pairs to tabulate this SequenceMap")
            return self.set_virtual(node, None if numerical_out else {}, {} if numerical_out else None, deps)
        table = self.calls(node, [(x, y) for x in xs for y in ys])
        if numerical_out and rx is not None and ry is not None and all(values.is_number(v) for v in table.values()):
            affine = _affine_fit([(float(x), float(y)) for x, y in table], [float(v) for v in table.values()])
            if affine is not None:
                (a, b), c = affine
                return self.set_virtual(node, None, bases.add((a, rx), (b, ry), (c, ONE)), deps)
        if numerical_out and not all(values.is_number(v) for v in table.values() if v is not None):
            self.problem(node, "a numerical SequenceMap must return numbers")
            return self.set_virtual(node, None, {}, deps)
        if fx.categorical is None and fy.categorical is None and (view := self.categorical_view(node.fst)):
            fx = Encoded(view[0], None, view[1])  # two numerical inputs: categorise the first
            deps = deps | view[1]
        if fx.categorical is not None and fy.categorical is not None:
            neurons = categorical_mlp.sequence_map(
                fx.categorical, fy.categorical, lambda a, b: self.out_vector(node, table[(a, b)]))
        elif fx.categorical is not None or fy.categorical is not None:
            cat_first = fx.categorical is not None
            gate_enc, num_enc = (fx, fy) if cat_first else (fy, fx)
            gate_values, num_values = (xs, ys) if cat_first else (ys, xs)
            neurons = []
            for g in gate_values:
                if g not in gate_enc.categorical:
                    continue
                outs = [self.out_vector(node, table[(g, v) if cat_first else (v, g)]) for v in num_values]
                neurons += numerical_mlp.discretise(num_enc.numerical, [float(v) for v in num_values], outs,
                                                    gate=gate_enc.categorical[g])
        else:
            self.problem(node, "a SequenceMap of two numerical SOps must be affine (a·x + b·y + c); "
                               "make one input categorical with rasp.categorical(...)")
            return self.set_virtual(node, None, {}, deps)
        self.materialise(node, "mlp", deps, None, neurons)

    def lower_aggregate(self, node: rasp.Aggregate) -> None:
        groups, sel_deps = self.selector(node.selector, node)
        deps = sel_deps | self.enc[id(node.sop)].deps
        n = self.options.max_seq_len
        if node.encoding is rasp.Encoding.NUMERICAL:
            read = self.numeric_read(node.sop)
            if read is None:
                self.problem(node, f"a numerical Aggregate needs numeric values in {self.label(node.sop)!r}")
                read = {}
            default = node.default or 0
            if not values.is_number(default):
                self.problem(node, f"a numerical Aggregate's default must be a number, got {default!r}")
                default = 0
            scale = max([1.0, abs(float(default))] + [abs(float(v)) for v in (self.values_of(node.sop) or ())])
            sharp = attention.aggregate_sharpness(n, AGGREGATE_TOLERANCE[self.options.dtype] / scale)
            out = Direction(self.label(node))
            # A default d: average (v - d) and let the embedding add d at every real token, so an
            # empty selection (all weight on BOS, whose value is 0) leaves exactly d.
            if default:
                read = bases.add((1, read), (-float(default), ONE))
                self.embed_extra[out] = self.embed_extra.get(out, 0.0) + float(default)
            head = HeadSpec(tuple(groups), sharp, (len(groups) - 0.5) * sharp, {out: read})
            self.materialise(node, "attn", deps, head)
            return
        view = self.categorical_view(node.sop)
        if view is None:
            self.problem(node, f"a categorical Aggregate needs a categorical input; {self.label(node.sop)!r} "
                               "is numerical with too many values (annotate the Aggregate numerical)")
            view = ({}, frozenset())
        src = Encoded(view[0], None, view[1])
        deps = deps | view[1]
        label = self.label(node)
        sharp = attention.aggregate_sharpness(n, AGGREGATE_TOLERANCE[self.options.dtype])
        reads = {Direction(label, v): src.categorical[v] for v in (self.values_of(node) or ())
                 if v in src.categorical}
        if node.default is not None:  # as for numerical defaults: average onehot(v) - onehot(d), embed +onehot(d)
            out = Direction(label, node.default)
            reads[out] = bases.add((1, reads.get(out, {})), (-1, ONE))
            self.embed_extra[out] = self.embed_extra.get(out, 0.0) + 1.0
        head = HeadSpec(tuple(groups), sharp, (len(groups) - 0.5) * sharp, reads)
        self.materialise(node, "attn", deps, head)

    def lower_width(self, node: rasp.SelectorWidth) -> None:
        groups, deps = self.selector(node.selector, node)
        self.lower_width_of(node, groups, deps)

    def lower_length(self, node: rasp.LengthType) -> None:
        if self.options.causal:
            self.problem(node, "length needs every position, which a causal model cannot see")
        self.lower_width_of(node, [], frozenset())

    def lower_width_of(self, node: rasp.SOp, groups: list, deps: frozenset[str]) -> None:
        n = self.options.max_seq_len
        label = self.label(node)
        scratch = Direction(f"{label}.bos_weight")
        gap = 1.0 / (n * (n + 1)) if n > 0 else 1.0
        sharp = attention.width_sharpness(n, gap * 1e-3)
        head = HeadSpec(tuple(groups), sharp, len(groups) * sharp, {scratch: {self.options.bos_direction: 1.0}})
        widths = list(range(n, -1, -1))  # ascending 1/(w+1)
        possible = set(self.values_of(node) or ())  # `length` is never 0
        neurons = numerical_mlp.discretise(
            {scratch: 1.0}, [1.0 / (w + 1) for w in widths],
            [self.out_vector(node, w) if w in possible else {} for w in widths])
        self.materialise(node, "width", deps, head, neurons, scratch=(scratch,))

    def selector(self, sel: rasp.Selector, user: rasp.RASPExpr) -> tuple[list, frozenset[str]]:
        groups, problems = selectors.to_groups(sel, self.graph.labels)
        for label, reason in problems:
            self.problems.append((label, reason))
        out, deps = [], frozenset()
        for keys, queries, predicate in groups:
            kv, qv = self.categorical_view(keys), self.categorical_view(queries)
            for side, node, view in (("keys", keys, kv), ("queries", queries, qv)):
                if view is None:
                    self.problem(sel, f"its {side} {self.label(node)!r} are numerical with too many values to "
                                      "compare categorically")
            if kv is None or qv is None:
                continue
            out.append(attention.PredicateGroup(kv[0], qv[0], predicate))
            deps |= kv[1] | qv[1]
        return out, deps

    def categorical_view(self, node: rasp.SOp) -> "tuple[dict, frozenset[str]] | None":
        """One-hot features of `node`; a numerical SOp gets an implicit categorical copy (one MLP)."""
        enc = self.enc[id(node)]
        if enc.categorical is not None:
            return dict(enc.categorical), enc.deps
        if id(node) not in self.views:
            vs = self.values_of(node)
            if vs is None or not self.sets[id(node)].numeric:
                return None
            label = f"{self.label(node)}.categorical"
            dirs = [Direction(label, v) for v in vs]
            neurons = numerical_mlp.discretise(enc.numerical, [float(v) for v in vs], [{d: 1.0} for d in dirs])
            self.ops.append(Op(label, "mlp", None, tuple(neurons), tuple(dirs), (), enc.deps))
            self.views[id(node)] = ({v: {d: 1.0} for v, d in zip(vs, dirs, strict=True)}, frozenset({label}))
        return self.views[id(node)]


def lower(graph: Graph, sets: dict[int, values.ValueSet], options: Options) -> tuple[Lowered, list]:
    """Lower every node; returns the ops and encodings, and the list of (label, reason) problems."""
    state = _Lowering(graph, sets, options)
    for node in graph.nodes:
        state.lower(node)
    sink = graph.sink
    enc = state.enc.get(id(sink))
    if not isinstance(sink, rasp.SOp) or enc is None:
        state.problems.append((graph.labels[sink], "the program's output must be an SOp"))
        return Lowered((), {}, None, (), False, {}), state.problems
    if enc.numerical is not None:
        out_values, out_features = None, (enc.numerical,)
    else:
        out_values = tuple(v for v in (sets[id(sink)].values or ()) if v in enc.categorical)
        out_features = tuple(enc.categorical[v] for v in out_values)
    uses_indices = any(isinstance(node, rasp.IndicesType) for node in graph.nodes)
    encodings = {graph.labels[n]: state.enc[id(n)] for n in graph.nodes if id(n) in state.enc}
    lowered = Lowered(tuple(state.ops), encodings, out_values, out_features, uses_indices, state.embed_extra)
    return lowered, state.problems


def _affine_fit(xs: list[tuple[float, ...]], ys: list[float]) -> "tuple[tuple[float, ...], float] | None":
    """Coefficients (a, c) with y = a·x + c exactly (to 1e-9 relative) on every point, or None."""
    import numpy as np

    if not xs:
        return None
    design = np.hstack([np.array(xs, dtype=float), np.ones((len(xs), 1))])
    target = np.array(ys, dtype=float)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    if not np.allclose(design @ coef, target, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(target).max()))):
        return None
    coef = np.where(np.abs(coef) < 1e-12, 0.0, coef)
    return tuple(float(c) for c in coef[:-1]), float(coef[-1])

