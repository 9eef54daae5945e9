"""Graph walks are linear in the number of distinct nodes, and iterative (no recursion limit)."""

import sys
import time

from glassbox import rasp


def diamonds(n: int) -> rasp.SOp:
    x = rasp.tokens
    for _ in range(n):
        x = rasp.SequenceMap(lambda a, b: a + b, x, rasp.Map(lambda a: a, x))
    return x


def test_thirty_shared_diamonds_walk_and_evaluate_fast():
    start = time.perf_counter()
    program = diamonds(30)
    nodes = rasp.walk(program)
    out = program([1, 2])
    labels = rasp.labels(program)
    causal = rasp.evaluate(program, [1, 2], causal=True)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert len(nodes) == 61 and len({id(n) for n in nodes}) == 61
    assert len(set(labels.values())) == 61
    assert out == causal == [2**30, 2**31]  # each diamond doubles the value


def test_walk_is_post_order_with_each_node_once():
    program = diamonds(3)
    nodes = rasp.walk(program)
    assert nodes[0] is rasp.tokens and nodes[-1] is program
    position = {id(n): i for i, n in enumerate(nodes)}
    for node in nodes:
        for child in node.children:
            assert position[id(child)] < position[id(node)]


def test_walk_includes_selectors():
    sel = rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.EQ)
    agg = rasp.Aggregate(sel, rasp.tokens)
    assert rasp.walk(agg) == [rasp.tokens, rasp.indices, sel, agg]


def test_deep_map_chain_does_not_hit_recursion_limit():
    depth = 2000
    assert depth > sys.getrecursionlimit() // 2
    x = rasp.tokens
    for _ in range(depth):
        x = rasp.Map(lambda a: a + 1, x, simplify=False)
    start = time.perf_counter()
    assert len(rasp.walk(x)) == depth + 1
    assert len(set(rasp.labels(x).values())) == depth + 1
    assert x([0, 5]) == [depth, depth + 5]
    assert time.perf_counter() - start < 1.0  # labels are linear too, not quadratic in repeated names


def test_deep_map_chain_with_simplify_fuses_to_one_map():
    depth = 2000  # the fused function must not nest one Python call per stage either
    x = rasp.tokens
    for _ in range(depth):
        x = rasp.Map(lambda a: a + 1, x)
    assert len(rasp.walk(x)) == 2
    assert x([0, 1]) == [depth, depth + 1]


def test_fused_chain_passes_none_from_any_stage():
    x = rasp.Map(lambda a: a + 1, rasp.tokens)
    x = rasp.Map(lambda a: None if a == 2 else a, x)
    x = rasp.Map(lambda a: a * 10, x)
    x = rasp.Map(lambda a: a - 1, x)
    assert len(rasp.walk(x)) == 2
    assert x([0, 1, 2]) == [9, None, 29]
