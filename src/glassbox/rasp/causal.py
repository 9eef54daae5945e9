"""Causal soundness: is a program's causal meaning its full meaning on every prefix?

A causal model at position t sees only positions 0..t, so what it computes there is
`evaluate(program, xs, causal=True)[t]`. For autoregressive use that must equal the program's
own meaning on the prefix, `evaluate(program, xs[:t + 1])[t]`, for every input and every t: the
program is then **prefix-stable**. It fails as soon as a selector looks ahead (`length`, or a
Select whose keys come after its query).

The static proof tracks two properties per SOp, for every input and prefix:

* **causal** (C): its value at every position p of a prefix is the causal value at p (it never
  depends on later positions): tokens, indices, constants, maps of causal SOps, and aggregates
  whose selector is lower-triangular (selects no key after its query) over causal SOps;
* **last-position** (L): its value at the prefix's last position is the causal value there:
  every causal SOp, and aggregates (or widths) whose selector's queries are L and keys and values C
  (at the last position both meanings see exactly the keys 0..t).

The program is prefix-stable if its output is L. A selector is lower-triangular statically when
each Select compares `indices` with `indices` by LT, LEQ, EQ or FALSE (and AND keeps it, OR needs
both sides); with `max_seq_len` given, any Select whose keys and queries depend on indices alone
is checked by evaluating it. Where the proof does not go through, `prefix_stable` decides by
enumerating inputs if `vocab` and `max_seq_len` are given and the space is small, else says None.
"""

import itertools
from collections.abc import Collection
from typing import Any

import numpy as np

from glassbox.rasp import evaluator, graph, selectors, sops
from glassbox.rasp.core import Selector, SOp

MAX_ENUMERATED = 20_000  # inputs; beyond this `prefix_stable` samples and can only find counterexamples
SAMPLED = 2_000

_TRIANGULAR = (selectors.Comparison.LT, selectors.Comparison.LEQ, selectors.Comparison.EQ,
               selectors.Comparison.FALSE)


def look_aheads(program: SOp, max_seq_len: "int | None" = None) -> list[str]:
    """Labels of the expressions where the proof of prefix-stability fails (empty: proved stable).

    Each is an expression that introduces the look-ahead (its inputs were fine): `length`, or an
    Aggregate / SelectorWidth whose selector may select keys after its query.
    """
    return _Proof(program, max_seq_len).failures()


def prefix_stable(program: SOp, vocab: "Collection[Any] | None" = None,
                  max_seq_len: "int | None" = None) -> "bool | None":
    """True if the causal meaning equals the full meaning on every prefix, False if not, None if unknown.

    Args:
        program: the output SOp.
        vocab, max_seq_len: if given, decide what the static proof cannot by running the evaluator on
            every input up to `max_seq_len` (when there are at most 20,000), or on 2,000 random ones
            (which can only find a counterexample).

    >>> from glassbox import rasp
    >>> prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    >>> prefix_stable(rasp.numerical(rasp.Aggregate(prevs, rasp.numerical(rasp.tokens))))
    True
    >>> prefix_stable(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)))
    True
    >>> prefix_stable(rasp.length) is None, prefix_stable(rasp.length, {1, 2}, 3)
    (True, False)
    """
    if not look_aheads(program, max_seq_len):
        return True
    if vocab is None or max_seq_len is None:
        return None
    found = counterexample(program, vocab, max_seq_len)
    if found is not None:
        return False
    tokens = sorted(vocab, key=repr)
    return True if sum(len(tokens) ** n for n in range(1, max_seq_len + 1)) <= MAX_ENUMERATED else None


def counterexample(program: SOp, vocab: Collection[Any], max_seq_len: int, seed: int = 0) -> "list[Any] | None":
    """An input whose causal output differs from the prefixes' outputs somewhere, or None if none was found."""
    tokens = sorted(vocab, key=repr)
    total = sum(len(tokens) ** n for n in range(1, max_seq_len + 1))
    if total <= MAX_ENUMERATED:
        inputs: Any = (list(xs) for xs in itertools.product(tokens, repeat=max_seq_len))
    else:
        rng = np.random.default_rng(seed)
        inputs = ([tokens[i] for i in rng.integers(len(tokens), size=max_seq_len)] for _ in range(SAMPLED))
    for xs in inputs:  # full-length inputs cover every shorter prefix
        try:
            causal = evaluator.evaluate(program, xs, causal=True)
            full = [evaluator.evaluate(program, xs[: t + 1])[t] for t in range(len(xs))]
        except Exception:  # an input the program rejects is no counterexample
            continue
        if any(not _same(a, b) for a, b in zip(causal, full, strict=True)):
            return xs
    return None


class _Proof:
    """The C/L properties of every node (module docstring), computed children first."""

    def __init__(self, program: SOp, max_seq_len: "int | None") -> None:
        self.n = max_seq_len
        self.program = program
        self.labels = graph.labels(program)
        self.causal: dict[int, bool] = {}
        self.last: dict[int, bool] = {}
        self.index_only: dict[int, bool] = {}
        self.lookahead: list[str] = []  # where C is lost although every input had it
        for node in graph.walk(program):
            if isinstance(node, SOp):
                self._visit(node)

    def failures(self) -> list[str]:
        return [] if self.last[id(self.program)] else self.lookahead

    def _visit(self, node: SOp) -> None:
        inputs_causal = True
        if isinstance(node, (sops.TokensType, sops.IndicesType, sops.Full)):
            causal = last = True
        elif isinstance(node, (sops.Map, sops.SequenceMap)):
            inner = node.children
            causal = all(self.causal[id(x)] for x in inner)
            last = all(self.last[id(x)] for x in inner)
            inputs_causal = causal
        elif isinstance(node, (sops.Aggregate, sops.SelectorWidth)):
            values = self.causal[id(node.sop)] if isinstance(node, sops.Aggregate) else True
            last = values and self._selector_inputs(node.selector, last_query=True)
            inputs_causal = values and self._selector_inputs(node.selector, last_query=False)
            causal = inputs_causal and self._triangular(node.selector)
        else:  # length, ConstantSOp (its values are fixed for one length) and anything unknown
            causal = last = False
        self.index_only[id(node)] = isinstance(node, (sops.IndicesType, sops.Full)) or (
            isinstance(node, (sops.Map, sops.SequenceMap)) and all(self.index_only[id(x)] for x in node.children))
        self.causal[id(node)], self.last[id(node)] = causal, last
        if inputs_causal and not causal:
            self.lookahead.append(self.labels[node])

    def _selector_inputs(self, sel: Selector, last_query: bool) -> bool:
        """Whether every Select under `sel` reads causal keys and causal (or last-position) queries."""
        for node in graph.walk(sel):
            if isinstance(node, selectors.ConstantSelector):
                return False
            if isinstance(node, selectors.Select):
                query = self.last if last_query else self.causal
                if not (self.causal[id(node.keys)] and query[id(node.queries)]):
                    return False
        return True

    def _triangular(self, sel: Selector) -> bool:
        """Never selects a key after its query, for every input (see the module docstring)."""
        if isinstance(sel, selectors.Select):
            both_indices = isinstance(sel.keys, sops.IndicesType) and isinstance(sel.queries, sops.IndicesType)
            if both_indices and sel.predicate in _TRIANGULAR:
                return True
            if self.n is not None and self.index_only[id(sel.keys)] and self.index_only[id(sel.queries)]:
                try:
                    matrix = evaluator.evaluate(sel, [0] * self.n)
                except Exception:
                    return False
                return not np.triu(np.asarray(matrix, dtype=bool), 1).any()
            return False
        if isinstance(sel, selectors.SelectorAnd):
            return self._triangular(sel.fst) or self._triangular(sel.snd)
        if isinstance(sel, selectors.SelectorOr):
            return self._triangular(sel.fst) and self._triangular(sel.snd)
        return False  # SelectorNot, ConstantSelector


def _same(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)
