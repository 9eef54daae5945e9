"""Every error a user can cause is one line naming the culprit: a GlassboxError in the API, exit 2 in the CLI.

The cases are the ones a new user hit (see the "nothing silent" issue): each raised a bare Python
exception or printed a traceback before.
"""

import pathlib
from collections.abc import Callable

import pytest

import glassbox as gb
from glassbox import programs, rasp
from glassbox.cli import main as cli


@pytest.fixture(scope="module")
def hist() -> gb.CompiledModel:
    return gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=4)


def _compile(program: rasp.SOp, vocab: object) -> Callable[[pathlib.Path], object]:
    return lambda _: gb.compile_rasp_to_model(program, vocab=vocab, max_seq_len=3)  # type: ignore[arg-type]


API = [  # (case, call(model, tmp_path), error class, what the message must name)
    ("run-no-sequences", lambda m, t: m.run([]), gb.InputError, "no sequences"),
    ("save-to-a-file", lambda m, t: m.save(t / "file"), gb.ArtifactError, "is a file"),
    ("onnx-to-a-folder", lambda m, t: m.to_onnx(t), gb.ArtifactError, "is a folder"),
    ("onnx-bad-exporter", lambda m, t: m.to_onnx(t / "m.onnx", exporter="bogus"), gb.InputError, "bogus"),
    ("map-returns-a-list", lambda m, t: _compile(rasp.Map(lambda x: [x], rasp.tokens).named("listy"), {1, 2})(t),
     gb.CompileError, "listy: produces the unhashable value"),
    ("vocab-holds-none", lambda m, t: _compile(programs.make_hist(), {None, 1, 2})(t), gb.CompileError,
     "None cannot be a token"),
    ("vocab-repeats", lambda m, t: _compile(programs.make_hist(), [1, 2, 2])(t), gb.CompileError,
     "token 2 is repeated"),
    ("vocab-true-and-one", lambda m, t: _compile(programs.make_hist(), [1, True])(t), gb.CompileError,
     "equals 1"),
    ("vocab-a-string", lambda m, t: _compile(programs.make_hist(), "abc")(t), gb.CompileError,
     "collection of tokens"),
    ("run-ir-loaded", lambda m, t: gb.load(m.save(t / "saved")).run_ir([["a"]]), gb.InputError, "run_ir"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*c[1:], id=c[0]) for c in API])
def test_api_errors_are_glassbox_errors_naming_the_culprit(call: Callable, error: type, message: str,
                                                           hist: gb.CompiledModel, tmp_path: pathlib.Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(error, match=message):
        call(hist, tmp_path)


def test_a_user_sop_named_like_an_internal_direction_compiles() -> None:
    program = rasp.numerical(rasp.Map(lambda x: x + 1, rasp.tokens).named("one"))
    model = gb.compile_rasp_to_model(program, vocab={1, 2}, max_seq_len=3)
    assert model.run([[1, 2]]) == [[2, 3]]


CLI = [  # (case, argv with {model}, {file}, {dir}; what the one line must say)
    ("compile-out-is-a-file", ["compile", "hist", "--out", "{file}"], "is a file"),
    ("export-tl-out-is-a-file", ["export", "{model}", "--to", "transformer-lens", "--out", "{file}"], "{file}"),
    ("export-onnx-out-is-a-folder", ["export", "{model}", "--to", "onnx", "--out", "{dir}"], "is a folder"),
    ("report-out-is-a-folder", ["report", "{model}", "a", "b", "--out", "{dir}"], "is a folder"),
    ("inspect-figures-is-a-file", ["inspect", "{model}", "a", "--figures", "{file}"], "is a file"),
    ("run-without-tokens", ["run", "{model}"], "no input"),
    ("verify-negative", ["compile", "hist", "--out", "{dir}/x", "--verify", "-5"], "whole number"),
    ("spec-file-missing", ["compile", "nofile.py:make", "--out", "{dir}/x"], "no file nofile.py"),
    ("spec-function-missing", ["compile", "os:no_such_function", "--out", "{dir}/x"], "no attribute"),
    ("vocab-repeats", ["compile", "hist", "--vocab", "1,2,2", "--out", "{dir}/x"], "repeated"),
    ("load-a-file", ["run", "{file}", "a"], "{file}"),
]


@pytest.fixture(scope="module")
def saved(hist: gb.CompiledModel, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return pathlib.Path(hist.save(tmp_path_factory.mktemp("m") / "hist"))


@pytest.mark.parametrize(("argv", "says"), [pytest.param(*c[1:], id=c[0]) for c in CLI])
def test_cli_user_errors_exit_2_with_one_line(argv: list[str], says: str, saved: pathlib.Path,
                                              tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "adir").mkdir()
    where = {"model": str(saved), "file": str(tmp_path / "afile"), "dir": str(tmp_path / "adir")}
    try:
        code = cli.main([a.format(**where) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert "Traceback" not in "\n".join(err)
    assert says.format(**where) in err[-1] and err[-1].startswith(("glassbox: error:", "glassbox compile: error:"))


def test_ctrl_c_is_one_line_saying_what_was_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from glassbox.cli import rasp_cmds

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(rasp_cmds, "_compile", interrupted)
    code = cli.main(["compile", "hist", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 130 and len(err) == 1 and "interrupted" in err[0] and str(tmp_path / "m") in err[0]
