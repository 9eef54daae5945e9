"""glassbox: transformers whose insides are known.

Axis names used in shape annotations throughout the package:

    batch    sequences in a batch            pos      positions (BOS included)
    d_model  residual-stream dimensions      n_heads  attention heads in a layer
    d_head   per-head query/key/value width  d_mlp    MLP hidden units
    d_vocab  input token ids                 inst     independent toy-model instances
    feats    toy-model features              d_hidden toy-model hidden dimensions
"""

from glassbox import errors as errors
from glassbox.errors import (
    ArtifactError as ArtifactError,
)
from glassbox.errors import (
    CompileError as CompileError,
)
from glassbox.errors import (
    GlassboxError as GlassboxError,
)
from glassbox.errors import (
    InputError as InputError,
)

__version__ = "0.1.0"

from glassbox import programs as programs  # noqa: E402
from glassbox import rasp as rasp  # noqa: E402
from glassbox.compiler.compiling import compile_rasp_to_model as compile_rasp_to_model  # noqa: E402


def load(directory):
    """Load a model saved by `CompiledModel.save` (see `glassbox.export.artifact.load`).

    Imported on first call, so that `import glassbox` stays torch-free.

    Args:
        directory: a folder holding `model.safetensors` and `glassbox.json`.

    Returns:
        A `glassbox.model.compiled.CompiledModel` whose outputs are bit-identical to the saved one's.

    Raises:
        ArtifactError: naming the file and the problem.
    """
    from glassbox.export.artifact import load as _load

    return _load(directory)
