"""What the double-descent figure measures, at any T: feature and data-point dimensionalities, norms.

The dimensionalities are the lab's shared `glassbox.toy.metrics.dimensionality` (through the
m × m Gram matrix, so n = 10,000 features or T = 500,000 points cost O(k m²)).

>>> import math, torch
>>> angles = torch.arange(5) * 2 * math.pi / 5
>>> pentagon = torch.stack([angles.cos(), angles.sin()], dim=1).numpy()  # 5 vectors in 2-D
>>> [round(float(d), 4) for d in dimensionality(pentagon)]
[0.4, 0.4, 0.4, 0.4, 0.4]
"""

from typing import Any

import numpy as np
import torch
from jaxtyping import Float

from glassbox.toy import metrics
from glassbox.toy.double_descent.data import SparseDataset


def dimensionality(
    vectors: Float[np.ndarray, "k d"], among: "Float[np.ndarray, 'j d'] | None" = None
) -> Float[np.ndarray, " k"]:
    """`glassbox.toy.metrics.dimensionality` on numpy arrays (in float64).

    Args:
        vectors: the k vectors to measure (rows).
        among: the full set the sum runs over, when `vectors` is a sample of it.

    Returns:
        D_i per row; 0 for a zero vector.
    """
    as_torch = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa: E731
    return metrics.dimensionality(as_torch(vectors), None if among is None else as_torch(among)).numpy()


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
