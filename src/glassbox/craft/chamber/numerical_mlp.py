"""Discretising MLPs: a numerical input with a known finite value set, mapped to any output.

For sorted input values v_0 < … < v_{m-1} with outputs o_0 … o_{m-1} (vectors), and a threshold
t_j = (v_{j-1} + v_j)/2 wherever o_j ≠ o_{j-1}:

    out(x) = o_0 + Σ_j (o_j - o_{j-1}) · up_j(x)
    up_j(x) = ReLU(L_j (x - t_j) + ½) - ReLU(L_j (x - t_j) - ½)

with the local slope L_j = 4 / (v_j - v_{j-1}): each ramp is a quarter of its gap wide, so an
input off by up to 3/8 of the gap still lands on the exact plateau. To keep float32 cancellation
small, a step whose "on" side spans the larger range is built the other way round,
up_j = 1 - down_j with down_j(x) = ReLU(L_j (t_j - x) + ½) - ReLU(L_j (t_j - x) - ½).
Every constant is multiplied by the `one` direction, so every unit is exactly 0 at BOS.

An optional categorical `gate` (1 or 0) switches all units off when 0, by adding
-M·(one - gate) with M larger than any pre-activation; that builds cat × num SequenceMaps.
"""

from collections.abc import Sequence

from glassbox.craft import bases
from glassbox.craft.bases import Feature
from glassbox.craft.chamber.neurons import Neuron, one


def merge_close(values: Sequence[float], outputs: Sequence[Feature]) -> tuple[list[float], list[Feature]]:
    """Drop values within float noise of their neighbour (they cannot be told apart anyway)."""
    vs, os = [float(values[0])], [outputs[0]]
    for v, o in zip(values[1:], outputs[1:], strict=True):
        if v - vs[-1] > 1e-9 * max(1.0, abs(v)):
            vs.append(float(v))
            os.append(o)
    return vs, os


def discretise(
    x: Feature,
    values: Sequence[float],
    outputs: Sequence[Feature],
    gate: "Feature | None" = None,
) -> list[Neuron]:
    """Neurons computing outputs[j] when the input `x` equals values[j] (values sorted).

    Args:
        x: the feature reading the numerical input.
        values: the input's possible values, ascending.
        outputs: one output vector per value.
        gate: optional feature that is 1 to enable the units and 0 to disable them.
    """
    vs, outs = merge_close(values, outputs)
    lo, hi = vs[0], vs[-1]
    neurons: list[Neuron] = []
    constant = dict(outs[0])
    for j in range(1, len(vs)):
        delta = bases.add((1, outs[j]), (-1, outs[j - 1]))
        if not delta:
            continue
        gap = vs[j] - vs[j - 1]
        slope = 4.0 / gap
        t = (vs[j] + vs[j - 1]) / 2
        big = slope * (hi - lo) + 2.0
        upward = hi - t <= t - lo
        sign = 1.0 if upward else -1.0
        # u = sign * L (x - t): the ramp variable, positive on the step's "on" side.
        u = bases.add((sign * slope, x), (-sign * slope * t, {one(): 1.0}))
        if gate is not None:
            u = bases.add((1, u), (-big, {one(): 1.0}), (big, gate))
        out = delta if upward else bases.add((-1, delta))
        neurons.append(Neuron(bases.add((1, u), (0.5, {one(): 1.0})), out))
        neurons.append(Neuron(bases.add((1, u), (-0.5, {one(): 1.0})), bases.add((-1, out))))
        if not upward:
            constant = bases.add((1, constant), (1, delta))
    if constant:
        neurons.append(Neuron(dict(gate) if gate is not None else {one(): 1.0}, constant))
    return neurons
