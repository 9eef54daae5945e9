"""A typed JSON encoding of RASP values that round-trips exactly.

JSON alone cannot tell `1`, `1.0` and `True` apart (other parsers read all numbers as doubles), nor
hold a tuple or a non-finite float. Values are therefore written as:

    None -> null          bool -> true/false           str -> "text"
    int  -> {"int": 3}    float -> {"float": 0.5}, {"float": "inf" | "-inf" | "nan"}
    tuple -> {"tuple": [...]}  (nested values encoded the same way)

>>> encode((1, 1.0, True, None, "a"))
{'tuple': [{'int': 1}, {'float': 1.0}, True, None, 'a']}
>>> decode(encode((1, 1.0, True))) == (1, 1.0, True)
True
>>> [type(v).__name__ for v in decode(encode((1, 1.0, True)))]
['int', 'float', 'bool']
"""

import math
from typing import Any

import numpy as np

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def encode(value: Any) -> Any:
    """The JSON-ready form of `value`.

    Args:
        value: None, bool, int, float, str or a (nested) tuple of these. numpy scalars are taken as
            the matching Python type.

    Returns:
        Plain JSON data (dicts, lists, strings, numbers, booleans, None).

    Raises:
        TypeError: naming the value whose type has no encoding (lists, sets, objects, ...).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and isinstance(value.item(), (bool, int, float)):
        return encode(value.item())
    if isinstance(value, int):
        return {"int": int(value)}
    if isinstance(value, float):
        if math.isfinite(value):
            return {"float": float(value)}
        return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    raise TypeError(f"cannot encode {value!r:.80} of type {type(value).__name__} "
                    "(supported: None, bool, int, float, str, tuple)")


def decode(data: Any, where: str = "value") -> Any:
    """The Python value that `encode` turned into `data`.

    Args:
        data: parsed JSON.
        where: a path to name in error messages (e.g. `circuit[3].values[1]`).

    Returns:
        The value, with its exact type (int, float, bool, str, None, tuple).

    Raises:
        ValueError: naming `where` and what is wrong with `data`.
    """
    if data is None or isinstance(data, (bool, str)):
        return data
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError(f"{where}: expected null, a boolean, a string or a one-key object, got {data!r:.80}")
    (tag, inner), = data.items()
    if tag == "int" and isinstance(inner, int) and not isinstance(inner, bool):
        return inner
    if tag == "float":
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return float(inner)
        if isinstance(inner, str) and inner in _NON_FINITE:
            return _NON_FINITE[inner]
    if tag == "tuple" and isinstance(inner, list):
        return tuple(decode(v, f"{where}[{i}]") for i, v in enumerate(inner))
    raise ValueError(f"{where}: bad encoded value {data!r:.80} (tags: int, float, tuple)")
