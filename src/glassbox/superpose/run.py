"""Superposing a compiled model at one width, or sweeping widths: build, measure, save, resume.

`sweep` writes `results.json` atomically after every (code, width) point, and skips points already
there on a rerun with the same settings, so an interrupted sweep resumes where it stopped.
"""

import dataclasses
import json
import os
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassbox.errors import ConfigError
from glassbox.model.compiled import CompiledModel
from glassbox.superpose import codes, learn, measure
from glassbox.superpose.codes import Code, CodeKind, Superposed

RESULTS_FILE = "results.json"


def superpose(model: CompiledModel, width: int, code: CodeKind = "learned", *, seed: int = 0,
              learn_config: "learn.LearnConfig | None" = None) -> Superposed:
    """`model` in a residual of `width` dimensions, through a random, analytic or learned code.

    Args:
        model: a compiled model (its `program` is needed only to measure accuracy).
        width: d, 1..d_model.
        code: "random" (a seeded random projection), "analytic" (PCA of the residual states) or
            "learned" (trained with the compiled weights frozen; see `superpose.learn`).
        seed: for the random code, the analytic code's sample inputs and the learned code.
        learn_config: the learned code's settings.

    Returns:
        The width-d model, its source and the code.

    Raises:
        ConfigError: an unknown code or a width outside 1..d_model.

    >>> import glassbox as gb
    >>> from glassbox import programs, superpose
    >>> full = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=4)
    >>> rotated = superpose.superpose(full, full.config.d_model, "random")  # a rotation: still exact
    >>> rotated.model.config.d_model == full.config.d_model, rotated.model.run([["a", "b", "a"]])
    (True, [[2, 1, 2]])
    """
    if code == "random":
        return codes.apply_code(model, codes.random_code(model, width, seed))
    if code == "analytic":
        rng = np.random.default_rng(seed)
        cfg = learn_config or learn.LearnConfig(seed=seed)
        states = learn.states_for(model, learn.sample_inputs(model, 256, rng, cfg.zipf))
        importance = codes.importance_vector(model.residual_labels, cfg.importance) if cfg.importance else None
        return codes.apply_code(model, codes.analytic_code(model, width, states, importance))
    if code == "learned":
        cfg = learn_config or learn.LearnConfig(seed=seed)
        learned, _ = learn.learn_code(model, width, cfg)
        return codes.apply_code(model, learned)
    raise ConfigError(f"code must be one of {codes.CODES}, got {code!r}")


@dataclasses.dataclass(frozen=True)
class Point:
    """One (code, width) of a sweep: how much still computes, and the code's geometry."""

    code: str
    width: int
    accuracy: measure.Accuracy
    geometry: measure.Geometry

    def to_dict(self) -> dict[str, Any]:
        a, g = self.accuracy, self.geometry
        return {
            "code": self.code, "width": self.width,
            "output_accuracy": a.output_positions, "sequence_accuracy": a.output_sequences,
            "mean_variable_accuracy": a.mean_variable, "variable_accuracy": a.variables, "inputs": a.inputs,
            "mean_dimensionality": g.mean_dimensionality, "dimensions_per_feature": g.dimensions_per_feature,
            "superposed_features": list(g.superposed),
            "features": [{"label": label, "norm": n, "dimensionality": d, "interference": i}
                         for label, n, d, i in zip(g.labels, g.norms, g.dimensionality, g.interference, strict=True)],
        }


def evaluation_inputs(model: CompiledModel, n: int, seed: int) -> list[list[Any]]:
    """The inputs every point of a sweep is scored on (uniform tokens, lengths 1..max_seq_len)."""
    return learn.sample_inputs(model, n, np.random.default_rng(10_000 + seed))


def measure_point(sp: Superposed, seqs: Sequence[Sequence[Any]]) -> Point:
    """Score one superposed model against its source's program (or, loaded from disk, the source itself)."""
    reference = sp.source.program if sp.source.program is not None else sp.source
    return Point(sp.code.kind, sp.code.width, measure.accuracy(sp.model, reference, seqs), measure.geometry(sp.code))


def sweep(model: CompiledModel, widths: Sequence[int], code_kinds: Sequence[CodeKind] = ("random", "learned"),
          *, seed: int = 0, n_eval: int = 200, learn_config: "learn.LearnConfig | None" = None,
          out: "str | os.PathLike[str] | None" = None,
          on_point: "Callable[[Point], None] | None" = None) -> list[Point]:
    """The "still computes" curve: accuracy and geometry at every width, for every code.

    Args:
        model: the compiled model.
        widths: the widths d to try.
        code_kinds: which codes.
        seed: one seed for codes and inputs.
        n_eval: inputs scored per point.
        learn_config: the learned code's settings.
        out: a folder for `results.json` (written after every point; a rerun resumes).
        on_point: called after each point (progress bars).

    Returns:
        One Point per (code, width), codes in the order given, widths descending.
    """
    for w in widths:
        codes._check_width(w, model.config.d_model)
    seqs = evaluation_inputs(model, n_eval, seed)
    settings = {"seed": seed, "n_eval": n_eval, "learn": dataclasses.asdict(learn_config or learn.LearnConfig()),
                "d_model": model.config.d_model, "residual_labels": list(model.residual_labels)}
    path = pathlib.Path(out) / RESULTS_FILE if out is not None else None
    done = _resume(path, settings)
    points: list[Point] = []
    rows: list[dict[str, Any]] = list(done.values())
    for kind in code_kinds:
        for width in sorted(set(widths), reverse=True):
            if (kind, width) in done:
                continue
            point = measure_point(superpose(model, width, kind, seed=seed, learn_config=learn_config), seqs)
            points.append(point)
            rows.append(point.to_dict())
            if path is not None:
                _write_json(path, {"settings": settings, "points": rows})
            if on_point is not None:
                on_point(point)
    return points


def load_points(path: "str | os.PathLike[str]") -> list[dict[str, Any]]:
    """The points of a `results.json` (as written by `sweep`)."""
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return list(data["points"])


def save(sp: Superposed, directory: "str | os.PathLike[str]") -> pathlib.Path:
    """Write the width-d model (`model/`, a normal glassbox artifact) and its code (`code.npz`-free JSON)."""
    out = pathlib.Path(directory)
    sp.model.save(out / "model")
    code = {"kind": sp.code.kind, "labels": list(sp.code.labels), "matrix": sp.code.matrix.tolist(),
            "read": None if sp.code.read is None else sp.code.read.tolist()}
    _write_json(out / "code.json", code)
    return out


def load_code(path: "str | os.PathLike[str]") -> Code:
    """Read a code written by `save` (plain JSON: no code runs)."""
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    read = None if data["read"] is None else np.array(data["read"], dtype=np.float64)
    return Code(np.array(data["matrix"], dtype=np.float64), tuple(data["labels"]), data["kind"], read)


def _resume(path: "pathlib.Path | None", settings: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    if path is None or not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("settings") != settings:
        raise ConfigError(f"{path}: holds a sweep with other settings; choose another --out folder")
    return {(row["code"], row["width"]): row for row in data["points"]}


def _write_json(path: pathlib.Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
