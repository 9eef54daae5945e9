"""The runtime checker the test suite applies to shape annotations (jaxtyping's import hook + beartype).

`beartype` is a dev dependency, imported on first use. Ints are accepted where floats are annotated
(PEP 484's numeric tower), as Python's own typing rules say.
"""

from collections.abc import Callable
from typing import Any


def tower(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`beartype` with the numeric tower on: the typechecker named in pyproject's pytest options."""
    from beartype import BeartypeConf, beartype

    return beartype(conf=BeartypeConf(is_pep484_tower=True))(fn)
