"""`Encodings` + `Lowered` + `Schedule` → the model's size before any dense weight exists.

Assembling is the one pass whose cost grows with the model (dense [d_model, d_mlp] tables), so the
pipeline sizes the model here, from the sparse specs, and refuses (`max_params`) or warns before it.
The count is exact: d_model is the residual layout's length, d_mlp and the head count per layer
come from the ops the schedule puts in it, and d_head is bounded by the directions each head reads
(its QK and OV ranks cannot exceed them), so the estimate is an upper bound that assembly only lowers.
"""

import dataclasses
import warnings

from glassbox.compiler import assemble
from glassbox.compiler.nodes import Encodings, HeadSpec, Lowered, Options, Schedule
from glassbox.errors import CompileError, GlassboxWarning

WARN_PARAMS = 50_000_000  # about 200 MB of float32 weights


@dataclasses.dataclass(frozen=True)
class Size:
    """The model's dimensions (d_head an upper bound) and its parameter count (an upper bound)."""

    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    d_mlp: int
    params: int

    def describe(self, dtype: str) -> str:
        gigabytes = self.params * (8 if dtype == "float64" else 4) / 1e9
        return (f"{self.n_layers} layers, d_model {self.d_model:,}, {self.n_heads} head(s) of d_head <= {self.d_head}, "
                f"d_mlp {self.d_mlp:,}: up to {self.params:,} parameters ({gigabytes:.2f} GB in {dtype})")


def size(encodings: Encodings, lowered: Lowered, sched: Schedule, options: Options) -> Size:
    """The size `assemble` will produce (d_head and the parameter count as upper bounds)."""
    d_model = len(assemble.residual_space(encodings, lowered, options))
    by_layer: list[list] = [[] for _ in range(sched.n_layers)]
    for op in lowered.ops:
        by_layer[sched.layer_of[op.label]].append(op)
    d_mlp = max([1] + [sum(len(op.neurons) for op in ops) for ops in by_layer])
    n_heads = max([1] + [sum(op.head is not None for op in ops) for ops in by_layer])
    d_head = max([1] + [min(d_model, _rank_bound(op.head)) for ops in by_layer for op in ops if op.head is not None])
    n_tokens, n_out = len(options.vocab) + 2, max(1, len(encodings.output_features))
    params = (sched.n_layers * (4 * n_heads * d_model * d_head + 2 * d_model * d_mlp)
              + (n_tokens + options.max_seq_len + 1 + n_out) * d_model)
    return Size(sched.n_layers, d_model, n_heads, d_head, d_mlp, params)


def check(found: Size, label: str, options: Options, max_params: "int | None") -> None:
    """Refuse a model over `max_params`; warn about one over WARN_PARAMS (both before assembling)."""
    if max_params is not None and (not isinstance(max_params, int) or isinstance(max_params, bool) or max_params < 1):
        raise CompileError([("max_params", f"must be a positive integer or None, got {max_params!r}")])
    if max_params is not None and found.params > max_params:
        raise CompileError([(label, f"the model would have {found.describe(options.dtype)}, over max_params="
                                    f"{max_params:,}; raise max_params to build it anyway")])
    if found.params > WARN_PARAMS:
        warnings.warn(f"{label}: building a large model: {found.describe(options.dtype)}", GlassboxWarning,
                      stacklevel=3)


def _rank_bound(head: HeadSpec) -> int:
    """d_head needed by one head: its QK and OV ranks are at most the directions they read and write."""
    queries = {d for g in head.groups for feature in g.queries.values() for d in feature}
    keys = {d for g in head.groups for feature in g.keys.values() for d in feature} | set(head.key_bias)
    qk = min(len(queries) + 2, len(keys) + 1)  # + the `one`/BOS query rows and the BOS key column
    sources = {d for feature in head.reads.values() for d in feature}
    ov = min(len(sources), len(head.reads))
    return max(1, qk, ov)
