"""Every metric against a value computed by hand on a tiny case."""

import math

import pytest
import torch

from glassbox.sae import metrics

GT = torch.eye(3)  # three orthogonal true features in 3 dimensions


def _rot(degrees: float) -> torch.Tensor:
    t = math.radians(degrees)
    return torch.tensor([math.cos(t), math.sin(t)])


@pytest.mark.parametrize(
    "decoder",
    [
        pytest.param(torch.eye(3), id="identity"),
        pytest.param(torch.eye(3)[[2, 0, 1]], id="permuted"),
        pytest.param(torch.diag(torch.tensor([3.0, 0.1, 7.0])), id="scaled"),
        pytest.param(-torch.eye(3)[[1, 2, 0]], id="permuted-flipped"),
    ],
)
def test_mcc_is_one_for_the_true_directions(decoder):
    assert metrics.mean_correlation_coefficient(decoder, GT) == pytest.approx(1.0)
    assert metrics.feature_uniqueness(decoder, GT) == 1.0


def test_mcc_uses_the_best_one_to_one_matching_not_greedy():
    # Latent 0 is 30 degrees from e1 (cos 0.866 with e1, 0.5 with e2); latent 1 is 10 degrees from e1.
    # Greedy (each latent to its best feature) sends both to e1; the best matching pairs latent 0
    # with e2 and latent 1 with e1: MCC = (sin 30 + cos 10) / 2.
    decoder = torch.stack([_rot(30), _rot(10)])
    expected = (0.5 + math.cos(math.radians(10))) / 2
    assert metrics.mean_correlation_coefficient(decoder, torch.eye(2)) == pytest.approx(expected)
    rows, cols, _ = metrics.hungarian_matching(decoder, torch.eye(2))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert metrics.best_matches(decoder, torch.eye(2)).tolist() == [0, 0]
    assert metrics.feature_uniqueness(decoder, torch.eye(2)) == 0.5  # both latents track e1


def test_mcc_of_a_rotation_is_its_cosine():
    decoder = torch.stack([_rot(20), _rot(110)])  # e1, e2 both rotated by 20 degrees
    assert metrics.mean_correlation_coefficient(decoder, torch.eye(2)) == pytest.approx(math.cos(math.radians(20)))


def test_mcc_with_more_latents_than_features_averages_the_matched_pairs():
    decoder = torch.stack([torch.tensor([1.0, 0.0]), _rot(60), torch.tensor([0.0, 1.0])])
    assert metrics.mean_correlation_coefficient(decoder, torch.eye(2)) == pytest.approx(1.0)
    assert metrics.feature_uniqueness(decoder, torch.eye(2)) == pytest.approx(2 / 3)  # 60 deg latent tracks e2


def test_a_duplicated_latent_lowers_uniqueness():
    decoder = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 2.0, 0.0]])  # latent 2 copies latent 1
    assert metrics.feature_uniqueness(decoder, GT) == pytest.approx(2 / 3)
    assert metrics.mean_correlation_coefficient(decoder, GT) == pytest.approx(2 / 3)  # e3 is matched at cos 0


def test_a_zero_decoder_row_has_cosine_zero():
    decoder = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert metrics.cosine_similarities(decoder, GT)[1].tolist() == [0.0, 0.0, 0.0]
    assert metrics.mean_correlation_coefficient(decoder, GT) == pytest.approx(2 / 3)


def _batch():
    """Four samples, 2-D inputs, 3 latents (latent 2 dead), 2 true features; every sum by hand."""
    hidden = torch.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    sae_out = torch.tensor([[3.0, 3.0], [0.0, 0.5], [0.5, 0.0], [0.0, 2.0]])
    latents = torch.tensor([[1.0, 2.0, 0.0], [0.0, 0.5, 0.0], [0.5, 0.0, 0.0], [0.0, 2.0, 0.0]])
    feature_acts = torch.tensor([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    best_match = torch.tensor([0, 1, 1])
    return hidden, sae_out, latents, feature_acts, best_match


def test_sample_metrics_by_hand():
    c = metrics.count_batch(*_batch())
    # L0: latents nonzero per sample 2, 1, 1, 1 → 5/4; true features 2, 0, 1, 1 → 4/4.
    assert c.sae_l0() == pytest.approx(1.25) and c.true_l0() == pytest.approx(1.0)
    assert c.dead_latents() == 1
    # Shrinkage skips the zero input: (‖(3,3)‖/5 + 0.5/1 + 2/2) / 3.
    assert c.shrinkage() == pytest.approx((math.sqrt(18) / 5 + 0.5 + 1.0) / 3)
    # Explained variance: residuals ‖·‖² = 1, 0.25, 0.25, 0 → MSE 0.375; E‖x‖² = (25+0+1+4)/4 = 7.5,
    # E x = (1, 1.5), ‖E x‖² = 3.25 → variance 4.25.
    assert c.explained_variance() == pytest.approx(1 - 0.375 / 4.25)
    assert metrics.explained_variance(_batch()[1], _batch()[0]) == pytest.approx(1 - 0.375 / 4.25)


def test_classification_by_hand():
    c = metrics.count_batch(*_batch())
    # Latent 0 detects feature 0 (fires on samples 0, 2; feature 0 is on in 0, 2): P = R = 1, acc 1.
    # Latent 1 detects feature 1 (fires on 0, 1, 3; feature on in 0, 3): TP 2, FP 1, FN 0, TN 1.
    # Latent 2 (dead) detects feature 1: TP 0, FP 0, FN 2, TN 2 → P, R, F1 undefined → 0.
    assert c.tp.tolist() == [2, 2, 0] and c.fp.tolist() == [0, 1, 0]
    assert c.fn.tolist() == [0, 0, 2] and c.tn.tolist() == [2, 1, 2]
    result = c.classification()
    assert result.precision == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert result.recall == pytest.approx((1 + 1 + 0) / 3)
    assert result.f1_score == pytest.approx((1 + 0.8 + 0) / 3)  # F1 of latent 1: 2·(2/3)·1/(5/3) = 0.8
    assert result.accuracy == pytest.approx((1 + 0.75 + 0.5) / 3)


def test_counts_add_up_exactly_across_batches():
    hidden, sae_out, latents, acts, best = _batch()
    whole = metrics.count_batch(hidden, sae_out, latents, acts, best)
    parts = metrics.count_batch(hidden[:1], sae_out[:1], latents[:1], acts[:1], best) + metrics.count_batch(
        hidden[1:], sae_out[1:], latents[1:], acts[1:], best
    )
    for name in ("explained_variance", "shrinkage", "sae_l0", "true_l0", "dead_latents"):
        assert getattr(parts, name)() == pytest.approx(getattr(whole, name)())
    assert parts.classification() == whole.classification()


def test_explained_variance_edge_cases():
    x = torch.tensor([[1.0, 2.0], [1.0, 2.0]])  # constant: zero variance
    assert metrics.explained_variance(x, x) == 1.0
    assert metrics.explained_variance(torch.zeros_like(x), x) == 0.0
    y = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert metrics.explained_variance(torch.zeros_like(y), y) == pytest.approx(0.0)  # the mean explains nothing
    assert metrics.explained_variance(-y, y) == pytest.approx(-3.0)  # worse than the mean: 1 - 4/1
