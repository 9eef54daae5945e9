"""The named experiments: paper, reduced, quick, the T × m sweeps, and a seconds-long smoke test.

Kept apart from `experiments.py` so that the CLI can list them without importing torch.

>>> sorted(PRESETS)
['paper', 'quick', 'reduced', 'smoke', 'tm-quick', 'tm-reduced']
>>> PRESETS["paper"].sizes[-3:], PRESETS["paper"].data.n_features
((200000, 500000, None), 10000)
"""

from typing import Any

from glassbox.toy.config_base import Registry
from glassbox.toy.double_descent.config import DataConfig, ExperimentConfig, TrainConfig

PAPER_SIZES: tuple[int, ...] = (3, 5, 6, 8, 10, 15, 30, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
PAPER_SIZES += (20_000, 50_000, 100_000, 200_000, 500_000)
REDUCED = DataConfig(n_features=1000, sparsity=0.99)  # Hobbhahn's and ARENA's setting
QUICK_SIZES = (3, 5, 10, 30, 100, 300, 1000, 3000, 10_000, None)
TM_HIDDEN = (1, 2, 3, 4, 6, 8)  # the paper's m grid is not given in its text

PRESETS: "Registry[ExperimentConfig]" = Registry("double-descent preset", {
    # Henighan et al. 2023, figure 1: ~1.8e15 (point x feature x step) units; GPU only.
    "paper": ExperimentConfig(
        name="paper",
        sizes=PAPER_SIZES + (None,),
        seeds=(0, 1, 2, 3),
        data=DataConfig(n_features=10_000, sparsity=0.999),
        train=TrainConfig(steps=50_000),
    ),
    "reduced": ExperimentConfig(
        name="reduced",
        sizes=PAPER_SIZES[:15] + (None,),
        seeds=(0, 1, 2, 3),
        data=REDUCED,
        train=TrainConfig(steps=50_000),
    ),
    "quick": ExperimentConfig(name="quick", sizes=QUICK_SIZES, data=REDUCED, train=TrainConfig(steps=10_000)),
    "tm-quick": ExperimentConfig(
        name="tm-quick",
        sizes=QUICK_SIZES,
        d_hidden=TM_HIDDEN,
        data=REDUCED,
        train=TrainConfig(steps=10_000),
    ),
    "tm-reduced": ExperimentConfig(
        name="tm-reduced",
        sizes=PAPER_SIZES[:15] + (None,),
        seeds=(0, 1, 2, 3),
        d_hidden=TM_HIDDEN,
        data=REDUCED,
        train=TrainConfig(steps=50_000),
    ),
    # Seconds on a laptop: for trying the pipeline and for the CLI tests.
    "smoke": ExperimentConfig(
        name="smoke",
        sizes=(3, 5, 100, None),
        data=DataConfig(n_features=100, sparsity=0.95, test_samples=2000, infinite_batch=256),
        train=TrainConfig(steps=300),
        max_points_reported=50,
    ),
}.items())


def preset(name: str, **compute: Any) -> ExperimentConfig:
    """A preset by name, with `ComputeConfig` fields overridden (None values ignored).

    Args:
        name: one of `PRESETS`.
        **compute: e.g. device="cuda", backend="numpy", threads=1.

    Returns:
        The config.

    Raises:
        ConfigError: for an unknown name.
    """
    config = PRESETS.pick(name)
    changes = {k: v for k, v in compute.items() if v is not None}
    if changes.get("device") == "cuda" and "backend" not in changes:
        changes["backend"] = "auto"
    return config.with_compute(**changes)
