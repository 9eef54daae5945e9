"""SAELens's own evaluator runs on our objects and agrees with our scorer (skipped without sae-lens).

`pip install glassbox[sae]` installs sae-lens (6.54 needs transformer-lens < 4, as our `tl` extra does).
"""

import pytest
import torch

from glassbox.sae import evaluate, metrics, sources, train
from glassbox.sae.config import SAEConfig, TrainConfig

synthetic = pytest.importorskip("sae_lens.synthetic")
sae_lens = pytest.importorskip("sae_lens")

W = torch.randn(8, 30, generator=torch.Generator().manual_seed(3))  # [d_hidden, feats]: 30 features in 8 dims


def _trained(sae_cfg: SAEConfig):
    src = sources.from_toy_model(W, feature_probability=0.05, seed=0)
    return train.train_sae(src, sae_cfg, TrainConfig(steps=300, batch_size=256, device="cpu")).sae


def _assert_same(ours: evaluate.SyntheticDataEvalResult, theirs) -> None:
    assert ours.mcc == pytest.approx(theirs.mcc, abs=1e-6)
    assert ours.uniqueness == theirs.uniqueness
    assert ours.dead_latents == theirs.dead_latents
    for name in ("true_l0", "sae_l0", "shrinkage", "explained_variance"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-5, abs=1e-6), name
    for name in ("precision", "recall", "f1_score", "accuracy"):
        assert getattr(ours.classification, name) == pytest.approx(getattr(theirs.classification, name), rel=1e-5)


@pytest.mark.parametrize(
    "sae_cfg", [SAEConfig(d_sae=30), SAEConfig(architecture="topk", d_sae=30, k=2)], ids=["relu", "topk"]
)
def test_sae_lens_evaluator_runs_on_our_objects_and_agrees(sae_cfg):
    sae = _trained(sae_cfg)
    # Their evaluator draws from the generator's own stream (seeded 7); ours from a generator seeded 7:
    # the same samples, batch for batch.
    src = sources.from_toy_model(W, feature_probability=0.05, seed=7)
    theirs = synthetic.eval_sae_on_synthetic_data(
        sae, src.feature_dict, src.activation_generator, num_samples=20_000, batch_size=4096
    )
    ours = evaluate.eval_sae_on_synthetic_data(sae, src, num_samples=20_000, batch_size=4096, seed=7)
    assert 0.3 < ours.mcc < 1.0  # a partly trained SAE: the comparison is not between trivial values
    _assert_same(ours, theirs)


def test_our_scorer_accepts_sae_lens_saes():
    ours = _trained(SAEConfig(architecture="topk", d_sae=30, k=2))
    theirs = sae_lens.TopKSAE(sae_lens.TopKSAEConfig(d_in=8, d_sae=30, k=2))
    theirs.load_state_dict({name: p.detach() for name, p in ours.named_parameters()})
    x = sources.from_toy_model(W, 0.05, seed=1).sample(512)
    with torch.no_grad():
        torch.testing.assert_close(theirs.encode(x), ours.encode(x))
        torch.testing.assert_close(theirs.decode(theirs.encode(x)), ours(x))
    src = sources.from_toy_model(W, 0.05)
    a = evaluate.eval_sae_on_synthetic_data(ours, src, num_samples=8192)
    b = evaluate.eval_sae_on_synthetic_data(theirs, src, num_samples=8192)
    # Two float32 implementations of the same decode may round differently in the last bits (a matmul's summation
    # order), so the continuous metrics agree to float32 precision; the discrete ones exactly.
    _assert_same(a, b)
    assert [(f.label, f.latent) for f in a.features] == [(f.label, f.latent) for f in b.features]


def test_decoder_metrics_match_sae_lens():
    g = torch.Generator().manual_seed(0)
    for n_latents in (20, 30, 45):
        decoder = torch.randn(n_latents, 8, generator=g)
        gt = torch.randn(30, 8, generator=g)
        assert metrics.mean_correlation_coefficient(decoder, gt) == pytest.approx(
            synthetic.mean_correlation_coefficient(decoder, gt), abs=1e-6
        )
        assert metrics.feature_uniqueness(decoder, gt) == synthetic.feature_uniqueness(decoder, gt)


def test_recorded_sources_work_with_sae_lens_too():
    """On a recorded source SAELens scores `feature_dict(acts)`; when that is exact, so do we."""
    src0 = sources.from_toy_model(W, 0.05, seed=2)
    hidden, acts = src0.sample_with_features(4096)
    rec = sources.from_arrays(hidden, acts, src0.feature_dict.feature_vectors, seed=0)
    sae = _trained(SAEConfig(d_sae=30))
    # Theirs draws rows from the source's own stream (seed 0), ours from a fresh generator seeded 0.
    theirs = synthetic.eval_sae_on_synthetic_data(sae, rec.feature_dict, rec.activation_generator, num_samples=4096)
    ours = evaluate.eval_sae_on_synthetic_data(sae, rec, num_samples=4096, seed=0)
    _assert_same(ours, theirs)
