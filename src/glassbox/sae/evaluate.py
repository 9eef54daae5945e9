"""Scoring an SAE against a ground-truth source: SAELens's `eval_sae_on_synthetic_data` and its result.

The result carries SAELens's metric names (`true_l0`, `sae_l0`, `dead_latents`, `shrinkage`,
`explained_variance`, `mcc`, `uniqueness`, `classification.{precision, recall, f1_score, accuracy}`),
plus the source's feature labels: `features` says which latent the Hungarian matching gave each true
feature and how well it aligns, and `latent_labels` names each latent's best-matching feature.

One difference from SAELens: the SAE is scored on the source's own hidden activations
(`sample_with_features`), which for a recorded source are the recorded ones; SAELens rebuilds them
from the dictionary. On a toy source the two are the same.

>>> import torch
>>> from glassbox.sae import sources
>>> from glassbox.sae.config import SAEConfig
>>> from glassbox.sae.model import SparseAutoencoder
>>> src = sources.from_toy_model(torch.eye(3), feature_probability=0.5, labels=["a", "b", "c"])
>>> sae = SparseAutoencoder(SAEConfig(d_sae=3), d_in=3)
>>> with torch.no_grad():                          # the exact answer: the identity
...     _ = sae.W_dec.copy_(torch.eye(3)), sae.W_enc.copy_(torch.eye(3))
>>> result = eval_sae_on_synthetic_data(sae, src, num_samples=1000)
>>> result.mcc, result.explained_variance, [f.latent for f in result.features], result.latent_labels
(1.0, 1.0, [0, 1, 2], ('a', 'b', 'c'))
"""

import dataclasses
import functools
import operator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.sae import ground_truth, metrics
from glassbox.sae.metrics import ClassificationMetrics


@runtime_checkable
class SAELike(Protocol):
    """What the scorer needs of an SAE: ours, or a SAELens `SAE`."""

    W_dec: Tensor  # [d_sae, d_model]

    def encode(self, x: Tensor) -> Tensor: ...

    def decode(self, z: Tensor) -> Tensor: ...


@dataclass(frozen=True)
class FeatureMatch:
    """One true feature's fate: its Hungarian-matched latent and how aligned they are."""

    label: str
    latent: int | None  # None when there are fewer latents than features and this one lost out
    cosine: float  # |cos| between the feature and its matched latent's decoder row (0 if none)
    max_cosine: float  # the best |cos| any latent reaches with it


@dataclass(frozen=True)
class SyntheticDataEvalResult:
    """SAELens's `SyntheticDataEvalResult`, frozen, plus per-feature and per-latent labels."""

    true_l0: float  # mean number of active true features per sample
    sae_l0: float  # mean number of nonzero latents per sample
    dead_latents: int  # latents that never fired on the evaluation samples
    shrinkage: float  # mean ‖x̂‖ / ‖x‖ (1.0 = none)
    explained_variance: float  # R² of the reconstruction
    mcc: float  # mean |cos| over the Hungarian matching of decoder rows to true features
    uniqueness: float  # distinct best-matched features / latents
    classification: ClassificationMetrics  # latents as detectors of their best-matching features
    features: tuple[FeatureMatch, ...]  # one per true feature, in the source's order
    latent_labels: tuple[str, ...]  # per latent, the label of its best-matching true feature
    num_samples: int  # evaluation samples seen

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (nested dicts and lists of floats, ints, strings and None)."""
        return dataclasses.asdict(self)

    def to_log_dict(self, prefix: str = "") -> dict[str, float | int]:
        """The scalar metrics, flat, with SAELens's keys (`classification/precision`, …)."""
        out: dict[str, float | int] = {}
        for name in ("true_l0", "sae_l0", "dead_latents", "shrinkage", "explained_variance", "mcc", "uniqueness"):
            out[prefix + name] = getattr(self, name)
        for f in dataclasses.fields(self.classification):
            out[f"{prefix}classification/{f.name}"] = getattr(self.classification, f.name)
        return out


@torch.no_grad()
def eval_sae_on_synthetic_data(
    sae: SAELike,
    source: ground_truth.SyntheticModel,
    num_samples: int | None = 100_000,
    batch_size: int | None = None,
    seed: int = 1,
) -> SyntheticDataEvalResult:
    """Score `sae` against the true features and activations of `source`.

    Args:
        sae: an SAE with `W_dec [d_sae, d_model]`, `encode` and `decode` (ours or SAELens's).
        source: the ground truth (`glassbox.sae.sources`).
        num_samples: fresh samples to score on; None scores every row of a recorded source once.
        batch_size: samples per forward pass (default: 16,384, or fewer if `num_samples` is smaller).
        seed: seeds the evaluation samples; the default differs from the trainer's default seed (0),
            so by default an SAE is scored on samples it was not trained on.

    Returns:
        The metrics, with SAELens's names.

    Raises:
        ConfigError: a size is not positive, or `num_samples=None` with an infinite source.
    """
    if batch_size is None:
        batch_size = 16_384 if num_samples is None else max(1, min(num_samples, 16_384))
    if hasattr(sae, "eval"):
        sae.eval()
    decoder = sae.W_dec.detach()
    gt = source.feature_dict.feature_vectors.to(decoder.device)
    best = metrics.best_matches(decoder, gt)
    generator = ground_truth.make_generator(seed, source.device)
    counts = []
    for hidden, acts in source.batches(num_samples, batch_size, generator):
        # The SAE may live elsewhere than the source (trained on CUDA, source on the CPU).
        x, acts_here = hidden.to(decoder.device), acts.to(decoder.device)
        z = sae.encode(x)
        counts.append(metrics.count_batch(x, sae.decode(z), z, acts_here, best))
    total: metrics.Counts = functools.reduce(operator.add, counts)
    return SyntheticDataEvalResult(
        true_l0=total.true_l0(),
        sae_l0=total.sae_l0(),
        dead_latents=total.dead_latents(),
        shrinkage=total.shrinkage(),
        explained_variance=total.explained_variance(),
        mcc=metrics.mean_correlation_coefficient(decoder, gt),
        uniqueness=metrics.feature_uniqueness(decoder, gt),
        classification=total.classification(),
        features=_feature_matches(decoder, gt, source.labels),
        latent_labels=tuple(source.labels[i] for i in best.tolist()),
        num_samples=total.num_samples,
    )


def _feature_matches(
    decoder: Float[Tensor, "d_sae d_model"], gt: Float[Tensor, "feats d_model"], labels: tuple[str, ...]
) -> tuple[FeatureMatch, ...]:
    rows, cols, abs_cos = metrics.hungarian_matching(decoder, gt)
    latent_of = {int(c): int(r) for r, c in zip(rows, cols, strict=True)}
    best = abs_cos.max(dim=0).values.tolist()
    out = []
    for i, label in enumerate(labels):
        latent = latent_of.get(i)
        cosine = float(abs_cos[latent, i]) if latent is not None else 0.0
        out.append(FeatureMatch(label=label, latent=latent, cosine=cosine, max_cosine=float(best[i])))
    return tuple(out)
