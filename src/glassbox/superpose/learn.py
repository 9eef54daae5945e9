"""Learned codes: train P with the compiled weights frozen (tracr §5), with knobs that make
superposition, not deletion, the optimum.

The width-d model runs free (each block reads what earlier compressed blocks wrote), on random
program inputs, and the loss scores what the program needs, not every coordinate: each variable is
read through the circuit map at the stage its writer finishes (ĥ = r Pᵀ, then the site's read
vectors), and

    categorical value v:  relu(¼ - (2t - 1)(ŝ_v - ½))²     (t = 1 where the source reads v: a hinge
                                                              with margin ¼ around the decode threshold)
    numerical:            (ŝ - s)² / max(1, |s|)²

averaged over real positions and weighted per variable by its importance, plus `recon` × the
importance-weighted reconstruction Σ_i I_i (ĥ_i - h_i)² of the residual at every stage. The last
variable is the output, so the output is in the loss. Two knobs, as in the toy models: **importance**
I_i per variable (`{"sort": 10}`), and **input sparsity**: token frequencies follow a Zipf law with
exponent `zipf` (0: uniform), which makes most variable values rare, the regime in which the toy
models superpose. The optimiser and schedule are
the toy lab's (`glassbox.toy.optim.AdamW`, cosine decay).
"""

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.func import functional_call

from glassbox.errors import ConfigError
from glassbox.model import hooks
from glassbox.model.compiled import CompiledModel
from glassbox.model.transformer import Transformer
from glassbox.superpose import codes
from glassbox.superpose import weights as weights_mod
from glassbox.toy.optim import AdamW


@dataclasses.dataclass(frozen=True)
class LearnConfig:
    """How a code is learned (every default is what the README's sweeps use)."""

    steps: int = 600  # AdamW updates
    lr: float = 1e-2  # peak learning rate; cosine decay to 0
    batch_size: int = 64  # random input sequences per step (lengths 1..max_seq_len)
    init: str = "analytic"  # start from the analytic (PCA) code, or "random"
    importance: "Mapping[str, float] | None" = None  # per variable (label before ':'), default 1
    recon: float = 0.1  # weight of the residual-reconstruction term beside the per-variable reads
    zipf: float = 0.0  # token frequencies ∝ rank^-zipf (0: uniform inputs)
    seed: int = 0
    device: str = "auto"  # "cuda" where torch sees one, else "cpu"; or either by name

    def check(self) -> None:
        problems = []
        if self.steps < 1 or self.batch_size < 1:
            problems.append("steps and batch_size must be >= 1")
        if not self.lr > 0:
            problems.append(f"lr must be > 0, got {self.lr}")
        if self.init not in ("analytic", "random"):
            problems.append(f"init must be 'analytic' or 'random', got {self.init!r}")
        if self.zipf < 0:
            problems.append(f"zipf must be >= 0, got {self.zipf}")
        if self.device not in ("auto", "cpu", "cuda"):
            problems.append(f"device must be 'auto', 'cpu' or 'cuda', got {self.device!r}")
        elif self.device == "cuda" and not torch.cuda.is_available():
            problems.append("device 'cuda' was asked for, but torch sees no CUDA device here")
        if problems:
            raise ConfigError("LearnConfig: " + "; ".join(problems))

    def torch_device(self) -> torch.device:
        """Where the code is trained (the source model's own forward passes stay where it lives)."""
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)


def sample_inputs(model: CompiledModel, n: int, rng: np.random.Generator, zipf: float = 0.0) -> list[list[Any]]:
    """n random inputs, lengths uniform in 1..max_seq_len, tokens Zipf-distributed over the vocab order."""
    vocab = list(model.vocab)
    p = np.arange(1, len(vocab) + 1, dtype=float) ** -zipf
    p /= p.sum()
    lengths = rng.integers(1, model.max_seq_len + 1, size=n)
    return [[vocab[k] for k in rng.choice(len(vocab), size=int(m), p=p)] for m in lengths]


def stage_hooks(n_layers: int) -> list[str]:
    """The residual after the embedding and after every sublayer."""
    first = "blocks.0.hook_resid_pre" if n_layers else "hook_embed"
    return [first] + [f"blocks.{layer}.hook_resid_{s}" for layer in range(n_layers) for s in ("mid", "post")]


def residual_states(model: CompiledModel, ids: torch.Tensor) -> torch.Tensor:
    """The residual [stage, batch, pos, d_model] of `model` on token ids (no grad)."""
    names = stage_hooks(model.config.n_layers)
    _, cache = model.run_with_cache(ids, names_filter=lambda n: n in names)
    if not model.config.n_layers:
        cache["hook_embed"] = cache["hook_embed"] + cache["hook_pos_embed"]
    return torch.stack([cache[n] for n in names])


def learn_code(model: CompiledModel, width: int, config: "LearnConfig | None" = None,
               on_step: "Callable[[int, float], None] | None" = None) -> tuple[codes.Code, list[float]]:
    """Train a tied code P [d_model, width] with every compiled weight frozen.

    Returns:
        The code with the lowest loss seen (batches differ, so this is a noisy minimum) and the loss
        at every step.
    """
    cfg = config or LearnConfig()
    cfg.check()
    rng = np.random.default_rng(cfg.seed)
    dtype, device = torch.float64, cfg.torch_device()
    full = {k: torch.from_numpy(v).to(device) for k, v in weights_mod.weights_of(model).items()}
    start = (codes.random_code(model, width, cfg.seed) if cfg.init == "random"
             else codes.analytic_code(model, width, _states_sample(model, rng, cfg)))
    P = torch.tensor(start.matrix, dtype=dtype, device=device, requires_grad=True)
    importance = torch.from_numpy(codes.importance_vector(model.residual_labels, cfg.importance)).to(device, dtype)
    small = Transformer(dataclasses.replace(model.config, d_model=width), dtype, device=device)
    names = stage_hooks(model.config.n_layers)
    optimiser = AdamW([P], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    reads = _site_reads(model, cfg, dtype, device)
    losses: list[float] = []
    best, best_loss = P.detach().clone(), math.inf
    for step in range(cfg.steps):
        ids = model.encode(sample_inputs(model, cfg.batch_size, rng, cfg.zipf))
        target = residual_states(model, ids).to(device, dtype)  # [stage, batch, pos, D]
        ids = ids.to(device)
        real = (ids != model.config.pad_id).to(dtype)[None, :, :, None]
        params = weights_mod.fold(full, P.T, P)
        seen: dict[str, torch.Tensor] = {}

        def keep(act: torch.Tensor, hook: hooks.HookPoint, seen: dict[str, torch.Tensor] = seen) -> None:
            seen[hook.name] = act

        watched = names if model.config.n_layers else ["hook_embed", "hook_pos_embed"]
        with hooks.hooks(small, [(n, keep) for n in watched]):
            functional_call(small, params, (ids,))
        if not model.config.n_layers:
            seen["hook_embed"] = seen["hook_embed"] + seen["hook_pos_embed"]
        got = torch.stack([seen[n] for n in names]) @ P.T  # ĥ, [stage, batch, pos, D]
        recon = ((got - target) ** 2 * importance * real).sum() / (real.sum() * len(names))
        err = cfg.recon * recon + _read_loss(reads, got, target, real[0, :, :, 0])
        losses.append(float(err.detach()))
        if losses[-1] < best_loss:  # keep the best code seen: Adam's first steps move every entry by ~lr
            best, best_loss = P.detach().clone(), losses[-1]
        P.grad = None
        err.backward()
        lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / max(cfg.steps - 1, 1)))
        optimiser.step(lr)
        if on_step is not None:
            on_step(step, losses[-1])
    return codes.Code(best.cpu().numpy().copy(), tuple(model.residual_labels), "learned"), losses


@dataclasses.dataclass(frozen=True)
class _SiteRead:
    stage: int
    R: torch.Tensor  # [D, n_values]
    numerical: bool
    weight: float


def _site_reads(model: CompiledModel, cfg: LearnConfig, dtype: torch.dtype, device: torch.device) -> list[_SiteRead]:
    """Every readable site's read vectors and the stage its writer finishes (see inspect.decode)."""
    from glassbox.inspect.decode import written_stage
    from glassbox.model.circuit import SiteEncoding

    index = {label: i for i, label in enumerate(model.residual_labels)}
    ready = written_stage(model.circuit)
    weights = dict(cfg.importance or {})
    out = []
    for site in model.circuit:
        if site.encoding is SiteEncoding.SELECTOR or not site.read:
            continue
        R = torch.zeros(len(index), len(site.read), dtype=dtype, device=device)
        for k, (_, coefs) in enumerate(site.read):
            for label, c in coefs.items():
                R[index[label], k] = c
        out.append(_SiteRead(ready[site.label], R, site.encoding is SiteEncoding.NUMERICAL,
                             float(weights.get(site.label, 1.0))))
    return out


def _read_loss(reads: list[_SiteRead], got: torch.Tensor, target: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """The per-variable decision loss (module docstring), averaged over variables and real positions."""
    total = got.new_zeros(())
    for r in reads:
        s_hat, s = got[r.stage] @ r.R, target[r.stage] @ r.R  # [batch, pos, n_values]
        if r.numerical:
            per = ((s_hat - s) / s.abs().clamp_min(1.0)) ** 2
        else:
            sign = torch.where(s >= 0.5, 1.0, -1.0).to(s.dtype)
            per = torch.relu(0.25 - sign * (s_hat - 0.5)) ** 2
        total = total + r.weight * (per.sum(-1) * real).sum() / real.sum()
    return total / max(len(reads), 1)


def _states_sample(model: CompiledModel, rng: np.random.Generator, cfg: LearnConfig, n: int = 256) -> np.ndarray:
    """Residual vectors [k, D] of the source model over every stage and real position."""
    ids = model.encode(sample_inputs(model, n, rng, cfg.zipf))
    states = residual_states(model, ids).to(torch.float64)  # [stage, batch, pos, D]
    real = (ids != model.config.pad_id)[None].expand(states.shape[0], -1, -1)
    return states[real].numpy()


def states_for(model: CompiledModel, seqs: Sequence[Sequence[Any]]) -> np.ndarray:
    """Residual vectors [k, D] of `model` on `seqs`, every stage and real position (for analytic codes)."""
    ids = model.encode(seqs)
    states = residual_states(model, ids).to(torch.float64)
    real = (ids != model.config.pad_id)[None].expand(states.shape[0], -1, -1)
    return states[real].numpy()
