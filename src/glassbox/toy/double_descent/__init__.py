"""Memorization and double descent (Henighan et al. 2023) on finite sparse datasets.

config → data (sparse unit-norm CSR points) → step (fast full-batch loss and gradient:
C kernel, numpy or torch) → train (AdamW, warm-up + cosine) → metrics → experiments
(presets, resumable sweeps) → plots.
"""

from glassbox.toy.double_descent.config import ComputeConfig as ComputeConfig
from glassbox.toy.double_descent.config import DataConfig as DataConfig
from glassbox.toy.double_descent.config import ExperimentConfig as ExperimentConfig
from glassbox.toy.double_descent.config import TrainConfig as TrainConfig
from glassbox.toy.double_descent.experiments import PRESETS as PRESETS
from glassbox.toy.double_descent.experiments import preset as preset
from glassbox.toy.double_descent.experiments import run_experiment as run_experiment
from glassbox.toy.double_descent.plots import write_figures as write_figures
