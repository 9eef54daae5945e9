"""Exact compression: register allocation of residual dimensions over the schedule.

A compiled model gives every variable value its own dimension for the whole forward pass, but most
are alive only between their writer and their last reader. Read off the weights:

    written at half w   (-1 the embedding, 2l layer l's heads, 2l+1 its MLP: the first nonzero write)
    last read at half r (2l heads' Q/K/V rows, 2l+1 the MLP's W_in rows, 2L the unembedding)

a dimension that is never written is always 0 and one that is never read can go (dropping either is
exact). The others are intervals, coloured greedily in order of w (optimal for interval graphs). A
slot can take a new dimension written at half w ≥ e, where e is the first MLP half at or after the
occupant's last read: that MLP gets two *eraser* units for the occupant,

    ReLU(x_i)·(-e_i) + ReLU(-x_i)·(+e_i) = -x_i        (exact for either sign; 0 at BOS),

so the slot is exactly empty when the new writer adds to it (an MLP writer may share that very
half: both sums land together). The compressed model is the original with every dimension i mapped
to its slot s(i): W_E S, W_O S, W_out S for writers, Sᵀ W for readers, S the 0/1 [D, d] slot map.
Between writes a slot holds exactly one live value, so every reader sees what it saw before: the
compressed model computes the same function (float rounding apart).
"""

import dataclasses
from collections.abc import Mapping

import numpy as np

from glassbox.model.circuit import Site
from glassbox.model.compiled import CompiledModel
from glassbox.superpose import weights as weights_mod
from glassbox.superpose.weights import Weights

EMBED = -1  # the half "before layer 0": the embedding writes there


@dataclasses.dataclass(frozen=True)
class Liveness:
    """Per residual dimension of a model: first write half and last read half (None: never)."""

    first_write: tuple["int | None", ...]
    last_read: tuple["int | None", ...]
    n_layers: int

    @property
    def end(self) -> int:
        """The unembedding's half."""
        return 2 * self.n_layers


def liveness(w: Mapping[str, np.ndarray], n_layers: int) -> Liveness:
    """When each residual dimension is written and last read, from the weights alone."""
    d = w["embed.W_E"].shape[1]
    first: list[int | None] = [None] * d
    last: list[int | None] = [None] * d

    def wrote(half: int, mask: np.ndarray) -> None:
        for i in np.flatnonzero(mask):
            if first[i] is None:
                first[i] = half

    def read(half: int, mask: np.ndarray) -> None:
        for i in np.flatnonzero(mask):
            previous = last[i]
            last[i] = half if previous is None else max(previous, half)

    wrote(EMBED, np.abs(w["embed.W_E"]).sum(0) + np.abs(w["pos_embed.W_pos"]).sum(0) > 0)
    for layer in range(n_layers):
        p = f"blocks.{layer}."
        qkv = sum(np.abs(w[p + f"attn.W_{x}"]).sum(axis=(0, 2)) for x in "QKV")
        read(2 * layer, qkv > 0)
        wrote(2 * layer, np.abs(w[p + "attn.W_O"]).sum(axis=(0, 1)) > 0)
        read(2 * layer + 1, np.abs(w[p + "mlp.W_in"]).sum(1) > 0)
        wrote(2 * layer + 1, np.abs(w[p + "mlp.W_out"]).sum(0) > 0)
    read(2 * n_layers, np.abs(w["unembed.W_U"]).sum(1) > 0)
    return Liveness(tuple(first), tuple(last), n_layers)


@dataclasses.dataclass(frozen=True)
class Allocation:
    """The slot of every kept dimension, and the erasures that make slot reuse exact.

    Attributes:
        slot: per source dimension, its slot (None: dropped, never written or never read).
        n_slots: the compressed width.
        erase: (source dimension, MLP layer) for every dimension erased before its slot is reused.
        valid_through: per source dimension, the last residual stage at which its slot holds it
            (None: to the end).
    """

    slot: tuple["int | None", ...]
    n_slots: int
    erase: tuple[tuple[int, int], ...]
    valid_through: tuple["int | None", ...]


def allocate(live: Liveness) -> Allocation:
    """Greedy interval colouring in order of first write (see the module docstring)."""
    d = len(live.first_write)
    order = sorted((i for i in range(d) if live.first_write[i] is not None and live.last_read[i] is not None),
                   key=lambda i: (live.first_write[i], i))
    slot: list[int | None] = [None] * d
    occupant: list[int] = []  # per slot, its current source dimension
    free_from: list[float] = []  # per slot, the first half a new writer may use it
    erase: list[tuple[int, int]] = []
    valid: list[int | None] = [None] * d
    for i in order:
        w = live.first_write[i]
        last = live.last_read[i]
        assert w is not None and last is not None
        candidates = [s for s in range(len(occupant)) if free_from[s] <= w]
        if candidates:
            s = min(candidates, key=lambda c: (free_from[c], c))
            old = occupant[s]
            half = int(free_from[s])  # the eraser's MLP half
            erase.append((old, half // 2))
            valid[old] = half  # stage `half` is the residual just before that MLP
        else:
            s = len(occupant)
            occupant.append(i)
            free_from.append(0.0)
        occupant[s] = i
        slot[i] = s
        free_from[s] = float("inf") if last >= live.end else (last if last % 2 == 1 else last + 1)
    return Allocation(tuple(slot), len(occupant), tuple(erase), tuple(valid))


@dataclasses.dataclass(frozen=True)
class Compressed:
    """An exactly compressed model and how it was made.

    Attributes:
        model: the compressed CompiledModel (residual labels: the slot's occupants joined by `|`).
        source: the uncompressed model.
        allocation: the slot map and erasures.
    """

    model: CompiledModel
    source: CompiledModel
    allocation: Allocation

    @property
    def reduction(self) -> float:
        """d_model of the source over d_model of the compressed model."""
        return self.source.config.d_model / self.model.config.d_model


def compress_exact(model: CompiledModel) -> Compressed:
    """The same program in fewer residual dimensions, exactly: dead variables' dimensions are reused.

    Args:
        model: a compiled (or loaded) model.

    Returns:
        The compressed model (its circuit map reads each variable from its slot, with `live_until`
        the last stage before the slot is reused), the source and the allocation.

    >>> import glassbox as gb
    >>> from glassbox import programs, superpose
    >>> full = gb.compile_rasp_to_model(programs.make_sort_freq(5), vocab={1, 2, 3}, max_seq_len=5)
    >>> small = superpose.compress_exact(full).model
    >>> small.config.d_model < full.config.d_model, small.run([[3, 1, 3, 2]]) == full.run([[3, 1, 3, 2]])
    (True, True)
    """
    w = weights_mod.weights_of(model)
    live = liveness(w, model.config.n_layers)
    alloc = allocate(live)
    d = len(live.first_write)
    S = np.zeros((d, alloc.n_slots))
    for i, s in enumerate(alloc.slot):
        if s is not None:
            S[i, s] = 1.0
    w = _with_erasers(w, alloc.erase, model.config.n_layers)
    folded = weights_mod.fold(w, S.T, S)
    labels = model.residual_labels
    slot_labels = ["|".join(labels[i] for i in range(d) if alloc.slot[i] == s) for s in range(alloc.n_slots)]
    residual = {site.label: tuple(sorted({s for i in site.residual if (s := alloc.slot[i]) is not None}))
                for site in model.circuit}
    circuit = weights_mod.map_reads(model.circuit, labels, S.T, slot_labels, residual,
                                    _live_until(model.circuit, labels, alloc))
    return Compressed(weights_mod.rebuild(model, folded, slot_labels, circuit), model, alloc)


def _with_erasers(w: Weights, erase: tuple[tuple[int, int], ...], n_layers: int) -> Weights:
    """Append two eraser units per (dimension, layer) to that layer's MLP; pad every MLP to one width."""
    by_layer: dict[int, list[int]] = {}
    for dim, layer in erase:
        by_layer.setdefault(layer, []).append(dim)
    if not by_layer:
        return dict(w)
    out = dict(w)
    d = w["embed.W_E"].shape[1]
    widths = []
    for layer in range(n_layers):
        w_in, w_out = w[f"blocks.{layer}.mlp.W_in"], w[f"blocks.{layer}.mlp.W_out"]
        used = int(np.flatnonzero(np.abs(w_in).sum(0) + np.abs(w_out).sum(1)).max(initial=-1)) + 1
        dims = by_layer.get(layer, [])
        extra_in, extra_out = np.zeros((d, 2 * len(dims))), np.zeros((2 * len(dims), d))
        for k, dim in enumerate(dims):
            extra_in[dim, 2 * k], extra_out[2 * k, dim] = 1.0, -1.0  # ReLU(x)·(-1)
            extra_in[dim, 2 * k + 1], extra_out[2 * k + 1, dim] = -1.0, 1.0  # ReLU(-x)·(+1)
        out[f"blocks.{layer}.mlp.W_in"] = np.hstack([w_in[:, :used], extra_in])
        out[f"blocks.{layer}.mlp.W_out"] = np.vstack([w_out[:used], extra_out])
        widths.append(used + 2 * len(dims))
    width = max(max(widths), 1)
    for layer in range(n_layers):
        w_in, w_out = out[f"blocks.{layer}.mlp.W_in"], out[f"blocks.{layer}.mlp.W_out"]
        out[f"blocks.{layer}.mlp.W_in"] = np.hstack([w_in, np.zeros((d, width - w_in.shape[1]))])
        out[f"blocks.{layer}.mlp.W_out"] = np.vstack([w_out, np.zeros((width - w_out.shape[0], d))])
    return out


def _live_until(circuit: tuple[Site, ...], labels: list[str], alloc: Allocation) -> dict[str, "int | None"]:
    """Per site, the last stage at which every dimension it reads is still in its slot."""
    index = {label: i for i, label in enumerate(labels)}
    out: dict[str, int | None] = {}
    for site in circuit:
        stages = [alloc.valid_through[index[label]] for _, coefs in site.read for label in coefs]
        known = [s for s in stages if s is not None]
        out[site.label] = min(known) if known else None
    return out
