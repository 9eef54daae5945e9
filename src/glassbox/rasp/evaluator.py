"""The reference semantics of RASP: a memoised evaluator, optionally causal.

Each distinct node is evaluated once per call (linear in the program's size). Errors name the
expression (by label), the position in the sequence, and the offending values.
"""

import abc
import fractions
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from glassbox.errors import EvaluationError, InputError
from glassbox.rasp import core, graph, selectors, sops
from glassbox.rasp.core import RASPExpr

SOpValue = list[Any]


def evaluate(expr: RASPExpr, xs: Sequence[Any], causal: bool = False) -> Any:
    """Evaluate `expr` on the input sequence `xs`.

    Args:
        expr: an SOp (gives a list) or a Selector (gives a query×key list of lists of bools).
        xs: the input tokens (a list, tuple, str or 1-D array).
        causal: if True, a query position sees only keys at positions ≤ itself.

    Returns:
        The value of `expr`, with None where an Aggregate selected nothing and had no default,
        and wherever a None flowed through a Map or SequenceMap.

    Raises:
        InputError: `xs` is not a sequence.
        EvaluationError: an operation failed; the message names the expression and position.

    >>> from glassbox.rasp import sops
    >>> evaluate(sops.length, "abc")
    [3, 3, 3]
    """
    xs = _as_sequence(xs)
    names = graph.labels(expr)
    values: dict[int, Any] = {}
    for node in graph.walk(expr):
        values[id(node)] = _eval_node(node, xs, values, names[node], causal)
    out = values[id(expr)]
    if isinstance(out, np.ndarray):
        return out.tolist()
    return out


def trace(expr: RASPExpr, xs: Sequence[Any], causal: bool = False,
          labels: "Mapping[RASPExpr, str] | None" = None) -> dict[str, Any]:
    """Every expression's value on `xs`, by label: the evaluator's full trace (one evaluation).

    Args:
        expr: the program.
        xs: the input tokens.
        causal: as in `evaluate`.
        labels: the labels to key by (default `graph.labels(expr)`; pass a compiled model's graph
            labels to match its circuit map).

    Returns:
        label -> value (a list for SOps, a query×key list of lists of bools for selectors).

    >>> from glassbox.rasp import sops
    >>> trace(sops.Map(lambda x: x + 1, sops.tokens), [1, 2])
    {'tokens': [1, 2], 'map': [2, 3]}
    """
    xs = _as_sequence(xs)
    names = graph.labels(expr) if labels is None else labels
    values: dict[int, Any] = {}
    out: dict[str, Any] = {}
    for node in graph.walk(expr):
        values[id(node)] = _eval_node(node, xs, values, names[node], causal)
        value = values[id(node)]
        out[names[node]] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


def _as_sequence(xs: Any) -> list[Any]:
    if isinstance(xs, np.ndarray):
        if xs.ndim != 1:
            raise InputError(f"input must be a 1-D sequence, got an array of shape {xs.shape}")
        return xs.tolist()
    if isinstance(xs, (str, list, tuple)):
        return list(xs)
    raise InputError(
        f"input must be a sequence (list, tuple, str or 1-D array), got {type(xs).__name__} {xs!r:.60}"
    )


def _eval_node(node: RASPExpr, xs: list[Any], values: dict[int, Any], label: str, causal: bool) -> Any:
    n = len(xs)
    get = lambda child: values[id(child)]  # noqa: E731

    if isinstance(node, sops.TokensType):
        return list(xs)
    if isinstance(node, sops.IndicesType):
        return list(range(n))
    if isinstance(node, sops.LengthType):
        return [n] * n
    if isinstance(node, sops.Full):
        return [node.fill] * n
    if isinstance(node, sops.ConstantSOp):
        if node.check_length and len(node.value) != n:
            raise EvaluationError(
                f"ConstantSOp {label!r} has {len(node.value)} values but the input has {n} tokens"
            )
        return list(node.value)
    if isinstance(node, sops.Map):
        return [_call(node.f, label, i, x) for i, x in enumerate(get(node.inner))]
    if isinstance(node, sops.SequenceMap):
        return [
            _call(node.f, label, i, x, y)
            for i, (x, y) in enumerate(zip(get(node.fst), get(node.snd), strict=True))
        ]
    if isinstance(node, sops.SelectorWidth):
        return [int(w) for w in get(node.selector).sum(axis=1)]
    if isinstance(node, sops.Aggregate):
        return _aggregate(node, get(node.selector), get(node.sop), label)
    if isinstance(node, selectors.Select):
        return _select(node, get(node.keys), get(node.queries), label, causal)
    if isinstance(node, selectors.ConstantSelector):
        # an explicit column count: reshape(0, -1) fails on the empty (0 x 0) selector
        width = len(node.value[0]) if node.value else 0
        matrix = np.array(node.value, dtype=bool).reshape(len(node.value), width)
        if node.check_length and matrix.shape != (n, n):
            raise EvaluationError(
                f"ConstantSelector {label!r} has shape {matrix.shape}, the input needs ({n}, {n})"
            )
        return _mask(matrix, causal)
    if isinstance(node, selectors.SelectorAnd):
        return get(node.fst) & get(node.snd)
    if isinstance(node, selectors.SelectorOr):
        return get(node.fst) | get(node.snd)
    if isinstance(node, selectors.SelectorNot):
        return _mask(~get(node.inner), causal)
    raise EvaluationError(f"expression {label!r} has unknown type {type(node).__name__}")


def _call(f: Any, label: str, position: int, *args: Any) -> Any:
    if any(a is None for a in args):
        return None
    try:
        return f(*args)
    except Exception as exc:
        shown = ", ".join(repr(a) for a in args)
        raise EvaluationError(
            f"{label!r} at position {position}: its function raised {type(exc).__name__}: {exc} "
            f"(input {shown})"
        ) from exc


def _mask(matrix: np.ndarray, causal: bool) -> np.ndarray:
    return np.tril(matrix) if causal else matrix


def _select(
    node: selectors.Select, keys: list[Any], queries: list[Any], label: str, causal: bool
) -> np.ndarray:
    n = len(keys)
    out = np.zeros((n, n), dtype=bool)
    for q, query in enumerate(queries):
        for k, key in enumerate(keys):
            if causal and k > q:
                continue
            if key is None or query is None:
                raise EvaluationError(
                    f"Select {label!r}: cannot compare None (query position {q} = {query!r}, "
                    f"key position {k} = {key!r})"
                )
            try:
                out[q, k] = bool(node.predicate(key, query))
            except Exception as exc:
                raise EvaluationError(
                    f"Select {label!r} at query position {q}, key position {k}: the predicate "
                    f"raised {type(exc).__name__}: {exc} (key {key!r}, query {query!r})"
                ) from exc
    return out


def _aggregate(node: sops.Aggregate, selected: np.ndarray, values: list[Any], label: str) -> list[Any]:
    numerical = node.encoding is core.Encoding.NUMERICAL
    out = []
    for q, row in enumerate(selected):
        chosen = [values[k] for k in np.flatnonzero(row)]
        if not chosen:
            out.append(node.default)
        elif node.reduction != "mean":
            out.append(_reduce(node, chosen, label, q, numerical))
        elif numerical:
            bad = [v for v in chosen if not core.is_number(v)]
            if bad:
                raise EvaluationError(
                    f"numerical Aggregate {label!r} at position {q}: cannot average non-numeric or non-finite "
                    f"values {bad[:4]!r}"
                )
            out.append(mean(chosen))
        else:
            distinct = _distinct(chosen)
            if len(distinct) > 1:
                raise EvaluationError(
                    f"categorical Aggregate {label!r} at position {q}: selected several different "
                    f"values {distinct[:4]!r}, and a category cannot be averaged (make the selector "
                    "pick one value, or annotate the Aggregate numerical)"
                )
            out.append(chosen[0])
    return out


def _reduce(node: sops.Aggregate, chosen: list[Any], label: str, q: int, numerical: bool) -> Any:
    """The sum, max or min of the selected values (not empty)."""
    if node.reduction == "sum" or numerical:
        bad = [v for v in chosen if not core.is_number(v)]
        if bad:
            raise EvaluationError(f"Aggregate {label!r} ({node.reduction}) at position {q}: cannot "
                                  f"{'add' if node.reduction == 'sum' else 'compare'} the non-numeric or "
                                  f"non-finite values {bad[:4]!r}")
    if node.reduction == "sum":
        return exact_sum(chosen)
    try:
        return max(chosen) if node.reduction == "max" else min(chosen)
    except TypeError as exc:
        raise EvaluationError(f"Aggregate {label!r} ({node.reduction}) at position {q}: the selected values "
                              f"{_distinct(chosen)[:4]!r} cannot be ordered ({exc})") from exc


def mean(values: Sequence[Any]) -> float:
    """The mean of numbers, computed exactly and rounded once (so it does not depend on their order).

    The compiler enumerates means the same way, so a mean the evaluator gives is always one of the
    values the compiler expects, to the last bit (naive float sums differ by an ulp across orders).

    >>> mean([0.1, 0.2, 0.4]) == mean([0.1, 0.4, 0.2]), sum([0.1, 0.2, 0.4]) == sum([0.1, 0.4, 0.2])
    (True, False)
    """
    if all(isinstance(v, int) for v in values):  # bools too: an int sum, correctly rounded division
        return sum(values) / len(values)
    return float(sum(map(fractions.Fraction, values)) / len(values))


def exact_sum(values: Sequence[Any]) -> Any:
    """The sum of numbers, computed exactly and rounded once (ints stay ints), as the compiler enumerates sums.

    >>> exact_sum([0.1, 0.2, 0.4]) == exact_sum([0.1, 0.4, 0.2]), sum([0.1, 0.2, 0.4]) == sum([0.1, 0.4, 0.2])
    (True, False)
    """
    if all(isinstance(v, int) for v in values):
        return sum(values)
    return float(sum(map(fractions.Fraction, values)))


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not any(v == u for u in out):
            out.append(v)
    return out


# -- tracr's evaluator classes ------------------------------------------------------------------
class RASPEvaluator(abc.ABC):
    """tracr's base class of evaluators: `evaluate(expr, xs)` gives an SOp's list or a selector's matrix."""

    @abc.abstractmethod
    def evaluate(self, expr: RASPExpr, xs: Sequence[Any]) -> Any:
        """Evaluate `expr` on the input `xs`."""


class DefaultRASPEvaluator(RASPEvaluator):
    """tracr's default evaluator, with glassbox's semantics (the same values as `evaluate`).

    It dispatches on the exact type, through `_eval_fn_by_expr_type`, to one `eval_<kind>` method
    per expression type, so a subclass can override a rule or register a new type (as tracr's
    `CausalEvaluator` does). Each distinct node is evaluated once per top-level call.

    >>> from glassbox.rasp import sops
    >>> DefaultRASPEvaluator().evaluate(sops.Map(lambda x: x + 1, sops.tokens), [1, 2])
    [2, 3]
    """

    causal = False  # mask every selector to key <= query

    def __init__(self) -> None:
        self._memo: "dict[int, Any] | None" = None
        self._eval_fn_by_expr_type: dict[type, Callable[[Any, Sequence[Any]], Any]] = {
            sops.TokensType: self.eval_tokens,
            sops.IndicesType: self.eval_indices,
            sops.LengthType: self.eval_length,
            sops.LinearSequenceMap: self.eval_sequence_map,
            sops.SequenceMap: self.eval_sequence_map,
            sops.Map: self.eval_map,
            sops.Full: self.eval_full,
            sops.ConstantSOp: self.eval_constant_sop,
            sops.SelectorWidth: self.eval_selector_width,
            sops.Aggregate: self.eval_aggregate,
            selectors.Select: self.eval_select,
            selectors.SelectorAnd: self.eval_selector_and,
            selectors.SelectorOr: self.eval_selector_or,
            selectors.SelectorNot: self.eval_selector_not,
            selectors.ConstantSelector: self.eval_constant_selector,
        }

    def evaluate(self, expr: RASPExpr, xs: Sequence[Any]) -> Any:
        outer = self._memo is None
        if outer:
            self._memo = {}
        assert self._memo is not None
        try:
            if id(expr) not in self._memo:
                rule = self._eval_fn_by_expr_type.get(type(expr))
                if rule is None:
                    raise NotImplementedError(f"evaluation of {expr!r} is not defined")
                self._memo[id(expr)] = (expr, rule(expr, xs))  # the node is kept so its id stays unique
            return self._memo[id(expr)][1]
        finally:
            if outer:
                self._memo = None

    def _rule(self, expr: RASPExpr, xs: Sequence[Any]) -> Any:
        """glassbox's rule for `expr`, on its children's values from `self.evaluate`."""
        values: dict[int, Any] = {}
        for child in expr.children:
            got = self.evaluate(child, xs)
            if isinstance(child, core.Selector):
                got = np.array(got, dtype=bool).reshape(len(got), len(got[0]) if got else 0)
            values[id(child)] = got
        out = _eval_node(expr, _as_sequence(xs), values, expr.name, self.causal)
        return out.tolist() if isinstance(out, np.ndarray) else out

    eval_tokens = eval_indices = eval_length = eval_sequence_map = eval_map = eval_full = _rule
    eval_constant_sop = eval_selector_width = eval_aggregate = eval_select = _rule
    eval_selector_and = eval_selector_or = eval_selector_not = eval_constant_selector = _rule


class CausalEvaluator(DefaultRASPEvaluator):
    """tracr's causal evaluator: every selector sees only keys at positions up to the query's."""

    causal = True
