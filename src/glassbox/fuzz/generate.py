"""Random programs, typed by construction: every node is drawn among those `typecheck` accepts.

`generate(seed, index)` is deterministic: the program depends only on the two numbers, so any
program of a campaign can be rebuilt from its index. Programs draw from every primitive and both
encodings: Maps, SequenceMaps, LinearSequenceMaps, Full, every Comparison and a few lambda
predicates, AND/OR/NOT selectors, categorical and numerical Aggregates with and without
defaults (means; numerical sums, maxima and minima; categorical maxima and minima), SelectorWidths,
and chains of numerical Maps.
"""

import random
from typing import Any

from glassbox.fuzz import catalog
from glassbox.fuzz.program import NUMERIC_KINDS, IllTyped, Node, Program, Typed, reachable, typecheck

MIN_OPS, MAX_OPS = 3, 9  # non-primitive nodes drawn per program (before pruning)
_WEIGHTS = {"map": 3.0, "sequence_map": 2.0, "linear_sequence_map": 0.6, "aggregate": 2.6, "width": 1.0,
            "full": 0.3}
_DEFAULTS: dict[str, list[Any]] = {"int": [0, 1, -1], "bool": [False, True], "float": [0.0, 0.5], "str": ["a", "z"]}


def rng_for(seed: int, index: int) -> random.Random:
    """The random source of program `index` of campaign `seed`."""
    return random.Random(f"glassbox-fuzz:{seed}:{index}")


def generate(seed: int, index: int, causal: bool = False) -> Program:
    """Program `index` of the campaign `seed` (causal: without `length`, which a causal model cannot read)."""
    rng = rng_for(seed, index)
    return _Generator(rng, causal).program()


class _Generator:
    def __init__(self, rng: random.Random, causal: bool) -> None:
        self.rng, self.causal = rng, causal
        kind = rng.choice(["int", "int", "str"])
        k = rng.choice([2, 3, 3, 4])
        start = rng.choice([0, 1])
        self.vocab: tuple[Any, ...] = tuple("abcd"[:k]) if kind == "str" else tuple(range(start, start + k))
        self.max_seq_len = rng.choice([3, 4, 4, 5, 6])
        self.nodes: list[Node] = [Node("tokens"), Node("indices")]
        if not causal and rng.random() < 0.3:
            self.nodes.append(Node("length"))
        if kind == "int" and rng.random() < 0.3:
            self.nodes.append(Node("tokens", numerical=True))
        if rng.random() < 0.3:
            self.nodes.append(Node("indices", numerical=True))
        self.types: list[Typed] = self._types()

    def _program(self, nodes: "list[Node] | None" = None) -> Program:
        return Program(tuple(self.nodes if nodes is None else nodes), self.vocab, self.max_seq_len)

    def _types(self) -> list[Typed]:
        return typecheck(self._program())

    def add(self, node: Node) -> "int | None":
        """Append `node` if the program stays well typed; its index, else None."""
        trial = [*self.nodes, node]
        try:
            types = typecheck(self._program(trial)) if node.op not in ("select", "and", "or", "not") else \
                typecheck(self._program([*trial, Node("width", (len(trial) - 1,))]))[:-1]
        except IllTyped:
            return None
        self.nodes, self.types = trial, types
        return len(self.nodes) - 1

    def sops(self, ok: "Any" = lambda t: True) -> list[int]:
        return [i for i, t in enumerate(self.types) if t.kind != "sel" and ok(t)]

    def program(self) -> Program:
        n_ops = self.rng.randint(MIN_OPS, MAX_OPS)
        made = 0
        for _ in range(n_ops * 6):
            if made >= n_ops:
                break
            op = self.rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
            if getattr(self, op)() is not None:
                made += 1
        last_sop = max(self.sops(), key=lambda i: (self.nodes[i].op not in ("tokens", "indices", "length"), i))
        nodes = self.nodes[: last_sop + 1]
        return reachable(Program(tuple(nodes), self.vocab, self.max_seq_len))

    # -- ops -------------------------------------------------------------------------------------
    def numerical_flag(self, kind: str, may_be_none: bool, p: float = 0.4) -> bool:
        return kind in NUMERIC_KINDS and not may_be_none and self.rng.random() < p

    def map(self) -> "int | None":
        x = self.rng.choice(self.sops())
        t = self.types[x]
        keys = catalog.functions((t.kind,))
        if not keys:
            return None
        fn = self.rng.choice(keys)
        out = catalog.FUNCTIONS[fn].output
        return self.add(Node("map", (x,), fn, numerical=self.numerical_flag(out, t.may_be_none)))

    def sequence_map(self) -> "int | None":
        x, y = self.rng.choice(self.sops()), self.rng.choice(self.sops())
        if x == y:
            return None
        tx, ty = self.types[x], self.types[y]
        keys = catalog.functions((tx.kind, ty.kind))
        if not keys:
            return None
        fn = self.rng.choice(keys)
        out = catalog.FUNCTIONS[fn].output
        return self.add(Node("sequence_map", (x, y), fn,
                             numerical=self.numerical_flag(out, tx.may_be_none or ty.may_be_none)))

    def linear_sequence_map(self) -> "int | None":
        numbers = self.sops(lambda t: t.kind in NUMERIC_KINDS and not t.may_be_none)
        if len(numbers) < 2:
            return None
        x, y = self.rng.sample(numbers, 2)
        factors = (self.rng.choice([1, -1, 2, 0.5]), self.rng.choice([1, -1, 3, -0.5]))
        return self.add(Node("linear_sequence_map", (x, y), const=factors, numerical=self.rng.random() < 0.7))

    def full(self) -> "int | None":
        value = self.rng.choice([0, 1, 2, True, 0.5, "a"])
        return self.add(Node("full", const=value, numerical=catalog.kind_of(value) in NUMERIC_KINDS
                             and self.rng.random() < 0.5))

    def select(self, keys: "int | None" = None, queries: "int | None" = None,
               predicate: "str | None" = None) -> "int | None":
        plain = self.sops(lambda t: not t.may_be_none)
        keys = self.rng.choice(plain) if keys is None else keys
        queries = self.rng.choice(plain) if queries is None else queries
        if predicate is None:
            names = list(catalog.COMPARISONS) + list(catalog.PREDICATES)
            predicate = self.rng.choice(names)
        return self.add(Node("select", (keys, queries), predicate))

    def selector(self) -> "int | None":
        """A Select, or (one time in four) an AND, OR or NOT of Selects."""
        first = self.select()
        if first is None or self.rng.random() > 0.25:
            return first
        combine = self.rng.choice(["and", "or", "not"])
        if combine == "not":
            return self.add(Node("not", (first,)))
        second = self.select()
        if second is None:
            return first
        return self.add(Node(combine, (first, second)))

    def aggregate(self) -> "int | None":
        if self.rng.random() < 0.25:
            return self.reduced()
        if self.rng.random() < 0.5:  # numerical: a mean of numbers
            numbers = self.sops(lambda t: t.kind in NUMERIC_KINDS and not t.may_be_none)
            if not numbers:
                return None
            default: Any = self.rng.choice([0, 0, 0, 1, -1, 0.5])
            if self.rng.random() < 0.2:  # no default: a selector where every query surely selects a key
                x = self.rng.choice(self.sops(lambda t: not t.may_be_none))
                sel = self.select(x, x, self.rng.choice(["EQ", "LEQ", "GEQ", "TRUE"]))
                default = None
            else:
                sel = self.selector()
            if sel is None:
                return None
            return self.add(Node("aggregate", (sel, self.rng.choice(numbers)), const=default, numerical=True))
        # categorical: a selector that picks one value, so the evaluator gives it meaning
        pattern = self.rng.random()
        if pattern < 0.45:  # at most one key: indices == f(query)
            ints = self.sops(lambda t: t.kind == "int" and not t.may_be_none)
            sel = self.select(1, self.rng.choice(ints), self.rng.choice(["EQ", "next", "prev"]))
            sop = self.rng.choice(self.sops())
        elif pattern < 0.85:  # every selected key holds the same value: aggregate the keys themselves
            keys = self.rng.choice(self.sops(lambda t: not t.may_be_none))
            sel = self.select(keys, None, "EQ")
            sop = keys
        else:
            sel = self.selector()
            sop = self.rng.choice(self.sops())
        if sel is None:
            return None
        kind = self.types[sop].kind
        default = None if self.rng.random() < 0.6 else self.rng.choice(_DEFAULTS[kind])
        return self.add(Node("aggregate", (sel, sop), const=default))

    def reduced(self) -> "int | None":
        """A sum, max or min Aggregate: numerical over numbers, or (max/min) categorical over any selector."""
        reduction = self.rng.choice(["sum", "max", "min"])
        sel = self.selector()
        if sel is None:
            return None
        if reduction == "sum" or self.rng.random() < 0.5:
            numbers = self.sops(lambda t: t.kind in NUMERIC_KINDS and not t.may_be_none)
            if not numbers:
                return None
            default: Any = self.rng.choice([0, 0, 1, -1])
            return self.add(Node("aggregate", (sel, self.rng.choice(numbers)), const=default, numerical=True,
                                 reduction=reduction))
        plain = self.sops(lambda t: not t.may_be_none)
        if not plain:
            return None
        sop = self.rng.choice(plain)
        kind = self.types[sop].kind
        default = None if self.rng.random() < 0.6 else self.rng.choice(_DEFAULTS[kind])
        return self.add(Node("aggregate", (sel, sop), const=default, reduction=reduction))

    def width(self) -> "int | None":
        sel = self.selector()
        if sel is None:
            return None
        return self.add(Node("width", (sel,), numerical=self.rng.random() < 0.4))
