"""Concrete SOps: the primitives tokens/indices/length and the combinators built on them."""

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from glassbox.errors import RaspError
from glassbox.rasp import core
from glassbox.rasp.core import Selector, SOp


class TokensType(SOp):
    """The input sequence itself."""

    base_name = "tokens"


class IndicesType(SOp):
    """The positions 0..n-1."""

    base_name = "indices"


class LengthType(SOp):
    """The sequence length n at every position."""

    base_name = "length"


tokens = TokensType()
indices = IndicesType()
length = LengthType()

PRIMITIVES = (TokensType, IndicesType, LengthType)


class Map(SOp):
    """Elementwise `f(x)`; None passes through as None.

    With `simplify` (the default, as in tracr) a Map of a Map is fused into one Map.

    >>> Map(lambda x: x + 1, tokens)([1, 2, 3])
    [2, 3, 4]
    """

    base_name = "map"

    def __init__(self, f: Callable[[Any], Any], inner: SOp, simplify: bool = True) -> None:
        super().__init__()
        core.require_callable(f, "Map(f, sop)", "f", 1)
        core.require_sop(inner, "Map(f, sop)", "sop", 2)
        if simplify and type(inner) is Map:
            f, inner = _compose(f, inner.f), inner.inner
        self.f: Callable[[Any], Any] = f
        self.inner: SOp = inner

    @property
    def children(self) -> tuple[SOp, ...]:
        return (self.inner,)


def _compose(f: Callable[[Any], Any], g: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # The unfused pair would pass a None produced by g through f untouched; keep that.
    # Chains are kept flat (g's stages, then f) so a long fused chain does not nest one
    # Python call per stage and hit the recursion limit.
    chain = (*getattr(g, "_fused_chain", (g,)), f)

    def composed(x: Any) -> Any:
        x = chain[0](x)
        for stage in chain[1:]:
            if x is None:
                return None
            x = stage(x)
        return x

    composed._fused_chain = chain  # type: ignore[attr-defined]
    return composed


class SequenceMap(SOp):
    """Elementwise `f(x, y)` of two SOps; None if either input is None.

    >>> SequenceMap(lambda x, y: x * y, tokens, indices)([5, 5, 5])
    [0, 5, 10]
    """

    base_name = "sequence_map"

    def __init__(self, f: Callable[[Any, Any], Any], fst: SOp, snd: SOp) -> None:
        super().__init__()
        core.require_callable(f, "SequenceMap(f, fst, snd)", "f", 1)
        core.require_sop(fst, "SequenceMap(f, fst, snd)", "fst", 2)
        core.require_sop(snd, "SequenceMap(f, fst, snd)", "snd", 3)
        self.f = f
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> tuple[SOp, ...]:
        return (self.fst, self.snd)


class LinearSequenceMap(SequenceMap):
    """`fst_fac * x + snd_fac * y`, the linear two-input SOp (numerical when compiled).

    >>> LinearSequenceMap(tokens, indices, 1, -1)([5, 5, 5])
    [5, 4, 3]
    """

    base_name = "linear_sequence_map"

    def __init__(self, fst: SOp, snd: SOp, fst_fac: float, snd_fac: float) -> None:
        for position, (arg, value) in enumerate((("fst_fac", fst_fac), ("snd_fac", snd_fac)), 3):
            if not isinstance(value, numbers.Real):
                raise RaspError(
                    f"LinearSequenceMap(fst, snd, fst_fac, snd_fac): argument {position} ({arg}) "
                    f"must be a real number, got {value!r}"
                )
        core.require_sop(fst, "LinearSequenceMap(fst, snd, fst_fac, snd_fac)", "fst", 1)
        core.require_sop(snd, "LinearSequenceMap(fst, snd, fst_fac, snd_fac)", "snd", 2)
        super().__init__(lambda x, y: fst_fac * x + snd_fac * y, fst, snd)
        self.fst_fac = fst_fac
        self.snd_fac = snd_fac


class Full(SOp):
    """The constant `fill` at every position.

    >>> Full(7)([1, 2])
    [7, 7]
    """

    base_name = "full"

    def __init__(self, fill: Any) -> None:
        super().__init__()
        if isinstance(fill, core.RASPExpr):
            raise RaspError(f"Full(fill): argument 1 (fill) must be a value, got {fill!r}")
        self.fill = fill


def sop_not(sop: SOp) -> SOp:
    """tracr's spelling of `~sop`: elementwise `not`.

    >>> sop_not(Map(lambda x: x > 1, tokens))([1, 2])
    [True, False]
    """
    return Map(lambda t: not t, sop)


class ConstantSOp(SOp):
    """A fixed list of values (for tests); with `check_length` the input must match its length."""

    base_name = "constant_sop"

    def __init__(self, value: Sequence[Any], check_length: bool = True) -> None:
        super().__init__()
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise RaspError(f"ConstantSOp(value): argument 1 (value) must be a list, got {value!r}")
        self.value = list(value)
        self.check_length = check_length


class SelectorWidth(SOp):
    """Per query position, the number of selected keys.

    >>> from glassbox.rasp.selectors import Select, Comparison
    >>> SelectorWidth(Select(tokens, tokens, Comparison.EQ))([1, 2, 1])
    [2, 1, 2]
    """

    base_name = "selector_width"

    def __init__(self, selector: Selector) -> None:
        super().__init__()
        core.require_selector(selector, "SelectorWidth(selector)", "selector", 1)
        self.selector = selector

    @property
    def children(self) -> tuple[Selector, ...]:
        return (self.selector,)


REDUCTIONS = ("mean", "sum", "max", "min")


class Aggregate(SOp):
    """Per query position, a reduction of the selected values of `sop`; `default` if none selected.

    `reduction="mean"` (tracr's Aggregate): a categorical Aggregate must select a single value
    (possibly at several positions); a numerical one averages any real values. `"sum"` adds the
    selected numbers; `"max"` and `"min"` pick the largest or smallest selected value (any
    ordered values, categorical or numerical).

    >>> from glassbox.rasp.selectors import Select, Comparison
    >>> sel = Select(indices, indices, Comparison.LEQ)
    >>> core.numerical(Aggregate(sel, tokens, default=0))([1, 0, 0, 1])
    [1.0, 0.5, 0.3333333333333333, 0.5]
    >>> Aggregate(sel, tokens, reduction="sum")([1, 0, 2, 1]), Aggregate(sel, tokens, reduction="max")([1, 0, 2, 1])
    ([1, 1, 3, 4], [1, 1, 2, 2])
    """

    base_name = "aggregate"

    def __init__(self, selector: Selector, sop: SOp, default: Any = None, reduction: str = "mean") -> None:
        super().__init__()
        where = "Aggregate(selector, sop, default, reduction)"
        core.require_selector(selector, where, "selector", 1)
        core.require_sop(sop, where, "sop", 2)
        if isinstance(default, core.RASPExpr):
            raise RaspError(f"{where}: argument 3 (default) must be a value, got {core.describe(default)}")
        if not isinstance(reduction, str) or reduction not in REDUCTIONS:
            raise RaspError(f"{where}: argument 4 (reduction) must be one of {', '.join(map(repr, REDUCTIONS))}, "
                            f"got {core.describe(reduction)}")
        self.selector = selector
        self.sop = sop
        self.default = default
        self.reduction = reduction

    @property
    def children(self) -> tuple[Selector, SOp]:
        return (self.selector, self.sop)
