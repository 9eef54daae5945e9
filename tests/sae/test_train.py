"""The trainer: reproducible, keeps its constraints, and recovers the toy model's features."""

import dataclasses

import pytest
import torch

from glassbox.errors import ConfigError
from glassbox.sae import evaluate, sources, train
from glassbox.sae.config import SAEConfig, TrainConfig
from glassbox.sae.model import SparseAutoencoder

SMALL = TrainConfig(steps=30, batch_size=64, log_every=10, device="cpu")  # CPU even where CUDA exists


def _source():
    return sources.from_toy_model(torch.randn(3, 6, generator=torch.Generator().manual_seed(0)), 0.2)


@pytest.mark.parametrize(
    "sae_cfg", [SAEConfig(d_sae=6), SAEConfig(architecture="topk", d_sae=6, k=2)], ids=["relu", "topk"]
)
def test_same_seed_same_sae(sae_cfg):
    a = train.train_sae(_source(), sae_cfg, SMALL)
    b = train.train_sae(_source(), sae_cfg, SMALL)
    c = train.train_sae(_source(), sae_cfg, dataclasses.replace(SMALL, seed=1))
    for name, p in a.sae.named_parameters():
        assert torch.equal(p, dict(b.sae.named_parameters())[name])
    assert not torch.equal(a.sae.W_dec, c.sae.W_dec)
    assert torch.equal(a.loss, b.loss)


def test_decoder_rows_stay_unit_norm_and_topk_keeps_k():
    result = train.train_sae(_source(), SAEConfig(architecture="topk", d_sae=8, k=2), SMALL)
    torch.testing.assert_close(result.sae.W_dec.norm(dim=1), torch.ones(8))
    with torch.no_grad():
        z = result.sae.encode(_source().sample(256))
    assert int((z != 0).sum(-1).max()) <= 2 and float(z.min()) >= 0.0
    assert tuple(result.loss.shape) == tuple(result.l0.shape) == (3,)  # logged at steps 10, 20, 30


def test_training_learns_to_reconstruct():
    cfg = SAEConfig(d_sae=6)
    untrained = SparseAutoencoder(cfg, 3, torch.Generator().manual_seed(0))  # the trainer's starting point
    result = train.train_sae(_source(), cfg, dataclasses.replace(SMALL, steps=300, log_every=50))
    before = evaluate.eval_sae_on_synthetic_data(untrained, _source(), num_samples=4096).explained_variance
    after = evaluate.eval_sae_on_synthetic_data(result.sae, _source(), num_samples=4096).explained_variance
    assert before < 0.2 and after > 0.8
    assert float(result.loss[-1]) < float(result.loss[0])


def test_progress_callback_counts_every_step_and_threads_are_restored(cpu_threads):
    seen = []
    train.train_sae(_source(), SAEConfig(d_sae=4), dataclasses.replace(SMALL, steps=25, threads=1), on_step=seen.append)
    assert sum(seen) == 25
    assert torch.get_num_threads() == cpu_threads


def test_progress_bar_is_off_unless_asked(capsys):
    train.train_sae(_source(), SAEConfig(d_sae=4), SMALL)
    assert capsys.readouterr().err == ""
    train.train_sae(_source(), SAEConfig(d_sae=4), dataclasses.replace(SMALL, show_progress=True))
    assert "training SAE" in capsys.readouterr().err


def test_divergence_is_reported():
    with pytest.raises(ConfigError, match="non-finite loss"):
        train.train_sae(_source(), SAEConfig(d_sae=4), dataclasses.replace(SMALL, lr=1e30))


def test_schedules():
    cfg = TrainConfig(steps=6, lr=1.0, lr_warm_up_steps=2, l1_coefficient=2.0, l1_warm_up_steps=4)
    assert [train.lr_at(s, cfg) for s in range(6)] == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert [train.l1_at(s, cfg) for s in range(6)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]


def test_auto_device_falls_back_to_cpu():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert train.resolve_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="device='cuda'"):
            train.train_sae(_source(), SAEConfig(d_sae=4), dataclasses.replace(SMALL, device="cuda"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_trains_on_cuda():
    src = sources.from_toy_model(torch.eye(4), 0.25, device="cuda")
    result = train.train_sae(src, SAEConfig(d_sae=4), dataclasses.replace(SMALL, device="cuda"))
    assert result.sae.W_dec.device.type == "cuda"
    r = evaluate.eval_sae_on_synthetic_data(result.sae, src, num_samples=1024)
    assert 0.0 <= r.mcc <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize(
    "sae_cfg",
    [SAEConfig(architecture="relu", d_sae=100), SAEConfig(architecture="topk", d_sae=100, k=1)],
    ids=["relu", "topk"],
)
def test_recovers_the_toy_models_features(toy_case, sae_cfg):
    """Acceptance: n = 100 features in m = 20 dims, S = 0.99; the trainer's defaults reach MCC >= 0.9."""
    src = sources.from_toy_run(toy_case, seed=0)
    result = train.train_sae(src, sae_cfg, TrainConfig(seed=0))
    r = evaluate.eval_sae_on_synthetic_data(result.sae, src, num_samples=20_000)
    assert r.mcc >= 0.9, r.to_log_dict()
    assert r.uniqueness >= 0.9, r.to_log_dict()
