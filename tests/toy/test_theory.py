"""Closed-form candidate losses (n = 2, m = 1) against Monte Carlo with the real model and loss."""

import pytest
import torch

from glassbox.toy import data, models, theory, train
from glassbox.toy.config import DataConfig

CANDIDATE_W = {"feature 1": [1.0, 0.0], "feature 2": [0.0, 1.0], "antipodal": [1.0, -1.0]}


@pytest.mark.parametrize("importance_2, density", [(0.3, 1.0), (1.0, 0.3), (3.0, 0.05)])
def test_closed_forms_match_monte_carlo(importance_2, density):
    names = list(CANDIDATE_W)
    W = torch.tensor([[CANDIDATE_W[n]] for n in names], dtype=torch.float64)  # [3, 1, 2]
    model = models.ReluOutputModel(W, torch.zeros(3, 2, dtype=torch.float64))
    n = 400_000
    x = data.sample_batch(torch.full((3,), density), n, 2, DataConfig(), data.make_generator(0, "cpu"))
    x = x.double()
    importance = torch.tensor([1.0, importance_2], dtype=torch.float64)
    with torch.no_grad():
        per_sample = ((model(x) - x).pow(2) * importance).sum(-1)  # [3, n]
        mean = train.importance_weighted_loss(model(x), x, importance.expand(3, 2))
    torch.testing.assert_close(mean, per_sample.mean(1))
    stderr = per_sample.std(1) / n**0.5
    expected = theory.candidate_losses(importance_2, density)
    for k, name in enumerate(names):
        # Within 4 Monte Carlo standard errors (about 1 in 16,000 to fail by chance).
        assert abs(float(mean[k]) - expected[name]) < 4 * float(stderr[k]), name


def test_best_candidate_regions():
    assert theory.best_candidate(0.2, 1.0) == "feature 1"  # dense, feature 2 unimportant
    assert theory.best_candidate(5.0, 1.0) == "feature 2"
    assert theory.best_candidate(0.2, 0.05) == "antipodal"  # sparse: superposition wins
    # The antipodal/feature-1 boundary is p = 2r / (1 + r).
    r = 0.25
    assert theory.best_candidate(r, 2 * r / (1 + r) * 1.01) == "feature 1"
    assert theory.best_candidate(r, 2 * r / (1 + r) * 0.99) == "antipodal"


def test_classify():
    W = torch.tensor([[[1.0, 0.05]], [[0.0, -0.9]], [[0.8, -1.1]], [[0.7, 0.7]], [[0.1, 0.0]]])
    assert theory.classify(W) == ["feature 1", "feature 2", "antipodal", "other", "none"]
