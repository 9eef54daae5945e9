"""Named residual directions, and features: sparse linear read-outs over those directions.

A `Direction` is one residual dimension, printed `name:value` (categorical) or `name`
(numerical and special directions). A `Feature` is a sparse vector over directions: how a value
of an SOp is read from the residual stream. Materialised SOps read one direction per value;
virtual SOps (linear maps of others) read combinations.
"""

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

ONE = "one"
TOKENS = "tokens"
INDICES = "indices"


@dataclasses.dataclass(frozen=True)
class Direction:
    """One named residual dimension."""

    name: str
    value: Any = None

    def __str__(self) -> str:
        return self.name if self.value is None else f"{self.name}:{self.value}"


Feature = Mapping[Direction, float]


def unit(direction: Direction) -> dict[Direction, float]:
    """The feature that reads exactly one direction."""
    return {direction: 1.0}


def add(*terms: tuple[float, Feature]) -> dict[Direction, float]:
    """The linear combination Σ coef·feature, dropping exact zeros."""
    out: dict[Direction, float] = {}
    for coef, feature in terms:
        if coef == 0:
            continue
        for direction, value in feature.items():
            out[direction] = out.get(direction, 0.0) + coef * value
    return {d: v for d, v in out.items() if v != 0}


def value_sort_key(value: Any) -> tuple:
    """A total order over mixed values: numbers by value, then other types by name and repr."""
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return (0, float(value), "")
    return (1, type(value).__name__, repr(value))


def sorted_values(values: Iterable[Any]) -> list[Any]:
    """Deterministically sorted distinct values (None excluded)."""
    return sorted((v for v in set(values) if v is not None), key=value_sort_key)


@dataclasses.dataclass(frozen=True)
class Space:
    """An ordered set of directions: the axis labels of a matrix or of the residual stream."""

    directions: tuple[Direction, ...]

    def __post_init__(self) -> None:
        if len(set(self.directions)) != len(self.directions):
            raise ValueError("Space: duplicate directions")
        object.__setattr__(self, "_index", {d: i for i, d in enumerate(self.directions)})

    def __len__(self) -> int:
        return len(self.directions)

    def __iter__(self):
        return iter(self.directions)

    def __contains__(self, direction: object) -> bool:
        return direction in self._index  # type: ignore[attr-defined]

    def index(self, direction: Direction) -> int:
        """The position of `direction` in this space."""
        return self._index[direction]  # type: ignore[attr-defined]

    @property
    def labels(self) -> list[str]:
        """`name:value` labels, one per direction."""
        return [str(d) for d in self.directions]
