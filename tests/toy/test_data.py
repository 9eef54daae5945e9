"""Synthetic data: densities, value ranges, correlation structure, normalization, seeds."""

import pytest
import torch

from glassbox.toy import data
from glassbox.toy.config import DataConfig

PROBS = torch.tensor([0.3, 0.1, 0.02])


def _sample(cfg: DataConfig, n: int = 6, batch: int = 20_000, seed: int = 0) -> torch.Tensor:
    return data.sample_batch(PROBS, batch, n, cfg, data.make_generator(seed, "cpu"))


@pytest.mark.parametrize(
    "cfg",
    [
        pytest.param(DataConfig(), id="independent"),
        pytest.param(DataConfig(correlated_sets=1, set_size=3), id="correlated"),
        pytest.param(DataConfig(anticorrelated_sets=2, set_size=2), id="anticorrelated"),
        pytest.param(DataConfig(correlated_sets=1, anticorrelated_sets=1, set_size=2), id="mixed"),
    ],
)
def test_every_feature_keeps_its_instance_density(cfg):
    x = _sample(cfg)
    assert x.shape == (3, 20_000, 6)
    density = (x != 0).float().mean(1)  # [inst, feats]
    # Binomial standard error is at most 0.0035 for 20k samples; 5 sigma.
    torch.testing.assert_close(density, PROBS.unsqueeze(1).expand(3, 6), atol=0.018, rtol=0)


def test_active_values_are_uniform_on_the_range():
    x = _sample(DataConfig(value_low=-1.0, value_high=1.0))
    active = x[x != 0]
    assert active.min() >= -1 and active.max() <= 1
    # Uniform on [-1, 1]: mean 0, E|v| = 1/2, E[v²] = 1/3.
    assert abs(active.mean()) < 0.01
    assert abs(active.abs().mean() - 0.5) < 0.01
    assert abs(active.pow(2).mean() - 1 / 3) < 0.01
    positive = _sample(DataConfig())
    assert positive.min() >= 0 and positive.max() < 1
    assert abs(positive[positive != 0].mean() - 0.5) < 0.01


def test_correlated_sets_fire_together():
    x = _sample(DataConfig(correlated_sets=2, set_size=2))
    on = x != 0
    assert torch.equal(on[..., 0], on[..., 1]) and torch.equal(on[..., 2], on[..., 3])
    assert not torch.equal(on[..., 0], on[..., 2])  # different sets are independent
    assert not torch.equal(x[..., 0], x[..., 1])  # values are drawn separately


def test_anticorrelated_sets_have_at_most_one_active_member():
    x = _sample(DataConfig(anticorrelated_sets=2, set_size=3))
    on = (x[..., :6] != 0).view(3, -1, 2, 3).sum(-1)
    assert on.max() == 1
    # A set fires with probability k·p (0.9 for instance 0), always with exactly one member.
    assert abs(on[0].float().mean() - 0.9) < 0.01


def test_dense_features_are_always_active():
    x = data.sample_batch(torch.tensor([1.0]), 1000, 4, DataConfig(), data.make_generator(0, "cpu"))
    assert (x > 0).all()


def test_normalized_points_have_unit_norm_and_zero_points_stay_zero():
    x = _sample(DataConfig(normalize=True))
    norms = x.norm(dim=-1)
    nonzero = norms > 0
    torch.testing.assert_close(norms[nonzero], torch.ones(int(nonzero.sum())))
    assert (~nonzero).any()  # p = 0.02 over 6 features leaves ~89% of instance 2's points zero


def test_same_seed_same_batches():
    assert torch.equal(_sample(DataConfig(), seed=3), _sample(DataConfig(), seed=3))
    assert not torch.equal(_sample(DataConfig(), seed=3), _sample(DataConfig(), seed=4))


def test_abs_target():
    x = torch.tensor([[[-0.5, 0.25]]])
    assert data.target_of(x, DataConfig(target="abs")).tolist() == [[[0.5, 0.25]]]
    assert data.target_of(x, DataConfig()) is x
