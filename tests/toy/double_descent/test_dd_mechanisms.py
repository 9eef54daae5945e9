"""The paper's mechanisms at CI size (n = 1,000, S = 0.99, m = 2: Hobbhahn's setting).

Small T: the training points are memorized, each in its own direction of the hidden plane
(data points, not features, in superposition). Large T: a few features share the plane
(a pentagon) and beat the all-zero output on fresh data; memorizing solutions do not.
"""

import numpy as np
import pytest
import torch

from glassbox.toy.double_descent.config import ComputeConfig, DataConfig, TrainConfig
from glassbox.toy.double_descent.data import sample_dataset
from glassbox.toy.double_descent.metrics import dimensionality, regular_polygon_error
from glassbox.toy.double_descent.step import FullBatchStep
from glassbox.toy.double_descent.train import run_size

DATA = DataConfig(n_features=1000, sparsity=0.99)


def _train(T, seed, steps):
    out = run_size(T, seed, 2, DATA, TrainConfig(steps=steps), ComputeConfig())
    return out, out.data.hidden(out.trained.W)


def _test_loss(trained) -> float:
    test = sample_dataset(20_000, DATA, np.random.default_rng(12345))
    W, b = (torch.from_numpy(a).float() for a in (trained.W, trained.b))
    return FullBatchStep(test, 2)(W, b, grad=False).loss


@pytest.mark.parametrize("seed", [0, 1])
def test_five_points_form_a_regular_pentagon(seed):
    out, H = _train(5, seed, steps=5000)
    assert out.trained.train_loss < 1e-3  # memorized
    radius_spread, angle_error = regular_polygon_error(H)
    assert radius_spread < 0.05
    assert angle_error < 0.15  # radians; neighbours 72° ± 8.6° apart
    np.testing.assert_allclose(dimensionality(H), 2 / 5, atol=0.05)


@pytest.mark.parametrize("seed", [0, 1])
def test_three_points_are_memorized_without_interference(seed):
    # With 3 points, any arrangement with all angles >= 90° gives every point zero overlap
    # with the others' features, so the loss is 0 without the triangle being regular (the
    # paper's T = 3 data dimensionalities also spread over 0.55-0.8). Checked: memorized,
    # equal lengths, pairwise obtuse, dimensionality about m/T = 2/3 on average.
    out, H = _train(3, seed, steps=3000)
    assert out.trained.train_loss < 1e-4
    radii = np.linalg.norm(H, axis=1)
    assert radii.std() / radii.mean() < 0.1
    unit = H / radii[:, None]
    cosines = (unit @ unit.T)[np.triu_indices(3, 1)]
    assert np.all(cosines < 0)
    assert abs(dimensionality(H).mean() - 2 / 3) < 0.05


def test_generalizing_features_beat_zero_output_and_memorizing_does_not():
    small, H_small = _train(100, 0, steps=3000)
    large, _ = _train(2000, 0, steps=3000)
    # T = 100 memorizes: low training loss, worse than outputting zeros on fresh points.
    assert small.trained.train_loss < 0.95
    assert _test_loss(small.trained) > 1.0
    # T = 2000 (each feature seen ~20 times) learns features that generalize.
    assert _test_loss(large.trained) < 0.995
    feature_dims = dimensionality(large.trained.W.T)
    strong = np.sort(feature_dims)[::-1]
    # A few features (a pentagon: 2/5 each, less with the rest's interference) hold the
    # plane; all other features are near zero.
    assert 3 <= (feature_dims > 0.15).sum() <= 6
    assert strong[6] < 0.1


def test_backends_train_the_same_model():
    # numpy optimizer (c, numpy backends) and torch.optim.AdamW (torch backend, the CUDA
    # path) follow the same trajectory in float64.
    from glassbox.toy.double_descent import kernels

    small = DataConfig(n_features=50, sparsity=0.9)
    train = TrainConfig(steps=200)
    backends = ["numpy", "torch"] + (["c"] if kernels.available(2, "float64") else [])
    outs = [run_size(20, 0, 2, small, train, ComputeConfig(backend=be, dtype="float64")).trained for be in backends]
    for other in outs[1:]:
        np.testing.assert_allclose(other.W, outs[0].W, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(other.b, outs[0].b, rtol=1e-7, atol=1e-9)
        assert other.train_loss == pytest.approx(outs[0].train_loss, rel=1e-7)
