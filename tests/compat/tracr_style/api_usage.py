"""tracr's extension points: default annotators, evaluator subclasses, type names, causal evaluation."""

from typing import Sequence

from tracr.rasp import causal_eval
from tracr.rasp import rasp


def with_default_annotator(key: str, value: object) -> object:
    """Register a default annotation, read it from a fresh expression, unregister it."""
    rasp.DEFAULT_ANNOTATORS[key] = lambda expr: value
    try:
        return rasp.Map(lambda x: x, rasp.tokens).annotations[key]
    finally:
        del rasp.DEFAULT_ANNOTATORS[key]


class CountingEvaluator(rasp.DefaultRASPEvaluator):
    """Counts the Maps evaluated: tracr's way of hooking the evaluator."""

    def __init__(self) -> None:
        super().__init__()
        self.maps = 0

    def eval_map(self, sop: rasp.Map, xs: Sequence[rasp.Value]) -> Sequence[rasp.Value]:
        self.maps += 1
        return super().eval_map(sop, xs)


def typed_identity(sop: rasp.SOpT) -> rasp.SOpT:
    return sop


def names() -> dict:
    m = rasp.Map(lambda x: x, rasp.tokens)
    sel = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    return {"map": rasp.default_name(m), "select": rasp.default_name(sel),
            "encoding": rasp.default_encoding(m), "lt": rasp.Comparison.LT.value}


def causal_frac(xs: Sequence[rasp.Value]) -> Sequence[rasp.Value]:
    sel = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE)
    frac = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.tokens == "x"), default=0))
    return causal_eval.evaluate(frac, xs)
