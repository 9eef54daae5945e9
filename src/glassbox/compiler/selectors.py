"""Selector normal form: an AND of predicate groups, one per distinct (keys, queries) pair.

Any boolean combination of Selects over the *same* keys and queries merges into one predicate
(tracr does this only at construction time). Selects over different pairs can still be ANDed,
because the attention scores add up (see craft.chamber.attention). An OR or NOT across
different pairs has no single-head form, and is reported.
"""

from collections.abc import Callable
from typing import Any

from glassbox import rasp
from glassbox.compiler.nodes import Graph, Group


def to_groups(sel: rasp.Selector, graph: Graph) -> tuple[tuple[Group, ...], list[tuple[str, str]]]:
    """The AND-of-groups form of `sel` (keys and queries by label), and (label, reason) problems if it has none."""
    problems: list[tuple[str, str]] = []
    groups = _groups(sel, graph, problems)
    return tuple(groups or ()), problems


def _groups(sel: rasp.Selector, graph: Graph, problems: list[tuple[str, str]]) -> "list[Group] | None":
    if isinstance(sel, rasp.Select):
        return [(graph.label(sel.keys), graph.label(sel.queries), sel.predicate)]
    if isinstance(sel, rasp.SelectorAnd):
        a, b = _groups(sel.fst, graph, problems), _groups(sel.snd, graph, problems)
        if a is None or b is None:
            return None
        return _merge(a + b)
    if isinstance(sel, rasp.SelectorOr):
        a, b = _groups(sel.fst, graph, problems), _groups(sel.snd, graph, problems)
        if a is None or b is None:
            return None
        if len(a) == 1 and len(b) == 1 and a[0][:2] == b[0][:2]:
            (k, q, p1), (_, _, p2) = a[0], b[0]
            return [(k, q, _either(p1, p2))]
        problems.append((graph.label(sel), "an OR of selectors over different keys/queries has no one-head form; "
                                           "select on a combined SOp instead"))
        return None
    if isinstance(sel, rasp.SelectorNot):
        inner = _groups(sel.inner, graph, problems)
        if inner is None:
            return None
        if len(inner) == 1:
            k, q, p = inner[0]
            return [(k, q, _negated(p))]
        problems.append((graph.label(sel), "a NOT of an AND over different keys/queries has no one-head form"))
        return None
    problems.append((graph.label(sel), f"{type(sel).__name__} cannot be compiled"))
    return None


Predicate = Callable[[Any, Any], bool]


def _both(p: Predicate, q: Predicate) -> Predicate:
    return lambda key, query: bool(p(key, query)) and bool(q(key, query))


def _either(p: Predicate, q: Predicate) -> Predicate:
    return lambda key, query: bool(p(key, query)) or bool(q(key, query))


def _negated(p: Predicate) -> Predicate:
    return lambda key, query: not p(key, query)


def _merge(groups: list[Group]) -> list[Group]:
    out: list[Group] = []
    for group in groups:
        for i, existing in enumerate(out):
            if existing[:2] == group[:2]:
                out[i] = (existing[0], existing[1], _both(existing[2], group[2]))
                break
        else:
            out.append(group)
    return out
