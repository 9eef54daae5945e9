"""Turning command-line strings into the library's objects: program specs, vocabularies, token sequences."""

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glassbox.errors import GlassboxError, InputError

_INT = re.compile(r"[+-]?\d+")


def count(text: str) -> int:
    """An argparse type: a non-negative integer (argparse prints the one-line usage error)."""
    import argparse

    if not _INT.fullmatch(text.strip()) or int(text) < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def parse_vocab(text: str) -> list[Any]:
    """`"1,2,3"` -> [1, 2, 3]; items that look like integers become ints, the rest stay strings.

    Raises:
        InputError: an empty item or a repeated token.
    """
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise InputError(f"--vocab {text!r}: empty token; give comma-separated tokens, e.g. --vocab 1,2,3")
    vocab = [int(item) if _INT.fullmatch(item) else item for item in items]
    from glassbox.compiler.validate import vocab_problems_of

    problems = vocab_problems_of(vocab)
    if problems:
        raise InputError(f"--vocab {text!r}: {problems[0]}")
    return vocab


def load_program(spec: str, max_seq_len: int) -> Any:
    """The RASP program a spec names.

    Args:
        spec: a library name (`sort`), `module:function` or `path/to/file.py:function`. The function
            may also be a module-level SOp; a function that takes `max_seq_len` gets it.
        max_seq_len: the length to build for.

    Returns:
        A `glassbox.rasp.SOp`.

    Raises:
        InputError: the name is unknown, the module or file cannot be imported, or the function
            does not give an SOp.
    """
    from glassbox import programs, rasp

    if spec in programs.LIBRARY:
        return programs.LIBRARY[spec].build(max_seq_len)
    if ":" not in spec:
        raise InputError(f"unknown program {spec!r}: not in the library ({', '.join(programs.LIBRARY)}); "
                         "use a library name, module:function or path.py:function")
    obj, name = _target(spec)
    if callable(obj) and not isinstance(obj, rasp.RASPExpr):
        try:
            takes_len = "max_seq_len" in inspect.signature(obj).parameters
        except (TypeError, ValueError):
            takes_len = False
        try:
            obj = obj(max_seq_len=max_seq_len) if takes_len else obj()
        except GlassboxError:
            raise
        except Exception as exc:  # the user's code: one line naming it (the traceback with --debug)
            raise InputError(f"program spec {spec!r}: {name}() raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(obj, rasp.SOp):
        raise InputError(f"program spec {spec!r} gave {type(obj).__name__}, not a RASP SOp")
    return obj


def _target(spec: str) -> tuple[Any, str]:
    """The object a `module:name` or `file.py:name` spec names, and the name (the file is imported once)."""
    where, _, name = spec.rpartition(":")
    module = _import(where, spec)
    if not hasattr(module, name):
        raise InputError(f"program spec {spec!r}: {where} has no attribute {name!r}")
    return getattr(module, name), name


_IMPORTED: dict[Path, Any] = {}


def _import(where: str, spec: str) -> Any:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        if not path.is_file():
            raise InputError(f"program spec {spec!r}: no file {path}")
        if path.resolve() in _IMPORTED:
            return _IMPORTED[path.resolve()]
        mod_name = f"glassbox_user_{abs(hash(str(path.resolve())))}"
        loader = importlib.util.spec_from_file_location(mod_name, path)
        if loader is None or loader.loader is None:
            raise InputError(f"program spec {spec!r}: {path} cannot be imported as a Python file")
        module = importlib.util.module_from_spec(loader)
        sys.modules[mod_name] = module  # so dataclasses and pickling inside the file work
        try:
            loader.loader.exec_module(module)
        except Exception as exc:
            raise InputError(f"program spec {spec!r}: importing {path} failed: {type(exc).__name__}: {exc}") from exc
        _IMPORTED[path.resolve()] = module
        return module
    try:
        return importlib.import_module(where)
    except ImportError as exc:
        raise InputError(f"program spec {spec!r}: cannot import module {where!r}: {exc}") from exc


def parse_tokens(model: Any, items: Sequence[str], where: str = "input") -> list[Any]:
    """Command-line strings -> the model's tokens, matched by their printed form.

    Raises:
        InputError: naming the token and position that is not in the model's vocab.
    """
    by_text = {str(t): t for t in model.vocab}
    out = []
    for pos, item in enumerate(items):
        if item not in by_text:
            raise InputError(f"{where}, position {pos}: token {item!r} is not in the vocab "
                             f"{' '.join(map(str, model.vocab))}")
        out.append(by_text[item])
    return out


def read_input_file(model: Any, path: "str | Path") -> list[list[Any]]:
    """One sequence per non-blank line, tokens separated by spaces or commas.

    Raises:
        InputError: the file is missing, or a token is not in the vocab (naming the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read --input-file {path}: {exc.strerror or exc}") from exc
    seqs = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            seqs.append(parse_tokens(model, line.replace(",", " ").split(), f"{path}:{number}"))
    return seqs


def program_settings(spec: str, vocab: "str | None", max_seq_len: "int | None") -> tuple[Any, list[Any], int]:
    """The program, vocab and length a compile-style command asks for (library programs bring defaults).

    Raises:
        InputError: an unknown program, or --vocab / --max-seq-len missing for a program outside the library.
    """
    from glassbox import programs

    entry = programs.LIBRARY.get(spec)
    if entry is None and ":" not in spec:
        load_program(spec, 1)  # raises: unknown program
    if entry is None:
        _target(spec)  # raises: a missing module, file or function, before asking for --vocab
    if vocab is None and entry is None:
        raise InputError(f"{spec}: --vocab is required for programs outside the library")
    if max_seq_len is None and entry is None:
        raise InputError(f"{spec}: --max-seq-len is required for programs outside the library")
    tokens = parse_vocab(vocab) if vocab is not None else list(entry.vocab)  # type: ignore[union-attr]
    n = max_seq_len if max_seq_len is not None else entry.max_seq_len  # type: ignore[union-attr]
    if n < 1:
        raise InputError(f"--max-seq-len must be at least 1, got {n}")
    return load_program(spec, n), tokens, n


def load_or_compile(source: str, vocab: "str | None", max_seq_len: "int | None") -> Any:
    """A saved model folder (loaded) or a program spec (compiled)."""
    import glassbox as gb

    if Path(source).is_dir():
        return gb.load(source)
    program, tokens, n = program_settings(source, vocab, max_seq_len)
    return gb.compile_rasp_to_model(program, vocab=set(tokens), max_seq_len=n)
