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

import bisect
from collections.abc import Sequence

import numpy as np

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


def discretise_bound(
    values: Sequence[float],
    outputs: Sequence[Feature],
    x_scale: float,
    x_error: float,
    roundoff: float,
    gate_error: "float | None" = None,
) -> tuple[list[float], float, "tuple[float, float] | None"]:
    """Worst-case float error of `discretise`'s output at each input value, and how close it comes to failing.

    At an input value v_j every step is either off or saturated (v_j is half a gap from each
    threshold, its ramp a quarter of the gap wide). A saturated pair outputs delta·(p₁ - p₂) with
    p₁ - p₂ = 1 in real arithmetic whatever the input's error. In floats the two pre-activations
    share every product (the same input, the same coefficients) and differ only in their constants
    b ± ½, so p₁ - p₂ is off by at most u·(2|b| + 2|p| + 2), with |p| = L·|v_j - t| + ½ and
    |b| = L·|t| + ½ (+ 2·big for a gated unit, big its gate constant); the output's sum over the
    active units adds u·|delta|·|p| per unit and level of the summation (log₂ of the units). An
    input off by less than 3/8 of its gap stays on its plateau, so it adds nothing.

    Args:
        values: the input's possible values, ascending (as given to `discretise`).
        outputs: one output vector per value (as given to `discretise`).
        x_scale: a bound on |x| (used for gated units' constant).
        x_error: a bound on the input's own error.
        roundoff: the unit roundoff of the dtype (2**-24 in float32).
        gate_error: for gated units, a bound on the gate's deviation from 0/1.

    Returns:
        (per value, a bound on every output coordinate's error), the smallest distance from an
        input value to a ramp edge left after the input's error, as a fraction of its gap (negative:
        a ramp may be crossed), and the first two values the construction merges although their
        outputs differ (None if none).
    """
    del x_scale  # the pair's shared products cancel; only the constants and the result's size count
    merged = _merged_conflict(values, outputs)
    vs, outs = merge_close(values, outputs)
    lo, hi = vs[0], vs[-1]
    steps = []  # (threshold, slope, upward, delta vector, |b|)
    margin = float("inf")
    constant = dict(outs[0])  # the constant unit's output: o_0 plus every downward step's delta
    for j in range(1, len(vs)):
        delta = bases.add((1, outs[j]), (-1, outs[j - 1]))
        if not delta:
            continue
        gap = vs[j] - vs[j - 1]
        slope, t = 4.0 / gap, (vs[j] + vs[j - 1]) / 2
        big = slope * (hi - lo) + 2.0 if gate_error is not None else 0.0
        if gate_error is not None and big * gate_error >= 1.5:
            margin = min(margin, -1.0)  # the gate's error could switch a unit on or off
        margin = min(margin, (0.375 * gap - x_error) / gap)
        upward = hi - t <= t - lo
        if not upward:
            constant = bases.add((1, constant), (1, delta))
        steps.append((t, slope, upward, delta, slope * abs(t) + 0.5 + 2 * big))
    bounds = _plateau_bounds(vs, steps, constant, roundoff)
    return [bounds[_plateau(vs, v)] for v in values], margin, merged


def _plateau_bounds(vs: Sequence[float], steps: list, constant: Feature, u: float) -> list[float]:
    """Per plateau, the largest error of any output coordinate (each sums only the steps that write it)."""
    depth = max(1, (2 * len(steps) + 1).bit_length())  # levels of a pairwise sum over the units
    coords = sorted({d for *_, delta, _ in steps for d in delta} | set(constant), key=str)
    if not steps:
        return [u * depth * max((abs(c) for c in constant.values()), default=0.0)] * len(vs)
    index = {d: i for i, d in enumerate(coords)}
    t = np.array([s[0] for s in steps])
    slope = np.array([s[1] for s in steps])
    up = np.array([s[2] for s in steps])
    b = np.array([s[4] for s in steps])
    base = np.zeros(len(coords))
    for d, c in constant.items():
        base[index[d]] = abs(c) * u * depth
    largest = np.array([max(abs(c) for c in s[3].values()) for s in steps])
    if len(vs) * len(steps) > 50_000_000:  # too many to go plateau by plateau: every step saturated at its widest
        p_max = slope * (vs[-1] - vs[0]) + 0.5
        return [float(u * largest @ (2 * b + 2 * p_max + 2 + 2 * p_max * depth) + base.max())] * len(vs)
    per_coordinate = len(steps) * len(coords) <= 4_000_000
    deltas = np.zeros((len(steps), len(coords) if per_coordinate else 1))
    for k, (*_, delta, _) in enumerate(steps):
        for d, c in delta.items():
            if per_coordinate:
                deltas[k, index[d]] = abs(c)
    if not per_coordinate:  # coarse: each step by its largest entry, all summed
        deltas[:, 0] = largest
    out: list[float] = []
    chunk = max(1, 2_000_000 // len(steps))
    for start in range(0, len(vs), chunk):
        v = np.asarray(vs[start: start + chunk], dtype=float)[:, None]
        saturated = (v > t[None, :]) == up[None, :]
        p = slope[None, :] * np.abs(v - t[None, :]) + 0.5
        per_step = np.where(saturated, u * (2 * b[None, :] + 2 * p + 2 + 2 * p * depth), 0.0)  # [plateau, step]
        errors = per_step @ deltas + (base[None, :] if per_coordinate else base.max())
        out += [float(e) for e in errors.max(axis=1)]
    return out


KAPPA = 4  # rounding steps accounted per dot product: the weight's cast, the products, a short sum


def _plateau(vs: Sequence[float], v: float) -> int:
    """The plateau of `v` among the merged values (the last one not above it)."""
    return max(0, bisect.bisect_right(vs, float(v) + 1e-9 * max(1.0, abs(float(v)))) - 1)


def _merged_conflict(values: Sequence[float], outputs: Sequence[Feature]) -> "tuple[float, float] | None":
    """Two neighbouring values that `merge_close` merges although their outputs differ."""
    kept_value, kept_out = float(values[0]), outputs[0]
    for v, o in zip(values[1:], outputs[1:], strict=True):
        if float(v) - kept_value > 1e-9 * max(1.0, abs(float(v))):
            kept_value, kept_out = float(v), o
        elif bases.add((1, o), (-1, kept_out)):
            return kept_value, float(v)
    return None
