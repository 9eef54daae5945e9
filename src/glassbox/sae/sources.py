"""Ground-truth sources: a toy model's hidden layer, and recorded (hidden, true activation) arrays.

- `from_toy_model(W, p)` / `from_toy_run(result)`: hidden = W x for the toy lab's sparse inputs x,
  so the true features are W's columns and the true activations are x itself (exact, infinite data).
- `from_arrays(hidden, true_acts, feature_vectors, labels)`: rows recorded elsewhere, for example a
  compiled model's residual stream at one hook beside the RASP evaluator's trace, with the
  variable-value directions as features and labels such as `"sort:3"`.

>>> import torch
>>> W = torch.randn(2, 5)                      # [d_hidden, feats]
>>> src = from_toy_model(W, feature_probability=0.1, seed=0)
>>> hidden, acts = src.sample_with_features(4096)
>>> tuple(hidden.shape), tuple(acts.shape), src.true_l0
((4096, 2), (4096, 5), 0.5)
>>> torch.allclose(hidden, acts @ W.T, atol=1e-6)
True
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, final

import numpy as np
import torch
from jaxtyping import Float, Int
from torch import Tensor

from glassbox.errors import ConfigError
from glassbox.sae import ground_truth
from glassbox.sae.ground_truth import (
    ActivationGenerator,
    FeatureDictionary,
    Generator,
    LinearSyntheticModel,
    SyntheticModel,
    check_sizes,
)
from glassbox.toy import data as toy_data
from glassbox.toy.config import DataConfig

if TYPE_CHECKING:
    from glassbox.toy.train import TrainResult

ArrayLike = Tensor | np.ndarray
# Toy models whose hidden layer is the linear h = W x (the others apply a ReLU to it).
LINEAR_HIDDEN_KINDS = ("relu_output", "linear")


@final
class ToyActivationGenerator(ActivationGenerator):
    """The toy lab's inputs: each feature is 0 with probability S = 1 − p, else uniform on [lo, hi].

    Sampling is `glassbox.toy.data.sample_batch`, so correlated / anti-correlated sets and unit-norm
    rescaling (`DataConfig`) behave exactly as when the toy model was trained.
    """

    def __init__(
        self,
        num_features: int,
        feature_probability: float,
        data: DataConfig | None = None,
        *,
        seed: int = 0,
        device: str | torch.device = "cpu",
    ) -> None:
        """Set up the distribution and this object's own random stream.

        Args:
            num_features: n, features per sample.
            feature_probability: p = 1 − S, every feature's density.
            data: value range, correlation structure and normalization (default: uniform on [0, 1]).
            seed: seeds the stream used when `sample` gets no generator.
            device: where samples are made.

        Raises:
            ConfigError: naming each invalid argument.
        """
        data = DataConfig() if data is None else data
        problems = []
        if not isinstance(num_features, int) or num_features < 1:
            problems.append(f"num_features={num_features!r} must be a positive integer")
        if not 0 < feature_probability <= 1:
            problems.append(f"feature_probability={feature_probability} must lie in (0, 1]")
        elif data.anticorrelated_sets and feature_probability * data.set_size > 1:
            problems.append(f"feature_probability={feature_probability}: anticorrelated sets need set_size * p <= 1")
        grouped = (data.correlated_sets + data.anticorrelated_sets) * data.set_size
        if isinstance(num_features, int) and grouped > num_features:
            problems.append(f"data: {grouped} features in correlated/anticorrelated sets > num_features={num_features}")
        if data.value_low >= data.value_high:
            problems.append(f"data: value_low={data.value_low} must be below value_high={data.value_high}")
        if problems:
            raise ConfigError("invalid toy activation generator:\n" + "\n".join(f"  - {p}" for p in problems))
        self.num_features = num_features
        self.feature_probability = float(feature_probability)
        self.data = data
        device = torch.device(device)
        self._density = torch.tensor([self.feature_probability], device=device)  # one instance
        self.firing_probabilities = torch.full((num_features,), self.feature_probability, device=device)
        self._generator = ground_truth.make_generator(seed, device)

    def sample(self, batch_size: int, generator: Generator | None = None) -> Float[Tensor, "batch feats"]:
        check_sizes(batch_size=batch_size)
        gen = self._generator if generator is None else generator
        x = toy_data.sample_batch(self._density, batch_size, self.num_features, self.data, gen)
        return x[0].contiguous()


@final
class RecordedActivationGenerator(ActivationGenerator):
    """Rows of a recorded `[num_samples, num_features]` array, drawn uniformly with replacement."""

    def __init__(self, feature_activations: Float[Tensor, "samples feats"], *, seed: int = 0) -> None:
        """Keep the array (not copied) and seed this object's own stream.

        Args:
            feature_activations: the true activations, one row per recorded input.
            seed: seeds the stream used when `sample` gets no generator.
        """
        self.feature_activations = feature_activations
        self.num_samples, self.num_features = (int(n) for n in feature_activations.shape)
        # The empirical density, so true_l0 is exactly the mean L0 of the recorded rows.
        self.firing_probabilities = (feature_activations != 0).float().mean(0)
        self._generator = ground_truth.make_generator(seed, feature_activations.device)

    def sample_rows(self, batch_size: int, generator: Generator | None = None) -> Int[Tensor, " batch"]:
        """Indices of `batch_size` rows drawn uniformly with replacement."""
        check_sizes(batch_size=batch_size)
        gen = self._generator if generator is None else generator
        device = self.feature_activations.device
        if isinstance(gen, np.random.Generator):
            return torch.from_numpy(gen.integers(0, self.num_samples, size=batch_size)).to(device)
        return torch.randint(self.num_samples, (batch_size,), generator=gen, device=device)

    def sample(self, batch_size: int, generator: Generator | None = None) -> Float[Tensor, "batch feats"]:
        return self.feature_activations[self.sample_rows(batch_size, generator)]


@final
@dataclass(frozen=True, eq=False)
class RecordedSyntheticModel(SyntheticModel):
    """Recorded hidden activations paired row by row with the true feature activations.

    The hidden activations are the recorded ones, not `feature_dict(acts)`: for a compressed model the
    two differ, and `dictionary_explained_variance()` says by how much. SAELens's own evaluator
    rebuilds hidden activations from the dictionary, so on such a source it scores the dictionary's
    account of the hidden layer; `glassbox.sae.evaluate` scores the recorded activations.

    Attributes:
        hidden_activations: `[num_samples, hidden_dim]`, row i recorded for the input behind row i of
            `activation_generator.feature_activations`.
    """

    activation_generator: RecordedActivationGenerator
    hidden_activations: Float[Tensor, "samples d_model"]

    def __post_init__(self) -> None:
        super().__post_init__()
        rows, width = self.hidden_activations.shape
        if rows != self.activation_generator.num_samples or width != self.feature_dict.hidden_dim:
            raise ConfigError(
                f"hidden_activations is {rows}x{width}, expected "
                f"{self.activation_generator.num_samples}x{self.feature_dict.hidden_dim}"
            )

    @property
    def num_samples(self) -> int:
        """Number of recorded rows."""
        return self.activation_generator.num_samples

    def sample_with_features(
        self, batch_size: int, generator: Generator | None = None
    ) -> tuple[Float[Tensor, "batch d_model"], Float[Tensor, "batch feats"]]:
        rows = self.activation_generator.sample_rows(batch_size, generator)
        return self.hidden_activations[rows], self.activation_generator.feature_activations[rows]

    def batches(
        self, num_samples: int | None, batch_size: int, generator: Generator | None = None
    ) -> Iterator[tuple[Float[Tensor, "batch d_model"], Float[Tensor, "batch feats"]]]:
        """Like `SyntheticModel.batches`; `num_samples=None` walks every recorded row once, in order."""
        if num_samples is not None:
            yield from super().batches(num_samples, batch_size, generator)
            return
        check_sizes(batch_size=batch_size)
        acts = self.activation_generator.feature_activations
        for start in range(0, self.num_samples, batch_size):
            yield self.hidden_activations[start : start + batch_size], acts[start : start + batch_size]

    def dictionary_explained_variance(self) -> float:
        """How much of the recorded hidden variance `feature_dict(true_acts)` explains (1.0 = all).

        1.0 for a compiled model's residual stream read in its own basis; lower once compression mixes
        features nonlinearly or the hook carries more than the labelled variables.
        """
        from glassbox.sae import metrics

        acts = self.activation_generator.feature_activations
        return metrics.explained_variance(self.feature_dict(acts), self.hidden_activations)


def from_toy_model(
    W: ArrayLike,
    feature_probability: float,
    *,
    instance: int = 0,
    data: DataConfig | None = None,
    labels: Sequence[str] = (),
    seed: int = 0,
    device: str | torch.device | None = None,
) -> LinearSyntheticModel:
    """Ground truth from a toy model's encoder: hidden = W x, true features = W's columns.

    Args:
        W: `[inst, d_hidden, feats]` (the toy lab's layout; `instance` picks one) or `[d_hidden, feats]`.
        feature_probability: p = 1 − S of the inputs x.
        instance: which instance of a 3-D `W`.
        data: the toy lab's data settings (value range, correlated sets, normalization).
        labels: one per feature (default `feature:i`).
        seed: seeds the source's own sample stream.
        device: where samples are made (default: W's device).

    Returns:
        A source whose `feature_dict.feature_vectors` is `W[instance].T`, `[feats, d_hidden]`.

    Raises:
        ConfigError: `W` has the wrong rank, `instance` is out of range, or an argument is invalid.
    """
    W = torch.as_tensor(W)
    if W.ndim == 3:
        if not 0 <= instance < W.shape[0]:
            raise ConfigError(f"instance={instance} is out of range for W with {W.shape[0]} instances")
        W = W[instance]
    if W.ndim != 2:
        raise ConfigError(f"W must be [inst, d_hidden, feats] or [d_hidden, feats], got shape {tuple(W.shape)}")
    device = W.device if device is None else torch.device(device)
    feature_vectors = W.detach().T.to(device=device, dtype=torch.float32).contiguous()
    generator = ToyActivationGenerator(W.shape[1], feature_probability, data, seed=seed, device=device)
    return LinearSyntheticModel(FeatureDictionary(feature_vectors, labels=tuple(labels)), generator)


def from_toy_run(
    result: "TrainResult",
    instance: int = 0,
    *,
    labels: Sequence[str] = (),
    seed: int = 0,
    device: str | torch.device | None = None,
) -> LinearSyntheticModel:
    """`from_toy_model` for one instance of a trained toy run, with the run's own data settings.

    Args:
        result: from `glassbox.toy.train.train(run)`.
        instance: which instance.
        labels: one per feature (default `feature:i`).
        seed: seeds the source's own sample stream.
        device: where samples are made (default: the model's device).

    Raises:
        ConfigError: the model's hidden layer is not linear in x (`model.kind` is not one of
            `LINEAR_HIDDEN_KINDS`), or `instance` is out of range.
    """
    run = result.config
    if run.model.kind not in LINEAR_HIDDEN_KINDS:
        raise ConfigError(f"model.kind={run.model.kind!r}: hidden = W x holds only for {LINEAR_HIDDEN_KINDS}")
    # Toy configs that vary density over features (a `frequency` setting) would need a per-feature
    # generator; refuse them rather than sample the wrong distribution.
    frequency = getattr(run.data, "frequency", "uniform")
    if frequency != "uniform":
        raise ConfigError(f"data.frequency={frequency!r}: only uniform feature densities are supported")
    if not 0 <= instance < result.feature_probability.shape[0]:
        raise ConfigError(f"instance={instance} is out of range for a run with {run.n_instances} instances")
    return from_toy_model(
        result.model.W,
        float(result.feature_probability[instance]),
        instance=instance,
        data=run.data,
        labels=labels,
        seed=seed,
        device=device,
    )


def from_arrays(
    hidden: ArrayLike,
    true_acts: ArrayLike,
    feature_vectors: ArrayLike,
    labels: Sequence[str] = (),
    *,
    bias: ArrayLike | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
) -> RecordedSyntheticModel:
    """Ground truth from recorded arrays (for example a compiled model's residual stream).

    Args:
        hidden: `[N, d]` hidden activations, one row per recorded input (for a sequence model, one
            row per token position).
        true_acts: `[N, n_features]` true feature activations of the same inputs.
        feature_vectors: `[n_features, d]` true feature directions.
        labels: one unique string per feature, e.g. `"sort:3"` (default `feature:i`).
        bias: `[d]` offset of the hidden activations (default zeros).
        seed: seeds the source's own row stream.
        device: where samples are made (default: `hidden`'s device, CPU for numpy).

    Returns:
        A source that samples recorded rows, pairing each hidden row with its true activations.

    Raises:
        ConfigError: listing every shape mismatch, non-finite array or bad label.
    """
    device = torch.as_tensor(hidden).device if device is None else torch.device(device)
    arrays = {
        name: torch.as_tensor(value).detach().to(device=device, dtype=torch.float32)
        for name, value in (("hidden", hidden), ("true_acts", true_acts), ("feature_vectors", feature_vectors))
    }
    if bias is not None:
        arrays["bias"] = torch.as_tensor(bias).detach().to(device=device, dtype=torch.float32)
    problems = [
        f"{name} must be 2-D, got shape {tuple(a.shape)}"
        for name, a in arrays.items()
        if name != "bias" and a.ndim != 2
    ]
    problems += [f"{name} holds NaN or infinite values" for name, a in arrays.items() if not bool(a.isfinite().all())]
    h, acts, fv = arrays["hidden"], arrays["true_acts"], arrays["feature_vectors"]
    if not problems:
        if acts.shape[0] != h.shape[0]:
            problems.append(f"true_acts has {acts.shape[0]} rows, hidden has {h.shape[0]}")
        if h.shape[0] == 0:
            problems.append("hidden has no rows")
        if acts.shape[1] != fv.shape[0]:
            problems.append(f"true_acts has {acts.shape[1]} features, feature_vectors has {fv.shape[0]}")
        if fv.shape[1] != h.shape[1]:
            problems.append(f"feature_vectors has width {fv.shape[1]}, hidden has {h.shape[1]}")
        if "bias" in arrays and tuple(arrays["bias"].shape) != (h.shape[1],):
            problems.append(f"bias has shape {tuple(arrays['bias'].shape)}, expected ({h.shape[1]},)")
        if labels:
            problems += ground_truth.label_problems(tuple(labels), fv.shape[0])
    if problems:
        raise ConfigError("invalid recorded ground truth:\n" + "\n".join(f"  - {p}" for p in problems))
    feature_dict = FeatureDictionary(fv, arrays.get("bias"), tuple(labels))
    return RecordedSyntheticModel(feature_dict, RecordedActivationGenerator(acts, seed=seed), h)
