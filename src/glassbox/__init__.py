"""glassbox: transformers whose insides are known.

    import glassbox as gb
    model = gb.compile_rasp_to_model(gb.programs.make_hist(), vocab={"a", "b"}, max_seq_len=5)

`import glassbox` is torch-free: the compiler, `CompiledModel` and `load` are imported on first use.

Axis names used in shape annotations throughout the package:

    batch    sequences in a batch            pos      positions (BOS included)
    d_model  residual-stream dimensions      n_heads  attention heads in a layer
    d_head   per-head query/key/value width  d_mlp    MLP hidden units
    d_vocab  input token ids                 inst     independent toy-model instances
    feats    toy-model features              d_hidden toy-model hidden dimensions
"""

import importlib
from typing import TYPE_CHECKING, Any

from glassbox import errors as errors
from glassbox import programs as programs
from glassbox import rasp as rasp
from glassbox.errors import ArtifactError as ArtifactError
from glassbox.errors import CompileError as CompileError
from glassbox.errors import ConfigError as ConfigError
from glassbox.errors import EvaluationError as EvaluationError
from glassbox.errors import GlassboxError as GlassboxError
from glassbox.errors import GlassboxWarning as GlassboxWarning
from glassbox.errors import InputError as InputError
from glassbox.errors import RaspError as RaspError
from glassbox.errors import VerificationError as VerificationError

if TYPE_CHECKING:
    from glassbox.compiler.compiling import compile_rasp_to_model as compile_rasp_to_model
    from glassbox.export.artifact import load as load
    from glassbox.model.compiled import CompiledModel as CompiledModel

__version__ = "0.1.0"

# Loaded on first use (PEP 562), so that `import glassbox` does not import torch.
_LAZY = {
    "compile_rasp_to_model": "glassbox.compiler.compiling",
    "CompiledModel": "glassbox.model.compiled",
    "load": "glassbox.export.artifact",
}

__all__ = [
    "ArtifactError", "CompileError", "CompiledModel", "ConfigError", "EvaluationError", "GlassboxError",
    "GlassboxWarning", "InputError", "RaspError", "VerificationError", "compile_rasp_to_model", "errors", "load",
    "programs", "rasp",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "_typecheck":  # the test suite's shape checker, named by a dotted path in pyproject
        return importlib.import_module("glassbox._typecheck")
    raise AttributeError(f"module 'glassbox' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
