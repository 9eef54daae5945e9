"""Toy models of superposition: config → data → models → train → metrics → plots → experiments.

One lab for two regimes. Shared by both: `config_base` (typed configs, `--set` overrides),
`init`, `schedules`, `optim` (the one AdamW), `metrics`, `results` (run directories, atomic
writes) and `runner` (resumable units). Fresh samples every step live here (`data`, `train`,
`presets`, `lab`); a fixed sparse dataset with its full-batch kernel in `double_descent`.

The public names below are loaded on first use (PEP 562), so importing `glassbox.toy` or a
torch-free submodule (the CLI's preset lists) does not import torch or matplotlib.

>>> from glassbox import toy
>>> run = toy.RunConfig(feature_probability=(0.1,), importance=((1.0,) * 5,),
...                     train=toy.TrainConfig(steps=10, batch_size=32, eval_batch_size=64))
>>> toy.train.train(run).model.W.shape   # [inst, d_hidden, feats]
torch.Size([1, 2, 5])
"""

import importlib
from typing import Any

# name -> (module, attribute); attribute None means the module itself.
_EXPORTS = {
    "config": ("glassbox.toy.config", None),
    "data": ("glassbox.toy.data", None),
    "models": ("glassbox.toy.models", None),
    "train": ("glassbox.toy.train", None),  # the module: `toy.train.train(run)` trains
    "metrics": ("glassbox.toy.metrics", None),
    "plots": ("glassbox.toy.plots", None),
    "theory": ("glassbox.toy.theory", None),
    "experiments": ("glassbox.toy.experiments", None),
    "presets": ("glassbox.toy.presets", None),
    "lab": ("glassbox.toy.lab", None),
    "runner": ("glassbox.toy.runner", None),
    "results": ("glassbox.toy.results", None),
    "schedules": ("glassbox.toy.schedules", None),
    "optim": ("glassbox.toy.optim", None),
    "init": ("glassbox.toy.init", None),
    "ModelConfig": ("glassbox.toy.config", "ModelConfig"),
    "DataConfig": ("glassbox.toy.config", "DataConfig"),
    "TrainConfig": ("glassbox.toy.config", "TrainConfig"),
    "RunConfig": ("glassbox.toy.config", "RunConfig"),
    "ExperimentConfig": ("glassbox.toy.config", "ExperimentConfig"),
    "TrainResult": ("glassbox.toy.train", "TrainResult"),
    "preset": ("glassbox.toy.lab", "preset"),
    "run_experiment": ("glassbox.toy.lab", "run_experiment"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'glassbox.toy' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = importlib.import_module(module)
    return value if attribute is None else getattr(value, attribute)


def __dir__() -> list[str]:
    return __all__
