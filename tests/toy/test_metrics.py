"""Metric functions against hand-computed values on constructed geometries."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.toy import metrics


def _polygon(k: int) -> torch.Tensor:
    """k unit features at equal angles in 2 dimensions: W of shape [2, k]."""
    angles = torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
    return torch.stack([angles.cos(), angles.sin()])


def _tetrahedron() -> torch.Tensor:
    """4 unit features at the corners of a regular tetrahedron: W of shape [3, 4]."""
    corners = torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float64) / math.sqrt(3)
    return corners.T


DIGON = torch.tensor([[1.0, -1.0]], dtype=torch.float64)  # 2 features, 1 dimension

# Hand-computed: for unit features, D_i = 1 / (1 + Σ_{j≠i} cos²θ_ij).
#   digon:       cos = -1                        -> interference 1,   D = 1/2
#   triangle:    cos = -1/2 twice                -> interference 1/2, D = 2/3
#   pentagon:    cos 72° and cos 144°, twice     -> 2(0.0955 + 0.6545) = 3/2, D = 2/5
#   tetrahedron: cos = -1/3 three times          -> interference 1/3, D = 3/4
# D* = m / ‖W‖_F² = m / k for k unit features in m dimensions.
GEOMETRIES = [
    pytest.param(DIGON, 1.0, 1 / 2, 1 / 2, id="digon"),
    pytest.param(_polygon(3), 1 / 2, 2 / 3, 2 / 3, id="triangle"),
    pytest.param(_polygon(5), 3 / 2, 2 / 5, 2 / 5, id="pentagon"),
    pytest.param(_tetrahedron(), 1 / 3, 3 / 4, 3 / 4, id="tetrahedron"),
]


@pytest.mark.parametrize("W, interference, dim, d_star", GEOMETRIES)
def test_regular_geometries(W, interference, dim, d_star):
    k = W.shape[1]
    torch.testing.assert_close(metrics.feature_norms(W), torch.ones(k, dtype=W.dtype))
    torch.testing.assert_close(metrics.interference(W), torch.full((k,), interference, dtype=W.dtype))
    torch.testing.assert_close(metrics.feature_dimensionality(W), torch.full((k,), dim, dtype=W.dtype))
    torch.testing.assert_close(metrics.dimensions_per_feature(W), torch.tensor(d_star, dtype=W.dtype))


def test_orthogonal_and_absent_features():
    # Two features on the axes, three absent: the toy model's dense solution.
    W = torch.zeros(2, 5, dtype=torch.float64)
    W[0, 0] = 1.0
    W[1, 1] = 2.0  # length does not change dimensionality
    assert metrics.feature_norms(W).tolist() == [1.0, 2.0, 0.0, 0.0, 0.0]
    assert metrics.feature_dimensionality(W).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert metrics.interference(W).tolist() == [0.0] * 5
    torch.testing.assert_close(metrics.dimensions_per_feature(W), torch.tensor(2 / 5, dtype=W.dtype))


def test_scaled_features_are_weighted_by_length():
    # Antipodal pair of unequal lengths a, b in 1-d: D_a = a² / (a² + b²).
    W = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    torch.testing.assert_close(metrics.feature_dimensionality(W), torch.tensor([1 / 5, 4 / 5], dtype=W.dtype))
    torch.testing.assert_close(metrics.interference(W), torch.tensor([4.0, 1.0], dtype=W.dtype))


def test_instance_axis_matches_per_matrix_results():
    shapes = [_polygon(5), torch.cat([_polygon(3), torch.zeros(2, 2, dtype=torch.float64)], 1)]
    stacked = torch.stack(shapes)  # [inst=2, d_hidden=2, feats=5]
    for fn in (
        metrics.feature_norms,
        metrics.feature_dimensionality,
        metrics.interference,
        metrics.dimensions_per_feature,
        metrics.adversarial_vulnerability,
    ):
        batched = fn(stacked)
        assert batched.shape[0] == 2
        for i, W in enumerate(shapes):
            torch.testing.assert_close(batched[i], fn(W))


def test_data_point_dimensionality_of_hidden_vectors():
    # Hidden vectors of 3 training points forming a triangle: each m/T = 2/3.
    h = _polygon(3).T * 7.0  # [k=3 points, d=2]; overall scale is irrelevant
    torch.testing.assert_close(metrics.dimensionality(h), torch.full((3,), 2 / 3, dtype=h.dtype))


def test_adversarial_vulnerability():
    # Orthogonal features: the output moves exactly as far as the input (gain 1).
    torch.testing.assert_close(metrics.adversarial_vulnerability(torch.eye(3)), torch.tensor(1.0))
    # Regular pentagon: WᵀW = (5/2)·P for the projection P, so the gain is 5/2 = 1/D*.
    torch.testing.assert_close(metrics.adversarial_vulnerability(_polygon(5)), torch.tensor(2.5, dtype=torch.float64))
    # Digon: WᵀW = [[1,-1],[-1,1]], attack direction (1,-1)/√2 is moved to (2,-2)/√2: gain 2.
    torch.testing.assert_close(metrics.adversarial_vulnerability(DIGON), torch.tensor(2.0, dtype=torch.float64))


def test_attack_directions_are_unit_rows_of_gram():
    W = _polygon(5)
    delta = metrics.attack_directions(W)
    torch.testing.assert_close(delta.norm(dim=-1), torch.ones(5, dtype=W.dtype))
    gram = W.T @ W
    torch.testing.assert_close(delta[2] * gram[2].norm(), gram[2])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_dimensionality_bounds_and_sum(m, n, seed):
    # For any W: 0 ≤ D_i ≤ 1 and Σ_i D_i ≤ rank(W) ≤ m (equality for a tight frame).
    W = torch.randn(m, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    D = metrics.feature_dimensionality(W)
    assert (D >= 0).all() and (D <= 1 + 1e-9).all()
    assert D.sum() <= m + 1e-9
    assert torch.allclose(metrics.feature_dimensionality(3.0 * W), D)
