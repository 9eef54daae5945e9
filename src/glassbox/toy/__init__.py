"""Toy models of superposition: config → data → models → train → metrics → plots → experiments."""

from glassbox.toy import metrics as metrics
