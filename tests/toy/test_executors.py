"""Sweeps on other engines give the local executor's results: a real two-node Ray cluster (one worker killed
mid-sweep) and submitit (SLURM's job arrays; its local executor here, where there is no SLURM)."""

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from glassbox.errors import ConfigError
from glassbox.toy import executors, lab, presets
from glassbox.toy.double_descent import experiments as dd_experiments

TIMING = ("seconds", "seconds_total")


def _records(path: Path, key: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in json.loads(path.read_text())[key]]


def _sweep():
    """Six independent runs of the scaling preset, long enough (~1 s each) to be killed mid-run."""
    exp = presets.PRESETS["scaling"]
    runs = tuple(r for r in exp.runs if r.data.frequencies == "power_law" and r.train.weight_decay != 0.0
                 and r.model.d_hidden <= 10)  # fmt: skip
    return dataclasses.replace(exp, runs=runs).with_train(steps=300, eval_batch_size=1024)


def test_unknown_executor_and_missing_extras_are_one_line(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="unknown executor 'dask'"):
        list(executors.complete([], "dask"))
    monkeypatch.setitem(sys.modules, "submitit", None)  # as if the extra were not installed
    with pytest.raises(ConfigError, match=r"pip install 'glassbox\[slurm\]'"):
        list(executors.complete([], "slurm"))


def test_submitit_gives_the_local_results(tmp_path):
    pytest.importorskip("submitit")
    exp = _sweep().with_train(steps=40)
    lab.run_experiment(exp, tmp_path / "local", progress=False, figures=False)
    lab.run_experiment(exp, tmp_path / "slurm", progress=False, figures=False, executor="slurm")
    assert _records(tmp_path / "slurm" / "results.json", "instances") == \
        _records(tmp_path / "local" / "results.json", "instances")  # fmt: skip
    smoke = dataclasses.replace(dd_experiments.PRESETS["smoke"], sizes=(3, None)).with_overrides(["train.steps=20"])
    dd_experiments.run_experiment(smoke, tmp_path / "dd-local", show_progress=False)
    dd_experiments.run_experiment(smoke, tmp_path / "dd-slurm", show_progress=False, executor="slurm")
    assert _records(tmp_path / "dd-slurm" / "results.json", "runs") == \
        _records(tmp_path / "dd-local" / "results.json", "runs")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_cluster():
    """A head node and a second node, each its own `ray start --block` process group on this machine."""
    ray = pytest.importorskip("ray")
    ray_exe = shutil.which("ray", path=str(Path(sys.executable).parent))
    port, temp = _free_port(), tempfile.mkdtemp(prefix="/tmp/gbray")  # short: Ray's sockets live there
    common = ["--num-cpus=1", "--block", "--disable-usage-stats"]
    nodes = [subprocess.Popen([ray_exe, "start", "--head", f"--port={port}", "--include-dashboard=false",
                               f"--temp-dir={temp}", *common], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]  # fmt: skip
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                ray.init(address=address, log_to_driver=False)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(1)
        nodes.append(subprocess.Popen([ray_exe, "start", f"--address={address}", *common], start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        while sum(n["Alive"] for n in ray.nodes()) < 2:
            assert time.time() < deadline, "the second Ray node did not join"
            time.sleep(1)
        yield address
    finally:
        ray.shutdown()
        for node in nodes:  # our own process groups only
            os.killpg(node.pid, signal.SIGTERM)
        for node in nodes:
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def _task_workers() -> list[int]:
    """Pids of Ray workers running a unit now (Ray titles them after the task's function)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes().startswith(b"ray::run_unit"):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.mark.slow
def test_ray_sweep_across_two_nodes_survives_a_killed_worker(ray_cluster, tmp_path):
    exp = _sweep()
    lab.run_experiment(exp, tmp_path / "local", progress=False, figures=False)
    errors = []

    def sweep():
        try:
            lab.run_experiment(exp, tmp_path / "ray", progress=False, figures=False, executor="ray",
                               address=ray_cluster)  # fmt: skip
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    thread = threading.Thread(target=sweep)
    thread.start()
    killed = None
    deadline = time.time() + 120
    while killed is None and thread.is_alive() and time.time() < deadline:
        workers = _task_workers()
        if workers:
            time.sleep(0.3)  # mid-run
            os.kill(workers[0], signal.SIGKILL)
            killed = workers[0]
        time.sleep(0.05)
    thread.join(300)
    assert not errors and not thread.is_alive(), errors
    assert killed is not None, "no running unit was seen to kill"
    ray_records = _records(tmp_path / "ray" / "results.json", "instances")
    assert ray_records == _records(tmp_path / "local" / "results.json", "instances")  # nothing lost or doubled


def test_the_cli_runs_units_through_submitit(tmp_path, capsys):
    pytest.importorskip("submitit")
    from glassbox.cli import main as cli

    argv = ["toy", "double-descent", "--preset", "smoke", "--set", "train.steps=10", "--set", "sizes=3,5",
            "--set", "data.test_samples=50", "--no-progress", "--executor", "slurm"]  # fmt: skip
    assert cli.main([*argv, "--out", str(tmp_path / "dd")]) == 0
    assert [r["T"] for r in json.loads((tmp_path / "dd" / "results.json").read_text())["runs"]] == [3, 5]
