"""Memorization and double descent (Henighan et al. 2023) on finite sparse datasets.

config → data (sparse unit-norm CSR points) → step (fast full-batch loss and gradient:
C kernel, numpy or torch) → train (the lab's shared AdamW, schedule and init) → metrics →
experiments (presets, resumable sweeps on the shared runner) → plots. Only the dataset, the
step and its kernels, the presets and the figures are double descent's own.

Only configs and presets are imported here (no torch or matplotlib, so the CLI starts fast);
the pipeline is `experiments.run_experiment(config, out_dir)` then
`plots.write_figures(results, out_dir)`.
"""

from glassbox.toy.double_descent.config import ComputeConfig as ComputeConfig
from glassbox.toy.double_descent.config import DataConfig as DataConfig
from glassbox.toy.double_descent.config import ExperimentConfig as ExperimentConfig
from glassbox.toy.double_descent.config import TrainConfig as TrainConfig
from glassbox.toy.double_descent.presets import PRESETS as PRESETS
from glassbox.toy.double_descent.presets import preset as preset
