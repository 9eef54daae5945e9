"""SAE ground truth from compiled models: a residual stream whose true features and activations are known.

The true features are the source model's residual directions (one per variable value, `sort:3`),
and their activations at each real position are the source model's residual coordinates there:
one-hots of each categorical variable's value and each numerical variable's value, which equal the
RASP evaluator's trace (the test suite reads every variable back as the evaluator's value at every
stage). The hidden activations are the *compressed* model's residual at the same stage; each true
feature's vector there is its code row p_i. For the uncompressed model the features are the basis.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from glassbox.errors import ConfigError
from glassbox.model.compiled import CompiledModel
from glassbox.sae import sources
from glassbox.superpose import learn
from glassbox.superpose.codes import Superposed


def recorded(sp: "Superposed | CompiledModel", seqs: Sequence[Sequence[Any]], stage: int = -1,
             seed: int = 0) -> sources.RecordedSyntheticModel:
    """SAELens-protocol ground truth from one residual stage of a (superposed) compiled model.

    Args:
        sp: a superposed model (features = the source's residual directions, vectors = code rows)
            or a compiled model (features = its own residual basis).
        seqs: the inputs; every real non-BOS position is one row.
        stage: which residual stage (index into embed, L0 attn, L0 mlp, ...; -1: the last).
        seed: the source's row sampling seed.

    Returns:
        `glassbox.sae.sources.from_arrays` over the recorded rows; features constant over these
        inputs (never active, or always: the `one` direction) are left out: no SAE can find them.
    """
    model, source = (sp.model, sp.source) if isinstance(sp, Superposed) else (sp, sp)
    vectors = sp.code.matrix if isinstance(sp, Superposed) else np.eye(model.config.d_model)
    names = learn.stage_hooks(model.config.n_layers)
    if not -len(names) <= stage < len(names):
        raise ConfigError(f"stage must be in {-len(names)}..{len(names) - 1}, got {stage}")
    ids = model.encode(seqs)
    hidden = learn.residual_states(model, ids)[stage]  # [batch, pos, d]
    true = learn.residual_states(source, ids)[stage]  # [batch, pos, D]
    rows = (ids != model.config.pad_id) & (torch.arange(ids.shape[1]) > 0)[None]  # real tokens, BOS excluded
    h, acts = hidden[rows].to(torch.float64).numpy(), true[rows].to(torch.float64).numpy()
    active = np.flatnonzero(acts.std(axis=0) > 1e-6)  # constant features (`one`) are biases, not features
    labels = [source.residual_labels[i] for i in active]
    return sources.from_arrays(h, acts[:, active], vectors[active], labels=labels, seed=seed)
