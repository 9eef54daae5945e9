"""`Lowered` + `Schedule` → `Assembled`: lay out the residual stream, densify every op into IR blocks,
and factor them into the standard transformer weights (TransformerLens names and shapes).

Residual order: `one`, `tokens:BOS`, `tokens:<v>` (vocab sorted), `indices:<i>` (if read), then
each op's directions in program order. It depends only on the program, vocab and length.
"""


import numpy as np

from glassbox.compiler.nodes import Assembled, Encodings, Lowered, Options, Schedule
from glassbox.craft import bases, blocks
from glassbox.craft.bases import Direction
from glassbox.craft.chamber import attention, neurons


def residual_space(encodings: Encodings, lowered: Lowered, options: Options) -> bases.Space:
    """The named residual stream."""
    dirs = [Direction(bases.ONE), options.bos_direction]
    dirs += [Direction(bases.TOKENS, v) for v in options.vocab]
    if encodings.uses_indices:
        dirs += [Direction(bases.INDICES, i) for i in range(options.max_seq_len)]
    for op in lowered.ops:
        dirs += list(op.scratch) + list(op.outputs)
    return bases.Space(tuple(dirs))


def assemble(encodings: Encodings, lowered: Lowered, sched: Schedule, options: Options) -> Assembled:
    """Build the IR model and the factored weights."""
    space = residual_space(encodings, lowered, options)
    bos, one = options.bos_direction, Direction(bases.ONE)
    layers = []
    for layer in range(sched.n_layers):
        here = [op for op in lowered.ops if sched.layer_of[op.label] == layer]
        heads = tuple(
            blocks.AttentionHead(
                op.label,
                attention.score_form(list(op.head.groups), op.head.sharpness, op.head.bos_score, space, bos, one,
                                     op.head.key_bias),
                attention.value_map(op.head.reads, space),
            )
            for op in here if op.head is not None
        )
        mlps = tuple(neurons.to_mlp(op.label, list(op.neurons), space) for op in here if op.neurons)
        layers.append(blocks.Layer(heads, mlps))
    ir = blocks.Model(space, tuple(layers))
    return _factor(ir, encodings, lowered, options)


def _factor(ir: blocks.Model, encodings: Encodings, lowered: Lowered, options: Options) -> Assembled:
    d_model = len(ir.residual)
    qk = [[_low_rank(h.w_qk) for h in layer.heads] for layer in ir.layers]
    ov = [[_low_rank(h.w_ov) for h in layer.heads] for layer in ir.layers]
    d_head = max([1] + [a.shape[1] for layer in qk + ov for a, _ in layer])
    n_heads = max([1] + [len(layer.heads) for layer in ir.layers])
    d_mlp = max([1] + [sum(m.d_hidden for m in layer.mlps) for layer in ir.layers])

    tokens = [options.bos, options.pad, *options.vocab]
    token_ids = {t: i for i, t in enumerate(tokens)}
    w: dict[str, np.ndarray] = {}
    w_e = np.zeros((len(tokens), d_model))
    w_e[0, ir.residual.index(options.bos_direction)] = 1.0
    for v in options.vocab:
        w_e[token_ids[v], ir.residual.index(Direction(bases.TOKENS, v))] = 1.0
        w_e[token_ids[v], ir.residual.index(Direction(bases.ONE))] = 1.0
        for d, value in lowered.embed_extra.items():
            w_e[token_ids[v], ir.residual.index(d)] += value
    w["embed.W_E"] = w_e
    w_pos = np.zeros((options.max_seq_len + 1, d_model))
    if encodings.uses_indices:
        for i in range(options.max_seq_len):
            w_pos[i + 1, ir.residual.index(Direction(bases.INDICES, i))] = 1.0
    w["pos_embed.W_pos"] = w_pos

    head_labels: list[tuple[str, ...]] = []
    mlp_units: list[tuple[tuple[str, int, int], ...]] = []
    for li, layer in enumerate(ir.layers):
        w_q = np.zeros((n_heads, d_model, d_head))
        w_k, w_v = np.zeros_like(w_q), np.zeros_like(w_q)
        w_o = np.zeros((n_heads, d_head, d_model))
        for hi, ((a_qk, b_qk), (a_ov, b_ov)) in enumerate(zip(qk[li], ov[li], strict=True)):
            w_q[hi, :, : a_qk.shape[1]] = a_qk
            w_k[hi, :, : b_qk.shape[0]] = b_qk.T
            w_v[hi, :, : a_ov.shape[1]] = a_ov
            w_o[hi, : b_ov.shape[0], :] = b_ov
        w_in = np.zeros((d_model, d_mlp))
        w_out = np.zeros((d_mlp, d_model))
        units: list[tuple[str, int, int]] = []
        start = 0
        for m in layer.mlps:
            w_in[:, start : start + m.d_hidden] = m.w_in
            w_out[start : start + m.d_hidden, :] = m.w_out
            units.append((m.name, start, m.d_hidden))
            start += m.d_hidden
        for name, arr in (("attn.W_Q", w_q), ("attn.W_K", w_k), ("attn.W_V", w_v), ("attn.W_O", w_o),
                          ("mlp.W_in", w_in), ("mlp.W_out", w_out)):
            w[f"blocks.{li}.{name}"] = arr
        head_labels.append(tuple(h.name for h in layer.heads))
        mlp_units.append(tuple(units))

    w_u = np.zeros((d_model, max(1, len(encodings.output_features))))
    for j, feature in enumerate(encodings.output_features):
        for d, v in feature.items():
            w_u[ir.residual.index(d), j] += v
    w["unembed.W_U"] = w_u
    return Assembled(ir, w, token_ids, tuple(head_labels), tuple(mlp_units), d_head, d_mlp, n_heads)


def _low_rank(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An exact factorisation m = a @ b through the smaller of its used rows or columns."""
    rows = np.flatnonzero(np.abs(m).sum(axis=1))
    cols = np.flatnonzero(np.abs(m).sum(axis=0))
    if len(cols) <= len(rows):
        a = m[:, cols]
        b = np.zeros((len(cols), m.shape[1]))
        b[np.arange(len(cols)), cols] = 1.0
    else:
        a = np.zeros((m.shape[0], len(rows)))
        a[rows, np.arange(len(rows))] = 1.0
        b = m[rows, :]
    return a, b
