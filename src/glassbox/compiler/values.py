"""`Graph` → `ValueSets`: the finite set of values every SOp can take, for a vocab and length.

Numerical means are enumerated exactly (every mean of 1..N values drawn from the input set),
unlike tracr, which enumerates {0, 1/n} and so mis-compiles maps after `frac_prevs`.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from glassbox import rasp
from glassbox.compiler.nodes import Graph, Options, ValueSet, ValueSets
from glassbox.craft import bases
from glassbox.errors import CompileError

MAX_VALUES = 100_000  # beyond this a value set is "unbounded" (only linear reads allowed)


def infer(graph: Graph, options: Options) -> ValueSets:
    """Value sets for every SOp of the program, by label.

    Raises:
        CompileError: a value is unhashable, or a function gives different results on equal values
            of different types that its input holds as one value (`str` of `0` and of `0.0`).
    """
    out: dict[str, ValueSet] = {}
    conflicts: list[tuple[str, str]] = []
    for node in graph.nodes:
        if isinstance(node, rasp.SOp):
            label = graph.label(node)
            try:
                out[label] = _infer_one(node, graph, out, options.vocab, options.max_seq_len)
            except _Unhashable as exc:
                raise CompileError([(label, f"produces the unhashable value {exc.value!r:.60} "
                                            "(RASP values must be hashable: return a tuple, not a list)")]) from None
            if isinstance(node, (rasp.Map, rasp.SequenceMap)):
                out[label], conflict = _check_twins(node, graph, out)
                if conflict:
                    conflicts.append((label, conflict))
    if conflicts:
        raise CompileError(conflicts)
    return out


def _check_twins(node: "rasp.Map | rasp.SequenceMap", graph: Graph, sets: Mapping[str, ValueSet]
                 ) -> tuple[ValueSet, "str | None"]:
    """Call the function on its inputs' twins too: they must give what their equal value gives (then the
    results' own twins are recorded); a first difference is returned as a problem."""
    vs = sets[graph.label(node)]
    inputs = [node.inner] if isinstance(node, rasp.Map) else [node.fst, node.snd]
    args = [sets[graph.label(x)] for x in inputs]
    if not any(a.twins for a in args) or any(a.values is None for a in args) or vs.values is None:
        return vs, None
    reps = [{v: v for v in a.values or ()} for a in args]
    tuples: list[tuple[Any, ...]]
    if isinstance(node, rasp.SequenceMap) and node.fst is node.snd:
        tuples = [(t, t) for t in args[0].twins]
    elif isinstance(node, rasp.Map):
        tuples = [(t,) for t in args[0].twins]
    else:
        fst, snd = args
        tuples = [(x, y) for x in (fst.values or ()) + fst.twins for y in (snd.values or ()) + snd.twins
                  if x in fst.twins or y in snd.twins]
    table = vs.table or {}
    results = []
    for tup in tuples:
        rep = tuple(r[t] for r, t in zip(reps, tup, strict=True))
        got, want = safe_call(node.f, *tup), table[rep] if rep in table else safe_call(node.f, *rep)
        if (got is None) != (want is None) or got != want:
            shown = ", ".join(f"{t!r} ({type(t).__name__})" for t in tup)
            same = ", ".join(f"{r!r} ({type(r).__name__})" for r in rep)
            return vs, (f"its function gives {got!r} on {shown} but {want!r} on {same}, equal values that its "
                        "input holds as one value (one direction, or one number): make them one type (for a "
                        "numerical Aggregate of floats, a float default such as default=0.0)")
        results.append(got)
    return dataclasses.replace(vs, twins=_twins([*vs.values, *vs.twins, *results])), None


def _twins(values: Any) -> tuple[Any, ...]:
    """The values equal to an earlier one but of another type or sign (`0.0` after `0`), once each."""
    first: dict[Any, Any] = {}
    seen: set[tuple[type, str]] = set()
    out = []
    for v in values:
        if v is None:
            continue
        rep = first.setdefault(v, v)
        key = (type(v), repr(v))
        if key != (type(rep), repr(rep)) and key not in seen:
            seen.add(key)
            out.append(v)
    return tuple(out)


class _Unhashable(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def _infer_one(node: rasp.SOp, graph: Graph, sets: Mapping[str, ValueSet], vocab: tuple[Any, ...],
               n: int) -> ValueSet:
    if isinstance(node, rasp.TokensType):
        return _make(vocab)
    if isinstance(node, rasp.IndicesType):
        return _make(range(n))
    if isinstance(node, rasp.LengthType):
        return _make(range(1, n + 1))
    if isinstance(node, rasp.Full):
        return ValueSet((node.fill,), may_be_none=node.fill is None) if node.fill is not None else ValueSet(())
    if isinstance(node, rasp.ConstantSOp):
        return _make(node.value, may_be_none=any(v is None for v in node.value))
    if isinstance(node, rasp.SelectorWidth):
        return _make(range(n + 1))
    if isinstance(node, rasp.Map):
        inner = sets[graph.label(node.inner)]
        if inner.values is None:
            return ValueSet(None, inner.may_be_none)
        out = _apply(node.f, [(x,) for x in inner.values], inner.may_be_none)
        if inner.by_count is not None:
            sel, counts = inner.by_count
            table = out.table or {}
            out = dataclasses.replace(out, by_count=(sel, {n: frozenset(table.get((v,)) for v in vs)
                                                           for n, vs in counts.items()}))
        return out
    if isinstance(node, rasp.SequenceMap):
        fst, snd = sets[graph.label(node.fst)], sets[graph.label(node.snd)]
        if fst.by_count and snd.by_count and fst.by_count[0] == snd.by_count[0]:
            return _paired_by_count(node.f, fst, snd)
        if fst.values is None or snd.values is None or len(fst.values) * len(snd.values) > MAX_VALUES:
            return ValueSet(None, fst.may_be_none or snd.may_be_none)
        if node.fst is node.snd:
            pairs = [(x, x) for x in fst.values]
        else:
            pairs = [(x, y) for x in fst.values for y in snd.values]
        return _apply(node.f, pairs, fst.may_be_none or snd.may_be_none)
    if isinstance(node, rasp.Aggregate):
        inner = sets[graph.label(node.sop)]
        default = () if node.default is None else (node.default,)
        if node.reduction != "mean":
            return _reduced(node, inner, default, graph, n)
        covered = covers(node.selector, graph, sets)  # then the default is never used
        no_value = node.default is None and not covered
        if node.encoding is rasp.Encoding.CATEGORICAL:
            if inner.values is None:
                return ValueSet(None, True)
            return _make(inner.values + default + inner.twins, may_be_none=no_value or inner.may_be_none)
        if inner.values is None or not inner.numeric:
            return ValueSet(None, no_value)
        found = _means(inner.values, n)
        if found is None:
            return ValueSet(None, no_value)
        counts = {} if covered else {0: frozenset(default)}
        counts.update(found)
        means = [v for vs in counts.values() for v in vs]  # a list: the default 0 and the mean 0.0 are twins
        made = _make(means, may_be_none=no_value)
        return dataclasses.replace(made, by_count=(selector_key(node.selector, graph), counts))
    raise TypeError(f"no value-set rule for {type(node).__name__}")


def _make(values: Any, may_be_none: bool = False, failures: tuple[str, ...] = ()) -> ValueSet:
    values = list(values)
    for v in values:
        try:
            hash(v)
        except TypeError:
            raise _Unhashable(v) from None
    none = may_be_none or any(v is None for v in values)
    distinct = bases.sorted_values(values)
    if len(distinct) > MAX_VALUES:
        return ValueSet(None, none, failures)
    return ValueSet(tuple(distinct), none, failures, twins=_twins(values))


def _apply(f: Callable[..., Any], argsets: list[tuple[Any, ...]], may_be_none: bool) -> ValueSet:
    table: dict[tuple[Any, ...], Any] = {}
    failures: list[str] = []
    for args in argsets:
        try:
            table[args] = f(*args)
        except Exception as exc:  # an input the function rejects: that input yields None
            table[args] = None
            failures.append(f"{args!r}: {type(exc).__name__}: {exc}")
    made = _make(table.values(), may_be_none=may_be_none or bool(failures), failures=tuple(failures[:3]))
    return dataclasses.replace(made, table=table)


def safe_call(f: Callable[..., Any], *args: Any) -> Any:
    """f(*args), or None if an argument is None or f raises (the compiled model's None)."""
    if any(a is None for a in args):
        return None
    try:
        return f(*args)
    except Exception:
        return None


def _multiset_sums(values: tuple[Any, ...], n: int) -> "tuple[int, dict[int, set[int]]] | None":
    """(scale, per count 1..n every sum of a multiset of that many `values`, times scale); None if too many.

    The values are scaled to integers over their common denominator, so the sums are exact integer sums.
    """
    exact = [Fraction(v) for v in values]
    scale = math.lcm(*(f.denominator for f in exact)) if exact else 1
    base = {int(f * scale) for f in exact}
    sums = set(base)
    out: dict[int, set[int]] = {}
    total = 0
    for count in range(1, n + 1):
        if count > 1:
            if len(sums) * len(base) > 20 * MAX_VALUES:
                return None
            sums = {s + v for s in sums for v in base}
        out[count] = sums
        total += len(sums)
        if total > 4 * MAX_VALUES:
            return None
    return scale, out


def _means(values: tuple[Any, ...], n: int) -> "dict[int, frozenset[Any]] | None":
    """Per count 1..n, every mean of a multiset of that many `values`; None if too many.

    Sums are exact and each mean is rounded once, as the evaluator computes it
    (`rasp.evaluator.mean`), so the enumerated means are the evaluator's to the last bit:
    `s / (scale * count)` is Python's correctly rounded integer division.
    """
    found = _multiset_sums(values, n)
    if found is None:
        return None
    scale, sums = found
    return {count: frozenset(s / (scale * count) for s in by) for count, by in sums.items()}


def _reduced(node: rasp.Aggregate, inner: ValueSet, default: tuple[Any, ...], graph: Graph, n: int) -> ValueSet:
    """A sum (every sum of 1..n values, per count, as for means) or a max/min (one of the values)."""
    if node.reduction != "sum":
        if inner.values is None:
            return ValueSet(None, True)
        return _make(inner.values + default, may_be_none=node.default is None or inner.may_be_none)
    if inner.values is None or not inner.numeric:
        return ValueSet(None, node.default is None)
    found = _sums(inner.values, n)
    if found is None:
        return ValueSet(None, node.default is None)
    counts = {0: frozenset(default), **found}
    made = _make(tuple(set().union(*counts.values())), may_be_none=node.default is None)
    return dataclasses.replace(made, by_count=(selector_key(node.selector, graph), counts))


def _sums(values: tuple[Any, ...], n: int) -> "dict[int, frozenset[Any]] | None":
    """Per count 1..n, every sum of a multiset of that many `values` (ints stay ints; floats rounded once,
    as `rasp.evaluator.exact_sum`); None if too many."""
    found = _multiset_sums(values, n)
    if found is None:
        return None
    scale, sums = found
    ints = all(isinstance(v, (int, bool)) for v in values)
    return {count: frozenset(s if ints else float(Fraction(s, scale)) for s in by) for count, by in sums.items()}


def covers(sel: rasp.Selector, graph: Graph, sets: Mapping[str, ValueSet]) -> bool:
    """Whether every query selects at least one key on every input (causal too), so a default is never used.

    A query surely selects its own position when keys and queries are one SOp and the predicate is
    reflexive on its values (EQ, LEQ, GEQ, TRUE), position 0 when the keys are the indices and
    `predicate(0, q)` holds for every query value, and every position when the predicate holds for
    every pair of values. AND keeps the positions both surely select, OR those either does.

    >>> from glassbox.compiler import graph as graph_pass
    >>> sel = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    >>> program = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.indices)))
    >>> dag = graph_pass.build(program)
    >>> covers(sel, dag, {"indices": ValueSet((0, 1, 2))})
    True
    """
    return bool(_witnesses(sel, graph, sets))


def _witnesses(sel: rasp.Selector, graph: Graph, sets: Mapping[str, ValueSet]) -> frozenset[str]:
    """The positions every query surely selects: "self", "first" (position 0) and "all"."""
    if isinstance(sel, rasp.Select):
        keys, queries = sets.get(graph.label(sel.keys)), sets.get(graph.label(sel.queries))
        if keys is None or queries is None or keys.values is None or queries.values is None or not keys.values \
                or keys.may_be_none or queries.may_be_none:
            return frozenset()
        holds = lambda k, q: bool(safe_call(sel.predicate, k, q))  # noqa: E731
        out = set()
        if len(keys.values) * len(queries.values) <= MAX_VALUES and all(
                holds(k, q) for k in keys.values for q in queries.values):
            out.add("all")
        if isinstance(sel.keys, rasp.IndicesType) and all(holds(0, q) for q in queries.values):
            out.add("first")
        if graph.label(sel.keys) == graph.label(sel.queries) and all(holds(v, v) for v in keys.values):
            out.add("self")
        return frozenset(out)
    if isinstance(sel, (rasp.SelectorAnd, rasp.SelectorOr)):
        a, b = _witnesses(sel.fst, graph, sets), _witnesses(sel.snd, graph, sets)
        if isinstance(sel, rasp.SelectorOr):
            return a | b
        return b if "all" in a else a if "all" in b else a & b
    return frozenset()


def selector_key(sel: rasp.Selector, graph: Graph) -> Any:
    """A key equal for selectors that select the same keys on every input (structurally)."""
    if isinstance(sel, rasp.Select):
        pred = sel.predicate if isinstance(sel.predicate, rasp.Comparison) else id(sel.predicate)
        return ("select", graph.label(sel.keys), graph.label(sel.queries), pred)
    return (type(sel).__name__, graph.label(sel),
            *(selector_key(c, graph) for c in sel.children if isinstance(c, rasp.Selector)))


def _paired_by_count(f: Callable[..., Any], fst: ValueSet, snd: ValueSet) -> ValueSet:
    assert fst.by_count is not None and snd.by_count is not None
    sel, a = fst.by_count
    _, b = snd.by_count
    counts: dict[int, frozenset[Any]] = {}
    results: list[Any] = []
    failures: list[str] = []
    size = 0
    for n in a.keys() & b.keys():
        here: set[Any] = set()
        for x in a[n]:
            for y in b[n]:
                if x is None or y is None:
                    here.add(None)
                    continue
                try:
                    here.add(f(x, y))
                except Exception as exc:
                    failures.append(f"{(x, y)!r}: {type(exc).__name__}: {exc}")
                    here.add(None)
        size += len(a[n]) * len(b[n])
        if size > 20 * MAX_VALUES:
            return ValueSet(None, fst.may_be_none or snd.may_be_none)
        counts[n] = frozenset(here)
        results.extend(here)
    made = _make(results, fst.may_be_none or snd.may_be_none, tuple(failures[:3]))
    return dataclasses.replace(made, by_count=(sel, counts))

