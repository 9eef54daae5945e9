"""SAELens's synthetic ground-truth protocol: a feature dictionary, an activation generator, a model.

The names follow `sae_lens.synthetic`, so code written against SAELens runs on these objects:

- `FeatureDictionary.feature_vectors` is `[num_features, hidden_dim]`, one true feature per row;
  calling the dictionary maps feature activations to hidden activations, `acts @ feature_vectors + bias`.
- `ActivationGenerator.sample(batch_size)` draws true feature activations `[batch, num_features]`;
  `firing_probabilities` gives each feature's density, and `true_l0` their sum (the expected L0).
- `SyntheticModel.sample(batch_size)` draws hidden activations, and
  `sample_with_features(batch_size)` draws `(hidden, feature_acts)` pairs.

A `LinearSyntheticModel` makes its hidden activations with the dictionary, as SAELens's models do. The
sources in `glassbox.sae.sources` add recorded activations (from a compiled model's residual stream),
where the dictionary is only the best linear account of the hidden activations.

Every `sample*` method takes an optional `generator` (from `make_generator`); without one it uses the
object's own stream, seeded when it was built, so results never depend on torch's global RNG.

>>> import torch
>>> fd = FeatureDictionary(torch.eye(3, 2), labels=("a:1", "a:2", "b:1"))
>>> fd(torch.tensor([[1.0, 0.0, 2.0]])).tolist(), fd.num_features, fd.hidden_dim
([[1.0, 0.0]], 3, 2)
"""

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import final

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.errors import ConfigError
from glassbox.toy import data as toy_data

Generator = toy_data.Generator


def make_generator(seed: int, device: str | torch.device = "cpu") -> Generator:
    """The random source the `sample*` methods take: numpy's SFC64 on CPU, torch's on CUDA.

    It is the toy lab's (`glassbox.toy.data.make_generator`), so a toy source draws exactly the
    batches the toy trainer would from the same seed.
    """
    return toy_data.make_generator(seed, device)


def default_labels(num_features: int) -> tuple[str, ...]:
    """`feature:0`, `feature:1`, …: the labels of features nobody named."""
    return tuple(f"feature:{i}" for i in range(num_features))


@dataclass(frozen=True, eq=False)
class FeatureDictionary:
    """The true features: one direction per row of `feature_vectors`, plus a bias.

    Attributes:
        feature_vectors: `[num_features, hidden_dim]`; rows need not be unit-norm (a toy model's
            `W` columns are not), since every metric compares directions by cosine.
        bias: `[hidden_dim]`, added to every hidden activation (zeros when not given).
        labels: one unique string per feature, e.g. `"sort:3"`; kept through the scorer's output.
    """

    feature_vectors: Float[Tensor, "feats d_model"]
    bias: Float[Tensor, " d_model"] | None = None
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        fv = self.feature_vectors
        problems = []
        if not isinstance(fv, Tensor) or fv.ndim != 2 or not fv.is_floating_point():
            shape = tuple(fv.shape) if isinstance(fv, Tensor) else type(fv).__name__
            raise ConfigError(f"feature_vectors must be a 2-D float tensor [num_features, hidden_dim], got {shape}")
        bias = torch.zeros(fv.shape[1], dtype=fv.dtype, device=fv.device) if self.bias is None else self.bias
        if tuple(bias.shape) != (fv.shape[1],):
            problems.append(f"bias has shape {tuple(bias.shape)}, expected ({fv.shape[1]},)")
        labels = tuple(self.labels) if self.labels else default_labels(fv.shape[0])
        problems += label_problems(labels, fv.shape[0])
        if problems:
            raise ConfigError("invalid feature dictionary:\n" + "\n".join(f"  - {p}" for p in problems))
        object.__setattr__(self, "bias", bias.to(fv))
        object.__setattr__(self, "labels", labels)

    @property
    def num_features(self) -> int:
        """Number of true features."""
        return int(self.feature_vectors.shape[0])

    @property
    def hidden_dim(self) -> int:
        """Width of the hidden activations."""
        return int(self.feature_vectors.shape[1])

    def __call__(self, feature_activations: Float[Tensor, "batch feats"]) -> Float[Tensor, "batch d_model"]:
        """Hidden activations `feature_activations @ feature_vectors + bias` (SAELens's forward)."""
        assert self.bias is not None  # set in __post_init__
        return torch.addmm(self.bias, feature_activations, self.feature_vectors)


def label_problems(labels: Sequence[str], num_features: int) -> list[str]:
    """Why `labels` cannot name `num_features` features (empty when they can)."""
    out = []
    if len(labels) != num_features:
        out.append(f"labels has {len(labels)} entries, expected one per feature ({num_features})")
    if not all(isinstance(label, str) for label in labels):
        out.append("labels must all be strings")
    else:
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            out.append(f"labels must be unique; repeated: {repeated[:5]}")
    return out


class ActivationGenerator(abc.ABC):
    """Draws true feature activations, `[batch, num_features]` (SAELens's `ActivationGenerator`)."""

    num_features: int
    firing_probabilities: Float[Tensor, " feats"]  # P(feature i != 0) in one sample

    @abc.abstractmethod
    def sample(self, batch_size: int, generator: Generator | None = None) -> Float[Tensor, "batch feats"]:
        """A fresh batch of feature activations.

        Args:
            batch_size: samples to draw.
            generator: random source (`make_generator`); default: this object's own stream.

        Returns:
            Feature activations, zero where a feature is off.
        """

    @property
    def true_l0(self) -> float:
        """Expected number of active features per sample, Σ_i firing_probabilities[i]."""
        return float(self.firing_probabilities.sum())


@dataclass(frozen=True, eq=False)
class SyntheticModel(abc.ABC):
    """Hidden activations with known true features (SAELens's `SyntheticModel`).

    Attributes:
        feature_dict: the true features.
        activation_generator: the true feature activations (SAELens's evaluator draws from it).
    """

    feature_dict: FeatureDictionary
    activation_generator: ActivationGenerator

    def __post_init__(self) -> None:
        fd, gen = self.feature_dict, self.activation_generator
        if fd.num_features != gen.num_features:
            raise ConfigError(
                f"activation_generator has {gen.num_features} features, feature_dict has {fd.num_features}"
            )

    @abc.abstractmethod
    def sample_with_features(
        self, batch_size: int, generator: Generator | None = None
    ) -> tuple[Float[Tensor, "batch d_model"], Float[Tensor, "batch feats"]]:
        """Hidden activations and the true feature activations behind them.

        Args:
            batch_size: samples to draw.
            generator: random source (`make_generator`); default: this object's own stream.

        Returns:
            `(hidden_activations, feature_activations)`, row i of each describing the same input.
        """

    def sample(self, batch_size: int, generator: Generator | None = None) -> Float[Tensor, "batch d_model"]:
        """Hidden activations only (what an SAE trains on)."""
        return self.sample_with_features(batch_size, generator)[0]

    def batches(
        self, num_samples: int | None, batch_size: int, generator: Generator | None = None
    ) -> Iterator[tuple[Float[Tensor, "batch d_model"], Float[Tensor, "batch feats"]]]:
        """`num_samples` fresh `(hidden, feature_acts)` pairs, in batches of at most `batch_size`.

        Raises:
            ConfigError: `num_samples` is None (only recorded sources have a finite set to exhaust),
                or a size is not positive.
        """
        if num_samples is None:
            raise ConfigError(f"num_samples=None (all samples) needs a recorded source, not {type(self).__name__}")
        check_sizes(num_samples=num_samples, batch_size=batch_size)
        for start in range(0, num_samples, batch_size):
            yield self.sample_with_features(min(batch_size, num_samples - start), generator)

    @property
    def labels(self) -> tuple[str, ...]:
        """One label per true feature."""
        return self.feature_dict.labels

    @property
    def num_features(self) -> int:
        """Number of true features."""
        return self.feature_dict.num_features

    @property
    def hidden_dim(self) -> int:
        """Width of the hidden activations."""
        return self.feature_dict.hidden_dim

    @property
    def true_l0(self) -> float:
        """Expected number of active true features per sample."""
        return self.activation_generator.true_l0

    @property
    def device(self) -> torch.device:
        """Where samples are made."""
        return self.feature_dict.feature_vectors.device


@final
@dataclass(frozen=True, eq=False)
class LinearSyntheticModel(SyntheticModel):
    """Hidden activations made by the dictionary: hidden = feature_dict(activation_generator.sample())."""

    def sample_with_features(
        self, batch_size: int, generator: Generator | None = None
    ) -> tuple[Float[Tensor, "batch d_model"], Float[Tensor, "batch feats"]]:
        acts = self.activation_generator.sample(batch_size, generator)
        return self.feature_dict(acts), acts


def check_sizes(**sizes: int) -> None:
    """Raise a ConfigError naming every size that is not a positive integer."""
    bad = [f"{name}={value!r}" for name, value in sizes.items() if not isinstance(value, int) or value < 1]
    if bad:
        raise ConfigError(f"{', '.join(bad)}: must be positive integers")
