"""Up-front checks on the arguments of a compilation → `Options` (the program itself is checked while lowering)."""

from collections.abc import Iterable
from typing import Any

from glassbox import rasp
from glassbox.compiler.nodes import Options
from glassbox.craft import bases
from glassbox.errors import CompileError
from glassbox.model.config import DTYPES


def check_arguments(program: Any, vocab: Iterable[Any], max_seq_len: Any, causal: Any, bos: Any, pad: Any,
                    dtype: Any = "float32") -> Options:
    """Validate the compile arguments (the one place `dtype` is checked).

    Returns:
        The Options, with the vocab as a sorted tuple.

    Raises:
        CompileError: listing every problem found.
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(program, rasp.SOp):
        problems.append((repr(program), "the program must be a RASP SOp"))
    try:
        vocab = tuple(bases.sorted_values(vocab))
    except TypeError as exc:
        problems.append(("vocab", f"must be an iterable of hashable tokens ({exc})"))
        vocab = ()
    if not vocab:
        problems.append(("vocab", "must contain at least one token"))
    for special, name in ((bos, "compiler_bos"), (pad, "compiler_pad")):
        if special in vocab:
            problems.append((name, f"{special!r} is also in the vocab; choose a token outside it"))
    if bos == pad:
        problems.append(("compiler_pad", f"must differ from compiler_bos ({bos!r})"))
    if not isinstance(max_seq_len, int) or isinstance(max_seq_len, bool) or max_seq_len < 1:
        problems.append(("max_seq_len", f"must be a positive integer, got {max_seq_len!r}"))
    if dtype not in DTYPES:
        problems.append(("dtype", f"must be one of {DTYPES}, got {dtype!r}"))
    if problems:
        raise CompileError(problems)
    return Options(vocab, max_seq_len, bool(causal), bos, pad, dtype)
