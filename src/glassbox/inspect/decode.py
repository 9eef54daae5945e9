"""Reading a compiled model's residual stream back as the program's named variables.

Every circuit site (one per RASP expression) says which residual directions hold it and how to
read each of its values. After the embedding and after every attention and MLP sublayer, the sites
computed by then are read at every position: a categorical site gives its most active value and
the margin over the runner-up (None when nothing reads above 0.5), a numerical site its value.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.errors import InputError
from glassbox.model.circuit import ComputedBy, Site, SiteEncoding
from glassbox.model.compiled import NONE_THRESHOLD, CompiledModel


@dataclasses.dataclass(frozen=True)
class Stage:
    """A layer boundary of the residual stream.

    Attributes:
        name: "embed", "L0 attn", "L0 mlp", ... (after the embedding, after each sublayer).
        hook: the cache entry holding the residual there (`blocks.0.hook_resid_mid`, ...).
        index: 0 for the embedding, 2l+1 after layer l's attention, 2l+2 after its MLP.
    """

    name: str
    hook: str
    index: int


@dataclasses.dataclass(frozen=True)
class Reading:
    """One variable at one position after one stage.

    Attributes:
        stage: the stage's name ("embed", "L0 attn", ...).
        variable: the site's label.
        pos: the position (0 is BOS).
        value: the decoded value (categorical: a value or None; numerical: a float).
        margin: categorical only: best read minus the runner-up (the best read if there is one value).
        new: True at the stage that writes the variable (virtual sites: where their sources complete).
    """

    stage: str
    variable: str
    pos: int
    value: Any
    margin: "float | None"
    new: bool


@dataclasses.dataclass(frozen=True)
class ResidualDecode:
    """The residual stream of one input, read by label at every stage.

    Attributes:
        tokens: the input with "BOS" first (the column labels).
        stages: the layer boundaries, in order.
        variables: the readable sites' labels, in program order.
        encodings: label -> "categorical" or "numerical".
        written_at: label -> the name of the stage from which the variable can be read.
        readings: every (stage, variable, position) reading, stage-major.
    """

    tokens: tuple[Any, ...]
    stages: tuple[Stage, ...]
    variables: tuple[str, ...]
    encodings: dict[str, str]
    written_at: dict[str, str]
    readings: tuple[Reading, ...]

    def table(self, stage: str) -> dict[str, list[Reading]]:
        """The readings of one stage: variable -> one Reading per position (computed variables only)."""
        if stage not in {s.name for s in self.stages}:
            raise InputError(f"no stage {stage!r}; stages are {[s.name for s in self.stages]}")
        out: dict[str, list[Reading]] = {}
        for r in self.readings:
            if r.stage == stage:
                out.setdefault(r.variable, []).append(r)
        return out

    def value(self, stage: str, variable: str, pos: int) -> Any:
        """The value of `variable` at position `pos` after `stage` (KeyError if not computed yet)."""
        return self.table(stage)[variable][pos].value

    def to_text(self, margins: bool = False) -> str:
        """A plain-text table per stage: one row per variable, one column per position; `*` marks new rows."""
        blocks = []
        for stage in self.stages:
            rows = [["", *(format_token(t) for t in self.tokens)]]
            for label, readings in self.table(stage.name).items():
                mark = "*" if readings[0].new else " "
                rows.append([f"{mark}{label}", *(format_reading(r, margins) for r in readings)])
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
            blocks.append(f"{stage.name}  ({stage.hook})\n" + "\n".join(lines))
        return "\n\n".join(blocks)


def format_token(token: Any) -> str:
    """A token as a column label."""
    return str(token)


def format_reading(reading: Reading, margin: bool = False) -> str:
    """A reading as a short cell: floats to 3 significant digits, None as '-'."""
    v = reading.value
    if v is None:
        text = "-"
    elif isinstance(v, float):
        text = "0" if abs(v) < 5e-4 else f"{v:.3g}"  # the residual's float noise reads as 0
    else:
        text = str(v)
    if margin and reading.margin is not None:
        text += f" ({reading.margin:.2f})"
    return text


def stages(n_layers: int) -> tuple[Stage, ...]:
    """The layer boundaries of a model with `n_layers` blocks."""
    out = [Stage("embed", "blocks.0.hook_resid_pre" if n_layers else "hook_embed", 0)]
    for layer in range(n_layers):
        out.append(Stage(f"L{layer} attn", f"blocks.{layer}.hook_resid_mid", 2 * layer + 1))
        out.append(Stage(f"L{layer} mlp", f"blocks.{layer}.hook_resid_post", 2 * layer + 2))
    return tuple(out)


def written_stage(circuit: Sequence[Site]) -> dict[str, int]:
    """Site label -> index of the first stage at which it can be read.

    Embedded sites are there from the start; a head's output after its layer's attention; an MLP's
    (or a selector width's, whose MLP finishes it) after the MLP. Virtual sites and selectors are
    linear reads of their sources, so they are ready when the last source is.
    """
    by_label = {s.label: s for s in circuit}
    ready: dict[str, int] = {}

    def visit(label: str) -> int:
        if label in ready:
            return ready[label]
        site = by_label[label]
        if site.computed_by is ComputedBy.EMBEDDING:
            stage = 0
        elif site.computed_by is ComputedBy.ATTENTION:
            stage = 2 * (site.layer or 0) + 1
        elif site.computed_by in (ComputedBy.MLP, ComputedBy.ATTENTION_MLP):
            stage = 2 * (site.layer or 0) + 2
        else:  # virtual or selector
            stage = max((visit(c) for c in site.children if c in by_label), default=0)
        ready[label] = stage
        return stage

    for site in circuit:
        visit(site.label)
    return ready


def read_site(site: Site, index: Mapping[str, int],
              resid: Float[Tensor, "pos d_model"]) -> list[tuple[Any, "float | None"]]:
    """Read one site at every position: (value, margin) per position.

    Args:
        site: a `glassbox.model.circuit.Site` with a non-empty `read`.
        index: residual label -> dimension.
        resid: one sequence's residual stream.

    Returns:
        For categorical sites (active value or None, margin); for numerical sites (value, None).
    """
    resid = resid.detach().to(torch.float64).cpu()
    reads = []
    for _, coefs in site.read:
        w = torch.zeros(resid.shape[-1], dtype=torch.float64)
        for label, c in coefs.items():
            w[index[label]] = c
        reads.append(resid @ w)  # [pos]
    stacked = torch.stack(reads, dim=-1)  # [pos, n_values]
    if site.encoding is SiteEncoding.NUMERICAL:
        return [(float(v), None) for v in stacked[:, 0]]
    values = [v for v, _ in site.read]
    out: list[tuple[Any, float | None]] = []
    for row in stacked:
        top = torch.topk(row, min(2, len(values)))
        best, i = float(top.values[0]), int(top.indices[0])
        margin = best - float(top.values[1]) if len(values) > 1 else best
        out.append((values[i] if best >= NONE_THRESHOLD else None, margin))
    return out


def decode_residual(model: CompiledModel, inputs: Any, *, seq: "Sequence[Any] | None" = None,
                    batch: int = 0) -> ResidualDecode:
    """Read every named variable at every position after every stage of one input.

    Args:
        model: a `CompiledModel` (compiled or loaded: only its circuit map and labels are used).
        inputs: either one input sequence (without BOS), or a cache from `model.run_with_cache`.
        seq: with a cache, the input it was run on (labels the columns and drops padding);
            without it every cached position is decoded and labelled by index.
        batch: with a cache, which sequence of the batch to decode.

    Returns:
        A `ResidualDecode`: readings per stage, variable and position (BOS included, as position 0).

    Raises:
        InputError: the input is not in the vocab or too long (from `model.encode`), or the
            cache lacks a residual hook.

    >>> import glassbox as gb
    >>> from glassbox import programs
    >>> model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=3)
    >>> decode_residual(model, ["a", "b", "a"]).value("L0 mlp", "hist", 1)
    2
    """
    if isinstance(inputs, Mapping):
        cache = inputs
    else:
        seq = list(inputs)
        _, cache = model.run_with_cache([seq])
        batch = 0
    n_layers = model.config.n_layers
    all_stages = stages(n_layers)
    resids = {}
    for stage in all_stages:
        if stage.hook == "hook_embed":  # no blocks: the residual is the sum of the embeddings
            resid = cache["hook_embed"] + cache["hook_pos_embed"]
        elif stage.hook not in cache:
            raise InputError(f"the cache has no {stage.hook!r}; pass a cache from model.run_with_cache")
        else:
            resid = cache[stage.hook]
        resids[stage.name] = resid[batch]  # [pos, d_model]
    n_pos = next(iter(resids.values())).shape[0]
    if seq is not None:
        n_pos = len(seq) + 1
        tokens = ("BOS", *seq)
    else:
        tokens = ("BOS", *range(1, n_pos))
    index = {label: i for i, label in enumerate(model.residual_labels)}
    ready = written_stage(model.circuit)
    sites = [s for s in model.circuit if s.encoding is not SiteEncoding.SELECTOR and s.read]
    readings = []
    for stage in all_stages:
        for site in sites:
            if ready[site.label] > stage.index or (site.live_until is not None and stage.index > site.live_until):
                continue  # not written yet, or its dimensions already hold another variable
            new = ready[site.label] == stage.index
            for pos, (value, margin) in enumerate(read_site(site, index, resids[stage.name][:n_pos])):
                if pos == 0:  # BOS holds no RASP value: the same '-' for every variable, whatever its encoding
                    value, margin = None, None
                readings.append(Reading(stage.name, site.label, pos, value, margin, new))
    return ResidualDecode(
        tokens=tokens,
        stages=all_stages,
        variables=tuple(s.label for s in sites),
        encodings={s.label: s.encoding.value for s in sites},
        written_at={s.label: all_stages[ready[s.label]].name for s in sites},
        readings=tuple(readings),
    )
