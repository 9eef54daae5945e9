"""Sparse unit-norm datasets: norms, sparsity, distinct features, all-zero points."""

import numpy as np
import pytest

from glassbox.toy.double_descent.config import DataConfig
from glassbox.toy.double_descent.data import sample_dataset


def test_points_are_unit_norm_sparse_and_distinct():
    ds = sample_dataset(2000, DataConfig(n_features=300, sparsity=0.97), np.random.default_rng(0))
    X = ds.to_dense()
    nnz = ds.row_nnz()
    assert np.allclose(np.linalg.norm(X[nnz > 0], axis=1), 1.0, atol=1e-6)
    # Binomial(300, 0.03): mean 9 active features per point.
    assert abs(nnz.mean() - 9.0) < 0.3
    # indices are distinct and sorted within every row, so the dense copy loses nothing.
    assert (X != 0).sum() == nnz.sum()
    for t in range(50):
        row = ds.indices[ds.indptr[t] : ds.indptr[t + 1]]
        assert np.all(np.diff(row) > 0)
    assert ds.n_zero_points == int((nnz == 0).sum())


def test_all_zero_points_are_kept_or_resampled():
    # S = 0.995 with n = 100: P(all zero) = 0.995^100, about 0.61.
    cfg = DataConfig(n_features=100, sparsity=0.995)
    kept = sample_dataset(1000, cfg, np.random.default_rng(1))
    assert 550 < kept.n_zero_points < 670
    assert np.all(kept.to_dense()[kept.row_nnz() == 0] == 0)
    redrawn = sample_dataset(1000, DataConfig(100, 0.995, "resample"), np.random.default_rng(1))
    assert redrawn.n_zero_points == 0 and redrawn.row_nnz().min() >= 1
    assert redrawn.n_points == 1000


def test_marginal_distribution_of_a_feature():
    # Before normalization each feature is active with probability 1 - S; the dataset has
    # to keep that (no feature favoured by the distinct-index redraws).
    ds = sample_dataset(20_000, DataConfig(n_features=20, sparsity=0.8), np.random.default_rng(2))
    freq = np.bincount(ds.indices, minlength=20) / ds.n_points
    assert np.all(np.abs(freq - 0.2) < 0.015)


@pytest.mark.parametrize("T", [1, 7, 64])
def test_hidden_vectors_match_dense_matmul(T):
    ds = sample_dataset(T, DataConfig(n_features=40, sparsity=0.9), np.random.default_rng(T))
    W = np.random.default_rng(0).standard_normal((3, 40)).astype(np.float32)
    np.testing.assert_allclose(ds.hidden(W), ds.to_dense() @ W.T, rtol=1e-5, atol=1e-6)


def test_dense_data_draws_distinct_features():
    # S = 0: every feature active, which rejection sampling alone would never finish.
    ds = sample_dataset(5, DataConfig(n_features=30, sparsity=0.0), np.random.default_rng(3))
    assert np.all(ds.row_nnz() == 30) and np.all(ds.to_dense() > 0)


def test_gram_dimensionality_equals_toy_metrics():
    # O(k m²) version for n = 10k features / 500k points; toy.metrics builds the k x k overlaps.
    import torch

    from glassbox.toy import metrics as toy_metrics
    from glassbox.toy.double_descent.metrics import dimensionality

    V = np.random.default_rng(5).standard_normal((40, 3))
    V[7] = 0.0  # a zero vector gets 0 in both
    expected = toy_metrics.dimensionality(torch.from_numpy(V)).numpy()
    np.testing.assert_allclose(dimensionality(V), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dimensionality(V[:5], among=V), expected[:5], rtol=1e-10)
