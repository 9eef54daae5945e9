"""MLP neurons as sparse named vectors, and their conversion to a dense IR block."""

import dataclasses

import numpy as np

from glassbox.craft import bases, blocks
from glassbox.craft.bases import Direction, Feature


@dataclasses.dataclass(frozen=True)
class Neuron:
    """One hidden unit: hidden = ReLU(Σ w_in[d]·x[d]); out += hidden · w_out."""

    w_in: Feature
    w_out: Feature


def to_mlp(name: str, neurons: list[Neuron], residual: bases.Space) -> blocks.MLP:
    """Dense [d_model, d_hidden] and [d_hidden, d_model] matrices for `neurons`."""
    w_in = np.zeros((len(residual), len(neurons)))
    w_out = np.zeros((len(neurons), len(residual)))
    for j, neuron in enumerate(neurons):
        for d, v in neuron.w_in.items():
            w_in[residual.index(d), j] += v
        for d, v in neuron.w_out.items():
            w_out[j, residual.index(d)] += v
    return blocks.MLP(name, w_in, w_out)


def one() -> Direction:
    """The constant direction: 1 at every real token, 0 at BOS and PAD."""
    return Direction(bases.ONE)
