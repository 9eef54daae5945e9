"""Selector normal form: an AND of predicate groups, each over one (keys, queries) pair of categorical SOps.

A head's score is c · Σ_groups pred(key, query): a key is selected when every group holds (score k·c),
and every selected key scores the same, as averaging and counting need. So a selector compiles into
one head exactly when it is an AND of conditions on single pairs. Two ways get it there:

1. **Syntactically** (free): any combination of Selects over the *same* pair merges into one predicate,
   and an AND across pairs keeps one group per pair (the scores add up).
2. **By its truth table** (an OR or NOT across pairs): the atoms are the Selects; per pair, the *states*
   (the truth values of its atoms) that its key and query values can produce; the selector is a boolean
   function of the pairs' states. Its satisfying states factor into independent *blocks* of pairs (a pair
   is a block of its own when the satisfying set is its projection times the rest's). A one-pair block
   is one group (its state is in the projection); a block of several pairs becomes one group over *joint
   features*: the tuple of its key SOps and the tuple of its query SOps, each written one-hot by an MLP
   (`a&b.joint`). Nothing else can do it in one head: with additive scores an OR of two pairs would give
   keys satisfying both a higher score than keys satisfying one.

`plan` returns the groups, by component labels, and says which way each selector was built.
"""

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

from glassbox import rasp
from glassbox.compiler.nodes import Graph, ValueSets

Predicate = Callable[[Any, Any], bool]
MAX_STATES = 1 << 16  # combinations of pair states in a truth table
MAX_PAIRS = 1_000_000  # key x query value pairs (times atoms) enumerated per pair
MAX_JOINT = 4096  # values of one joint feature (it has one dimension and one MLP unit per combination)
MAX_PARTITIONED = 6  # pairs up to which every partition into blocks is tried (Bell(6) = 203)


@dataclasses.dataclass(frozen=True)
class PlannedGroup:
    """One group: a predicate over the keys' and the queries' values.

    With one component on a side the predicate reads that SOp's value; with several, the tuple of
    their values (a joint feature)."""

    keys: tuple[str, ...]
    queries: tuple[str, ...]
    predicate: Predicate


@dataclasses.dataclass(frozen=True)
class Plan:
    """How a selector compiles: its groups, a sentence for the circuit map, and any problems."""

    groups: tuple[PlannedGroup, ...]
    how: str
    problems: tuple[tuple[str, str], ...] = ()


def plan(sel: rasp.Selector, graph: Graph, sets: ValueSets) -> Plan:
    """The groups of `sel` (syntactically where it can, else by its truth table)."""
    groups = _groups(sel, graph)
    if groups is not None:
        planned = tuple(PlannedGroup((k,), (q,), p) for k, q, p in groups)
        how = ("one predicate" if len(groups) == 1 else
               f"additive scores: an AND of {len(groups)} groups (one per key/query pair)")
        return Plan(planned, how)
    return _Table(sel, graph, sets).plan()


# -- 1. syntactic ----------------------------------------------------------------------------------
def _groups(sel: rasp.Selector, graph: Graph) -> "list[tuple[str, str, Predicate]] | None":
    if isinstance(sel, rasp.Select):
        return [(graph.label(sel.keys), graph.label(sel.queries), sel.predicate)]
    if isinstance(sel, rasp.SelectorAnd):
        a, b = _groups(sel.fst, graph), _groups(sel.snd, graph)
        if a is None or b is None:
            return None
        return _merge(a + b)
    if isinstance(sel, rasp.SelectorOr):
        a, b = _groups(sel.fst, graph), _groups(sel.snd, graph)
        if a is None or b is None:
            return None
        if len(a) == 1 and len(b) == 1 and a[0][:2] == b[0][:2]:
            (k, q, p1), (_, _, p2) = a[0], b[0]
            return [(k, q, _either(p1, p2))]
        return None
    if isinstance(sel, rasp.SelectorNot):
        inner = _groups(sel.inner, graph)
        if inner is None or len(inner) != 1:
            return None
        k, q, p = inner[0]
        return [(k, q, _negated(p))]
    return None


def _both(p: Predicate, q: Predicate) -> Predicate:
    return lambda key, query: bool(p(key, query)) and bool(q(key, query))


def _either(p: Predicate, q: Predicate) -> Predicate:
    return lambda key, query: bool(p(key, query)) or bool(q(key, query))


def _negated(p: Predicate) -> Predicate:
    return lambda key, query: not p(key, query)


def _merge(groups: list[tuple[str, str, Predicate]]) -> list[tuple[str, str, Predicate]]:
    out: list[tuple[str, str, Predicate]] = []
    for group in groups:
        for i, existing in enumerate(out):
            if existing[:2] == group[:2]:
                out[i] = (existing[0], existing[1], _both(existing[2], group[2]))
                break
        else:
            out.append(group)
    return out


def holds(predicate: Predicate, key: Any, query: Any) -> bool:
    """predicate(key, query), False where it raises (the evaluator raises there; the model selects nothing)."""
    try:
        return bool(predicate(key, query))
    except Exception:
        return False


# -- 2. by truth table -----------------------------------------------------------------------------
State = tuple[bool, ...]


class _Table:
    """The selector as a boolean function of its pairs' states (module docstring, way 2)."""

    def __init__(self, sel: rasp.Selector, graph: Graph, sets: ValueSets) -> None:
        self.sel, self.graph, self.sets = sel, graph, sets
        self.label = graph.label(sel)
        self.nodes = _selector_nodes(sel)  # the combinators and Selects, children first (not the SOps below)
        self.atoms = [n for n in self.nodes if isinstance(n, rasp.Select)]
        self.pairs: list[tuple[str, str]] = []
        for atom in self.atoms:
            pair = (graph.label(atom.keys), graph.label(atom.queries))
            if pair not in self.pairs:
                self.pairs.append(pair)
        self.pair_of = [self.pairs.index((graph.label(a.keys), graph.label(a.queries))) for a in self.atoms]
        self.members = [[i for i, p in enumerate(self.pair_of) if p == j] for j in range(len(self.pairs))]

    def fail(self, reason: str) -> Plan:
        return Plan((), "", ((self.label, reason),))

    def state(self, pair: int, key: Any, query: Any) -> State:
        return tuple(holds(self.atoms[i].predicate, key, query) for i in self.members[pair])

    def plan(self) -> Plan:
        if any(isinstance(n, rasp.ConstantSelector) for n in self.nodes):
            return self.fail("a ConstantSelector cannot be compiled (its matrix is fixed for one length)")
        states: list[list[State]] = []
        for j, (keys, queries) in enumerate(self.pairs):
            kv, qv = self.sets[keys].values, self.sets[queries].values
            if kv is None or qv is None or len(kv) * len(qv) * len(self.members[j]) > MAX_PAIRS:
                return self.fail(f"an OR/NOT across key/query pairs needs the values of {keys!r} and {queries!r}, "
                                 "which are too many to tabulate")
            states.append(sorted({self.state(j, k, q) for k in kv for q in qv}))
        if _product_size(states) > MAX_STATES:
            return self.fail(f"an OR/NOT across {len(self.pairs)} key/query pairs has more than {MAX_STATES} "
                             "combinations of their states to tabulate")
        sat = {combo for combo in itertools.product(*states) if self.truth(combo)}
        if not sat:  # selects nothing, anywhere
            keys, queries = self.pairs[0]
            return Plan((PlannedGroup((keys,), (queries,), lambda k, q: False),), "never selects (by its truth table)")
        blocks = self.blocks(sat, len(states))
        groups = []
        for block in blocks:
            allowed = {tuple(combo[j] for j in block) for combo in sat}
            if len(allowed) == _product_size([states[j] for j in block]):
                continue  # no constraint: every state of the block satisfies
            groups.append(self.group(block, allowed))
        if not groups:  # selects everything
            keys, queries = self.pairs[0]
            return Plan((PlannedGroup((keys,), (queries,), lambda k, q: True),), "always selects (by its truth table)")
        joints = [g for g in groups if len(g.keys) > 1 or len(g.queries) > 1]
        how = f"by its truth table over {len(self.pairs)} key/query pairs: {len(groups)} group(s)"
        if joints:
            sides = sorted({"&".join(side) for g in joints for side in (g.keys, g.queries) if len(side) > 1})
            how += f", joint features of {', '.join(sides)}"
        return Plan(tuple(groups), how)

    def truth(self, combo: tuple[State, ...]) -> bool:
        """The selector's value when pair j is in state combo[j]."""
        values: dict[int, bool] = {}
        for node in self.nodes:
            if isinstance(node, rasp.Select):
                i = self.atoms.index(node)
                j = self.pair_of[i]
                values[id(node)] = combo[j][self.members[j].index(i)]
            elif isinstance(node, rasp.SelectorAnd):
                values[id(node)] = values[id(node.fst)] and values[id(node.snd)]
            elif isinstance(node, rasp.SelectorOr):
                values[id(node)] = values[id(node.fst)] or values[id(node.snd)]
            elif isinstance(node, rasp.SelectorNot):
                values[id(node)] = not values[id(node.inner)]
        return values[id(self.sel)]

    @staticmethod
    def blocks(sat: set[tuple[State, ...]], n: int) -> list[list[int]]:
        """The finest partition of the pairs into blocks the satisfying set factors over (it is the product
        of its projections on the blocks exactly when its size is the product of theirs). Every partition is
        tried up to MAX_PARTITIONED pairs; beyond, the pairs that factor out alone, then the rest as one."""

        def factors(blocks: list[list[int]]) -> bool:
            size = 1
            for block in blocks:
                size *= len({tuple(combo[j] for j in block) for combo in sat})
            return size == len(sat)

        if n <= MAX_PARTITIONED:
            best = [list(range(n))]
            for partition in _partitions(list(range(n))):
                if len(partition) > len(best) and factors(partition):
                    best = partition
            return best
        alone, rest = [], list(range(n))
        for j in range(n):
            others = [i for i in rest if i != j]
            if others and factors([[j], others]):
                alone.append([j])
                rest = others
        return alone + ([rest] if rest else [])

    def group(self, block: list[int], allowed: set[tuple[State, ...]]) -> PlannedGroup:
        keys = tuple(dict.fromkeys(self.pairs[j][0] for j in block))
        queries = tuple(dict.fromkeys(self.pairs[j][1] for j in block))
        where = [(keys.index(self.pairs[j][0]), queries.index(self.pairs[j][1])) for j in block]
        joint_keys, joint_queries = len(keys) > 1, len(queries) > 1

        def predicate(key: Any, query: Any) -> bool:
            ks = key if joint_keys else (key,)
            qs = query if joint_queries else (query,)
            return tuple(self.state(j, ks[a], qs[b]) for j, (a, b) in zip(block, where, strict=True)) in allowed

        return PlannedGroup(keys, queries, predicate)


def _selector_nodes(sel: rasp.Selector) -> list[rasp.Selector]:
    """The selector's own nodes in post-order: combinators and Selects, not the SOps the Selects read."""
    out: list[rasp.Selector] = []
    seen: set[int] = set()

    def visit(node: rasp.Selector) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        for child in node.children:
            if isinstance(child, rasp.Selector):
                visit(child)
        out.append(node)

    visit(sel)
    return out


def _partitions(items: list[int]) -> "list[list[list[int]]]":
    """Every partition of `items` into non-empty blocks (Bell(n) of them)."""
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    out = []
    for partition in _partitions(rest):
        out.append([[first], *partition])
        for i in range(len(partition)):
            out.append([*partition[:i], [first, *partition[i]], *partition[i + 1:]])
    return out


def _product_size(states: list[list[State]]) -> int:
    size = 1
    for s in states:
        size *= len(s)
    return size
