"""`ValueSets` → `Encodings`: decide how every SOp is stored and read, before any weight is built.

Linear SOps cost nothing: categorical Maps, categorical→numerical Maps, affine numerical Maps
and SequenceMaps, Full, and tokens/indices read as numbers are *virtual*: their features are
linear combinations of other SOps' directions, composed into whatever reads them. Only
Aggregates (a head), SelectorWidths (a head and an MLP) and non-linear Maps/SequenceMaps
(an MLP) are materialised into residual directions of their own. A numerical SOp that a
Select or a categorical Aggregate compares gets an implicit categorical copy (one MLP),
labelled `<label>.categorical`. A sum Aggregate also gets an internal count op (`<label>.count`: a head and an
MLP), and a selector with an OR/NOT across key/query pairs joint features (`a&b.joint`: one MLP each; see
`compiler.selectors`).

Every problem is collected here, never raised one at a time: the pipeline raises them all
together before `lower` builds a single weight.
"""

import dataclasses
import itertools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassbox import rasp
from glassbox.compiler import graph as graph_pass
from glassbox.compiler import selectors, values
from glassbox.compiler.nodes import Encoded, Encodings, Graph, Group, OpKind, Options, Storage, ValueSet, ValueSets
from glassbox.craft import bases
from glassbox.craft.bases import Direction, Feature

ONE: Feature = {Direction(bases.ONE): 1.0}
_EMPTY: frozenset[str] = frozenset()


def choose(graph: Graph, sets: ValueSets, options: Options) -> Encodings:
    """Every SOp's encoding, the materialised ops in dependency order, and every problem."""
    state = _Choice(graph, sets, options)
    for node in graph.nodes:
        state.choose(node)
    sink = state.by_label[graph.sink_label]
    out_values: "tuple[Any, ...] | None"
    out_features: tuple[Feature, ...]
    if graph.sink.encoding is rasp.Encoding.NUMERICAL and sink.numerical is not None:
        out_values, out_features = None, (sink.numerical,)
    else:
        cat = sink.categorical or {}
        out_values = tuple(v for v in (sets[graph.sink_label].values or ()) if v in cat)
        out_features = tuple(cat[v] for v in out_values)
    uses_indices = any(isinstance(node, rasp.IndicesType) for node in graph.nodes)
    return Encodings(dict(state.by_label), tuple(state.order), dict(state.views), dict(state.selectors),
                     out_values, out_features, uses_indices, tuple(state.problems), dict(state.counts),
                     dict(state.joints), dict(state.plans))


def numeric_read(enc: Encoded, vs: ValueSet) -> "Feature | None":
    """The feature reading an SOp as a number (categorical SOps with numeric values too)."""
    if enc.numerical is not None:
        return enc.numerical
    if not vs.numeric or enc.categorical is None:
        return None
    cat = enc.categorical
    return bases.add(*((float(v), cat[v]) for v in vs.values or () if v in cat))


def categorical_of(encodings: Encodings, label: str) -> Mapping[Any, Feature]:
    """The one-hot features of an SOp: its own, or its implicit categorical copy's."""
    enc = encodings.by_label[label]
    if enc.categorical is not None:
        return enc.categorical
    return encodings.by_label[encodings.views[label]].categorical or {}


def calls(node: "rasp.Map | rasp.SequenceMap", vs: ValueSet,
          argsets: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
    """node.f on each argument tuple (None where it raises), reusing value-set inference's calls."""
    known = vs.table or {}
    return {args: known[args] if args in known else values.safe_call(node.f, *args) for args in argsets}


class _Choice:
    def __init__(self, graph: Graph, sets: ValueSets, options: Options) -> None:
        self.graph, self.sets, self.options = graph, sets, options
        self.by_label: dict[str, Encoded] = {}
        self.order: list[str] = []
        self.views: dict[str, str] = {}
        self.selectors: dict[str, tuple[Group, ...]] = {}
        self.counts: dict[str, str] = {}
        self.joints: dict[str, tuple[str, ...]] = {}
        self.plans: dict[str, str] = {}
        self.problems: list[tuple[str, str]] = []

    def problem(self, node: rasp.RASPExpr, reason: str) -> None:
        self.problems.append((self.graph.label(node), reason))

    def enc(self, node: rasp.SOp) -> Encoded:
        return self.by_label[self.graph.label(node)]

    def vs(self, node: rasp.SOp) -> ValueSet:
        return self.sets[self.graph.label(node)]

    def set(self, node: rasp.SOp, enc: Encoded) -> None:
        self.by_label[self.graph.label(node)] = enc

    def virtual(self, node: rasp.SOp, table: "Mapping[Any, Feature] | None", scalar: "Feature | None",
                deps: frozenset[str]) -> None:
        self.set(node, Encoded(table, scalar, deps))

    def failed(self, node: rasp.SOp, deps: frozenset[str] = _EMPTY) -> None:
        """An encoding that reads nothing, so later nodes can still be checked."""
        numerical = node.encoding is rasp.Encoding.NUMERICAL
        self.virtual(node, None if numerical else {}, {} if numerical else None, deps)

    def materialise(self, node: rasp.SOp, kind: OpKind, inputs: frozenset[str],
                    scratch: tuple[Direction, ...] = (), label: "str | None" = None) -> None:
        label = self.graph.label(node) if label is None else label
        if node.encoding is rasp.Encoding.NUMERICAL:
            dirs: tuple[Direction, ...] = (Direction(label),)
            enc = Encoded(None, {dirs[0]: 1.0}, frozenset({label}), Storage.MATERIALISED, kind, dirs, scratch, inputs)
        else:
            dirs = tuple(Direction(label, v) for v in (self.sets[label].values or ()))
            enc = Encoded({d.value: {d: 1.0} for d in dirs}, None, frozenset({label}), Storage.MATERIALISED, kind,
                          dirs, scratch, inputs)
        self.by_label[label] = enc
        self.order.append(label)

    # -- per node ----------------------------------------------------------------------------
    def choose(self, node: rasp.RASPExpr) -> None:
        if isinstance(node, rasp.Selector):
            return
        assert isinstance(node, rasp.SOp)
        if node.encoding is rasp.Encoding.NUMERICAL and self.vs(node).may_be_none:
            self.problem(node, "a numerical SOp cannot be None (a numerical residual has no 'empty' "
                               "value); give its Aggregate a numeric default or make it categorical")
        rules: dict[type, Callable[[Any], None]] = {
            rasp.TokensType: self.source, rasp.IndicesType: self.source, rasp.LengthType: self.length,
            rasp.Full: self.full, rasp.Map: self.map, rasp.SequenceMap: self.sequence_map,
            rasp.LinearSequenceMap: self.sequence_map, rasp.Aggregate: self.aggregate,
            rasp.SelectorWidth: self.width,
        }
        rule = rules.get(type(node))
        if rule is None:
            self.problem(node, f"{type(node).__name__} cannot be compiled (it has no transformer form)")
            return self.failed(node)
        rule(node)

    def source(self, node: rasp.SOp) -> None:
        # A primitive is one variable whatever its annotation (`tokens` and `numerical(tokens)` share the
        # label), so its encoding carries both reads: the embedded one-hots, and their number where numeric.
        name = bases.TOKENS if isinstance(node, rasp.TokensType) else bases.INDICES
        table = {v: {Direction(name, v): 1.0} for v in self.vs(node).values or ()}
        if node.encoding is rasp.Encoding.NUMERICAL and not self.vs(node).numeric:
            self.problem(node, f"numerical {name} needs numeric values, got {self.vs(node).values!r}")
            return self.failed(node)
        scalar = bases.add(*((float(v), f) for v, f in table.items())) if self.vs(node).numeric else None
        self.set(node, Encoded(table, scalar, _EMPTY, Storage.EMBEDDED))

    def full(self, node: rasp.Full) -> None:
        if node.encoding is rasp.Encoding.NUMERICAL:
            if not rasp.is_number(node.fill):
                self.problem(node, f"numerical Full needs a number, got {node.fill!r}")
                return self.failed(node)
            return self.virtual(node, None, bases.add((float(node.fill), ONE)), _EMPTY)
        self.virtual(node, {} if node.fill is None else {node.fill: dict(ONE)}, None, _EMPTY)

    def map(self, node: rasp.Map) -> None:
        inner = self.enc(node.inner)
        in_values = self.vs(node.inner).values
        if in_values is None:
            self.problem(node, f"the input {self.graph.label(node.inner)!r} has too many possible values "
                               f"(> {values.MAX_VALUES}) to tabulate this Map")
            return self.failed(node, inner.deps)
        got = calls(node, self.vs(node), [(x,) for x in in_values])
        self.function(node, {x: got[(x,)] for x in in_values}, inner)

    def function(self, node: rasp.SOp, table: dict[Any, Any], src: Encoded) -> None:
        """A one-input function given as a table over the input's values."""
        numerical_out = node.encoding is rasp.Encoding.NUMERICAL
        if numerical_out and not all(rasp.is_number(y) for y in table.values() if y is not None):
            self.problem(node, "a numerical Map must return numbers, got "
                               f"{[y for y in table.values() if not rasp.is_number(y)][:3]!r}")
            return self.failed(node, src.deps)
        if src.categorical is not None:  # linear in the one-hot input: virtual
            cat = src.categorical
            out: dict[Any, Feature] = {}
            for x, y in table.items():
                if y is not None and x in cat:
                    out[y] = bases.add((1, out.get(y, {})), (1, cat[x]))
            if numerical_out:  # read as a number, and (for free) as one-hots where something compares it
                scalar = bases.add(*((float(y), cat[x]) for x, y in table.items() if y is not None and x in cat))
                return self.virtual(node, out, scalar, src.deps)
            return self.virtual(node, out, None, src.deps)
        xs = list(table)  # numerical input, ascending values
        if numerical_out and src.numerical is not None:
            affine = affine_fit([(float(x),) for x in xs], [float(table[x]) for x in xs])
            if affine is not None:
                (a,), b = affine
                return self.virtual(node, None, bases.add((a, src.numerical), (b, ONE)), src.deps)
        if any(table[x] is None for x in xs):
            self.problem(node, "its function fails on some input values: "
                               f"{self.vs(node).failures or 'returns None'}")
        self.materialise(node, OpKind.MLP, src.deps)

    def sequence_map(self, node: rasp.SequenceMap) -> None:
        if node.fst is node.snd:
            in_values = self.vs(node.fst).values
            if in_values is None:
                self.problem(node, f"the input {self.graph.label(node.fst)!r} has too many values")
                return self.failed(node, self.enc(node.fst).deps)
            got = calls(node, self.vs(node), [(x, x) for x in in_values])
            return self.function(node, {x: got[(x, x)] for x in in_values}, self.enc(node.fst))
        fx, fy = self.enc(node.fst), self.enc(node.snd)
        xs, ys = self.vs(node.fst).values, self.vs(node.snd).values
        deps = fx.deps | fy.deps
        numerical_out = node.encoding is rasp.Encoding.NUMERICAL
        rx, ry = numeric_read(fx, self.vs(node.fst)), numeric_read(fy, self.vs(node.snd))
        if isinstance(node, rasp.LinearSequenceMap) and numerical_out and rx is not None and ry is not None:
            return self.virtual(node, None, bases.add((node.fst_fac, rx), (node.snd_fac, ry)), deps)
        if xs is None or ys is None or len(xs) * len(ys) > values.MAX_VALUES:
            self.problem(node, "its inputs have too many value pairs to tabulate this SequenceMap")
            return self.failed(node, deps)
        table = calls(node, self.vs(node), [(x, y) for x in xs for y in ys])
        if numerical_out and rx is not None and ry is not None and all(rasp.is_number(v) for v in table.values()):
            affine = affine_fit([(float(x), float(y)) for x, y in table], [float(v) for v in table.values()])
            if affine is not None:
                (a, b), c = affine
                return self.virtual(node, None, bases.add((a, rx), (b, ry), (c, ONE)), deps)
        if numerical_out and not all(rasp.is_number(v) for v in table.values() if v is not None):
            self.problem(node, "a numerical SequenceMap must return numbers")
            return self.failed(node, deps)
        if fx.categorical is None and fy.categorical is None:  # two numerical inputs: categorise the first
            view = self.view(node.fst)
            if view is None:
                self.problem(node, "a SequenceMap of two numerical SOps must be affine (a·x + b·y + c); "
                                   "make one input categorical with rasp.categorical(...)")
                return self.failed(node, deps)
            deps = deps | view
        self.materialise(node, OpKind.MLP, deps)

    def aggregate(self, node: rasp.Aggregate) -> None:
        if node.reduction == "sum":
            return self.sum(node)
        deps = self.selector(node) | self.enc(node.sop).deps
        if node.reduction != "mean":  # max/min: the values' one-hots rank the keys
            if bases_order(self.vs(node.sop).values or ()) is None:
                self.problem(node, f"a {node.reduction} Aggregate needs ordered values; "
                                   f"{self.graph.label(node.sop)!r} holds {self.vs(node.sop).values!r:.80}")
            view = self.view(node.sop)
            if view is None:
                self.problem(node, f"a {node.reduction} Aggregate ranks the values of {self.graph.label(node.sop)!r}, "
                                   "which are numerical with too many values to tell apart")
            deps |= view or _EMPTY
        if node.encoding is rasp.Encoding.NUMERICAL:
            if numeric_read(self.enc(node.sop), self.vs(node.sop)) is None:
                self.problem(node, "a numerical Aggregate needs numeric values in "
                                   f"{self.graph.label(node.sop)!r}")
            if not rasp.is_number(node.default or 0):
                self.problem(node, f"a numerical Aggregate's default must be a number, got {node.default!r}")
            return self.materialise(node, OpKind.ATTN, deps)
        view = self.view(node.sop)
        if view is None:
            self.problem(node, f"a categorical Aggregate needs a categorical input; {self.graph.label(node.sop)!r} "
                               "is numerical with too many values (annotate the Aggregate numerical)")
            view = _EMPTY
        self.materialise(node, OpKind.ATTN, deps | view)

    def sum(self, node: rasp.Aggregate) -> None:
        """A sum: an internal count op (head + MLP: w one-hot, s/(w+1)), then an MLP reading s per w."""
        label = self.graph.label(node)
        inner = self.vs(node.sop)
        if numeric_read(self.enc(node.sop), inner) is None:
            self.problem(node, f"a sum Aggregate needs numeric values in {self.graph.label(node.sop)!r}")
        if self.vs(node).values is None:
            self.problem(node, f"its sums have too many possible values (> {values.MAX_VALUES}) to read out")
        if node.encoding is rasp.Encoding.NUMERICAL and not rasp.is_number(node.default or 0):
            self.problem(node, f"a numerical Aggregate's default must be a number, got {node.default!r}")
        if node.encoding is rasp.Encoding.CATEGORICAL and not all(
                isinstance(v, (int, bool)) for v in inner.values or ()):
            self.problem(node, "a categorical sum needs integer values (float sums depend on the order of "
                               "addition); annotate the Aggregate numerical")
        count = label + graph_pass.COUNT_SUFFIX
        deps = self.selector(node, count) | self.enc(node.sop).deps
        scratch = (Direction(count + graph_pass.WIDTH_SCRATCH_SUFFIX), Direction(count + graph_pass.SCALED_SUFFIX))
        dirs = tuple(Direction(count, w) for w in range(self.options.max_seq_len + 1))
        self.by_label[count] = Encoded({d.value: {d: 1.0} for d in dirs}, None, frozenset({count}),
                                       Storage.MATERIALISED, OpKind.WIDTH, dirs, scratch, deps)
        self.order.append(count)
        self.counts[label] = count
        self.materialise(node, OpKind.MLP, frozenset({count}))

    def width(self, node: rasp.SelectorWidth) -> None:
        deps = self.selector(node)
        label = self.graph.label(node)
        self.materialise(node, OpKind.WIDTH, deps, scratch=(Direction(label + graph_pass.WIDTH_SCRATCH_SUFFIX),))

    def length(self, node: rasp.LengthType) -> None:
        label = self.graph.label(node)
        if label in self.by_label:  # `length` and `numerical(length)` are one variable: materialised once
            return
        if self.options.causal:
            self.problem(node, "length needs every position, which a causal model cannot see")
        self.selectors[label] = ()
        both = any(isinstance(n, rasp.LengthType) and n.encoding is not node.encoding for n in self.graph.nodes)
        self.materialise(rasp.categorical(node) if both else node, OpKind.WIDTH, _EMPTY,
                         scratch=(Direction(label + graph_pass.WIDTH_SCRATCH_SUFFIX),), label=label)
        if both:  # one-hots, read as a number too
            enc = self.by_label[label]
            scalar = bases.add(*((float(v), f) for v, f in (enc.categorical or {}).items()))
            self.by_label[label] = dataclasses.replace(enc, numerical=scalar)

    def selector(self, user: "rasp.Aggregate | rasp.SelectorWidth", op: "str | None" = None) -> frozenset[str]:
        """Normalise `user`'s selector into groups (for the op `op`, by default the user's own); returns the
        labels of the ops its features read."""
        planned = selectors.plan(user.selector, self.graph, self.sets)
        self.problems += planned.problems
        self.plans[self.graph.label(user.selector)] = planned.how
        groups: list[Group] = []
        deps: frozenset[str] = _EMPTY
        for group in planned.groups:
            sides = []
            for side, components in (("keys", group.keys), ("queries", group.queries)):
                label, got = self.joint(user.selector, components) if len(components) > 1 else (
                    components[0], self.view_of(components[0]))
                if got is None:
                    self.problem(user.selector, f"its {side} {label!r} are numerical with too many values to "
                                                "compare categorically")
                else:
                    deps |= got
                sides.append(label)
            joint = len(group.keys) > 1 or len(group.queries) > 1
            pairs = [len(self.by_label[x].categorical or {}) if x in self.by_label else 0 for x in sides]
            if joint and pairs[0] * pairs[1] > selectors.MAX_PAIRS:
                self.problem(user.selector, f"its group over {sides[0]!r} x {sides[1]!r} has {pairs[0]:,} x "
                                            f"{pairs[1]:,} value pairs to tabulate (> {selectors.MAX_PAIRS:,})")
            groups.append((sides[0], sides[1], group.predicate))
        self.selectors[op or self.graph.label(user)] = tuple(groups)
        return deps

    def joint(self, sel: rasp.Selector, components: tuple[str, ...]) -> "tuple[str, frozenset[str] | None]":
        """The joint feature of several SOps (their values' tuple, one-hot; an MLP), materialised once."""
        label = "&".join(components) + graph_pass.JOINT_SUFFIX
        if label in self.by_label:
            return label, frozenset({label})
        deps: frozenset[str] = _EMPTY
        for c in components:
            got = self.view_of(c)
            if got is None:
                return c, None
            deps |= got
        ranges = [self.sets[c].values or () for c in components]
        size = 1
        for r in ranges:
            size *= len(r)
        if size > selectors.MAX_JOINT:
            self.problem(sel, f"its joint feature of {', '.join(components)} would have {size:,} values "
                              f"(> {selectors.MAX_JOINT:,}: every combination of their values); select on one "
                              "SOp that combines them (a SequenceMap) instead")
            return label, _EMPTY
        dirs = tuple(Direction(label, v) for v in itertools.product(*ranges))
        self.by_label[label] = Encoded({d.value: {d: 1.0} for d in dirs}, None, frozenset({label}),
                                       Storage.MATERIALISED, OpKind.MLP, dirs, (), deps)
        self.order.append(label)
        self.joints[label] = components
        return label, frozenset({label})

    def view(self, node: rasp.SOp) -> "frozenset[str] | None":
        return self.view_of(self.graph.label(node))

    def view_of(self, label: str) -> "frozenset[str] | None":
        """The deps of the one-hot features of `label`; a numerical SOp gets an implicit categorical copy."""
        enc = self.by_label[label]
        if enc.categorical is not None:
            return enc.deps
        if label not in self.views:
            vs = self.sets[label]
            if vs.values is None or not vs.numeric:
                return None
            copy = label + graph_pass.VIEW_SUFFIX
            dirs = tuple(Direction(copy, v) for v in vs.values)
            self.by_label[copy] = Encoded({d.value: {d: 1.0} for d in dirs}, None, frozenset({copy}),
                                          Storage.MATERIALISED, OpKind.MLP, dirs, (), enc.deps)
            self.order.append(copy)
            self.views[label] = copy
        return frozenset({self.views[label]})


def bases_order(values: "tuple[Any, ...]") -> "list[Any] | None":
    """`values` in Python's order (what max/min compare by), or None if they cannot be ordered."""
    try:
        return sorted(values)
    except TypeError:
        return None


def affine_fit(xs: list[tuple[float, ...]], ys: list[float]) -> "tuple[tuple[float, ...], float] | None":
    """Coefficients (a, c) with y = a·x + c exactly (to 1e-9 relative) on every point, or None."""
    if not xs:
        return None
    design = np.hstack([np.array(xs, dtype=float), np.ones((len(xs), 1))])
    target = np.array(ys, dtype=float)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    if not np.allclose(design @ coef, target, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(target).max()))):
        return None
    coef = np.where(np.abs(coef) < 1e-12, 0.0, coef)
    return tuple(float(c) for c in coef[:-1]), float(coef[-1])
