"""Value-set inference: the finite set of values every SOp can take, for a vocab and length.

Numerical means are enumerated exactly (every mean of 1..N values drawn from the input set),
unlike tracr, which enumerates {0, 1/n} and so mis-compiles maps after `frac_prevs`.
"""

import dataclasses
import math
import numbers
from fractions import Fraction
from typing import Any

from glassbox import rasp
from glassbox.craft import bases

MAX_VALUES = 100_000  # beyond this a value set is "unbounded" (only linear reads allowed)


@dataclasses.dataclass(frozen=True)
class ValueSet:
    """What an SOp can hold.

    Attributes:
        values: sorted distinct values (None excluded), or None when too many to enumerate.
        may_be_none: whether the SOp can be None at some position.
        failures: inputs on which the SOp's function raised (those inputs give None).
    """

    values: "tuple[Any, ...] | None"
    may_be_none: bool = False
    failures: tuple[str, ...] = ()
    # For (functions of) numerical Aggregates: the selector's key and, per number n of selected
    # keys, the values possible. Two such SOps over the same selector always share n at a
    # position, so a SequenceMap of them only pairs values with the same n.
    by_count: "tuple[int, dict[int, frozenset]] | None" = None
    # For Maps and SequenceMaps: the function's result per argument tuple (None where it raised),
    # so later passes reuse these calls instead of calling user functions again.
    table: "dict[tuple, Any] | None" = None

    @property
    def bounded(self) -> bool:
        return self.values is not None

    @property
    def numeric(self) -> bool:
        return self.values is not None and all(is_number(v) for v in self.values)


def infer(nodes: list[rasp.RASPExpr], vocab: "tuple[Any, ...]", max_seq_len: int) -> dict[int, ValueSet]:
    """Value sets for every SOp in `nodes` (post-order), keyed by `id(node)`."""
    out: dict[int, ValueSet] = {}
    for node in nodes:
        if isinstance(node, rasp.SOp):
            out[id(node)] = _infer_one(node, out, vocab, max_seq_len)
    return out


def _infer_one(node: rasp.SOp, sets: dict[int, ValueSet], vocab: tuple, n: int) -> ValueSet:
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
        inner = sets[id(node.inner)]
        if inner.values is None:
            return ValueSet(None, inner.may_be_none)
        out = _apply(node.f, [(x,) for x in inner.values], inner.may_be_none)
        if inner.by_count is not None:
            sel, counts = inner.by_count
            out = dataclasses.replace(out, by_count=(sel, {n: frozenset(out.table.get((v,)) for v in vs)
                                                           for n, vs in counts.items()}))
        return out
    if isinstance(node, rasp.SequenceMap):
        fst, snd = sets[id(node.fst)], sets[id(node.snd)]
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
        inner = sets[id(node.sop)]
        default = () if node.default is None else (node.default,)
        if node.encoding is rasp.Encoding.CATEGORICAL:
            if inner.values is None:
                return ValueSet(None, True)
            return _make(inner.values + default, may_be_none=node.default is None or inner.may_be_none)
        if inner.values is None or not inner.numeric:
            return ValueSet(None, node.default is None)
        counts = _means(inner.values, n)
        if counts is None:
            return ValueSet(None, node.default is None)
        counts[0] = frozenset(default)
        means = set().union(*counts.values())
        made = _make(tuple(means), may_be_none=node.default is None)
        return dataclasses.replace(made, by_count=(selector_key(node.selector), counts))
    raise TypeError(f"no value-set rule for {type(node).__name__}")


def _make(values: Any, may_be_none: bool = False, failures: tuple[str, ...] = ()) -> ValueSet:
    values = list(values)
    none = may_be_none or any(v is None for v in values)
    distinct = bases.sorted_values(values)
    if len(distinct) > MAX_VALUES:
        return ValueSet(None, none, failures)
    return ValueSet(tuple(distinct), none, failures)


def _apply(f: Any, argsets: list[tuple], may_be_none: bool) -> ValueSet:
    table, failures = {}, []
    for args in argsets:
        try:
            table[args] = f(*args)
        except Exception as exc:  # an input the function rejects: that input yields None
            table[args] = None
            failures.append(f"{args!r}: {type(exc).__name__}: {exc}")
    made = _make(table.values(), may_be_none=may_be_none or bool(failures), failures=tuple(failures[:3]))
    return dataclasses.replace(made, table=table)


def safe_call(f: Any, *args: Any) -> Any:
    """f(*args), or None if an argument is None or f raises (the compiled model's None)."""
    if any(a is None for a in args):
        return None
    try:
        return f(*args)
    except Exception:
        return None


def is_number(value: Any) -> bool:
    """A finite real number (bools count, as 0 and 1)."""
    return isinstance(value, numbers.Real) and math.isfinite(value)


def _means(values: tuple, n: int) -> "dict[int, frozenset] | None":
    """Per count 1..n, every mean of a multiset of that many `values`; None if too many."""
    exact = all(isinstance(v, (int, bool, Fraction)) for v in values)
    base = {Fraction(v) if exact else float(v) for v in values}
    sums, out, total = set(base), {}, 0
    for count in range(1, n + 1):
        if count > 1:
            if len(sums) * len(base) > 20 * MAX_VALUES:
                return None
            sums = {s + v for s in sums for v in base}
        out[count] = frozenset(float(s / count) for s in sums)
        total += len(out[count])
        if total > 4 * MAX_VALUES:
            return None
    return out


def selector_key(sel: rasp.Selector) -> Any:
    """A key equal for selectors that select the same keys on every input (structurally)."""
    if isinstance(sel, rasp.Select):
        pred = sel.predicate if isinstance(sel.predicate, rasp.Comparison) else id(sel.predicate)
        return ("select", id(sel.keys), id(sel.queries), pred)
    return (type(sel).__name__, id(sel), *(selector_key(c) for c in sel.children))


def _paired_by_count(f: Any, fst: ValueSet, snd: ValueSet) -> ValueSet:
    sel, a = fst.by_count
    _, b = snd.by_count
    counts: dict[int, frozenset] = {}
    results, failures, size = [], [], 0
    for n in a.keys() & b.keys():
        here = set()
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

