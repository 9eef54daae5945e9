"""What the double-descent figure measures, at any T: dimensionalities through an m × m Gram.

`glassbox.toy.metrics.dimensionality` builds the k × k overlap matrix, which is fine for a
few hundred vectors but not for n = 10,000 features or T = 500,000 points. Because
Σ_j (v̂_i · v_j)² = v̂_iᵀ (Σ_j v_j v_jᵀ) v̂_i, the same numbers follow from the m × m matrix
M = VᵀV in O(k m²):

    D_i = ‖v_i‖⁴ / (v_iᵀ M v_i)

>>> import math, torch
>>> angles = torch.arange(5) * 2 * math.pi / 5
>>> pentagon = torch.stack([angles.cos(), angles.sin()], dim=1).numpy()  # 5 vectors in 2-D
>>> [round(float(d), 4) for d in dimensionality(pentagon)]
[0.4, 0.4, 0.4, 0.4, 0.4]
"""

from typing import Any

import numpy as np
from jaxtyping import Float

from glassbox.toy.double_descent.data import SparseDataset

# Below this squared norm a vector counts as absent and gets dimensionality 0 (as in
# glassbox.toy.metrics).
_TINY = 1e-24


def dimensionality(
    vectors: Float[np.ndarray, "k d"], among: "Float[np.ndarray, 'j d'] | None" = None
) -> Float[np.ndarray, " k"]:
    """D_i = ‖v_i‖² / Σ_j (v̂_i · v_j)², the sum over the rows of `among` (default: `vectors`).

    Args:
        vectors: the k vectors to measure (rows).
        among: the full set the sum runs over, when `vectors` is a sample of it.

    Returns:
        D_i per row; 0 for a zero vector.
    """
    v = np.asarray(vectors, dtype=np.float64)
    full = v if among is None else np.asarray(among, dtype=np.float64)
    gram = full.T @ full  # [d, d]
    sq = (v * v).sum(1)
    denom = np.einsum("kd,de,ke->k", v, gram, v)
    out = np.zeros_like(sq)
    ok = (sq > _TINY) & (denom > 0)
    out[ok] = sq[ok] ** 2 / denom[ok]
    return out


def run_metrics(
    W: Float[np.ndarray, "d_hidden feats"],
    b: Float[np.ndarray, " feats"],
    points: SparseDataset,
    is_training_set: bool,
    max_points: int,
) -> "dict[str, Any]":
    """The per-run numbers of `results.json` (besides the losses).

    Args:
        W: trained weights.
        b: trained bias.
        points: the training set, or (at T = ∞) a sample of test points.
        is_training_set: whether `points` is the whole training set.
        max_points: report per-point lists only for this many points (the first ones).

    Returns:
        feature_dimensionality (over all n columns W_i), data_dimensionality (over the
        training points when T ≤ max_points, else None), data_dimensionality_sample (the first
        `max_points` points, the sum still over all points), hidden (their hidden vectors),
        W_norm, b_norm, hidden_norm_mean, feature_norm_mean, feature_norm_max.
    """
    H = points.hidden(W)  # [T, m]
    data_dims = dimensionality(H[:max_points], among=H)
    feature_norms = np.linalg.norm(W, axis=0)
    whole = is_training_set and points.n_points <= max_points
    return {
        "feature_dimensionality": dimensionality(W.T).tolist(),
        "data_dimensionality": data_dims.tolist() if whole else None,
        "data_dimensionality_sample": data_dims.tolist(),
        "hidden": H[:max_points].tolist(),
        "W_norm": float(np.linalg.norm(W)),
        "b_norm": float(np.linalg.norm(b)),
        "hidden_norm_mean": float(np.linalg.norm(H, axis=1).mean()),
        "feature_norm_mean": float(feature_norms.mean()),
        "feature_norm_max": float(feature_norms.max()),
    }


def regular_polygon_error(hidden: Float[np.ndarray, "T 2"]) -> "tuple[float, float]":
    """How far 2-D points are from a regular T-gon centred on the origin.

    Args:
        hidden: T points in 2-D.

    Returns:
        (relative spread of the radii, largest error of the sorted angular gaps in radians
        against 2π/T). Both are 0 for a perfect regular polygon.

    >>> import numpy as np
    >>> a = np.array([0.3, 0.3 + 2 * np.pi / 3, 0.3 + 4 * np.pi / 3])
    >>> [round(e, 6) for e in regular_polygon_error(2 * np.stack([np.cos(a), np.sin(a)], 1))]
    [0.0, 0.0]
    """
    radii = np.linalg.norm(hidden, axis=1)
    angles = np.sort(np.arctan2(hidden[:, 1], hidden[:, 0]))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
    return float(radii.std() / radii.mean()), float(np.abs(gaps - 2 * np.pi / len(gaps)).max())
