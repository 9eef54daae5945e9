"""Both toy commands: one-line errors (exit 2), Ctrl-C (exit 130), run directories that never clobber and resume."""

import json
import pathlib

import pytest

from glassbox.cli import main as cli
from glassbox.toy import lab, results
from glassbox.toy.double_descent import experiments as dd_experiments
from glassbox.toy.train import train

FAST = ["--set", "train.batch_size=32", "--set", "train.eval_batch_size=64", "--no-progress"]
SUPERPOSITION = ["toy", "superposition", "--steps", "6", *FAST]
DD = ["toy", "double-descent", "--preset", "smoke", "--set", "train.steps=5", "--set", "sizes=3,null",
      "--set", "data.test_samples=50", "--no-progress"]  # fmt: skip

CASES = [  # (case, argv after the command's own, what the one line must name)
    ("seed-negative", [*SUPERPOSITION, "--seed", "-1"], "train.seed=-1"),
    ("steps-zero", [*SUPERPOSITION, "--steps", "0"], "train.steps=0"),
    ("restarts-zero", [*SUPERPOSITION, "--restarts", "0"], "train.restarts=0"),
    ("set-unknown-field", [*SUPERPOSITION, "--set", "model.d_hiden=3"], "did you mean 'model.d_hidden'"),
    ("set-wrong-type", [*SUPERPOSITION, "--set", "model.d_hidden=two"], "model.d_hidden='two' is not an int"),
    ("set-out-of-range", [*SUPERPOSITION, "--set", "feature_probability=1.5"], "feature_probability[0]=1.5"),
    ("set-no-equals", [*SUPERPOSITION, "--set", "model.d_hidden"], "FIELD=VALUE"),
    ("set-bad-run-index", [*SUPERPOSITION, "--set", "runs[7].train.lr=1"], "runs[7].train.lr"),
    ("out-is-a-file", [*SUPERPOSITION, "--out", "{file}"], "is a file"),
    ("config-not-json", [*SUPERPOSITION, "--config", "{file}"], "not valid JSON"),
    ("dd-out-is-a-file", [*DD, "--out", "{file}"], "is a file"),
    ("dd-sparsity", [*DD, "--set", "data.sparsity=2"], "data.sparsity"),
    ("dd-seed-negative", [*DD, "--set", "seeds=-1"], "seeds"),
    ("dd-unknown-field", [*DD, "--set", "train.stepz=1"], "did you mean 'train.steps'"),
    ("dd-bad-size", [*DD, "--set", "sizes=3,ten"], "sizes[1]='ten'"),
]


@pytest.mark.parametrize(("argv", "says"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_bad_input_is_one_line_and_exit_2(argv, says, tmp_path, capsys):
    (tmp_path / "afile").write_text("not a folder")
    argv = [a.format(file=tmp_path / "afile") for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "run")]
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("glassbox: error:") and says in err[0], err[0]
    assert not (tmp_path / "run" / "results.json").exists()


def test_another_experiment_in_out_is_refused_unless_forced(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert cli.main([*SUPERPOSITION, "--preset", "intro", "--out", out]) == 0
    assert (tmp_path / "run" / "intro.png").exists()
    assert cli.main([*SUPERPOSITION, "--preset", "sparsity-sweep", "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "different experiment" in err[0] and "--force" in err[0]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["name"] == "intro"  # untouched
    assert cli.main([*SUPERPOSITION, "--preset", "sparsity-sweep", "--out", out, "--force"]) == 0
    assert not (tmp_path / "run" / "intro.png").exists()  # the old run's figures went with it
    assert json.loads((tmp_path / "run" / "results.json").read_text())["experiment"] == "sparsity-sweep"


def test_dd_other_config_refused_unless_forced(tmp_path, capsys):
    out = str(tmp_path / "dd")
    assert cli.main([*DD, "--out", out]) == 0
    assert cli.main([*DD, "--set", "train.lr=0.01", "--out", out]) == 2
    assert "train.lr" in capsys.readouterr().err
    assert cli.main([*DD, "--set", "train.lr=0.01", "--out", out, "--force"]) == 0
    assert json.loads((tmp_path / "dd" / "config.json").read_text())["train"]["lr"] == 0.01


def test_ctrl_c_keeps_finished_runs_and_the_same_command_resumes(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    argv = [*SUPERPOSITION, "--preset", "sparsity-sweep", "--out", str(out)]
    calls = []
    real = train

    def interrupted_second(run, on_step=None):
        calls.append(run.label)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(run, on_step)

    monkeypatch.setattr(lab, "train", interrupted_second)
    assert cli.main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted" in err[0] and "1 finished run(s) kept" in err[0], err
    assert "rerun the same command" in err[0]
    kept = json.loads((out / "results.json").read_text())
    assert {r["unit"] for r in kept["instances"]} == {0}

    calls.clear()
    assert cli.main(argv) == 0
    assert calls == ["relu_output"]  # only the unfinished run is trained
    again = json.loads((out / "results.json").read_text())
    assert again["instances"][: len(kept["instances"])] == kept["instances"]
    # A resumed run gives the same numbers as one that was never interrupted (same seeds).
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(lab, "train", real)
    assert cli.main([*SUPERPOSITION, "--preset", "sparsity-sweep", "--out", str(fresh)]) == 0
    whole = json.loads((fresh / "results.json").read_text())["instances"]
    assert [r["W"] for r in whole] == [r["W"] for r in again["instances"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in fresh.iterdir())


def test_ctrl_c_before_any_run_finished_leaves_a_resumable_directory(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"

    def interrupted(run, on_step=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(lab, "train", interrupted)
    assert cli.main([*SUPERPOSITION, "--out", str(out)]) == 130
    assert "no run finished yet" in capsys.readouterr().err
    monkeypatch.setattr(lab, "train", train)
    assert cli.main([*SUPERPOSITION, "--out", str(out)]) == 0  # config.json alone does not block resuming
    assert len(json.loads((out / "results.json").read_text())["instances"]) == 10


def test_dd_ctrl_c_is_one_line(tmp_path, capsys, monkeypatch):
    real = dd_experiments.measure_run
    calls = []

    def interrupted_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(dd_experiments, "measure_run", interrupted_second)
    assert cli.main([*DD, "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 finished (T, seed, m) run(s) kept" in err[0] and "resume" in err[0]
    monkeypatch.setattr(dd_experiments, "measure_run", real)
    assert cli.main([*DD, "--out", str(tmp_path)]) == 0
    assert [r["T"] for r in json.loads((tmp_path / "results.json").read_text())["runs"]] == [3, None]


def test_a_failed_figure_write_leaves_the_old_file(tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "f.png"
    path.write_bytes(b"old")

    class Broken(Figure):
        def savefig(self, fname, **kwargs):
            pathlib.Path(fname).write_bytes(b"half")
            raise OSError("disk full")

    with pytest.raises(OSError):
        results.save_figure(Broken(), path)
    assert path.read_bytes() == b"old"


def test_config_file_round_trip_and_toml(tmp_path, capsys):
    out = tmp_path / "a"
    assert cli.main([*SUPERPOSITION, "--out", str(out)]) == 0
    # A saved config.json runs again as --config, into the same directory (a resume: nothing to redo).
    saved = str(out / "config.json")
    assert cli.main(["toy", "superposition", "--config", saved, "--out", str(out), "--no-progress"]) == 0
    toml = tmp_path / "dd.toml"
    toml.write_text('name = "mine"\nsizes = [3]\n[data]\nn_features = 20\ntest_samples = 30\n[train]\nsteps = 4\n')
    assert cli.main(["toy", "double-descent", "--config", str(toml), "--out", str(tmp_path / "dd"),
                     "--no-progress"]) == 0  # fmt: skip
    saved = json.loads((tmp_path / "dd" / "config.json").read_text())
    assert (saved["name"], saved["sizes"], saved["data"]["n_features"], saved["train"]["steps"]) == ("mine", [3], 20, 4)


def test_a_run_directory_of_the_previous_format_resumes_without_doubling(tmp_path):
    out = tmp_path / "old"
    exp = lab.preset("intro").with_train(steps=6, batch_size=32, eval_batch_size=64)
    out.mkdir()
    # The previous version kept an "environment" entry in config.json and no "unit" in the records.
    (out / "config.json").write_text(json.dumps({**exp.to_dict(), "environment": {"torch": "2.x"}}))
    (out / "results.json").write_text(json.dumps({"instances": [{"run": "", "instance": 0, "W": []}]}))
    lab.run_experiment(exp, out, progress=False)
    assert len(json.loads((out / "results.json").read_text())["instances"]) == 10
