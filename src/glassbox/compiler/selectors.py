"""Selector normal form: an AND of predicate groups, one per distinct (keys, queries) pair.

Any boolean combination of Selects over the *same* keys and queries merges into one predicate
(tracr does this only at construction time). Selects over different pairs can still be ANDed,
because the attention scores add up (see craft.chamber.attention). An OR or NOT across
different pairs has no single-head form, and is reported.
"""

from collections.abc import Callable, Mapping
from typing import Any

from glassbox import rasp

Group = tuple[rasp.SOp, rasp.SOp, Callable[[Any, Any], bool]]


def to_groups(sel: rasp.Selector, labels: Mapping[rasp.RASPExpr, str]) -> tuple[list[Group], list]:
    """The AND-of-groups form of `sel`, and (label, reason) problems if it has none."""
    problems: list[tuple[str, str]] = []
    groups = _groups(sel, labels, problems)
    return (groups or [], problems)


def _groups(sel: rasp.Selector, labels: Mapping, problems: list) -> "list[Group] | None":
    if isinstance(sel, rasp.Select):
        return [(sel.keys, sel.queries, sel.predicate)]
    if isinstance(sel, rasp.SelectorAnd):
        a, b = _groups(sel.fst, labels, problems), _groups(sel.snd, labels, problems)
        if a is None or b is None:
            return None
        return _merge(a + b, lambda p, q: lambda k, x: p(k, x) and q(k, x))
    if isinstance(sel, rasp.SelectorOr):
        a, b = _groups(sel.fst, labels, problems), _groups(sel.snd, labels, problems)
        if a is None or b is None:
            return None
        if len(a) == 1 and len(b) == 1 and _same_pair(a[0], b[0]):
            (k, q, p1), (_, _, p2) = a[0], b[0]
            return [(k, q, lambda key, query: p1(key, query) or p2(key, query))]
        problems.append((labels[sel], "an OR of selectors over different keys/queries has no one-head form; "
                                      "select on a combined SOp instead"))
        return None
    if isinstance(sel, rasp.SelectorNot):
        inner = _groups(sel.inner, labels, problems)
        if inner is None:
            return None
        if len(inner) == 1:
            k, q, p = inner[0]
            return [(k, q, lambda key, query: not p(key, query))]
        problems.append((labels[sel], "a NOT of an AND over different keys/queries has no one-head form"))
        return None
    problems.append((labels[sel], f"{type(sel).__name__} cannot be compiled"))
    return None


def _same_pair(a: Group, b: Group) -> bool:
    return a[0] is b[0] and a[1] is b[1]


def _merge(groups: list[Group], both: Callable) -> list[Group]:
    out: list[Group] = []
    for group in groups:
        for i, existing in enumerate(out):
            if _same_pair(existing, group):
                out[i] = (existing[0], existing[1], both(existing[2], group[2]))
                break
        else:
            out.append(group)
    return out
