"""glassbox dataset: verified, deduplicated, resumable program datasets, re-verified from the files alone."""

import json
import pathlib

import pytest

import glassbox as gb
from glassbox import rasp
from glassbox.cli.main import main
from glassbox.compiler.verify import agree
from glassbox.errors import ConfigError
from glassbox.fuzz import dataset


def _lines(root: pathlib.Path) -> list[str]:
    return (root / "manifest.jsonl").read_text().splitlines()


def _reverify(root: pathlib.Path, entry: dataset.Entry) -> None:
    folder = root / entry.path
    namespace: dict = {}
    exec((folder / "program.py").read_text(), namespace)  # noqa: S102 (our own generated source)
    samples = json.loads((folder / "samples.json").read_text())
    tokens = json.loads((folder / "program.json").read_text())
    assert set(tokens["vocab"]) == namespace["vocab"] and tokens["max_seq_len"] == namespace["max_seq_len"]
    assert tokens["tokens"].count(";") == tokens["tokens"].count("=")  # one node per `v<i> = ... ;`
    model = gb.load(folder)
    assert model.circuit  # the circuit map travels in the header
    outputs = model.run(samples["inputs"])
    for xs, want, got in zip(samples["inputs"], samples["outputs"], outputs, strict=True):
        assert rasp.evaluate(namespace["program"], xs, causal=entry.causal) == want
        assert all(agree(a, b, model.numerical_output, "auto") for a, b in zip(got, want, strict=True)), xs


def test_a_dataset_of_200_is_verified_deduplicated_and_reloads(tmp_path):
    entries = dataset.build_dataset(tmp_path, 200, seed=0)
    assert len(entries) == 200 == len(_lines(tmp_path))
    assert len({e.sha256 for e in entries}) == 200  # no program twice
    assert [e.index for e in entries] == sorted(e.index for e in entries)
    for entry in entries[::10]:
        _reverify(tmp_path, entry)
    assert dataset.read_manifest(tmp_path) == entries


def test_resume_keeps_what_was_written_and_finishes_an_interrupted_entry(tmp_path):
    dataset.build_dataset(tmp_path, 4, seed=2, causal=True)
    before = _lines(tmp_path)
    # interrupted after the last entry's folder was renamed into place but before its manifest line,
    # and in the middle of writing another one
    (tmp_path / "manifest.jsonl").write_text("\n".join(before[:3]) + "\n")
    (tmp_path / "shard-0000" / ".tmp-e000003").mkdir()
    entries = dataset.build_dataset(tmp_path, 6, seed=2, causal=True)
    assert _lines(tmp_path)[:3] == before[:3] and len(entries) == 6
    assert not list(tmp_path.glob("shard-*/.tmp-*"))
    for entry in entries[3:]:
        _reverify(tmp_path, entry)


def test_bad_arguments_are_config_errors_and_one_cli_line(tmp_path, capsys):
    with pytest.raises(ConfigError, match="n must be"):
        dataset.build_dataset(tmp_path, -1)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        dataset.build_dataset(tmp_path / "file", 1)
    dataset.build_dataset(tmp_path / "d", 1, seed=0)
    with pytest.raises(ConfigError, match="another seed"):
        dataset.build_dataset(tmp_path / "d", 2, seed=1)
    assert main(["dataset", "--n", "2", "--out", str(tmp_path / "d"), "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "another seed" in err
    assert main(["dataset", "--n", "3", "--out", str(tmp_path / "d"), "--max-layers", "2"]) == 0
    assert all(e.n_layers <= 2 for e in dataset.read_manifest(tmp_path / "d")[1:])
