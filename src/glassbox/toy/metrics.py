"""Geometry of toy-model weights: norms, interference, dimensionality, adversarial gain, scaling fits.

Every function takes torch tensors with any number of leading axes, so it works on a
single `[d_hidden, feats]` matrix, on a batched `[inst, d_hidden, feats]` stack, or on
deeper stacks such as `[restart, inst, d_hidden, feats]`. Column `W[..., :, i]` is the
direction the model gives feature i (Elhage et al. 2022 write it `W_i`).

Pentagon check (5 unit features in 2 dimensions, each of dimensionality 2/5):

>>> import math, torch
>>> angles = torch.arange(5) * 2 * math.pi / 5
>>> W = torch.stack([angles.cos(), angles.sin()])   # [d_hidden=2, feats=5]
>>> [round(d, 4) for d in feature_dimensionality(W).tolist()]
[0.4, 0.4, 0.4, 0.4, 0.4]
>>> round(dimensions_per_feature(W).item(), 4)
0.4
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from jaxtyping import Float
from torch import Tensor

# Below this norm a vector counts as absent: its direction is undefined, so it gets
# zero dimensionality and zero interference rather than NaN.
_TINY = 1e-12


def feature_norms(W: Float[Tensor, "*inst d_hidden feats"]) -> Float[Tensor, "*inst feats"]:
    """Length ‖W_i‖ of each feature's direction.

    Args:
        W: weights, columns are features.

    Returns:
        The column norms.
    """
    return torch.linalg.vector_norm(W, dim=-2)


def _unit(vectors: Float[Tensor, "*inst k d"]) -> Float[Tensor, "*inst k d"]:
    norms = torch.linalg.vector_norm(vectors, dim=-1, keepdim=True)
    return vectors / norms.clamp_min(_TINY)


def overlaps(vectors: Float[Tensor, "*inst k d"]) -> Float[Tensor, "*inst k k"]:
    """Projections v̂_i · v_j of every vector onto every vector's direction.

    Args:
        vectors: k vectors of dimension d (rows).

    Returns:
        Matrix whose entry `[..., i, j]` is v̂_i · v_j (zero rows for zero vectors).
    """
    return _unit(vectors) @ vectors.transpose(-1, -2)


def dimensionality(
    vectors: Float[Tensor, "*inst k d"], among: Float[Tensor, "*inst j d"] | None = None
) -> Float[Tensor, "*inst k"]:
    """Fractional dimensionality D_i = ‖v_i‖² / Σ_j (v̂_i · v_j)² of each of k vectors.

    The sum runs over the rows j of `among` (default: `vectors` themselves, i included), so a
    vector alone in its subspace gets 1 and a regular k-gon in 2 dimensions gets 2/k. Works for
    feature directions (pass `W.mT`) and for hidden vectors of data points (rows), also when
    `vectors` is a sample of a larger set `among`. Because Σ_j (v̂_i · v_j)² = v̂_iᵀ M v̂_i with
    the d × d Gram matrix M = Σ_j v_j v_jᵀ, it costs O(k d²): fine for n = 10,000 features or
    T = 500,000 points, where a k × k overlap matrix is not.

        D_i = ‖v_i‖⁴ / (v_iᵀ M v_i)

    Args:
        vectors: k vectors of dimension d (rows).
        among: the full set the sum runs over, when `vectors` is a sample of it.

    Returns:
        D_i per vector; 0 for a zero vector.
    """
    full = vectors if among is None else among
    gram = full.transpose(-1, -2) @ full  # [*inst, d, d]
    squared_norms = vectors.pow(2).sum(-1)
    denominator = ((vectors @ gram) * vectors).sum(-1)
    ok = (squared_norms > _TINY**2) & (denominator > 0)
    return torch.where(ok, squared_norms.pow(2) / denominator.clamp_min(_TINY**4), torch.zeros_like(squared_norms))


def feature_dimensionality(
    W: Float[Tensor, "*inst d_hidden feats"],
) -> Float[Tensor, "*inst feats"]:
    """Dimensionality D_i of each feature direction W_i (Elhage et al. 2022).

    Args:
        W: weights, columns are features.

    Returns:
        D_i per feature, in [0, 1].
    """
    return dimensionality(W.transpose(-1, -2))


def interference(W: Float[Tensor, "*inst d_hidden feats"]) -> Float[Tensor, "*inst feats"]:
    """Interference Σ_{j≠i} (Ŵ_i · W_j)² that other features put on feature i's direction.

    0 means W_i is orthogonal to every other feature; 1 or more means heavy superposition.

    Args:
        W: weights, columns are features.

    Returns:
        The interference per feature (0 for a zero feature).
    """
    proj = overlaps(W.transpose(-1, -2)).pow(2)
    return proj.sum(-1) - torch.diagonal(proj, dim1=-2, dim2=-1)


def dimensions_per_feature(W: Float[Tensor, "*inst d_hidden feats"]) -> Float[Tensor, "*inst"]:
    """D* = m / ‖W‖_F²: hidden dimensions per (unit-norm) learned feature.

    Args:
        W: weights with `d_hidden = m` rows.

    Returns:
        D* per instance (`inf` for an all-zero W).
    """
    return W.shape[-2] / W.pow(2).sum((-1, -2))


def attack_directions(
    W: Float[Tensor, "*inst d_hidden feats"],
) -> Float[Tensor, "*inst feats feats"]:
    """Unit input perturbations of the analytic attack, one per target feature (row i).

    Elhage et al. 2022 §"Superposition and Adversarial Examples" attack feature i with
    δ = λ (WᵀW)_i / ‖(WᵀW)_i‖: the input direction that most raises output i's
    pre-activation per unit of L2 budget λ.

    Args:
        W: weights of a tied model `x' = f(WᵀW x + b)`.

    Returns:
        Row i is the unit-norm attack direction on feature i (zero if (WᵀW)_i = 0).
    """
    gram = W.transpose(-1, -2) @ W
    return _unit(gram)


def adversarial_vulnerability(W: Float[Tensor, "*inst d_hidden feats"]) -> Float[Tensor, "*inst"]:
    """Largest output displacement ‖WᵀW δ‖ that any analytic attack δ of unit norm causes.

    It is the data-free part of the paper's vulnerability measure: a perturbation of L2
    size λ moves the pre-activations of the tied model by at most λ times this number.
    It is 1 for features held in orthogonal dimensions and grows with superposition: a
    regular pentagon of unit features gives 5/2, which is 1/D* (features per dimension).

    Args:
        W: weights of a tied model.

    Returns:
        max_i ‖WᵀW δ_i‖ per instance.
    """
    gram = W.transpose(-1, -2) @ W
    moved = attack_directions(W) @ gram  # row i = δ_iᵀ WᵀW (WᵀW is symmetric)
    return torch.linalg.vector_norm(moved, dim=-1).amax(-1)


def represented_fraction(W: Float[Tensor, "*inst d_hidden feats"], threshold: float = 0.5) -> Float[Tensor, "*inst"]:
    """Fraction of features the model represents: those with ‖W_i‖ > `threshold` (Liu, Liu & Gore 2025).

    Near 1 in strong superposition (every feature has a direction), near m/n in weak superposition
    (only the most frequent features, about one per dimension).
    """
    return (feature_norms(W) > threshold).to(W.dtype).mean(-1)


@dataclass(frozen=True)
class PowerLawFit:
    """loss ≈ C · m^(−exponent), fitted by least squares on log-log axes."""

    exponent: float
    prefactor: float
    ci95: tuple[float, float]  # 95% confidence interval of the exponent (Student t, n − 2 dof)
    points: int


def power_law_fit(m: Sequence[float], loss: Sequence[float]) -> PowerLawFit:
    """Fit log loss = log C − exponent · log m.

    Args:
        m: widths (at least 3, positive).
        loss: losses (positive), one per width.

    Returns:
        The exponent, prefactor and the exponent's 95% confidence interval.

    >>> fit = power_law_fit([4, 8, 16, 32], [2.0 / 4, 2.0 / 8, 2.0 / 16, 2.0 / 32])
    >>> round(fit.exponent, 6), round(fit.prefactor, 6), [round(c, 6) for c in fit.ci95]
    (1.0, 2.0, [1.0, 1.0])
    """
    from scipy import stats

    x, y = np.log(np.asarray(m, dtype=float)), np.log(np.asarray(loss, dtype=float))
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    dof = len(x) - 2
    stderr = math.sqrt(float(residual @ residual) / dof / float(((x - x.mean()) ** 2).sum())) if dof > 0 else math.inf
    half = float(stats.t.ppf(0.975, dof)) * stderr if dof > 0 else math.inf
    return PowerLawFit(float(-slope), float(math.exp(intercept)), (float(-slope - half), float(-slope + half)), len(x))
