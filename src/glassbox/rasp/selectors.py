"""Selectors: Select with a Comparison or any predicate, and their boolean combinations."""

import enum
from collections.abc import Callable
from typing import Any

from glassbox.errors import RaspError
from glassbox.rasp import core
from glassbox.rasp.core import Selector, SOp

Predicate = Callable[[Any, Any], bool]


class Comparison(enum.Enum):
    """The named predicates of RASP, called as `predicate(key, query)`.

    >>> Comparison.LT(1, 2)   # key 1 < query 2
    True
    """

    EQ = "=="  # the values are tracr's
    LT = "<"
    LEQ = "<="
    GT = ">"
    GEQ = ">="
    NEQ = "!="
    TRUE = "True"
    FALSE = "False"

    def __call__(self, key: Any, query: Any) -> bool:
        if key is None or query is None:
            raise ValueError(f"Comparison.{self.name} cannot compare None (key={key!r}, query={query!r})")
        return _PREDICATES[self](key, query)


_PREDICATES: dict[Comparison, Predicate] = {
    Comparison.EQ: lambda k, q: k == q,
    Comparison.LT: lambda k, q: k < q,
    Comparison.LEQ: lambda k, q: k <= q,
    Comparison.GT: lambda k, q: k > q,
    Comparison.GEQ: lambda k, q: k >= q,
    Comparison.NEQ: lambda k, q: k != q,
    Comparison.TRUE: lambda k, q: True,
    Comparison.FALSE: lambda k, q: False,
}


class Select(Selector):
    """`selected[q][k] = predicate(keys[k], queries[q])`. Keys come first, as in tracr.

    >>> from glassbox.rasp.sops import tokens
    >>> from glassbox.rasp import evaluator
    >>> evaluator.evaluate(Select(tokens, tokens, Comparison.LT), [1, 2])
    [[False, False], [True, False]]
    """

    base_name = "select"

    def __init__(self, keys: SOp, queries: SOp, predicate: Predicate) -> None:
        super().__init__()
        core.require_sop(keys, "Select(keys, queries, predicate)", "keys", 1)
        core.require_sop(queries, "Select(keys, queries, predicate)", "queries", 2)
        core.require_callable(predicate, "Select(keys, queries, predicate)", "predicate", 3)
        self.keys = keys
        self.queries = queries
        self.predicate = predicate

    @property
    def children(self) -> tuple[SOp, SOp]:
        return (self.keys, self.queries)


class ConstantSelector(Selector):
    """A fixed boolean matrix (for tests)."""

    base_name = "constant_selector"

    def __init__(self, value: list[list[bool]], check_length: bool = True) -> None:
        super().__init__()
        self.value = [list(map(bool, row)) for row in value]
        for i, row in enumerate(self.value):
            if len(row) != len(self.value[0]):
                raise RaspError(
                    f"ConstantSelector(value): argument 1 (value) must be rectangular, but row {i} "
                    f"has {len(row)} entries and row 0 has {len(self.value[0])}"
                )
        self.check_length = check_length


class _BinarySelector(Selector):
    """A selector combining two selectors elementwise (abstract)."""

    def __init__(self, fst: Selector, snd: Selector) -> None:
        super().__init__()
        where = f"{type(self).__name__}(fst, snd)"
        core.require_selector(fst, where, "fst", 1)
        core.require_selector(snd, where, "snd", 2)
        self.fst, self.snd = fst, snd

    @property
    def children(self) -> tuple[Selector, Selector]:
        return (self.fst, self.snd)


class SelectorAnd(_BinarySelector):
    """Elementwise AND of two selectors."""

    base_name = "selector_and"


class SelectorOr(_BinarySelector):
    """Elementwise OR of two selectors."""

    base_name = "selector_or"


class SelectorNot(Selector):
    """Elementwise NOT of a selector."""

    base_name = "selector_not"

    def __init__(self, inner: Selector) -> None:
        super().__init__()
        core.require_selector(inner, "SelectorNot(inner)", "inner", 1)
        self.inner = inner

    @property
    def children(self) -> tuple[Selector]:
        return (self.inner,)


# tracr's `simplify=True` rewrites a combination of Selects over the same keys and queries into one
# Select at construction; glassbox keeps the combination (same values) and merges it when compiling.
def selector_and(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """tracr-compatible spelling of `fst & snd` (`simplify` is accepted; the compiler merges)."""
    del simplify
    return SelectorAnd(fst, snd)


def selector_or(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """tracr-compatible spelling of `fst | snd` (`simplify` is accepted; the compiler merges)."""
    del simplify
    return SelectorOr(fst, snd)


def selector_not(inner: Selector, simplify: bool = True) -> Selector:
    """tracr-compatible spelling of `~inner` (`simplify` is accepted; the compiler merges)."""
    del simplify
    return SelectorNot(inner)

