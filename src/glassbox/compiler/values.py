"""Value-set inference: the finite set of values every SOp can take, for a vocab and length.

Numerical means are enumerated exactly (every mean of 1..N values drawn from the input set),
unlike tracr, which enumerates {0, 1/n} and so mis-compiles maps after `frac_prevs`.
"""

import dataclasses
import math
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

    @property
    def bounded(self) -> bool:
        return self.values is not None

    @property
    def numeric(self) -> bool:
        return self.values is not None and all(_is_number(v) for v in self.values)


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
        return _apply(node.f, [(x,) for x in inner.values], inner.may_be_none)
    if isinstance(node, rasp.SequenceMap):
        fst, snd = sets[id(node.fst)], sets[id(node.snd)]
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
        means = _means(inner.values, n)
        if means is None:
            return ValueSet(None, node.default is None)
        return _make(tuple(means) + default, may_be_none=node.default is None)
    raise TypeError(f"no value-set rule for {type(node).__name__}")


def _make(values: Any, may_be_none: bool = False, failures: tuple[str, ...] = ()) -> ValueSet:
    values = list(values)
    none = may_be_none or any(v is None for v in values)
    distinct = bases.sorted_values(values)
    if len(distinct) > MAX_VALUES:
        return ValueSet(None, none, failures)
    return ValueSet(tuple(distinct), none, failures)


def _apply(f: Any, argsets: list[tuple], may_be_none: bool) -> ValueSet:
    results, failures = [], []
    for args in argsets:
        try:
            results.append(f(*args))
        except Exception as exc:  # an input the function rejects: that input yields None
            failures.append(f"{args!r}: {type(exc).__name__}: {exc}")
    return _make(results, may_be_none=may_be_none or bool(failures), failures=tuple(failures[:3]))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Fraction)) and not (isinstance(value, float) and math.isnan(value))


def _means(values: tuple, n: int) -> "set | None":
    """Every mean of a multiset of 1..n elements of `values`, or None if too many."""
    exact = all(isinstance(v, (int, bool, Fraction)) for v in values)
    base = {Fraction(v) if exact else float(v) for v in values}
    sums, means = set(base), set()
    for count in range(1, n + 1):
        if count > 1:
            if len(sums) * len(base) > 20 * MAX_VALUES:
                return None
            sums = {s + v for s in sums for v in base}
        means.update(s / count for s in sums)
        if len(means) > MAX_VALUES:
            return None
    return {float(m) for m in means} if exact else means
