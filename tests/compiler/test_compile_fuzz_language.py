"""Hypothesis: random boolean selectors across key/query pairs under every reduction compile exactly."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassbox import rasp

from .exactness import assert_exact

SOPS = {"tokens": rasp.tokens, "indices": rasp.indices,
        "parity": rasp.Map(lambda t: t % 2, rasp.tokens).named("parity")}
COMPARISONS = [c for c in rasp.Comparison if c not in (rasp.Comparison.TRUE, rasp.Comparison.FALSE)]
VALUES = rasp.numerical(rasp.Map(lambda t: 2.0 * t - 3, rasp.tokens)).named("values")

atoms = st.builds(rasp.Select, st.sampled_from(list(SOPS.values())), st.sampled_from(list(SOPS.values())),
                  st.sampled_from(COMPARISONS))
selectors = st.recursive(atoms, lambda inner: st.one_of(
    st.builds(lambda a, b: a & b, inner, inner), st.builds(lambda a, b: a | b, inner, inner),
    st.builds(lambda a: ~a, inner)), max_leaves=5)


def _user(sel, kind: str) -> rasp.SOp:
    if kind == "width":
        return rasp.SelectorWidth(sel)
    if kind == "mean":
        return rasp.numerical(rasp.Aggregate(sel, VALUES, default=0))
    if kind in ("max", "min"):
        return rasp.Aggregate(sel, rasp.tokens, default=0, reduction=kind)
    return rasp.numerical(rasp.Aggregate(sel, rasp.tokens, default=-1, reduction="sum"))


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(sel=selectors, kind=st.sampled_from(["width", "mean", "max", "min", "sum"]), causal=st.booleans())
def test_random_selectors_and_reductions_are_exact(sel, kind, causal):
    assert_exact(_user(sel, kind), (1, 2, 3), 4, causal=causal)
