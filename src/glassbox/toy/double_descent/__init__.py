"""Memorization and double descent (Henighan et al. 2023) on finite sparse datasets.

config → data (sparse unit-norm CSR points) → step (fast full-batch loss and gradient:
C kernel, numpy or torch) → train (AdamW, warm-up + cosine) → metrics → experiments
(presets, resumable sweeps) → plots.
"""
