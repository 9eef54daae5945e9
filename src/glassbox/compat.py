"""Drop-in tracr: make `import tracr` and tracr's module paths resolve to glassbox.

    from glassbox import compat
    compat.install_tracr_aliases()
    from tracr.rasp import rasp                 # glassbox.rasp
    from tracr.compiler import compiling, lib   # glassbox's compiler (tracr's defaults), glassbox.programs.library

After the call, code written against tracr's paths runs unchanged on glassbox: `tracr.rasp.rasp`
is `glassbox.rasp` (which has every public name of tracr's `rasp` module), `tracr.compiler.lib` is
the program library, `tracr.compiler.compiling.compile_rasp_to_model` compiles with glassbox
(tracr's signature and its default BOS/PAD tokens `compiler_bos`/`compiler_pad`), and
`tracr.rasp.causal_eval` evaluates causally. The aliases live in `sys.modules` for the rest of the
process (`uninstall_tracr_aliases()` removes them). Importing this module imports no torch.
"""

import sys
import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from glassbox import rasp
from glassbox.errors import GlassboxError
from glassbox.programs import library
from glassbox.rasp import evaluator

if TYPE_CHECKING:
    from glassbox.model.compiled import CompiledModel

COMPILER_BOS = "compiler_bos"  # tracr's defaults (tracr/compiler/compiling.py)
COMPILER_PAD = "compiler_pad"
_MARK = "__glassbox_alias__"  # set on every alias module, so a real tracr is never mistaken for ours


def compile_rasp_to_model(program: rasp.SOp, vocab: Iterable[Any], max_seq_len: int, causal: bool = False,
                          compiler_bos: Any = COMPILER_BOS, compiler_pad: Any = COMPILER_PAD,
                          mlp_exactness: int = 100, **options: Any) -> "CompiledModel":
    """tracr's `compiling.compile_rasp_to_model`, compiled by glassbox (tracr's default BOS and PAD).

    Extra keyword arguments are glassbox's (`dtype`, `verify`, `max_params`, ...); see
    `glassbox.compile_rasp_to_model`.
    """
    from glassbox.compiler import compiling

    return compiling.compile_rasp_to_model(program, vocab, max_seq_len, causal=causal, compiler_bos=compiler_bos,
                                           compiler_pad=compiler_pad, mlp_exactness=mlp_exactness, **options)


def causal_evaluate(expr: rasp.RASPExpr, xs: Any) -> Any:
    """tracr's `causal_eval.evaluate`: every selector sees only keys up to the query position."""
    return rasp.evaluate(expr, xs, causal=True)


def _module(name: str, doc: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name, doc)
    module.__dict__.update(attrs)
    setattr(module, _MARK, True)
    return module


def _aliases() -> dict[str, types.ModuleType]:
    compiling = _module("tracr.compiler.compiling", "glassbox's compiler with tracr's signature and defaults.",
                        compile_rasp_to_model=compile_rasp_to_model, COMPILER_BOS=COMPILER_BOS,
                        COMPILER_PAD=COMPILER_PAD)
    causal_eval = _module("tracr.rasp.causal_eval", "tracr's causal evaluator, from glassbox.",
                          CausalEvaluator=evaluator.CausalEvaluator, evaluate=causal_evaluate)
    rasp_pkg = _module("tracr.rasp", "glassbox.rasp under tracr's path.", __path__=[], rasp=rasp,
                       causal_eval=causal_eval)
    compiler_pkg = _module("tracr.compiler", "glassbox's compiler under tracr's path.", __path__=[],
                           compiling=compiling, lib=library)
    root = _module("tracr", "glassbox, installed under tracr's import paths by glassbox.compat.", __path__=[],
                   rasp=rasp_pkg, compiler=compiler_pkg)
    return {"tracr": root, "tracr.rasp": rasp_pkg, "tracr.rasp.rasp": rasp, "tracr.rasp.causal_eval": causal_eval,
            "tracr.compiler": compiler_pkg, "tracr.compiler.compiling": compiling, "tracr.compiler.lib": library}


def install_tracr_aliases(replace: bool = False) -> types.ModuleType:
    """Make `tracr`, `tracr.rasp.rasp`, `tracr.rasp.causal_eval`, `tracr.compiler.compiling` and
    `tracr.compiler.lib` import as glassbox for the rest of the process.

    Args:
        replace: also when a real tracr has already been imported (its modules are shadowed).

    Returns:
        The `tracr` alias module.

    Raises:
        GlassboxError: a real tracr is imported already and `replace` is False.

    >>> from glassbox import compat
    >>> tracr = compat.install_tracr_aliases()
    >>> from tracr.rasp import rasp as tracr_rasp
    >>> from glassbox import rasp
    >>> tracr_rasp is rasp
    True
    >>> compat.uninstall_tracr_aliases()
    """
    current = sys.modules.get("tracr")
    if current is not None and getattr(current, _MARK, False):
        return current
    if current is not None and not replace:
        raise GlassboxError(f"a real tracr is already imported (from {getattr(current, '__file__', '?')}); "
                            "call install_tracr_aliases(replace=True) to shadow it with glassbox")
    for name in [n for n in sys.modules if n == "tracr" or n.startswith("tracr.")]:
        del sys.modules[name]
    aliases = _aliases()
    sys.modules.update(aliases)
    return aliases["tracr"]


def uninstall_tracr_aliases() -> None:
    """Remove the aliases `install_tracr_aliases` added (a real tracr, if installed, imports again)."""
    for name in [n for n in sys.modules if n == "tracr" or n.startswith("tracr.")]:
        module = sys.modules[name]
        if getattr(module, _MARK, False) or module is rasp or module is library:
            del sys.modules[name]
