"""`--set FIELD=VALUE` and `--config FILE` over every field of both config trees, type-checked, one-line errors."""

import dataclasses
import json
import typing

import pytest

from glassbox.errors import ConfigError
from glassbox.toy import config as sp
from glassbox.toy import config_base, presets
from glassbox.toy.double_descent import config as dd
from glassbox.toy.double_descent import presets as dd_presets

CHOICES = {  # string fields with a fixed set of values
    "model.kind": sp.MODEL_KINDS, "model.init": sp.INITS, "data.target": sp.TARGETS, "train.schedule": dd.SCHEDULES,
    "train.feature_reduction": sp.REDUCTIONS, "train.gradients": sp.GRADIENTS, "train.init": sp.INITS,
    "data.zero_points": dd.ZERO_POINTS, "data.frequencies": sp.FREQUENCIES, "compute.backend": dd.BACKENDS,
    "compute.dtype": dd.DTYPES,
}  # fmt: skip
SPECIAL = {  # fields whose valid values depend on others: (config kind, path) -> --set text
    ("sp", "model.n_features"): "4",  # with 4 importances per instance (EXTRA)
    ("sp", "importance"): "[" + ",".join(["[1,0.5,0.25,0.1,0]"] * 10) + "]",
    ("sp", "feature_probability"): ",".join(["0.5"] * 10),
    ("sp", "data.value_low"): "-1.0",
    ("sp", "data.set_size"): "1",
    ("sp", "train.warmup_steps"): "10",
    ("sp", "data.correlated_sets"): "1",
    ("sp", "data.anticorrelated_sets"): "1",
    ("sp", "train.device"): "cpu",  # the only device every machine has
    ("dd", "compute.device"): "cpu",
    ("dd", "sizes"): "3,null,7",
    ("dd", "train.betas"): "0.8,0.9",
}

EXTRA = {  # what must change with a field for the whole config to stay valid
    "model.n_features": ["importance=[" + ",".join(["[1,0.5,0.25,0.1]"] * 10) + "]"],
    "data.anticorrelated_sets": ["feature_probability=" + ",".join(["0.5"] * 10)],
}


def _leaf(config: typing.Any, path: str) -> typing.Any:
    for part in path.split("."):
        config = getattr(config, part)
    return config


def _leaf_type(cls: type, path: str) -> typing.Any:
    for part in path.split("."):
        cls = typing.get_type_hints(cls)[part]
    return cls


def _alternative(kind: str, path: str, value: typing.Any, tp: typing.Any) -> str:
    """A valid `--set` text for `path` that differs from `value` (where another valid value exists)."""
    if (kind, path) in SPECIAL:
        return SPECIAL[(kind, path)]
    if path in CHOICES:
        return next(c for c in CHOICES[path] if c != value)
    if tp is bool:
        return json.dumps(not value)
    if tp is int:
        return str(value + 1)
    if tp is float:
        return repr(value / 2 if 0 < value < 1 else value + 0.5)
    if tp is str:
        return "mine"
    return ",".join(str(v + 1) for v in value)  # tuples of ints (seeds, d_hidden)


TREES = [
    ("sp", sp.RunConfig, presets.PRESETS["intro"]),
    ("dd", dd.ExperimentConfig, dd_presets.PRESETS["smoke"]),
]
PATHS = [pytest.param(kind, cls, base, path, id=f"{kind}-{path}")
         for kind, cls, base in TREES for path in cls.field_paths()]  # fmt: skip


@pytest.mark.parametrize(("kind", "cls", "base", "path"), PATHS)
def test_every_field_can_be_set_and_lands_typed(kind, cls, base, path):
    tp = _leaf_type(cls, path)
    text = _alternative(kind, path, _leaf(base.runs[0] if kind == "sp" else base, path), tp)
    changed = base.with_overrides([f"{path}={text}", *(EXTRA.get(path, []) if kind == "sp" else [])])
    target = changed.runs[0] if kind == "sp" else changed
    want = config_base.coerce(tp, config_base._parse(text), path)
    assert _leaf(target, path) == want and type(_leaf(target, path)) is type(want)
    if kind == "sp":  # a path below a run applies to every run
        assert all(_leaf(r, path) == want for r in changed.runs)


def _wrong(tp: typing.Any) -> str:
    """A `--set` text of the wrong type for `tp`."""
    return {int: "1.5", float: "abc", bool: "3", str: "[1]"}.get(tp, '["x"]')


@pytest.mark.parametrize(("kind", "cls", "base", "path"), PATHS)
def test_every_field_rejects_a_wrong_type_in_one_line_naming_it(kind, cls, base, path):
    with pytest.raises(ConfigError) as err:
        base.with_overrides([f"{path}={_wrong(_leaf_type(cls, path))}"])
    message = str(err.value)
    assert "\n" not in message and path in message, message


@pytest.mark.parametrize(("kind", "cls", "base", "path"), PATHS)
def test_a_misspelt_field_names_the_nearest_valid_one(kind, cls, base, path):
    head, _, last = path.rpartition(".")
    typo = f"{head}.{last}{last[-1]}" if head else last + last[-1]  # the last letter twice
    with pytest.raises(ConfigError, match=f"unknown config field {typo!r}; did you mean {path!r}"):
        base.with_overrides([f"{typo}=1"])


ALONE = ("data.correlated_sets", "model.n_features", "data.frequencies")  # valid only with other values


def _change_everything(kind: str, cls: type, base: typing.Any) -> typing.Any:
    sets = [f"{p}={_alternative(kind, p, _leaf(base.runs[0] if kind == 'sp' else base, p), _leaf_type(cls, p))}"
            for p in cls.field_paths() if p not in ALONE]  # fmt: skip
    return base.with_overrides(sets)


@pytest.mark.parametrize(("kind", "cls", "base"), [pytest.param(*t, id=t[0]) for t in TREES])
def test_config_files_round_trip_every_field(kind, cls, base, tmp_path):
    changed = _change_everything(kind, cls, base)
    family = sp.ExperimentConfig if kind == "sp" else dd.ExperimentConfig
    assert family.from_dict(json.loads(json.dumps(changed.to_dict()))) == changed
    # and what --config reads: a saved config.json, or TOML
    from glassbox.cli import toy_cmds

    path = tmp_path / "config.json"
    path.write_text(json.dumps({**changed.to_dict(), "environment": {"torch": "x"}}))
    assert family.from_dict(toy_cmds.load_config_file(path)) == changed
    toml = tmp_path / "c.toml"
    toml.write_text('name = "t"\n[train]\nlr = 0.5\n' if kind == "dd" else 'name = "t"\n[[runs]]\nlabel = "one"\n')
    loaded = family.from_dict(toy_cmds.load_config_file(toml))
    assert loaded.name == "t" and (loaded.train.lr == 0.5 if kind == "dd" else loaded.runs[0].label == "one")


def test_experiment_level_paths_address_one_run_or_the_name():
    sweep = presets.PRESETS["sparsity-sweep"]
    one = sweep.with_overrides(["runs[1].train.lr=0.5", "name=mine"])
    assert one.name == "mine" and [r.train.lr for r in one.runs] == [sweep.runs[0].train.lr, 0.5]
    with pytest.raises(ConfigError, match="runs\\[1\\]: invalid toy run config 'relu_output': train.steps=0"):
        sweep.with_overrides(["runs[1].train.steps=0"])
    with pytest.raises(ConfigError, match="unknown config field 'runs\\[2\\].train.lr'"):
        sweep.with_overrides(["runs[2].train.lr=0.5"])


def test_field_paths_cover_every_leaf():
    paths = dd.ExperimentConfig.field_paths()
    assert "train.betas" in paths and "compute.threads" in paths and "data" not in paths
    leaves = sum(len(dataclasses.fields(c)) for c in (dd.DataConfig, dd.TrainConfig, dd.ComputeConfig))
    assert len(paths) == leaves + 5  # name, sizes, seeds, d_hidden, max_points_reported
