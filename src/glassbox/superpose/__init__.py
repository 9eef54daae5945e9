"""The bridge: compiled programs compressed exactly or pushed into superposition, and measured.

* `compress_exact(model)`: register allocation of residual dimensions (exact).
* `superpose(model, width, code=...)`: a real model of width d reading and writing through a code
  P: d_model → d (random, analytic or learned), as exportable and inspectable as any other.
* `measure.accuracy`, `measure.geometry`, `sweep(...)`: accuracy against the evaluator (outputs and
  every variable) and the toy-model metrics of the code (feature norms, dimensionality D_i,
  interference, D*); `plots` draws the curve, the overlap heatmap and the story figure.
* `ground_truth.recorded(...)`: SAE ground truth (SAELens's synthetic protocol) from a model's residual stream,
  with the RASP variable-value directions as the true features.

Names load on first use, so `import glassbox.superpose` does not import torch.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glassbox.superpose.allocate import Compressed as Compressed
    from glassbox.superpose.allocate import compress_exact as compress_exact
    from glassbox.superpose.codes import Code as Code
    from glassbox.superpose.codes import Superposed as Superposed
    from glassbox.superpose.learn import LearnConfig as LearnConfig
    from glassbox.superpose.run import Point as Point
    from glassbox.superpose.run import superpose as superpose
    from glassbox.superpose.run import sweep as sweep

_EXPORTS: dict[str, str | None] = {
    "allocate": None,
    "weights": None,
    "codes": None,
    "learn": None,
    "measure": None,
    "run": None,
    "ground_truth": None,
    "plots": None,
    "Compressed": "glassbox.superpose.allocate",
    "compress_exact": "glassbox.superpose.allocate",
    "Code": "glassbox.superpose.codes",
    "Superposed": "glassbox.superpose.codes",
    "LearnConfig": "glassbox.superpose.learn",
    "Point": "glassbox.superpose.run",
    "superpose": "glassbox.superpose.run",
    "sweep": "glassbox.superpose.run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'glassbox.superpose' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:  # a submodule
        return importlib.import_module(f"glassbox.superpose.{name}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
