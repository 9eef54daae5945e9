"""What every toy config shares: typed JSON round trips, dotted overrides, one-line validation errors.

Configs are frozen dataclasses deriving from `Config`. `from_dict` converts a JSON value to the
declared field types all the way down (an unknown field or a value of the wrong type is a
`ConfigError` naming its dotted path and the nearest valid name); `with_overrides` applies
`--set`-style `path=value` strings; `problems()` lists the range checks of one config, and
`check` raises them all in one line. A `Registry` names presets (or figure builders).

>>> from dataclasses import dataclass, field
>>> @dataclass(frozen=True)
... class Inner(Config):
...     steps: int = 10
...     sizes: tuple[int | None, ...] = (3, None)
>>> @dataclass(frozen=True)
... class Outer(Config):
...     name: str = "x"
...     inner: Inner = field(default_factory=Inner)
>>> Outer().with_overrides(["inner.steps=5", "inner.sizes=3,null"]).inner
Inner(steps=5, sizes=(3, None))
>>> Outer().with_overrides(["inner.stepz=5"])
Traceback (most recent call last):
...
glassbox.errors.ConfigError: unknown config field 'inner.stepz'; did you mean 'inner.steps'?
>>> Outer().with_overrides(["inner.steps=five"])
Traceback (most recent call last):
...
glassbox.errors.ConfigError: inner.steps='five' is not an int
"""

import dataclasses
import difflib
import json
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any, Self, TypeVar

from glassbox.errors import ConfigError

T = TypeVar("T")

# Choices both regimes offer (see `glassbox.toy.init` and `glassbox.toy.schedules`).
INITS = ("xavier_normal", "xavier_uniform")
SCHEDULES = ("constant", "linear", "cosine", "cosine_quarter")
DEVICES = ("cpu", "cuda")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _nearest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(sorted(options))}"


def _parse(text: str) -> Any:
    """A `--set` value: JSON when it parses (3, 0.5, true, null, [1, 2]), else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def coerce(tp: Any, value: Any, path: str) -> Any:
    """`value` (JSON or parsed `--set` text) as type `tp`, or a ConfigError naming `path`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, Config):
        if not isinstance(value, dict):
            raise ConfigError(f"{path}={value!r} should be a table of {tp.__name__} fields")
        return tp.from_dict(value, path)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arm in (a for a in args if a is not type(None)):
            try:
                return coerce(arm, value, path)
            except ConfigError as exc:
                errors.append(exc)
        raise ConfigError(f"{path}={value!r} is not {' or '.join(_type_name(a) for a in args)}")
    if origin is tuple:
        if isinstance(value, str):
            value = [_parse(v) for v in value.split(",")]
        elif isinstance(value, int | float) and not isinstance(value, bool) and len(args) == 2 and args[1] is ...:
            value = [value]  # a single number for a one-instance list
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path}={value!r} should be a list")
        if len(args) == 2 and args[1] is ...:
            return tuple(coerce(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(f"{path}={value!r} should hold {len(args)} values")
        return tuple(coerce(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True)))
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp in (int, bool, str) and type(value) is tp:
        return value
    raise ConfigError(f"{path}={value!r} is not {'an' if _type_name(tp)[0] in 'aeiou' else 'a'} {_type_name(tp)}")


def not_in(choices: Iterable[tuple[str, Any, Sequence[Any]]]) -> list[str]:
    """`name=value is not one of ...` for every (name, value, options) whose value is not an option."""
    return [f"{name}={value!r} is not one of {tuple(opts)}" for name, value, opts in choices if value not in opts]


def below(minimum: int, values: Iterable[tuple[str, int]]) -> list[str]:
    """`name=value must be >= minimum` for every (name, value) below `minimum`."""
    return [f"{name}={value} must be >= {minimum}" for name, value in values if value < minimum]


def check(what: str, problems: Sequence[str]) -> None:
    """Raise one ConfigError listing every problem on one line (nothing when there is none)."""
    if problems:
        raise ConfigError(f"invalid {what}: " + "; ".join(problems))


class Config:
    """Base of the frozen config dataclasses: typed dict round trip and dotted overrides."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples become lists)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, raw: dict[str, Any], path: str = "") -> Self:
        """Inverse of `to_dict`; missing fields take their defaults.

        Raises:
            ConfigError: an unknown field (with the nearest valid name), a value of the wrong type,
                or a value out of range, each naming its dotted path.
        """
        if not isinstance(raw, dict):
            raise ConfigError(f"{path or 'config'} should be a table of {cls.__name__} fields, got {raw!r}")
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        dotted = lambda name: f"{path}.{name}" if path else name  # noqa: E731
        for name in raw:
            if name not in fields:
                raise ConfigError(f"unknown config field {dotted(name)!r}" + _nearest(name, fields))
        values = {name: coerce(hints[name], v, dotted(name)) for name, v in raw.items()}
        try:
            return cls(**values)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}" if path else str(exc)) from None

    @classmethod
    def field_paths(cls, prefix: str = "") -> list[str]:
        """Dotted paths of every leaf field (a nested config's fields, not the config itself)."""
        out = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            tp = typing.get_type_hints(cls)[f.name]
            path = f"{prefix}{f.name}"
            out += tp.field_paths(path + ".") if isinstance(tp, type) and issubclass(tp, Config) else [path]
        return out

    def with_overrides(self, assignments: Sequence[str]) -> Self:
        """A copy with `path=value` assignments applied (values parsed as in `--set`), checked as a whole.

        Raises:
            ConfigError: a malformed assignment, an unknown path, or a bad value, naming it.
        """
        tree = self.to_dict()
        for text in assignments:
            path, sep, value = text.partition("=")
            if not sep or not path:
                raise ConfigError(f"--set {text!r} should read FIELD=VALUE, e.g. train.steps=100")
            self._assign(tree, path.strip(), _parse(value.strip()))
        return type(self).from_dict(tree)

    def _assign(self, tree: dict[str, Any], path: str, value: Any) -> None:
        """Set `path` in the dict form of this config (subclasses route paths, e.g. to every run)."""
        assign(tree, path, value, self.field_paths())


def assign(tree: dict[str, Any], path: str, value: Any, known: Sequence[str], shown: str = "") -> None:
    """Set dotted `path` in a config dict; an unknown step names the nearest of `known` paths."""
    node: Any = tree
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node or (i < len(parts) - 1 and not isinstance(node[part], dict)):
            raise ConfigError(f"unknown config field {(shown or path)!r}" + _nearest(path, known))
        if i == len(parts) - 1:
            node[part] = value
        node = node[part]


class Registry(dict[str, T]):
    """Named presets or figure builders: a dict whose `pick(name)` fails with the choices."""

    def __init__(self, what: str, items: Iterable[tuple[str, T]] = ()) -> None:
        super().__init__(items)
        self.what = what

    def pick(self, name: str) -> T:
        """The entry `name`.

        Raises:
            ConfigError: no entry has that name (the message lists the names).
        """
        if name not in self:
            raise ConfigError(f"unknown {self.what} {name!r}; choose one of {sorted(self)}")
        return self[name]
