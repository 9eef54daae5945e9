"""Run directories: `config.json` and `results.json` written atomically, resumed when the config matches.

Both regimes split an experiment into independent units (a batched run of superposition models, a
(T, seed, m) run of double descent). `claim(out, config)` opens a directory for a config: a new or
empty directory gets `config.json`; one holding the same config resumes (its finished units are
returned); one holding another run is refused unless `force`, which removes that run's files
first. `results.json` is rewritten atomically after every unit, and figures are saved atomically,
so an interrupted run leaves only whole files.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "run"
>>> claim(out, {"name": "a", "steps": 3}) is None      # new: nothing to resume
True
>>> write_json(out / "results.json", {"units": [1]})
>>> claim(out, {"name": "a", "steps": 3})              # same config: resume
{'units': [1]}
>>> claim(out, {"name": "a", "steps": 4})
Traceback (most recent call last):
...
glassbox.errors.ConfigError: ... holds a different experiment (differs in steps); ...
"""

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glassbox.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CONFIG, RESULTS = "config.json", "results.json"


def write_json(path: Path, payload: Any, indent: int | None = None) -> None:
    """Write `payload` as JSON through a temporary file and a rename (readers see old or new, never half)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=indent) + "\n")
    os.replace(tmp, path)


def save_figure(fig: "Figure", path: str | Path, dpi: int = 110) -> Path:
    """Write `fig` as PNG at `path` atomically and return the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two JSON values differ (`runs[0].train.steps`), outermost first.

    >>> differences({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 3]}})
    ['b.c[1]']
    """
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            out += [path] if (key in a) != (key in b) else differences(a[key], b[key], path)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{prefix}[{i}]")]
    return [] if a == b else [prefix or "(the whole config)"]


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); remove it or choose another --out") from exc


def claim(
    out: str | Path,
    config: dict[str, Any],
    comparable: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d,
    force: bool = False,
) -> dict[str, Any] | None:
    """Open `out` for the run described by `config` (a JSON-ready dict) and write `config.json`.

    Args:
        out: the run directory (created if missing).
        config: the experiment's config as written to `config.json`.
        comparable: strips what does not change the results (device, threads) before comparing.
        force: replace another run's files instead of refusing.

    Returns:
        The saved `results.json` when `out` holds this same config, else None.

    Raises:
        ConfigError: `out` is a file, or holds another run and `force` is off.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a directory")
    config_path, results_path = out / CONFIG, out / RESULTS
    previous = None
    if config_path.exists():
        saved = _load(config_path)
        ours = json.loads(json.dumps(config))  # tuples -> lists, as saved
        diff = differences(comparable(saved), comparable(ours)) if isinstance(saved, dict) else ["(not a config)"]
        if diff and not force:
            shown = ", ".join(diff[:4]) + (f" and {len(diff) - 4} more" if len(diff) > 4 else "")
            raise ConfigError(
                f"{out} holds a different experiment (differs in {shown}); resume it with the same config, "
                "choose another --out, or pass --force to replace it"
            )
        if results_path.exists():
            previous = _load(results_path)
        if diff:  # forced: remove the other run's files, so none is left beside the new results
            for name in [*(previous or {}).get("figures", []), RESULTS]:
                (out / name).unlink(missing_ok=True)
            previous = None
    out.mkdir(parents=True, exist_ok=True)
    write_json(config_path, config, indent=2)
    return previous


def interrupted_note(out: str | Path, finished: Callable[[dict[str, Any]], int], unit: str) -> str:
    """One line for Ctrl-C: what `out` kept and how to resume.

    Args:
        out: the run directory.
        finished: the number of finished units in the saved `results.json`.
        unit: what a unit is called ("run", "(T, seed, m) run").
    """
    path = Path(out) / RESULTS
    done = finished(_load(path)) if path.exists() else 0
    kept = f"{done} finished {unit}(s) kept in {path}" if done else f"no {unit} finished yet"
    return f"interrupted; {kept}; rerun the same command to resume"
