"""Reduce a failing program to a minimal one that still fails the same way (greedy, typed).

Each step tries, in order: an earlier SOp as the output; bypassing a node (its readers read one of
its inputs instead); rewiring an argument to a primitive; a simpler function, predicate, default or
encoding; a shorter max_seq_len; a smaller vocab. A candidate is kept when it type-checks, costs
less (fewer nodes first) and still fails; the search restarts from every kept candidate until no
step helps or the check budget is spent.
"""

import dataclasses
from collections.abc import Callable, Iterator

from glassbox.fuzz import catalog
from glassbox.fuzz.program import IllTyped, Node, Program, reachable, typecheck

_FN_ORDER = {key: i for i, key in enumerate(catalog.FUNCTIONS)}
_PRED_ORDER = {name: i for i, name in enumerate(("TRUE", "EQ", *catalog.COMPARISONS, *catalog.PREDICATES))}


def cost(program: Program) -> tuple[int, ...]:
    """What shrinking minimises, most important first."""
    nodes = program.nodes
    return (program.size, len(nodes), sum(n.op in ("and", "or", "not") for n in nodes),
            sum(n.numerical for n in nodes), program.max_seq_len, len(program.vocab),
            sum(_FN_ORDER.get(n.fn or "", 0) if n.op in ("map", "sequence_map") else _PRED_ORDER.get(n.fn or "", 0)
                for n in nodes),
            sum(n.const is not None for n in nodes if n.op == "aggregate"))


def shrink(program: Program, still_fails: Callable[[Program], bool], max_checks: int = 200) -> Program:
    """The smallest program found that `still_fails` (the input itself if nothing smaller does).

    Args:
        program: a failing program.
        still_fails: whether a candidate fails the same way (it compiles and checks it).
        max_checks: the most candidates to check.
    """
    best, checks = program, 0
    improved = True
    while improved and checks < max_checks:
        improved = False
        for candidate in _candidates(best):
            if not _well_typed(candidate) or cost(candidate) >= cost(best):
                continue
            checks += 1
            if still_fails(candidate):
                best, improved = candidate, True
                break
            if checks >= max_checks:
                break
    return best


def _well_typed(program: Program) -> bool:
    try:
        typecheck(program)
    except IllTyped:
        return False
    return True


def _candidates(p: Program) -> Iterator[Program]:
    nodes = list(p.nodes)
    last = len(nodes) - 1
    # an earlier SOp as the output
    for j in range(last):
        if nodes[j].op not in ("select", "and", "or", "not"):
            yield reachable(p.replace(nodes=tuple(nodes[: j + 1])))
    # bypass a node: whoever reads it reads one of its inputs instead
    for i in range(last):
        for a in nodes[i].args:
            yield _rewire(p, i, a)
    # an argument rewired to a primitive (or to any earlier node)
    for i, node in enumerate(nodes):
        for pos in range(len(node.args)):
            for k in range(i):
                if k != node.args[pos] and (k < 2 or nodes[k].op in ("tokens", "indices", "length")):
                    args = list(node.args)
                    args[pos] = k
                    yield _with(p, i, dataclasses.replace(node, args=tuple(args)))
    # simpler pieces
    for i, node in enumerate(nodes):
        for simpler in _simpler(node):
            yield _with(p, i, simpler)
    if p.max_seq_len > 1:
        yield p.replace(max_seq_len=p.max_seq_len - 1)
    for t in range(len(p.vocab)):
        if len(p.vocab) > 1:
            yield p.replace(vocab=p.vocab[:t] + p.vocab[t + 1:])


def _simpler(node: Node) -> Iterator[Node]:
    if node.numerical:
        yield dataclasses.replace(node, numerical=False)
    if node.op in ("map", "sequence_map"):
        fn = catalog.FUNCTIONS[node.fn or ""]
        for key in catalog.functions(fn.inputs):
            if _FN_ORDER[key] < _FN_ORDER[node.fn or ""]:
                yield dataclasses.replace(node, fn=key)
    if node.op == "select":
        for name in _PRED_ORDER:
            if _PRED_ORDER[name] < _PRED_ORDER.get(node.fn or "", 0):
                yield dataclasses.replace(node, fn=name)
    if node.op == "aggregate" and node.const is not None:
        yield dataclasses.replace(node, const=0 if node.numerical else None)


def _with(p: Program, i: int, node: Node) -> Program:
    nodes = list(p.nodes)
    nodes[i] = node
    return p.replace(nodes=tuple(nodes))


def _rewire(p: Program, old: int, new: int) -> Program:
    nodes = [dataclasses.replace(n, args=tuple(new if a == old else a for a in n.args)) if j > old else n
             for j, n in enumerate(p.nodes)]
    return reachable(p.replace(nodes=tuple(nodes)))
