"""A fuzzed program as plain data: nodes over a catalog of named functions, typed, buildable, printable.

A `Program` is a tuple of `Node`s in dependency order (each refers to earlier ones by index); the
last node is the output. Functions are catalog keys (their source is Python text), so a program
prints as runnable `rasp` code and shrinks by editing data, never closures.

Every node has a *kind* (`int`, `bool`, `float`, `str`, or `sel` for selectors) and a flag saying
whether it can be None; `typecheck` derives both and refuses any program outside what the RASP
evaluator gives meaning to (numerical SOps that may be None, comparisons of None, str arithmetic).
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

from glassbox import rasp
from glassbox.fuzz import catalog

# op -> (rasp constructor spelling); the argument layout is fixed per op
OPS = ("tokens", "indices", "length", "full", "map", "sequence_map", "linear_sequence_map", "select", "and", "or",
       "not", "aggregate", "width")
SELECTOR_OPS = ("select", "and", "or", "not")
NUMERIC_KINDS = ("int", "bool", "float")


@dataclasses.dataclass(frozen=True)
class Node:
    """One expression.

    Attributes:
        op: one of `OPS`.
        args: indices of the earlier nodes it reads (keys first for `select`, the selector first for
            `aggregate`).
        fn: the catalog key of its function (map, sequence_map), its predicate (select: a Comparison
            name or a catalog key), or None.
        const: the fill (full), the default (aggregate), the two factors (linear_sequence_map), else None.
        numerical: annotated numerical.
    """

    op: str
    args: tuple[int, ...] = ()
    fn: "str | None" = None
    const: Any = None
    numerical: bool = False
    reduction: str = "mean"  # aggregate: mean, sum, max or min


@dataclasses.dataclass(frozen=True)
class Program:
    """A fuzzed program with the vocab and length it is compiled for.

    Attributes:
        nodes: in dependency order; the last is the output SOp.
        vocab: the input tokens (ints or one-letter strings).
        max_seq_len: the longest input.
    """

    nodes: tuple[Node, ...]
    vocab: tuple[Any, ...]
    max_seq_len: int

    @property
    def size(self) -> int:
        """The number of non-primitive nodes (what the shrinker minimises first)."""
        return sum(node.op not in ("tokens", "indices", "length") for node in self.nodes)

    def replace(self, **changes: Any) -> "Program":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class Typed:
    """What `typecheck` derives for one node."""

    kind: str  # int, bool, float, str, or sel
    may_be_none: bool


class IllTyped(Exception):
    """A program outside the fuzzer's typed fragment (raised by `typecheck`)."""


def token_kind(vocab: Sequence[Any]) -> str:
    return "str" if any(isinstance(t, str) for t in vocab) else "int"


def typecheck(program: Program) -> list[Typed]:
    """Kinds and None-ness of every node.

    Raises:
        IllTyped: naming the first node that breaks a rule.
    """
    out: list[Typed] = []
    for i, node in enumerate(program.nodes):
        if any(a >= i or a < 0 for a in node.args):
            raise IllTyped(f"node {i} reads a later node")
        args = [out[a] for a in node.args]
        typed = _rule(node, args, program.vocab, program.nodes)
        if node.numerical and (typed.kind not in NUMERIC_KINDS or typed.may_be_none):
            raise IllTyped(f"node {i}: numerical {typed.kind} (may be None: {typed.may_be_none})")
        out.append(typed)
    if not out or out[-1].kind == "sel":
        raise IllTyped("the output must be an SOp")
    return out


REFLEXIVE = ("EQ", "LEQ", "GEQ", "TRUE")


def always_selects(nodes: Sequence[Node], i: int) -> bool:
    """A selector every query surely selects a key of: its own position (reflexive over one SOp), or any (TRUE)."""
    sel = nodes[i]
    if sel.op == "select":
        return sel.fn == "TRUE" or (sel.fn in REFLEXIVE and sel.args[0] == sel.args[1])
    if sel.op == "and":  # both select the query's own position (or every one)
        return always_selects(nodes, sel.args[0]) and always_selects(nodes, sel.args[1])
    if sel.op == "or":
        return always_selects(nodes, sel.args[0]) or always_selects(nodes, sel.args[1])
    return False


def _rule(node: Node, args: list[Typed], vocab: Sequence[Any], nodes: Sequence[Node] = ()) -> Typed:
    sop_args = [a for a in args if a.kind != "sel"]
    none = any(a.may_be_none for a in sop_args)
    if node.op == "tokens":
        return Typed(token_kind(vocab), False)
    if node.op in ("indices", "length", "width"):
        if node.op == "width" and [a.kind for a in args] != ["sel"]:
            raise IllTyped("width reads a selector")
        return Typed("int", False)
    if node.op == "full":
        return Typed(catalog.kind_of(node.const), False)
    if node.op in ("map", "sequence_map"):
        fn = catalog.FUNCTIONS.get(node.fn or "")
        if fn is None or tuple(a.kind for a in args) != fn.inputs:
            raise IllTyped(f"{node.fn!r} does not take {[a.kind for a in args]}")
        return Typed(fn.output, none)
    if node.op == "linear_sequence_map":
        if len(args) != 2 or any(a.kind not in NUMERIC_KINDS for a in args) or none:
            raise IllTyped("linear_sequence_map needs two numbers that are never None")
        a, b = node.const
        ints = all(isinstance(c, int) for c in (a, b)) and all(x.kind != "float" for x in args)
        return Typed("int" if ints else "float", False)
    if node.op == "select":
        keys, queries = args
        if none or "sel" in (keys.kind, queries.kind) or not catalog.comparable(keys.kind, queries.kind, node.fn or ""):
            raise IllTyped(f"select {node.fn!r} cannot compare {keys.kind} keys with {queries.kind} queries")
        return Typed("sel", False)
    if node.op in ("and", "or", "not"):
        if any(a.kind != "sel" for a in args) or len(args) != (1 if node.op == "not" else 2):
            raise IllTyped(f"{node.op} combines selectors")
        return Typed("sel", False)
    if node.op == "aggregate":
        sel, sop = args
        if sel.kind != "sel" or sop.kind == "sel":
            raise IllTyped("aggregate(selector, sop)")
        if node.reduction not in ("mean", "sum", "max", "min"):
            raise IllTyped(f"unknown reduction {node.reduction!r}")
        if node.reduction != "mean":
            return _reduced(node, sop)
        if node.numerical:
            covered = bool(nodes) and always_selects(nodes, node.args[0])
            default_ok = rasp.is_number(node.const) or (node.const is None and covered)
            if sop.kind not in NUMERIC_KINDS or sop.may_be_none or not default_ok:
                raise IllTyped("a numerical aggregate averages numbers, with a numeric default (or none, if "
                               "every query surely selects a key)")
            return Typed("float", False)
        if node.const is not None and catalog.kind_of(node.const) != sop.kind:
            raise IllTyped("a categorical aggregate's default has its input's kind")
        return Typed(sop.kind, sop.may_be_none or node.const is None)
    raise IllTyped(f"unknown op {node.op!r}")


def _reduced(node: Node, sop: "Typed") -> "Typed":
    """sum/max/min: numbers (numerical, a numeric default) or, for max/min, one orderable kind (categorical)."""
    if node.numerical or node.reduction == "sum":
        if not node.numerical or sop.kind not in NUMERIC_KINDS or sop.may_be_none or not rasp.is_number(node.const):
            raise IllTyped("a sum is numerical, over numbers, with a numeric default")
        return Typed("float" if node.reduction == "sum" else sop.kind, False)
    if sop.may_be_none or (node.const is not None and catalog.kind_of(node.const) != sop.kind):
        raise IllTyped("a categorical max/min orders values of one kind, with a default of that kind")
    return Typed(sop.kind, node.const is None)


def build(program: Program) -> rasp.SOp:
    """The RASP program (each node named `v<i>`, so compile errors point at the printed line)."""
    typecheck(program)
    exprs: list[rasp.RASPExpr] = []
    for i, node in enumerate(program.nodes):
        exprs.append(_build_one(node, [exprs[a] for a in node.args], i))
    out = exprs[-1]
    assert isinstance(out, rasp.SOp)
    return out


def _build_one(node: Node, args: list[Any], i: int) -> rasp.RASPExpr:
    expr: rasp.RASPExpr
    if node.op == "tokens":
        expr = rasp.tokens
    elif node.op == "indices":
        expr = rasp.indices
    elif node.op == "length":
        expr = rasp.length
    elif node.op == "full":
        expr = rasp.Full(node.const)
    elif node.op == "map":
        expr = rasp.Map(catalog.FUNCTIONS[node.fn or ""].compiled, args[0])
    elif node.op == "sequence_map":
        expr = rasp.SequenceMap(catalog.FUNCTIONS[node.fn or ""].compiled, args[0], args[1])
    elif node.op == "linear_sequence_map":
        expr = rasp.LinearSequenceMap(args[0], args[1], *node.const)
    elif node.op == "select":
        expr = rasp.Select(args[0], args[1], catalog.predicate(node.fn or ""))
    elif node.op == "and":
        expr = rasp.SelectorAnd(args[0], args[1])
    elif node.op == "or":
        expr = rasp.SelectorOr(args[0], args[1])
    elif node.op == "not":
        expr = rasp.SelectorNot(args[0])
    elif node.op == "aggregate":
        expr = rasp.Aggregate(args[0], args[1], default=node.const, reduction=node.reduction)
    elif node.op == "width":
        expr = rasp.SelectorWidth(args[0])
    else:
        raise IllTyped(f"unknown op {node.op!r}")
    if node.op in ("tokens", "indices", "length"):
        return rasp.numerical(expr) if node.numerical else expr  # type: ignore[arg-type]
    expr = expr.named(f"v{i}")
    if node.numerical:
        assert isinstance(expr, rasp.SOp)
        expr = rasp.numerical(expr)
    return expr


def to_source(program: Program, name: str = "program") -> str:
    """The program as runnable Python (`from glassbox import rasp` ... `program = v<n>`)."""
    lines = ["from glassbox import rasp", ""]
    for i, node in enumerate(program.nodes):
        lines.append(f"v{i} = {_source_one(node, i)}")
    lines += [f"{name} = v{len(program.nodes) - 1}",
              f"vocab = {set(program.vocab)!r}", f"max_seq_len = {program.max_seq_len}"]
    return "\n".join(lines) + "\n"


def _source_one(node: Node, i: int) -> str:
    a = [f"v{j}" for j in node.args]
    if node.op in ("tokens", "indices", "length"):
        text = f"rasp.{node.op}"
        return f"rasp.numerical({text})" if node.numerical else text
    if node.op == "full":
        text = f"rasp.Full({node.const!r})"
    elif node.op == "map":
        text = f"rasp.Map({catalog.FUNCTIONS[node.fn or ''].source}, {a[0]})"
    elif node.op == "sequence_map":
        text = f"rasp.SequenceMap({catalog.FUNCTIONS[node.fn or ''].source}, {a[0]}, {a[1]})"
    elif node.op == "linear_sequence_map":
        text = f"rasp.LinearSequenceMap({a[0]}, {a[1]}, {node.const[0]!r}, {node.const[1]!r})"
    elif node.op == "select":
        text = f"rasp.Select({a[0]}, {a[1]}, {catalog.predicate_source(node.fn or '')})"
    elif node.op == "and":
        text = f"rasp.SelectorAnd({a[0]}, {a[1]})"
    elif node.op == "or":
        text = f"rasp.SelectorOr({a[0]}, {a[1]})"
    elif node.op == "not":
        text = f"rasp.SelectorNot({a[0]})"
    elif node.op == "aggregate":
        text = f"rasp.Aggregate({a[0]}, {a[1]}, default={node.const!r}"
        text += ")" if node.reduction == "mean" else f", reduction={node.reduction!r})"
    elif node.op == "width":
        text = f"rasp.SelectorWidth({a[0]})"
    else:
        raise IllTyped(f"unknown op {node.op!r}")
    text += f'.named("v{i}")'
    return f"rasp.numerical({text})" if node.numerical else text


def reachable(program: Program) -> Program:
    """The program without nodes the output does not read (indices renumbered)."""
    keep = {len(program.nodes) - 1}
    for i in range(len(program.nodes) - 1, -1, -1):
        if i in keep:
            keep.update(program.nodes[i].args)
    order = sorted(keep)
    new_index = {old: new for new, old in enumerate(order)}
    nodes = tuple(dataclasses.replace(program.nodes[old], args=tuple(new_index[a] for a in program.nodes[old].args))
                  for old in order)
    return program.replace(nodes=nodes)
