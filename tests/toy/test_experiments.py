"""The paper's qualitative results, reproduced by training (fixed seeds, small step counts)."""

import dataclasses
import math

import pytest
import torch

from glassbox.toy import experiments, metrics, theory, train
from glassbox.toy.config import RunConfig


def _subset(run: RunConfig, probs: tuple[float, ...], **train_changes) -> RunConfig:
    """The preset's run restricted to instances with densities `probs`."""
    rows = {p: row for p, row in zip(run.feature_probability, run.importance, strict=True)}
    return dataclasses.replace(
        run,
        feature_probability=probs,
        importance=tuple(rows[p] for p in probs),
        train=dataclasses.replace(run.train, **train_changes),
    )


@pytest.fixture(scope="module")
def intro_result():
    """The intro preset's dense and 90%-sparse instances, with the preset's own settings."""
    return train.train(_subset(experiments.intro().runs[0], (1.0, 0.1)))


def test_intro_dense_keeps_the_two_most_important_features_orthogonal(intro_result):
    W = intro_result.model.W[0].detach()
    norms = metrics.feature_norms(W)
    torch.testing.assert_close(norms[:2], torch.ones(2), atol=0.05, rtol=0)
    assert (norms[2:] < 0.1).all(), norms
    assert abs(float(W[:, 0] @ W[:, 1])) < 0.05  # orthogonal
    torch.testing.assert_close(metrics.feature_dimensionality(W)[:2], torch.ones(2), atol=0.02, rtol=0)


def test_intro_at_90_percent_sparsity_is_a_pentagon(intro_result):
    W = intro_result.model.W[1].detach()
    norms = metrics.feature_norms(W)
    assert ((norms > 0.9) & (norms < 1.3)).all(), norms
    dims = metrics.feature_dimensionality(W)
    torch.testing.assert_close(dims, torch.full((5,), 0.4), atol=0.03, rtol=0)
    # Regular pentagon: sorted angles are 72° apart.
    angles = torch.atan2(W[1], W[0]).sort().values
    gaps = torch.diff(torch.cat([angles, angles[:1] + 2 * math.pi]))
    torch.testing.assert_close(gaps, torch.full((5,), 2 * math.pi / 5), atol=math.radians(8), rtol=0)


def test_linear_model_keeps_the_top_m_features():
    # PCA: with independent features the principal subspace is that of the m most important,
    # at any sparsity; each kept feature gets norm 1 (regression coefficient 1).
    # The least important dropped feature decays slowly (the eigen-gap is 0.7^4 − 0.7^5), so a
    # constant lr stands in for the preset's 10k steps.
    run = _subset(experiments.sparsity_sweep().runs[0], (1.0, 0.03), steps=3000, lr=1e-2, schedule="constant")
    assert run.model.kind == "linear"
    norms = metrics.feature_norms(train.train(run).model.W.detach())
    torch.testing.assert_close(norms[:, :5], torch.ones(2, 5), atol=0.05, rtol=0)
    assert (norms[:, 5:] < 0.05).all(), norms


def test_relu_model_uses_superposition_only_when_sparse():
    run = _subset(experiments.sparsity_sweep().runs[1], (1.0, 0.01), steps=3000)
    W = train.train(run).model.W.detach()
    norms = metrics.feature_norms(W)
    represented = (norms > 0.5).sum(-1).tolist()
    assert represented[0] == 5  # dense: like PCA, m = 5 features
    assert represented[1] >= 9  # 99% sparse: nearly twice as many features as dimensions
    d_star = metrics.dimensions_per_feature(W)
    assert d_star[0] > 0.9 and d_star[1] < 0.6


def test_phase_diagram_corners_match_the_closed_form():
    # Three cells of the n = 2, m = 1 diagram, each deep inside one region.
    cells = [(1.0, 0.1), (1.0, 10.0), (0.02, 1.0)]  # (density, importance of feature 2)
    base = experiments.phase_diagram().runs[0]
    run = dataclasses.replace(
        base,
        feature_probability=tuple(p for p, _ in cells),
        importance=tuple((1.0, r) for _, r in cells),
        train=dataclasses.replace(base.train, steps=2000),
    )
    found = theory.classify(train.train(run).model.W.detach())
    assert found == [theory.best_candidate(r, p) for p, r in cells]
    assert found == ["feature 1", "feature 2", "antipodal"]


def test_absolute_value_n3_m6_gives_each_sign_of_each_feature_a_neuron():
    run = dataclasses.replace(experiments.absolute_value().runs[0])
    W1 = train.train(run).model.W.detach()[0]  # [6 neurons, 3 features]
    # Each neuron reads one feature with one sign: its largest |weight| dominates the rest.
    top = W1.abs().max(-1)
    assert (top.values > 0.3).all()
    assert (W1.abs().sum(-1) - top.values < 0.2 * top.values).all()
    # Every (feature, sign) pair owns a neuron.
    pairs = {(int(i), float(W1[j, i].sign())) for j, i in enumerate(top.indices)}
    assert pairs == {(i, s) for i in range(3) for s in (1.0, -1.0)}


@pytest.mark.slow
def test_privileged_basis_dense_is_monosemantic():
    # 1 − S = 0.75: each of the 5 neurons reads mostly one feature (paper §"Privileged Basis").
    run = _subset(experiments.privileged_basis().runs[0], (0.75,), steps=4000)
    W = train.train(run).model.W.detach()[0]  # [5 neurons, 10 features]
    positive = W.clamp(min=0)
    share = positive.max(-1).values / positive.sum(-1).clamp_min(1e-9)
    assert (share > 0.8).all(), share
