"""SAE-vs-ground-truth metrics with SAELens's names and definitions.

Decoder-only metrics compare directions: `mean_correlation_coefficient` (MCC: the mean |cos| of a
one-to-one Hungarian matching between SAE decoder rows and true features) and `feature_uniqueness`
(distinct true features among the latents' best matches, over the number of latents).

Sample metrics are streamed: `count_batch` turns one batch into a `Counts` of sums, `Counts` add
up exactly across batches, and their methods give explained variance, shrinkage, L0s, dead latents
and precision/recall/F1/accuracy. A latent fires where it is nonzero; each latent is scored as a
detector of its best-matching true feature (by decoder |cos|), and the scores are averaged over latents.

>>> import torch
>>> gt = torch.eye(3)
>>> dec = torch.tensor([[0.0, 2.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])   # permuted, scaled, flipped
>>> mean_correlation_coefficient(dec, gt), feature_uniqueness(dec, gt)
(1.0, 1.0)
"""

from dataclasses import dataclass, fields

import numpy as np
import torch
from jaxtyping import Bool, Float, Int
from torch import Tensor

_NORM_CLAMP = 1e-8  # a zero vector has cosine 0 with everything (SAELens's clamp)
MIN_INPUT_NORM = 1e-6  # shrinkage skips inputs shorter than this (the ratio is undefined there)


def cosine_similarities(a: Float[Tensor, "n1 d"], b: Float[Tensor, "n2 d"]) -> Float[Tensor, "n1 n2"]:
    """cos(a_i, b_j) for every pair of rows; zero rows give 0."""
    a_unit = a / a.norm(dim=1, keepdim=True).clamp(min=_NORM_CLAMP)
    b_unit = b / b.norm(dim=1, keepdim=True).clamp(min=_NORM_CLAMP)
    return a_unit @ b_unit.T


def hungarian_matching(
    features_a: Float[Tensor, "n1 d"], features_b: Float[Tensor, "n2 d"]
) -> tuple[np.ndarray, np.ndarray, Float[Tensor, "n1 n2"]]:
    """The one-to-one matching of rows of a to rows of b that maximizes the total |cos|.

    Args:
        features_a: e.g. SAE decoder rows.
        features_b: e.g. true feature vectors.

    Returns:
        `(rows_a, rows_b, abs_cos)`: min(n1, n2) matched index pairs (sorted by `rows_a`) and the
        full |cos| matrix.
    """
    from scipy.optimize import linear_sum_assignment  # scipy is slow to import; only the scorer needs it

    abs_cos = cosine_similarities(features_a.detach(), features_b.detach()).abs().cpu().double()
    rows, cols = linear_sum_assignment(abs_cos.numpy(), maximize=True)
    return rows, cols, abs_cos


def mean_correlation_coefficient(features_a: Float[Tensor, "n1 d"], features_b: Float[Tensor, "n2 d"]) -> float:
    """MCC: mean |cos| over the Hungarian matching of rows (1.0 = the same directions).

    With n1 != n2 it averages the min(n1, n2) matched pairs, as SAELens does.
    """
    rows, cols, abs_cos = hungarian_matching(features_a, features_b)
    return float(abs_cos[rows, cols].mean())


def best_matches(
    sae_features: Float[Tensor, "d_sae d"], gt_features: Float[Tensor, "feats d"]
) -> Int[Tensor, " d_sae"]:
    """For each latent, the true feature its decoder row is most aligned with (by |cos|)."""
    return cosine_similarities(sae_features.detach(), gt_features.detach()).abs().argmax(dim=1)


def feature_uniqueness(sae_features: Float[Tensor, "d_sae d"], gt_features: Float[Tensor, "feats d"]) -> float:
    """Distinct best-matched true features over the number of latents (1.0 = no two latents share one)."""
    if sae_features.shape[0] == 0:
        return 0.0
    return len(best_matches(sae_features, gt_features).unique()) / sae_features.shape[0]


@dataclass(frozen=True)
class ClassificationMetrics:
    """Each latent as a detector of its best-matching true feature, averaged over latents.

    An undefined precision, recall or F1 (nothing predicted, nothing to find) counts as 0.
    """

    precision: float  # TP / (TP + FP)
    recall: float  # TP / (TP + FN)
    f1_score: float  # 2PR / (P + R)
    accuracy: float  # (TP + TN) / samples


@dataclass(frozen=True, eq=False)
class Counts:
    """Sums over the samples seen so far, from which every sample metric follows.

    Float sums are float64 on the CPU: explained variance subtracts two large, nearly equal numbers.
    """

    num_samples: int
    sum_hidden: Float[Tensor, " d_model"]  # Σ x
    sum_squared_norm: float  # Σ ‖x‖²
    sum_squared_residual: float  # Σ ‖x − x̂‖²
    sum_shrinkage: float  # Σ ‖x̂‖ / ‖x‖ over inputs with ‖x‖ > MIN_INPUT_NORM
    shrinkage_samples: int
    sum_sae_l0: float  # Σ #(latents != 0)
    sum_true_l0: float  # Σ #(true features != 0)
    fired: Bool[Tensor, " d_sae"]  # latent ever nonzero
    tp: Float[Tensor, " d_sae"]  # per latent, against its best-matching true feature
    fp: Float[Tensor, " d_sae"]
    fn: Float[Tensor, " d_sae"]
    tn: Float[Tensor, " d_sae"]

    def __add__(self, other: "Counts") -> "Counts":
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = a | b if f.name == "fired" else a + b
        return Counts(**values)

    def explained_variance(self) -> float:
        """R² = 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²); 1.0 is perfect, 0.0 is no better than the mean."""
        return _r2(self.sum_hidden, self.sum_squared_norm, self.sum_squared_residual, self.num_samples)

    def shrinkage(self) -> float:
        """Mean ‖x̂‖ / ‖x‖ over nonzero inputs (1.0 = no shrinkage; L1 penalties push it below 1)."""
        return self.sum_shrinkage / self.shrinkage_samples if self.shrinkage_samples else 0.0

    def sae_l0(self) -> float:
        """Mean number of nonzero latents per sample."""
        return self.sum_sae_l0 / self.num_samples if self.num_samples else 0.0

    def true_l0(self) -> float:
        """Mean number of nonzero true features per sample."""
        return self.sum_true_l0 / self.num_samples if self.num_samples else 0.0

    def dead_latents(self) -> int:
        """Latents that were zero on every sample."""
        return int((~self.fired).sum())

    def classification(self) -> ClassificationMetrics:
        """Precision, recall, F1 and accuracy of each latent, averaged over latents."""
        tp, fp, fn, tn = self.tp, self.fp, self.fn, self.tn
        precision = torch.where(tp + fp > 0, tp / (tp + fp).clamp(min=1), 0.0)
        recall = torch.where(tp + fn > 0, tp / (tp + fn).clamp(min=1), 0.0)
        pr = precision + recall
        f1 = torch.where(pr > 0, 2 * precision * recall / pr.clamp(min=1e-300), 0.0)
        accuracy = (tp + tn) / (tp + fp + fn + tn).clamp(min=1)
        return ClassificationMetrics(
            precision=float(precision.mean()),
            recall=float(recall.mean()),
            f1_score=float(f1.mean()),
            accuracy=float(accuracy.mean()),
        )


def count_batch(
    hidden: Float[Tensor, "batch d_model"],
    sae_output: Float[Tensor, "batch d_model"],
    sae_latents: Float[Tensor, "batch d_sae"],
    feature_acts: Float[Tensor, "batch feats"],
    best_match: Int[Tensor, " d_sae"],
) -> Counts:
    """The sums of one batch.

    Args:
        hidden: the SAE's inputs x.
        sae_output: its reconstructions x̂.
        sae_latents: its latent activations z.
        feature_acts: the true feature activations of the same inputs.
        best_match: from `best_matches(decoder, true features)`, one true feature per latent.

    Returns:
        Counts to add to those of other batches.
    """
    x = hidden.detach().double()
    x_hat = sae_output.detach().double()
    fires = sae_latents.detach() != 0
    truth = feature_acts.detach().to(fires.device)[:, best_match.to(fires.device)] != 0
    norms = x.norm(dim=1)
    valid = norms > MIN_INPUT_NORM
    per_latent = [(fires & truth), (fires & ~truth), (~fires & truth), (~fires & ~truth)]
    tp, fp, fn, tn = (m.sum(0, dtype=torch.float64).cpu() for m in per_latent)
    return Counts(
        num_samples=int(x.shape[0]),
        sum_hidden=x.sum(0).cpu(),
        sum_squared_norm=float(x.pow(2).sum()),
        sum_squared_residual=float((x - x_hat).pow(2).sum()),
        sum_shrinkage=float((x_hat.norm(dim=1)[valid] / norms[valid]).sum()),
        shrinkage_samples=int(valid.sum()),
        sum_sae_l0=float(fires.sum()),
        sum_true_l0=float((feature_acts.detach() != 0).sum()),
        fired=fires.any(0).cpu(),
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
    )


def explained_variance(output: Float[Tensor, "batch d_model"], hidden: Float[Tensor, "batch d_model"]) -> float:
    """R² of `output` as a reconstruction of `hidden` (the formula of `Counts.explained_variance`)."""
    x = hidden.detach().double()
    residual = float((x - output.detach().double()).pow(2).sum())
    return _r2(x.sum(0).cpu(), float(x.pow(2).sum()), residual, int(x.shape[0]))


def _r2(sum_x: Tensor, sum_squared_norm: float, sum_squared_residual: float, n: int) -> float:
    if n == 0:
        return 0.0
    total_variance = sum_squared_norm / n - float((sum_x / n).pow(2).sum())
    mse = sum_squared_residual / n
    if total_variance < 1e-10:  # constant inputs: perfect if reproduced, else nothing explained
        return 1.0 if mse < 1e-10 else 0.0
    return 1.0 - mse / total_variance
