"""The scorer on SAEs whose answers are known: exact, random, and recorded ground truth."""

import json

import numpy as np
import pytest
import torch

from glassbox.sae import evaluate, sources
from glassbox.sae.config import SAEConfig
from glassbox.sae.model import SparseAutoencoder


def _sae_with(decoder: torch.Tensor, encoder: torch.Tensor | None = None, b_enc: torch.Tensor | None = None):
    d_sae, d_in = decoder.shape
    sae = SparseAutoencoder(SAEConfig(d_sae=d_sae), d_in)
    with torch.no_grad():
        sae.W_dec.copy_(decoder)
        sae.W_enc.copy_(decoder.T if encoder is None else encoder)
        if b_enc is not None:
            sae.b_enc.copy_(b_enc)
    return sae


def test_the_exact_sae_scores_perfectly():
    perm = torch.tensor([2, 0, 3, 1])
    src = sources.from_toy_model(torch.eye(4), 0.3, labels=["a", "b", "c", "d"], seed=2)
    sae = _sae_with(torch.eye(4)[perm])  # latent j reads and writes feature perm[j]
    r = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=5000, batch_size=1024)
    assert r.num_samples == 5000
    assert (r.mcc, r.uniqueness, r.dead_latents) == (pytest.approx(1.0), 1.0, 0)
    assert r.explained_variance == pytest.approx(1.0) and r.shrinkage == pytest.approx(1.0)
    assert r.sae_l0 == pytest.approx(r.true_l0)
    assert (r.classification.precision, r.classification.recall, r.classification.f1_score) == (1.0, 1.0, 1.0)
    assert [(f.label, f.latent) for f in r.features] == [("a", 1), ("b", 3), ("c", 0), ("d", 2)]
    assert r.latent_labels == ("c", "a", "d", "b")
    assert abs(r.true_l0 - 4 * 0.3) < 6 * (4 * 0.3 * 0.7 / 5000) ** 0.5


def test_an_l1_style_offset_shows_as_shrinkage_and_lost_recall():
    # Encoder bias -0.5: latent = max(x - 0.5, 0), so a feature of value v < 0.5 is missed and the
    # rest are reconstructed 0.5 short. With x ~ U(0, 1) on one feature: recall = 1/2, precision = 1.
    src = sources.from_toy_model(torch.eye(1), 1.0, seed=0)
    sae = _sae_with(torch.eye(1), b_enc=torch.tensor([-0.5]))
    r = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=40_000)
    assert r.classification.precision == 1.0
    assert r.classification.recall == pytest.approx(0.5, abs=0.01)
    # E[max(v - 1/2, 0) / v] for v ~ U(0, 1) = ∫ from 1/2 to 1 of (1 - 1/(2v)) dv = 1/2 - (ln 2)/2.
    assert r.shrinkage == pytest.approx(0.5 - 0.5 * np.log(2), abs=0.01)
    assert r.mcc == pytest.approx(1.0)


def test_a_random_sae_scores_badly_on_the_toy_case(toy_case):
    """The test that can fail: an untrained SAE must not pass the MCC bar."""
    src = sources.from_toy_run(toy_case)
    sae = SparseAutoencoder(SAEConfig(d_sae=100), 20, torch.Generator().manual_seed(0))
    r = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=4096)
    assert r.mcc < 0.6
    assert r.explained_variance < 0.5


def test_recorded_labels_survive_into_json():
    rng = np.random.default_rng(0)
    acts = (rng.random((300, 3)) < 0.4).astype(np.float32)  # one-hot-ish categorical values
    fv = np.eye(3, 5)
    labels = ["sort:1", "sort:2", "sort:3"]
    src = sources.from_arrays(acts @ fv, acts, fv, labels)
    sae = _sae_with(torch.tensor(fv[[1, 0, 2]], dtype=torch.float32))
    r = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=None)  # every recorded row once
    assert r.num_samples == 300
    assert r.true_l0 == pytest.approx(float(acts.sum(1).mean()))
    assert r.latent_labels == ("sort:2", "sort:1", "sort:3")
    as_json = json.loads(json.dumps(r.to_dict()))
    assert [f["label"] for f in as_json["features"]] == labels
    assert as_json["mcc"] == pytest.approx(1.0) and set(as_json["classification"]) == {
        "precision", "recall", "f1_score", "accuracy"}  # fmt: skip
    assert r.to_log_dict("eval/")["eval/classification/f1_score"] == 1.0


def test_unmatched_features_are_reported_with_no_latent():
    src = sources.from_toy_model(torch.eye(3), 0.5, labels=["x", "y", "z"])
    sae = _sae_with(torch.eye(3)[[0, 2]])  # two latents for three features
    r = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=256)
    assert [(f.label, f.latent, f.cosine) for f in r.features] == [("x", 0, 1.0), ("y", None, 0.0), ("z", 1, 1.0)]
    assert r.mcc == pytest.approx(1.0)  # SAELens averages the min(n_latents, n_features) matched pairs
