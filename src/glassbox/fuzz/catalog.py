"""The fuzzer's vocabulary of functions and predicates, each with its Python source and its kinds.

Every function is total on its input kinds (it never raises), so a mismatch is the compiler's
fault, not the program's. Kinds: `int`, `bool`, `float`, `str`.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from glassbox import rasp


@dataclasses.dataclass(frozen=True)
class Function:
    """One catalog function: `source` is a lambda; `inputs` and `output` are kinds."""

    source: str
    inputs: tuple[str, ...]
    output: str

    @property
    def compiled(self) -> Callable[..., Any]:
        return _compiled(self.source)


_CACHE: dict[str, Callable[..., Any]] = {}


def _compiled(source: str) -> Callable[..., Any]:
    if source not in _CACHE:
        _CACHE[source] = eval(source, {"__builtins__": {"abs": abs, "min": min, "max": max, "round": round,
                                                         "int": int, "float": float, "str": str, "ord": ord,
                                                         "len": len, "bool": bool}})
    return _CACHE[source]


def _table() -> dict[str, Function]:
    maps = {
        ("int",): {
            "int": ["lambda x: x + 1", "lambda x: x - 1", "lambda x: 2 * x", "lambda x: x % 3", "lambda x: x // 2",
                    "lambda x: -x", "lambda x: abs(x - 2)", "lambda x: min(x, 2)", "lambda x: x * x",
                    "lambda x: 3 - x", "lambda x: 10 * x", "lambda x: x * x * x - 4 * x"],
            "bool": ["lambda x: x > 1", "lambda x: x == 0", "lambda x: x % 2 == 0", "lambda x: x < 3"],
            "float": ["lambda x: x / 2", "lambda x: 0.5 * x + 0.25", "lambda x: x / 3", "lambda x: float(x)"],
            "str": ["lambda x: str(x)"],
        },
        ("bool",): {
            "int": ["lambda x: int(x)", "lambda x: 1 if x else -1", "lambda x: 3 * x"],
            "bool": ["lambda x: not x"],
            "float": ["lambda x: 0.5 if x else 2.0"],
            "str": ["lambda x: str(x)"],
        },
        ("float",): {
            "float": ["lambda x: x * x", "lambda x: 2 * x", "lambda x: x - 0.5", "lambda x: x / 2", "lambda x: abs(x)",
                      "lambda x: 100 * x", "lambda x: x * x * x", "lambda x: 1 / (1 + x * x)"],
            "bool": ["lambda x: x > 0.5", "lambda x: x >= 0", "lambda x: x == 0", "lambda x: x < 1"],
            "int": ["lambda x: round(x)", "lambda x: int(3 * x)", "lambda x: int(x > 0.25)"],
            "str": ["lambda x: str(x)"],
        },
        ("str",): {
            "str": ["lambda x: {'a': 'b', 'b': 'c', 'c': 'a'}.get(x, x)", "lambda x: x + x"],
            "bool": ["lambda x: x == 'a'", "lambda x: x < 'b'"],
            "int": ["lambda x: ord(x[0]) - 97", "lambda x: len(x)"],
        },
        ("int", "int"): {
            "int": ["lambda x, y: x + y", "lambda x, y: x - y", "lambda x, y: x * y", "lambda x, y: max(x, y)",
                    "lambda x, y: min(x, y)", "lambda x, y: (x + y) % 3"],
            "bool": ["lambda x, y: x < y", "lambda x, y: x == y", "lambda x, y: x >= y"],
            "float": ["lambda x, y: x / (abs(y) + 1)"],
        },
        ("bool", "bool"): {"bool": ["lambda x, y: x and y", "lambda x, y: x or y", "lambda x, y: x != y"],
                           "int": ["lambda x, y: x + y"]},
        ("int", "bool"): {"int": ["lambda x, y: x if y else 0", "lambda x, y: x + y"]},
        ("bool", "int"): {"int": ["lambda x, y: y if x else -y"]},
        ("float", "int"): {"float": ["lambda x, y: x * y", "lambda x, y: x + y"],
                           "bool": ["lambda x, y: x > y"]},
        ("int", "float"): {"float": ["lambda x, y: x - y"], "bool": ["lambda x, y: x >= y"]},
        ("float", "float"): {"float": ["lambda x, y: x + y", "lambda x, y: x * y", "lambda x, y: max(x, y)",
                                       "lambda x, y: x - y"],
                             "bool": ["lambda x, y: x < y"]},
        ("float", "bool"): {"float": ["lambda x, y: x if y else 0.0"]},
        ("str", "str"): {"bool": ["lambda x, y: x == y"], "str": ["lambda x, y: x if x < y else y"]},
        ("str", "bool"): {"str": ["lambda x, y: x if y else 'b'"]},
        ("str", "int"): {"str": ["lambda x, y: x if y > 1 else 'c'"], "int": ["lambda x, y: y if x == 'a' else 0"]},
        ("int", "str"): {"bool": ["lambda x, y: str(x) == y"]},
    }
    out: dict[str, Function] = {}
    for inputs, by_output in maps.items():
        for output, sources in by_output.items():
            for source in sources:
                key = f"{'/'.join(inputs)}:{source}"
                out[key] = Function(source, inputs, output)
    return out


FUNCTIONS: dict[str, Function] = _table()


def functions(inputs: tuple[str, ...]) -> list[str]:
    """The catalog keys of the functions taking `inputs`."""
    return [key for key, f in FUNCTIONS.items() if f.inputs == inputs]


# Predicates: every Comparison, and a few lambdas over numbers.
COMPARISONS = tuple(c.name for c in rasp.Comparison)
PREDICATES: dict[str, str] = {
    "next": "lambda k, q: k == q + 1",
    "prev": "lambda k, q: k + 1 == q",
    "near": "lambda k, q: abs(k - q) <= 1",
    "parity": "lambda k, q: k % 2 == q % 2",
}
_ORDERED = ("LT", "LEQ", "GT", "GEQ")


def comparable(keys: str, queries: str, predicate: str) -> bool:
    """Whether `predicate` can compare values of these kinds without raising."""
    if predicate in ("EQ", "NEQ", "TRUE", "FALSE"):
        return (keys == "str") == (queries == "str")
    if predicate in _ORDERED:
        return (keys == "str") == (queries == "str")
    if predicate in PREDICATES:
        return keys in ("int", "bool") and queries in ("int", "bool") if predicate == "parity" else (
            keys != "str" and queries != "str")
    return False


def predicate(name: str) -> Any:
    """The predicate object of a Select."""
    if name in COMPARISONS:
        return rasp.Comparison[name]
    return _compiled(PREDICATES[name])


def predicate_source(name: str) -> str:
    return f"rasp.Comparison.{name}" if name in COMPARISONS else PREDICATES[name]


def kind_of(value: Any) -> str:
    """The kind of a constant (bool before int: True is an int in Python)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"
