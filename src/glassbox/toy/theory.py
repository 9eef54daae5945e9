"""Closed-form losses of the candidate solutions of the n = 2, m = 1 ReLU-output model.

With I_1 = 1, I_2 = r and both features of density p, uniform on [0, 1] when active
(E[x²] = p/3, E[min(x_1, x_2)²] = 1/6 for two active features), the expected loss per sample
of each candidate (b = 0, unit norms) is:

    W = [1, 0]   feature 1 only:  L = r p / 3          (feature 2 is lost)
    W = [0, 1]   feature 2 only:  L = p / 3
    W = [1, −1]  antipodal pair:  L = (1 + r) p² / 6   (error only when both are active:
                                  the larger one leaks min(x_1, x_2) into both outputs)

Elhage et al. 2022 compare their trained phase diagram with these solutions.

>>> candidate_losses(1.0, 1.0)
{'feature 1': 0.3333333333333333, 'feature 2': 0.3333333333333333, 'antipodal': 0.3333333333333333}
>>> best_candidate(importance_2=1.0, density=0.1)
'antipodal'
"""

from jaxtyping import Float
from torch import Tensor

CANDIDATES = ("feature 1", "feature 2", "antipodal")


def candidate_losses(importance_2: float, density: float) -> dict[str, float]:
    """Expected loss of each candidate solution.

    Args:
        importance_2: r = I_2 / I_1 (I_1 = 1).
        density: p = 1 − S, shared by both features.

    Returns:
        Loss per candidate name, in `CANDIDATES` order.
    """
    r, p = importance_2, density
    return {"feature 1": r * p / 3, "feature 2": p / 3, "antipodal": (1 + r) * p * p / 6}


def best_candidate(importance_2: float, density: float) -> str:
    """Name of the candidate with the lowest closed-form loss (ties go to the earlier one)."""
    losses = candidate_losses(importance_2, density)
    return min(CANDIDATES, key=lambda name: losses[name])


def classify(W: Float[Tensor, "*inst 1 2"], threshold: float = 0.5) -> list[str]:
    """Name the solution each trained n = 2, m = 1 model found.

    A feature counts as represented when |W_i| > `threshold`. Two represented features of
    opposite sign are "antipodal"; anything not matching a candidate is "none" (nothing
    represented) or "other".

    Args:
        W: trained weights, `[..., 1, 2]`.
        threshold: minimum |W_i| for a represented feature.

    Returns:
        One name per instance, flattened in row-major order.
    """
    w = W.reshape(-1, 2)
    names = []
    for w1, w2 in w.tolist():
        on1, on2 = abs(w1) > threshold, abs(w2) > threshold
        if on1 and on2:
            names.append("antipodal" if w1 * w2 < 0 else "other")
        elif on1 or on2:
            names.append("feature 1" if on1 else "feature 2")
        else:
            names.append("none")
    return names
