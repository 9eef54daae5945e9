"""The ground-truth circuit of a compiled model: its nodes, the edges between them, each expression's directions.

Nodes are named as circuit-discovery tools name them, `(hook name, head index or None)`:

- `("hook_embed", None)` and `("hook_pos_embed", None)`: the token and position embeddings;
- `("blocks.{l}.attn.hook_z", h)`: head h of layer l (its output is `hook_z[:, :, h] @ W_O[h]`);
- `("blocks.{l}.hook_mlp_out", None)`: the MLP of layer l;
- `("blocks.{n-1}.hook_resid_post", None)`: the unembedding, which reads the last residual stream.

A node writes the residual dimensions its output matrix touches (the nonzero rows of `W_E`/`W_pos`'s
transpose, columns of `W_O[h]`, `W_out`) and reads those its input matrices touch (rows of `W_Q[h]`,
`W_K[h]`, `W_V[h]`, `W_in`, `W_U`). An edge joins an earlier node to a later one when some dimension
the first writes is one the second reads. Read from the weights, the graph is exact: removing a
non-edge's contribution changes nothing, bit for bit (`run_with_edges_ablated`), and in a compiled
model every edge carries a variable that the program uses.
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.craft import bases
from glassbox.model import hooks
from glassbox.model.circuit import ComputedBy, SiteEncoding
from glassbox.model.compiled import CompiledModel

Node = tuple[str, "int | None"]
EMBED: Node = ("hook_embed", None)
POS_EMBED: Node = ("hook_pos_embed", None)


def head(layer: int, index: int) -> Node:
    """The node of head `index` in layer `layer`."""
    return (f"blocks.{layer}.attn.hook_z", index)


def mlp(layer: int) -> Node:
    """The node of the MLP in layer `layer`."""
    return (f"blocks.{layer}.hook_mlp_out", None)


def unembed(n_layers: int) -> Node:
    """The node of the unembedding (its input is the last block's `hook_resid_post`)."""
    return (f"blocks.{n_layers - 1}.hook_resid_post", None)


@dataclasses.dataclass(frozen=True)
class Edge:
    """One edge of the circuit.

    Attributes:
        sender: the node whose output is read.
        receiver: the node that reads it.
        inputs: the receiver's inputs it reaches: some of "q", "k", "v" for a head, "in" for an MLP,
            "unembed" for the unembedding.
        residual: the residual dimensions (labels) through which they connect.
        bos_default: the edge reaches only the head's attention default: the token embedding's `one`
            and BOS directions, into its queries and keys, which make BOS win where the selector selects
            no key. Removing it changes an Aggregate head's output only on inputs where that happens.
    """

    sender: Node
    receiver: Node
    inputs: tuple[str, ...]
    residual: tuple[str, ...]
    bos_default: bool = False


@dataclasses.dataclass(frozen=True)
class Expression:
    """One RASP expression: what it is, the nodes that compute it and how it sits in the residual stream.

    Attributes:
        label, kind, encoding, values, children: as in the circuit map (`glassbox.model.circuit.Site`).
        nodes: the nodes that write it (none for virtual expressions and selectors; a head and an MLP
            for a SelectorWidth).
        residual: the residual dimensions (labels) it owns.
        read: how each value is read: (value, {residual label: coefficient}) pairs; one pair with value
            None for a numerical expression.
    """

    label: str
    kind: str
    encoding: SiteEncoding
    values: "tuple[Any, ...] | None"
    children: tuple[str, ...]
    nodes: tuple[Node, ...]
    residual: tuple[str, ...]
    read: tuple[tuple[Any, dict[str, float]], ...]


@dataclasses.dataclass(frozen=True)
class CircuitGraph:
    """A compiled model's circuit: every node in forward order, the edges, and every expression.

    Attributes:
        nodes: every node, in forward order (unused heads included: they have no edges).
        writes: node -> the residual dimensions (labels) it writes.
        edges: every edge, senders in forward order.
        expressions: one per RASP expression of the circuit map, in its order.
        program: the program's output label (None for a model without a circuit map).
    """

    nodes: tuple[Node, ...]
    writes: dict[Node, tuple[str, ...]]
    edges: tuple[Edge, ...]
    expressions: tuple[Expression, ...]
    program: "str | None" = None

    def edge_list(self) -> list[tuple[Node, Node]]:
        """The edges as (sender, receiver) pairs: the shape circuit benchmarks ship.

        >>> import glassbox as gb
        >>> model = gb.compile_rasp_to_model(gb.programs.make_length(), vocab={"a"}, max_seq_len=3)
        >>> model.circuit_edges().edge_list()[:2]
        [(('hook_embed', None), ('blocks.0.attn.hook_z', 0)), (('hook_embed', None), ('blocks.0.hook_mlp_out', None))]
        """
        return [(e.sender, e.receiver) for e in self.edges]


def _support(matrix: Tensor, axis: int) -> set[int]:
    """Residual dimensions (indices along the other axis) where `matrix` has a nonzero entry."""
    return set(torch.nonzero(matrix.detach().ne(0).any(dim=axis)).flatten().tolist())


def _stage(node: Node, n_layers: int) -> int:
    """0 for the embeddings, 2l+1 for layer l's heads, 2l+2 for its MLP, 2n+1 for the unembedding."""
    name = node[0]
    if name in (EMBED[0], POS_EMBED[0]):
        return 0
    if node == unembed(n_layers):
        return 2 * n_layers + 1
    return 2 * _layer(name) + (1 if node[1] is not None else 2)


def circuit_edges(model: CompiledModel) -> CircuitGraph:
    """The circuit of `model`: nodes, the edges between nodes whose residual dimensions connect, expressions.

    Args:
        model: a compiled or loaded glassbox model.

    Returns:
        The CircuitGraph.
    """
    w, cfg = dict(model.module.named_parameters()), model.config
    labels = model.residual_labels
    writes: dict[Node, set[int]] = {EMBED: _support(w["embed.W_E"], 0), POS_EMBED: _support(w["pos_embed.W_pos"], 0)}
    reads: dict[Node, dict[str, set[int]]] = {}
    for layer in range(cfg.n_layers):
        p = f"blocks.{layer}."
        for h in range(cfg.n_heads):
            writes[head(layer, h)] = _support(w[f"{p}attn.W_O"][h], 0)
            reads[head(layer, h)] = {x.lower(): _support(w[f"{p}attn.W_{x}"][h], 1) for x in "QKV"}
        writes[mlp(layer)] = _support(w[f"{p}mlp.W_out"], 0)
        reads[mlp(layer)] = {"in": _support(w[f"{p}mlp.W_in"], 1)}
    reads[unembed(cfg.n_layers)] = {"unembed": _support(w["unembed.W_U"], 1)}
    nodes = tuple(circuit_nodes(model))
    bos_dims = {bases.ONE, f"tokens:{model.bos}"}
    edges = []
    for sender in writes:
        for receiver, inputs in reads.items():
            if _stage(sender, cfg.n_layers) >= _stage(receiver, cfg.n_layers):
                continue
            shared = {name: writes[sender] & dims for name, dims in inputs.items()}
            if any(shared.values()):
                via = tuple(k for k, v in shared.items() if v)
                dims = tuple(labels[i] for i in sorted(set().union(*shared.values())))
                default = sender == EMBED and set(via) <= {"q", "k"} and set(dims) <= bos_dims
                edges.append(Edge(sender, receiver, via, dims, default))
    # the output is the circuit map's last expression (a loaded model has no program)
    program = model.program.label if model.program is not None else model.circuit[-1].label if model.circuit else None
    return CircuitGraph(nodes, {n: tuple(labels[i] for i in sorted(d)) for n, d in writes.items()}, tuple(edges),
                        tuple(_expressions(model, writes)), program)


def _expressions(model: CompiledModel, writes: dict[Node, set[int]]) -> Iterable[Expression]:
    for site in model.circuit:
        if site.computed_by == ComputedBy.EMBEDDING:
            nodes = tuple(n for n in (EMBED, POS_EMBED) if writes[n] & set(site.residual))
        elif site.layer is None:
            nodes = ()
        else:
            nodes = ((head(site.layer, site.head),) if site.head is not None else ()) + (
                (mlp(site.layer),) if site.computed_by in (ComputedBy.MLP, ComputedBy.ATTENTION_MLP) else ())
        yield Expression(site.label, site.kind, site.encoding, site.values, site.children, nodes,
                         tuple(model.residual_labels[i] for i in site.residual), site.read)


def run_with_edges_ablated(model: CompiledModel, inputs: "Sequence[Sequence[Any]] | Tensor",
                           edges: Iterable[Sequence[Any]]) -> Float[Tensor, "batch pos d_vocab_out"]:
    """Logits with each (sender, receiver) edge removed: the receiver reads the residual stream less the
    sender's output (zero ablation of that edge alone); every other node reads what it reads.

    Any pair of nodes may be given, an edge of the circuit or not. Removing a non-edge changes nothing,
    bit for bit: the sender writes only dimensions the receiver does not read.

    Args:
        model: the model.
        inputs: sequences of tokens or ids from `model.encode`.
        edges: (sender, receiver) node pairs, sender earlier than receiver (JSON lists are accepted too).

    Raises:
        ValueError: for a node the model does not have, or a sender that does not come before its receiver.
    """
    n_layers = model.config.n_layers
    w = dict(model.module.named_parameters())
    known = set(circuit_nodes(model))
    cut: dict[Node, list[Node]] = {}
    for pair in edges:
        sender, receiver = _node(pair[0]), _node(pair[1])
        if sender not in known or receiver not in known or receiver in (EMBED, POS_EMBED) or \
                _stage(sender, n_layers) >= _stage(receiver, n_layers):
            raise ValueError(f"not an edge between two nodes of this model, sender first: {sender} -> {receiver}")
        cut.setdefault(receiver, []).append(sender)
    run = _Ablation(w)
    fns: list[tuple[str, hooks.HookFn]] = [(EMBED[0], run.save), (POS_EMBED[0], run.save)]
    for layer in range(n_layers):
        fns += [(f"blocks.{layer}.attn.hook_z", run.save_heads), (mlp(layer)[0], run.save)]
    for receiver, senders in cut.items():
        name, index = receiver
        if receiver == unembed(n_layers):
            fns.append((name, _Cut(run, senders, None, None)))
        elif index is None:
            layer = _layer(name)
            fns.append((f"blocks.{layer}.mlp.hook_pre", _Cut(run, senders, w[f"blocks.{layer}.mlp.W_in"], None)))
        else:
            layer = _layer(name)
            for x in "QKV":
                fns.append((f"blocks.{layer}.attn.hook_{x.lower()}",
                            _Cut(run, senders, w[f"blocks.{layer}.attn.W_{x}"][index], index)))
    return model.run_with_hooks(inputs, fns)


class _Ablation:
    """One ablated run: every sender's output, saved as the forward reaches it.

    (Hook functions are methods here rather than closures, so that they are made once, not per run.)
    """

    def __init__(self, weights: Mapping[str, Tensor]) -> None:
        self.weights = weights
        self.outputs: dict[Node, Tensor] = {}

    def save(self, act: Tensor, hook: hooks.HookPoint) -> None:
        self.outputs[(hook.name, None)] = act

    def save_heads(self, z: Tensor, hook: hooks.HookPoint) -> None:
        layer = _layer(hook.name)
        w_o = self.weights[f"blocks.{layer}.attn.W_O"]
        for h in range(w_o.shape[0]):
            self.outputs[head(layer, h)] = z[:, :, h] @ w_o[h]


class _Cut:
    """A hook that subtracts the senders' outputs from its activation (through `weight`, into head `index`)."""

    def __init__(self, run: _Ablation, senders: list[Node], weight: "Tensor | None", index: "int | None") -> None:
        self.run, self.senders, self.weight, self.index = run, senders, weight, index

    def __call__(self, act: Tensor, hook: hooks.HookPoint) -> Tensor:
        total = self.run.outputs[self.senders[0]]
        for sender in self.senders[1:]:
            total = total + self.run.outputs[sender]
        removed = total if self.weight is None else total @ self.weight
        if self.index is None:
            return act - removed
        act = act.clone()
        act[:, :, self.index] = act[:, :, self.index] - removed
        return act


def _node(node: Sequence[Any]) -> Node:
    name, index = node  # a JSON list [name, index] as well as a tuple
    return (str(name), None if index is None else int(index))


def _layer(hook_name: str) -> int:
    return int(hook_name.split(".")[1])


def circuit_nodes(model: CompiledModel) -> list[Node]:
    """Every node of `model`, in forward order."""
    cfg = model.config
    out = [EMBED, POS_EMBED]
    for layer in range(cfg.n_layers):
        out += [head(layer, h) for h in range(cfg.n_heads)] + [mlp(layer)]
    return out + [unembed(cfg.n_layers)]
