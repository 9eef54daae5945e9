"""RASP expression base classes: annotations, encodings, naming, and the SOp operator sugar.

Expressions are immutable once built. Identity is object identity: two separately built
`make_length()` are two nodes. Labels are not stored on nodes; they are assigned per program
by `glassbox.rasp.graph.labels`, so they depend only on the program itself.
"""

import enum
import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from glassbox.errors import RaspError

# tracr's type names (tracr/rasp/rasp.py), with its meaning.
Value = None | int | float | str | bool  # what an SOp holds at one position
NumericValue = int | float  # what a numerical SOp holds
SelectorValue = list[list[bool]]  # a selector's value: [query][key]
VT = TypeVar("VT", bound=Value)
RASPExprT = TypeVar("RASPExprT", bound="RASPExpr")
SOpT = TypeVar("SOpT", bound="SOp")
T = TypeVar("T")

NAME_KEY = "name"
ENCODING_KEY = "encoding"


class Encoding(enum.Enum):
    """How an SOp lives in the residual stream: one-hot over its values, or one scalar."""

    CATEGORICAL = "categorical"
    NUMERICAL = "numerical"


_E = TypeVar("_E", bound="RASPExpr")  # "the same class as self" (beartype cannot check typing.Self on methods)


class Annotator(Protocol):
    """A default annotation: called with an expression that lacks the key, returns its value."""

    def __call__(self, expr: "RASPExpr") -> Any: ...


# Default values of annotation keys, as in tracr: `DEFAULT_ANNOTATORS[key](expr)` is called the
# first time `expr.annotations[key]` is read without having been set. `name` and `encoding` are
# registered below; add your own keys here.
DEFAULT_ANNOTATORS: dict[str, Annotator] = {}


class Annotations(Mapping[str, Any]):
    """An expression's annotations: read-only, with defaults from `DEFAULT_ANNOTATORS` filled in lazily."""

    def __init__(self, expr: "RASPExpr", values: Mapping[str, Any]) -> None:
        self._expr = expr
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            if key not in DEFAULT_ANNOTATORS:
                raise KeyError(f"no annotation {key!r}; set ones: {sorted(self._values)}, "
                               f"defaults: {sorted(DEFAULT_ANNOTATORS)}")
            self._values[key] = DEFAULT_ANNOTATORS[key](self._expr)  # called once, as tracr does
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Annotations({self._values!r})"


class RASPExpr:
    """Abstract base of every RASP expression (SOps and selectors)."""

    base_name: str = "expr"
    _ids = itertools.count(1)  # tracr's id source (`RASPExpr._ids = itertools.count(1)` resets it)

    def __init__(self) -> None:
        self._annotations: Mapping[str, Any] = Annotations(self, {})

    # -- structure -----------------------------------------------------------------------------
    @property
    def children(self) -> "tuple[RASPExpr, ...]":
        """Direct sub-expressions, in argument order."""
        return ()

    # -- annotations ---------------------------------------------------------------------------
    @property
    def annotations(self) -> Mapping[str, Any]:
        """Read-only mapping of annotations (`name`, `encoding`, user keys)."""
        return self._annotations

    @annotations.setter
    def annotations(self, annotations: Mapping[str, Any]) -> None:
        # tracr lets code replace an expression's annotations in place; glassbox's own code never does.
        self._annotations = Annotations(self, annotations)

    @property
    def name(self) -> str:
        """The user-given name, or the class default (`map`, `aggregate`, ...)."""
        return self._annotations[NAME_KEY]

    @property
    def unique_id(self) -> int:
        """tracr's per-instance id (a global counter, drawn on first read; copies get their own).

        glassbox never uses it: labels come from the program alone (`label`).
        """
        if "_unique_id" not in self.__dict__:
            self._unique_id = next(RASPExpr._ids)
        return self._unique_id

    @property
    def label(self) -> str:
        """This node's label in the program rooted at itself (see `graph.labels`)."""
        from glassbox.rasp import graph

        return graph.labels(self)[self]

    def annotated(self: _E, **annotations: Any) -> _E:
        """Return a copy (a new, distinct node) with `annotations` merged in."""
        clone = self._shallow_copy()
        clone._annotations = Annotations(clone, {**self._annotations, **annotations})
        return clone

    def named(self: _E, name: str) -> _E:
        """Return a copy named `name`; labels stay unique within any program."""
        if not isinstance(name, str) or not name:
            raise RaspError(f"{self.base_name}.named(): name must be a non-empty str, got {name!r}")
        return self.annotated(name=name)

    def _shallow_copy(self: _E) -> _E:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.__dict__.pop("_unique_id", None)  # a copy is a new node (tracr copies the id: two nodes, one label)
        return clone

    # -- evaluation ----------------------------------------------------------------------------
    def __call__(self, xs: Sequence[Any]) -> Any:
        """Evaluate on input `xs` with the reference evaluator."""
        from glassbox.rasp import evaluator

        return evaluator.evaluate(self, xs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    __hash__ = object.__hash__


class Selector(RASPExpr):
    """A boolean matrix over (query, key) positions: one attention pattern."""

    base_name = "selector"

    def __and__(self, other: "Selector") -> "Selector":
        from glassbox.rasp import selectors

        return selectors.SelectorAnd(self, other)

    def __or__(self, other: "Selector") -> "Selector":
        from glassbox.rasp import selectors

        return selectors.SelectorOr(self, other)

    def __invert__(self) -> "Selector":
        from glassbox.rasp import selectors

        return selectors.SelectorNot(self)


class SOp(RASPExpr):
    """A sequence operation: maps an input sequence to a sequence of the same length."""

    base_name = "sop"

    @property
    def encoding(self) -> Encoding:
        """The residual encoding (categorical unless annotated numerical)."""
        return self._annotations[ENCODING_KEY]

    # Comparisons with a constant give a Map; with another SOp a SequenceMap.
    def __lt__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x < y, "<")

    def __le__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x <= y, "<=")

    def __gt__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x > y, ">")

    def __ge__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x >= y, ">=")

    def __eq__(self, other: Any) -> "SOp":  # type: ignore[override]
        return _binary(self, other, lambda x, y: x == y, "==")

    def __ne__(self, other: Any) -> "SOp":  # type: ignore[override]
        return _binary(self, other, lambda x, y: x != y, "!=")

    def __add__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x + y, "+")

    def __radd__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: y + x, "+", reflected=True)

    def __sub__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x - y, "-")

    def __rsub__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: y - x, "-", reflected=True)

    def __mul__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x * y, "*")

    def __rmul__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: y * x, "*", reflected=True)

    def __truediv__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x / y, "/")

    def __rtruediv__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: y / x, "/", reflected=True)

    def __and__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x and y, "&")

    def __rand__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: y and x, "&", reflected=True)

    def __or__(self, other: Any) -> "SOp":
        return _binary(self, other, lambda x, y: x or y, "|")

    def __ror__(self, other: Any) -> "SOp":
        # tracr computes `x or other` here; the reflected order is `other or x`.
        return _binary(self, other, lambda x, y: y or x, "|", reflected=True)

    def __invert__(self) -> "SOp":
        from glassbox.rasp import sops

        return sops.Map(lambda x: not x, self)

    def __neg__(self) -> "SOp":
        from glassbox.rasp import sops

        return sops.Map(lambda x: -x, self)

    __hash__ = object.__hash__


def _binary(
    sop: SOp, other: Any, f: Callable[[Any, Any], Any], symbol: str, reflected: bool = False
) -> SOp:
    from glassbox.rasp import sops

    if isinstance(other, SOp):
        return sops.SequenceMap(f, sop, other)
    if isinstance(other, RASPExpr):
        raise RaspError(
            f"operator {symbol!r} on SOp {sop.name!r}: the other operand is the selector "
            f"{other.name!r}; use an SOp or a constant"
        )
    return sops.Map(lambda x: f(x, other), sop)


def annotate(expr: RASPExprT, **annotations: Any) -> RASPExprT:
    """tracr's spelling of `expr.annotated(**annotations)`: a copy with `annotations` merged in."""
    if not isinstance(expr, RASPExpr):
        raise RaspError(f"annotate(): {describe(expr)} is not a RASP expression")
    return expr.annotated(**annotations)


def default_name(expr: RASPExpr) -> str:
    """The default `name` annotation: the class's name in snake case (`map`, `select`, ...)."""
    if not isinstance(expr, RASPExpr):
        raise NotImplementedError(f"{expr!r} was not given a default name")
    return expr.base_name


def default_encoding(expr: RASPExpr) -> Encoding:
    """The default `encoding` annotation: categorical, for SOps only."""
    if not isinstance(expr, SOp):
        raise TypeError(f"expr {expr!r} is not an SOp")
    return Encoding.CATEGORICAL


DEFAULT_ANNOTATORS[NAME_KEY] = default_name
DEFAULT_ANNOTATORS[ENCODING_KEY] = default_encoding


def get_encoding(expr: RASPExpr) -> Encoding:
    """The encoding of an SOp."""
    if not isinstance(expr, SOp):
        raise RaspError(f"get_encoding(): {expr!r} is not an SOp")
    return expr.encoding


def numerical(sop: SOp) -> SOp:
    """Return a copy of `sop` annotated with the numerical (one scalar) encoding."""
    require_sop(sop, "numerical()", "sop", 1)
    return sop.annotated(encoding=Encoding.NUMERICAL)


def categorical(sop: SOp) -> SOp:
    """Return a copy of `sop` annotated with the categorical (one-hot) encoding."""
    require_sop(sop, "categorical()", "sop", 1)
    return sop.annotated(encoding=Encoding.CATEGORICAL)


def is_numerical(sop: SOp) -> bool:
    """True if `sop` is numerically encoded."""
    return get_encoding(sop) is Encoding.NUMERICAL


def is_categorical(sop: SOp) -> bool:
    """True if `sop` is categorically encoded."""
    return get_encoding(sop) is Encoding.CATEGORICAL


def is_number(value: Any) -> bool:
    """A finite real number (bools count, as 0 and 1): what a numerical SOp may hold.

    >>> is_number(2), is_number(True), is_number(float("inf")), is_number("2")
    (True, True, False, False)
    """
    return isinstance(value, numbers.Real) and math.isfinite(value)


def describe(value: Any) -> str:
    """A short description of an argument for error messages (`SOp 'x'`, `int 3`)."""
    if isinstance(value, RASPExpr):
        kind = "selector" if isinstance(value, Selector) else "SOp"
        return f"{kind} {value.name!r}"
    return f"{type(value).__name__} {value!r:.60}"


def require_sop(value: Any, where: str, arg: str, position: int) -> None:
    """Raise RaspError unless `value` is an SOp, naming the constructor, argument and position."""
    if not isinstance(value, SOp):
        raise RaspError(
            f"{where}: argument {position} ({arg}) must be an SOp, got {describe(value)}"
        )


def require_selector(value: Any, where: str, arg: str, position: int) -> None:
    """Raise RaspError unless `value` is a Selector, naming the constructor, argument and position."""
    if not isinstance(value, Selector):
        raise RaspError(
            f"{where}: argument {position} ({arg}) must be a Selector, got {describe(value)}"
        )


def require_callable(value: Any, where: str, arg: str, position: int) -> None:
    """Raise RaspError unless `value` is a function, naming the constructor, argument and position."""
    if not callable(value) or isinstance(value, RASPExpr):
        raise RaspError(
            f"{where}: argument {position} ({arg}) must be a function, got {describe(value)}"
        )
