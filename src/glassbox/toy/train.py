"""Training loop: AdamW over all instances at once (the shared `optim`, `schedules`), best-of-k restarts.

The loss of instance k is importance-weighted squared error summed over features and
averaged over the batch; the optimized objective is the sum over instances, so each
instance receives exactly its own gradient and (AdamW being elementwise) trains as if alone.

>>> from glassbox.toy.config import RunConfig, TrainConfig
>>> run = RunConfig(train=TrainConfig(steps=20, batch_size=64, eval_batch_size=256))
>>> result = train(run)
>>> tuple(result.model.W.shape), tuple(result.loss.shape)
((1, 2, 5), (1,))
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.toy import backward, data, models, optim, schedules
from glassbox.toy.config import RunConfig, TrainConfig
from glassbox.toy.init import resolve_device as resolve_device


@dataclass(frozen=True)
class TrainResult:
    """What a run produced: the selected instances and their losses."""

    config: RunConfig
    model: models.ToyModel  # best restart of each instance, `[inst, ...]` parameters
    loss: Float[Tensor, " inst"]  # eval loss of the selected restart
    restart_losses: Float[Tensor, "inst restarts"]  # eval loss of every restart
    history: Float[Tensor, "logs inst"]  # training loss of the selected restart, every log_every
    importance: Float[Tensor, "inst feats"]
    feature_probability: Float[Tensor, " inst"]


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate for 0-based `step`: linear warm-up, then the chosen decay.

    >>> cfg = TrainConfig(steps=100, lr=1.0, warmup_steps=10, schedule="cosine")
    >>> [round(lr_at(s, cfg), 3) for s in (0, 9, 10, 99)]
    [0.1, 1.0, 1.0, 0.0]
    """
    return schedules.lr_at(step, cfg.steps, cfg.lr, cfg.warmup_steps, cfg.schedule)


def importance_weighted_loss(
    out: Float[Tensor, "inst batch feats"],
    target: Float[Tensor, "inst batch feats"],
    importance: Float[Tensor, "inst feats"],
    feature_reduction: str = "sum",
) -> Float[Tensor, " inst"]:
    """Σ_i I_i (target_i − out_i)² per sample, averaged over the batch (one value per instance).

    Args:
        out: model outputs.
        target: what the outputs should be.
        importance: I_i per instance and feature.
        feature_reduction: "sum" over features (the papers), or "mean" (notebook, ARENA).

    Returns:
        The loss of each instance.
    """
    per_feature = (target - out).pow(2).mean(1) * importance
    return per_feature.sum(-1) if feature_reduction == "sum" else per_feature.mean(-1)


def train(run: RunConfig, on_step: Callable[[int], None] | None = None) -> TrainResult:
    """Train every instance of `run` (times `run.train.restarts`) and keep the best restarts.

    Restarts of one instance sit next to each other on the instance axis and are scored on
    the same fresh eval batch; the lowest eval loss wins, as the papers select by loss.

    Args:
        run: model, data and training settings plus per-instance probability and importance.
        on_step: called with the number of steps just completed (for progress bars).

    Returns:
        The selected model and its losses.

    Raises:
        ConfigError: the requested device is unavailable.
    """
    cfg = run.train
    device = resolve_device(cfg.device)
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(run, device, on_step)
    finally:
        torch.set_num_threads(threads)


def _train(run: RunConfig, device: torch.device, on_step: Callable[[int], None] | None) -> TrainResult:
    cfg = run.train
    k, n_feats = cfg.restarts, run.model.n_features
    gen = torch.Generator(device=device).manual_seed(cfg.seed)  # initialization
    data_gen = data.make_generator(cfg.seed, device)
    prob = torch.tensor(run.feature_probability, device=device)
    importance = torch.tensor(run.importance, device=device)
    prob_feats = data.frequencies(prob, n_feats, run.data)  # [inst] or, with a frequency profile, [inst, feats]
    prob_all, importance_all = prob_feats.repeat_interleave(k, 0), importance.repeat_interleave(k, 0)
    model = models.build_model(run.model, run.n_instances * k, gen, cfg.device)
    named = dict(model.named_parameters())
    decays = [cfg.weight_decay if name != "b_final" or cfg.decay_bias else 0.0 for name in named]
    # A feature's vector: a column of W [inst, d_hidden, feats], a row of W2 [inst, feats, d_hidden].
    norm_dims = [{"W": -2, "W2": -1}.get(name) for name in named]
    opt = optim.AdamW(named.values(), (cfg.beta1, cfg.beta2), cfg.eps, decays, norm_dims)
    logged = []
    done = 0
    for step in range(cfg.steps):
        x = data.sample_batch(prob_all, cfg.batch_size, n_feats, run.data, data_gen)
        y = data.target_of(x, run.data)
        log_now = (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps
        if cfg.gradients == "analytic":
            loss = backward.loss_and_grads(model, x, y, importance_all, cfg.feature_reduction, want_loss=log_now)
        else:
            for p in model.parameters():
                p.grad = None
            loss = importance_weighted_loss(model(x), y, importance_all, cfg.feature_reduction)
            loss.sum().backward()
        opt.step(lr_at(step, cfg))
        if log_now:
            assert loss is not None  # asked for with want_loss=log_now
            logged.append(loss.detach())
            if on_step is not None:
                on_step(step + 1 - done)
                done = step + 1
    with torch.no_grad():
        x = data.sample_batch(prob_feats, cfg.eval_batch_size, n_feats, run.data, data_gen)
        # Every restart of an instance sees the same points (kept feature-major, see data).
        x = x.transpose(1, 2).repeat_interleave(k, 0).transpose(1, 2)
        eval_loss = importance_weighted_loss(
            model(x), data.target_of(x, run.data), importance_all, cfg.feature_reduction
        ).view(run.n_instances, k)
    best = eval_loss.argmin(-1) + torch.arange(run.n_instances, device=device) * k
    history = torch.stack(logged)[:, best]
    return TrainResult(
        config=run,
        model=models.select(model, best),
        loss=eval_loss.gather(1, (best % k).unsqueeze(1)).squeeze(1).cpu(),
        restart_losses=eval_loss.cpu(),
        history=history.cpu(),
        importance=importance.cpu(),
        feature_probability=prob.cpu(),
    )
