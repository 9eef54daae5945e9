"""Training: config validation, schedules, reproducibility, restart selection, devices."""

import dataclasses
import json

import pytest
import torch

from glassbox.errors import ConfigError, GlassboxError
from glassbox.toy import optim, train
from glassbox.toy.config import ExperimentConfig, ModelConfig, RunConfig, TrainConfig

SMALL = TrainConfig(steps=60, batch_size=128, eval_batch_size=1024, log_every=20)


def _run(**train_changes) -> RunConfig:
    return RunConfig(
        feature_probability=(1.0, 0.1),
        importance=((1.0, 0.9, 0.81, 0.73, 0.66),) * 2,
        train=dataclasses.replace(SMALL, **train_changes),
    )


def test_invalid_config_lists_every_problem():
    with pytest.raises(ConfigError) as err:
        RunConfig(
            model=ModelConfig(kind="conv", d_hidden=0),
            train=TrainConfig(schedule="step", steps=10, warmup_steps=20),
            feature_probability=(1.5,),
            importance=((1.0,) * 4,),
        )
    message = str(err.value)
    for fragment in ("model.kind='conv'", "d_hidden=0", "schedule='step'", "warmup_steps=20",
                     "feature_probability[0]=1.5", "importance[0]"):  # fmt: skip
        assert fragment in message


def test_config_json_round_trip():
    exp = ExperimentConfig("x", (_run(), _run(seed=3)))
    assert ExperimentConfig.from_dict(json.loads(exp.to_json())) == exp


def test_with_train_rescales_warmup_and_rejects_unknown_settings():
    exp = ExperimentConfig("x", (_run(steps=1000, warmup_steps=100),))
    assert exp.with_train(steps=50).runs[0].train.warmup_steps == 5
    with pytest.raises(ConfigError, match="unknown training setting"):
        exp.with_train(stepz=3)


@pytest.mark.parametrize(
    "schedule, expected",
    [
        ("constant", [0.5, 1.0, 1.0, 1.0, 1.0]),
        ("linear", [0.5, 1.0, 1.0, 0.5, 0.0]),
        ("cosine", [0.5, 1.0, 1.0, 0.5, 0.0]),
        ("cosine_quarter", [0.5, 1.0, 1.0, 0.70711, 0.0]),
    ],
)
def test_lr_schedules(schedule, expected):
    # 2 warm-up steps, then 9 decay steps: step 2 is the start, 6 the middle, 10 the end.
    cfg = TrainConfig(steps=11, warmup_steps=2, lr=1.0, schedule=schedule)
    got = [train.lr_at(s, cfg) for s in (0, 1, 2, 6, 10)]
    assert got == pytest.approx(expected, abs=1e-5)


def test_same_seed_reproduces_and_other_seed_differs():
    a, b, c = train.train(_run(seed=5)), train.train(_run(seed=5)), train.train(_run(seed=6))
    assert torch.equal(a.model.W, b.model.W) and torch.equal(a.loss, b.loss)
    assert not torch.equal(a.model.W, c.model.W)


def test_training_reduces_the_loss():
    result = train.train(_run(steps=300, lr=1e-2))
    assert result.history.shape == (15, 2)
    assert (result.history[-1] < 0.7 * result.history[0]).all()


def test_restarts_keep_the_lowest_eval_loss():
    result = train.train(_run(restarts=3))
    assert result.restart_losses.shape == (2, 3)
    torch.testing.assert_close(result.loss, result.restart_losses.min(1).values)
    assert result.model.W.shape == (2, 2, 5)


def test_analytic_and_autograd_training_agree():
    a = train.train(_run(gradients="analytic"))
    b = train.train(_run(gradients="autograd"))
    torch.testing.assert_close(a.model.W, b.model.W, rtol=1e-3, atol=1e-4)


def test_cuda_request_fails_clearly_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(GlassboxError, match="no CUDA GPU is available"):
        train.train(_run(device="cuda"))


@pytest.mark.gpu
def test_cuda_training_matches_cpu_quality():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    cpu = train.train(_run(steps=300, lr=1e-2))
    gpu = train.train(_run(steps=300, lr=1e-2, device="cuda"))
    assert gpu.model.W.device.type == "cuda"
    # Different random streams, same distribution: the final losses agree closely.
    torch.testing.assert_close(gpu.loss, cpu.loss, rtol=0.15, atol=0.01)


def test_adamw_matches_torch_optim():
    gen = torch.Generator().manual_seed(0)
    ours = [torch.nn.Parameter(torch.randn(3, 4, generator=gen)), torch.nn.Parameter(torch.randn(5, generator=gen))]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    opt_ours = optim.AdamW(ours, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)
    opt_theirs = torch.optim.AdamW(theirs, lr=1.0, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)
    for step in range(20):
        lr = 0.01 * (1 + step % 3)  # a changing learning rate, as the schedules give
        grads = [torch.randn(p.shape, generator=gen) for p in ours]
        for p, q, g in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        for group in opt_theirs.param_groups:
            group["lr"] = lr
        opt_ours.step(lr)
        opt_theirs.step()
    for p, q in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p, q)


def test_adamw_on_numpy_arrays_with_a_decay_per_parameter_matches_torch_optim():
    import numpy as np

    gen = torch.Generator().manual_seed(1)
    start = [torch.randn(2, 7, generator=gen, dtype=torch.float64), torch.randn(7, generator=gen, dtype=torch.float64)]
    ours = optim.AdamW([p.numpy().copy() for p in start], (0.9, 0.99), 1e-8, weight_decay=[0.3, 0.0])
    theirs = [torch.nn.Parameter(p.clone()) for p in start]
    groups = [{"params": [theirs[0]], "weight_decay": 0.3}, {"params": [theirs[1]], "weight_decay": 0.0}]
    ref = torch.optim.AdamW(groups, lr=1.0, betas=(0.9, 0.99), eps=1e-8)
    for step in range(30):
        grads = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in start]
        lr = 1e-2 * (1 + step % 3)
        ours.step(lr, [g.numpy() for g in grads])
        for p, g, group in zip(theirs, grads, ref.param_groups, strict=True):
            p.grad, group["lr"] = g, lr
        ref.step()
    for mine, p in zip(ours.params, theirs, strict=True):
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-12, atol=1e-14)
