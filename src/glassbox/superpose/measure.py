"""Measuring a compressed model: accuracy against the evaluator, and the toy-model geometry of its code.

Accuracy is read through the circuit map, batched: each variable is read at the stage its writer
finishes (as `glassbox.inspect.decode` does for one input) and compared with the evaluator's trace,
position by position (categorical exactly, None as None; numerical within 1e-4·max(1, |ref|)).
The output is also scored per sequence (every position right).

The code's geometry uses the toy lab's metrics on W = Pᵀ (columns are the features, here the
residual directions: one per variable value): ‖W_i‖, the dimensionality D_i = ‖W_i‖⁴ / Σ_j (W_i·W_j)²,
interference Σ_{j≠i} (Ŵ_i·W_j)², and dimensions per feature D* = d / ‖W‖_F².
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from glassbox import rasp
from glassbox.compiler import graph
from glassbox.inspect.decode import stages, written_stage
from glassbox.model.circuit import SiteEncoding
from glassbox.model.compiled import NONE_THRESHOLD, CompiledModel
from glassbox.superpose.codes import Code
from glassbox.toy import metrics as toy_metrics

TOLERANCE = 1e-4  # numerical reads: |got - ref| <= TOLERANCE * max(1, |ref|), the compiler's float32 contract


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """How much of the program a model still computes.

    Attributes:
        output_positions: fraction of output positions equal to the evaluator's.
        output_sequences: fraction of inputs whose whole output is right.
        variables: per variable label, the fraction of positions read right where it is written.
        inputs: how many inputs were scored.
    """

    output_positions: float
    output_sequences: float
    variables: dict[str, float]
    inputs: int

    @property
    def mean_variable(self) -> float:
        return float(np.mean(list(self.variables.values()))) if self.variables else 1.0


@dataclasses.dataclass(frozen=True)
class Geometry:
    """The toy-model metrics of a code, per feature (residual direction) and overall."""

    labels: tuple[str, ...]
    norms: tuple[float, ...]
    dimensionality: tuple[float, ...]
    interference: tuple[float, ...]
    dimensions_per_feature: float

    @property
    def superposed(self) -> tuple[str, ...]:
        """Features with 0 < D_i < 1 (sharing dimensions), as the toy paper counts them."""
        return tuple(f for f, d in zip(self.labels, self.dimensionality, strict=True) if 0.01 < d < 0.99)

    @property
    def mean_dimensionality(self) -> float:
        return float(np.mean(self.dimensionality))


def geometry(code: Code) -> Geometry:
    """The toy lab's metrics of the code's feature vectors."""
    W = torch.from_numpy(np.ascontiguousarray(code.W()))
    return Geometry(code.labels, tuple(toy_metrics.feature_norms(W).tolist()),
                    tuple(toy_metrics.feature_dimensionality(W).tolist()),
                    tuple(toy_metrics.interference(W).tolist()),
                    float(toy_metrics.dimensions_per_feature(W)))


def accuracy(model: CompiledModel, reference: "rasp.SOp | CompiledModel", seqs: Sequence[Sequence[Any]]) -> Accuracy:
    """Score `model` (any width) against the evaluator's trace of the program on `seqs`.

    Args:
        model: the model to score; its circuit map says where each variable is read.
        reference: the RASP program (the source model's `program`), or, for a model loaded from disk
            (programs are code and are not saved), the uncompressed model itself, whose variables
            read back as the evaluator's values (the test suite checks this for every library program).
        seqs: the inputs.
    """
    if isinstance(reference, rasp.SOp):
        labels = dict(graph.build(reference).labels)
        traces = [rasp.trace(reference, s, labels=labels) for s in seqs]
        sink = labels[reference]
    else:
        traces, sink = _model_traces(reference, seqs)
    ids = model.encode(seqs)
    all_stages = stages(model.config.n_layers)
    _, cache = model.run_with_cache(ids, names_filter=lambda n: n in {s.hook for s in all_stages} | {"hook_pos_embed"})
    if not model.config.n_layers:
        cache["hook_embed"] = cache["hook_embed"] + cache["hook_pos_embed"]
    ready = written_stage(model.circuit)
    index = {label: i for i, label in enumerate(model.residual_labels)}
    lengths = [len(s) for s in seqs]
    variables: dict[str, float] = {}
    for site in model.circuit:
        if site.encoding is SiteEncoding.SELECTOR or not site.read or site.label not in traces[0]:
            continue
        resid = cache[all_stages[ready[site.label]].hook].to(torch.float64)  # [batch, pos, d]
        got = _read(site, index, resid)
        right = total = 0
        for b, n in enumerate(lengths):
            for p in range(n):
                total += 1
                right += _same(got[b][p + 1], traces[b][site.label][p])
        variables[site.label] = right / max(total, 1)
    out = model.decode(model.run_with_hooks(ids), lengths)
    want = [t[sink] for t in traces]
    pos_right = sum(_same(g, w) for go, wo in zip(out, want, strict=True) for g, w in zip(go, wo, strict=True))
    seq_right = sum(all(_same(g, w) for g, w in zip(go, wo, strict=True)) for go, wo in zip(out, want, strict=True))
    return Accuracy(pos_right / max(sum(lengths), 1), seq_right / max(len(seqs), 1), variables, len(seqs))


def _model_traces(model: CompiledModel, seqs: Sequence[Sequence[Any]]) -> tuple[list[dict[str, Any]], str]:
    """Every variable's values per input, read from an exact model (positions without BOS), and its output label."""
    ids = model.encode(seqs)
    all_stages = stages(model.config.n_layers)
    _, cache = model.run_with_cache(ids)
    if not model.config.n_layers:
        cache["hook_embed"] = cache["hook_embed"] + cache["hook_pos_embed"]
    ready = written_stage(model.circuit)
    index = {label: i for i, label in enumerate(model.residual_labels)}
    traces: list[dict[str, Any]] = [{} for _ in seqs]
    for site in model.circuit:
        if site.encoding is SiteEncoding.SELECTOR or not site.read:
            continue
        got = _read(site, index, cache[all_stages[ready[site.label]].hook].to(torch.float64))
        for b, seq in enumerate(seqs):
            traces[b][site.label] = got[b][1 : len(seq) + 1]
    outputs = model.decode(model.run_with_hooks(ids), [len(s) for s in seqs])
    sink = "(output)"
    for b, out in enumerate(outputs):
        traces[b][sink] = out
    return traces, sink


def _read(site: Any, index: dict[str, int], resid: torch.Tensor) -> list[list[Any]]:
    """Every position's value of one site, batched (as `inspect.decode.read_site` reads one)."""
    R = torch.zeros(resid.shape[-1], len(site.read), dtype=torch.float64)
    for k, (_, coefs) in enumerate(site.read):
        for label, c in coefs.items():
            R[index[label], k] = c
    scores = resid @ R  # [batch, pos, n_values]
    if site.encoding is SiteEncoding.NUMERICAL:
        return scores[..., 0].tolist()
    values = [v for v, _ in site.read]
    best, idx = scores.max(dim=-1)
    return [[values[i] if b >= NONE_THRESHOLD else None for b, i in zip(br, ir, strict=True)]
            for br, ir in zip(best.tolist(), idx.tolist(), strict=True)]


def _same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return (want is None) == (got is None)
    if isinstance(got, float) and isinstance(want, (int, float)) and not isinstance(want, bool):
        return abs(got - want) <= TOLERANCE * max(1.0, abs(want))
    if isinstance(got, bool) or isinstance(want, bool):
        return isinstance(got, bool) and isinstance(want, bool) and got == want
    return bool(got == want)
