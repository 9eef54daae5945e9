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
    tokens = list(vocab) if isinstance(vocab, Iterable) and not isinstance(vocab, (str, bytes)) else None
    vocab_problems = (["must be a collection of tokens (a set or list), not " + type(vocab).__name__]
                      if tokens is None else vocab_problems_of(tokens))
    problems += [("vocab", p) for p in vocab_problems]
    vocab = () if vocab_problems or tokens is None else tuple(bases.sorted_values(tokens))
    for special, name in ((bos, "compiler_bos"), (pad, "compiler_pad")):
        if special in vocab:
            problems.append((name, f"{special!r} is also in the vocab; choose a token outside it"))
    if bos == pad:
        problems.append(("compiler_pad", f"must differ from compiler_bos ({bos!r})"))
    if not isinstance(max_seq_len, int) or isinstance(max_seq_len, bool) or max_seq_len < 1:
        problems.append(("max_seq_len", f"must be a positive integer, got {max_seq_len!r}"))
    if dtype not in (*DTYPES, "auto"):
        problems.append(("dtype", f"must be one of {(*DTYPES, 'auto')}, got {dtype!r}"))
    if problems:
        raise CompileError(problems)
    auto = dtype == "auto"
    return Options(vocab, max_seq_len, bool(causal), bos, pad, "float32" if auto else dtype, auto)


def vocab_problems_of(tokens: list[Any]) -> list[str]:
    """What is wrong with a vocab given as a list of tokens (the API's and the CLI's one check)."""
    problems = []
    if not tokens:
        problems.append("must contain at least one token")
    bad = [t for t in tokens if not _hashable(t)]
    if bad:
        problems.append(f"token {bad[0]!r} is not hashable")
        return problems
    if None in tokens:
        problems.append("None cannot be a token (RASP uses it for 'no value')")
    seen: dict[Any, Any] = {}
    for t in tokens:
        if t in seen:
            same = "is repeated" if type(seen[t]) is type(t) else f"equals {seen[t]!r} (Python treats them as one key)"
            problems.append(f"token {t!r} {same}")
            break
        seen[t] = t
    return problems


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
