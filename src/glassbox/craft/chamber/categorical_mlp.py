"""Lookup-table MLPs over categorical inputs.

A categorical SequenceMap is a table over value pairs: one hidden unit per pair (x_a, y_b)
whose output is not empty,

    hidden_ab = ReLU(x_a + y_b - 1)      (1 iff both one-hots are on, else 0)
    out       = Σ_ab hidden_ab · out(f(a, b))

A zero (None) input switches every unit of its row off, so None passes through. Categorical
Maps need no MLP at all: they are linear in the one-hot input and are read "virtually".
"""

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
