"""Ground truth for sparse autoencoders: SAELens's synthetic protocol, fed by toy and recorded models.

Pipeline: a source (`sources`: a toy model's hidden layer, or recorded hidden/true-activation arrays)
→ an SAE trained on it (`train.train_sae`, ReLU + L1 or TopK) → a score against the truth
(`evaluate.eval_sae_on_synthetic_data`: MCC, explained variance, uniqueness, L0s, dead latents,
shrinkage, precision/recall/F1), with SAELens's attribute, method and metric names throughout.

Axes: `batch` samples, `d_model` width of the hidden activations (a toy model's d_hidden, a
residual stream's d_model), `feats` true features, `d_sae` SAE latents, `samples` recorded rows.

The names below load on first use (PEP 562): `import glassbox.sae` imports neither torch nor scipy.

>>> import torch
>>> from glassbox import sae
>>> src = sae.from_toy_model(torch.eye(4), feature_probability=0.25)
>>> tuple(src.sample(8).shape), src.true_l0
((8, 4), 1.0)
>>> result = sae.train_sae(src, sae.SAEConfig(d_sae=4), sae.TrainConfig(steps=50, batch_size=256))
>>> scores = sae.eval_sae_on_synthetic_data(result.sae, src, num_samples=2048)
>>> list(scores.to_log_dict())[:6]
['true_l0', 'sae_l0', 'dead_latents', 'shrinkage', 'explained_variance', 'mcc']
"""

import importlib
from typing import Any

# name -> (module, attribute); attribute None means the module itself.
_EXPORTS = {
    "config": ("glassbox.sae.config", None),
    "ground_truth": ("glassbox.sae.ground_truth", None),
    "sources": ("glassbox.sae.sources", None),
    "model": ("glassbox.sae.model", None),
    "train": ("glassbox.sae.train", None),
    "metrics": ("glassbox.sae.metrics", None),
    "evaluate": ("glassbox.sae.evaluate", None),
    "SAEConfig": ("glassbox.sae.config", "SAEConfig"),
    "TrainConfig": ("glassbox.sae.config", "TrainConfig"),
    "FeatureDictionary": ("glassbox.sae.ground_truth", "FeatureDictionary"),
    "ActivationGenerator": ("glassbox.sae.ground_truth", "ActivationGenerator"),
    "SyntheticModel": ("glassbox.sae.ground_truth", "SyntheticModel"),
    "LinearSyntheticModel": ("glassbox.sae.ground_truth", "LinearSyntheticModel"),
    "make_generator": ("glassbox.sae.ground_truth", "make_generator"),
    "ToyActivationGenerator": ("glassbox.sae.sources", "ToyActivationGenerator"),
    "RecordedActivationGenerator": ("glassbox.sae.sources", "RecordedActivationGenerator"),
    "RecordedSyntheticModel": ("glassbox.sae.sources", "RecordedSyntheticModel"),
    "from_toy_model": ("glassbox.sae.sources", "from_toy_model"),
    "from_toy_run": ("glassbox.sae.sources", "from_toy_run"),
    "from_arrays": ("glassbox.sae.sources", "from_arrays"),
    "SparseAutoencoder": ("glassbox.sae.model", "SparseAutoencoder"),
    "TrainResult": ("glassbox.sae.train", "TrainResult"),
    "train_sae": ("glassbox.sae.train", "train_sae"),
    "ClassificationMetrics": ("glassbox.sae.metrics", "ClassificationMetrics"),
    "mean_correlation_coefficient": ("glassbox.sae.metrics", "mean_correlation_coefficient"),
    "feature_uniqueness": ("glassbox.sae.metrics", "feature_uniqueness"),
    "FeatureMatch": ("glassbox.sae.evaluate", "FeatureMatch"),
    "SyntheticDataEvalResult": ("glassbox.sae.evaluate", "SyntheticDataEvalResult"),
    "eval_sae_on_synthetic_data": ("glassbox.sae.evaluate", "eval_sae_on_synthetic_data"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'glassbox.sae' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = importlib.import_module(module)
    return value if attribute is None else getattr(value, attribute)


def __dir__() -> list[str]:
    return __all__
