"""Lookup-table MLPs over categorical inputs.

A categorical SequenceMap is a table over value pairs: one hidden unit per pair (x_a, y_b)
whose output is not empty,

    hidden_ab = ReLU(x_a + y_b - 1)      (1 iff both one-hots are on, else 0)
    out       = Σ_ab hidden_ab · out(f(a, b))

A zero (None) input switches every unit of its row off, so None passes through. Categorical
Maps need no MLP at all: they are linear in the one-hot input and are read "virtually".
"""

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from glassbox.craft import bases
from glassbox.craft.bases import Feature
from glassbox.craft.chamber.neurons import Neuron, one


def sequence_map(
    fx: Mapping[Any, Feature],
    fy: Mapping[Any, Feature],
    table: Callable[[Any, Any], Feature],
) -> list[Neuron]:
    """Neurons computing `table(a, b)` (an output feature) for one-hot inputs x=a, y=b.

    Args:
        fx: feature reading each value of the first input.
        fy: feature reading each value of the second input.
        table: the output vector for each pair; pairs with an empty output get no neuron.
    """
    neurons = []
    for a, feat_a in fx.items():
        for b, feat_b in fy.items():
            out = table(a, b)
            if out:
                neurons.append(Neuron(bases.add((1, feat_a), (1, feat_b), (-1, {one(): 1.0})), out))
    return neurons


def joint(features: "list[Mapping[Any, Feature]]", out: Callable[[tuple[Any, ...]], Feature]) -> list[Neuron]:
    """Neurons writing `out(values)` for each tuple of one-hot inputs (a joint feature):

        hidden_t = ReLU(Σ_i x_i[t_i] - (n - 1))     (1 iff every input holds its value t_i, else 0)
    """
    neurons = []
    n = len(features)
    for combo in itertools.product(*(list(f.items()) for f in features)):
        values = tuple(v for v, _ in combo)
        target = out(values)
        if target:
            w_in = bases.add(*((1, f) for _, f in combo), (-(n - 1), {one(): 1.0}))
            neurons.append(Neuron(w_in, target))
    return neurons
