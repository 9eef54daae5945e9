"""`glassbox programs|compile|run|inspect|report|export`, called in-process through `main`."""

import subprocess
import sys
import textwrap

import pytest

from glassbox.cli import main as cli
from glassbox.cli import specs

COMMANDS = ["programs", "compile", "run", "generate", "inspect", "report", "export"]


def _run(capsys, *argv: str) -> "tuple[int, str, str]":
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def sort_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "sort"
    assert cli.main(["compile", "sort", "--vocab", "1,2,3,4", "--max-seq-len", "5", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text and f"glassbox {command}" in text


def test_compile_prints_a_size_summary_and_verifies(tmp_path, capsys):
    code, out, _ = _run(capsys, "compile", "hist", "--vocab", "a,b,c", "--max-seq-len", "4", "--out",
                        tmp_path / "h", "--verify", "30")
    assert code == 0
    assert "compiled hist: 1 layers, d_model=" in out and "parameters" in out
    assert "verified: 30/30" in out
    assert str(tmp_path / "h" / "glassbox.json") in out and (tmp_path / "h" / "model.safetensors").is_file()


def test_compile_library_defaults_and_causal(tmp_path, capsys):
    code, out, _ = _run(capsys, "compile", "frac_prevs", "--causal", "--out", tmp_path / "f", "--verify", "20")
    assert code == 0 and "causal" in out and "verified: 20/20" in out


def test_run_inspect_and_input_file(sort_dir, tmp_path, capsys):
    assert _run(capsys, "run", sort_dir, "3", "1", "2") == (0, "1 2 3\n", "")
    inputs = tmp_path / "in.txt"
    inputs.write_text("4 3\n\n1,1,2\n")
    assert _run(capsys, "run", sort_dir, "--input-file", inputs)[:2] == (0, "3 4\n1 1 2\n")
    code, out, _ = _run(capsys, "inspect", sort_dir, "3", "1", "2", "--margins")
    assert code == 0
    assert "L2 attn  (blocks.2.hook_resid_mid)" in out and "*sort" in out and "1 (1.00)" in out


def test_inspect_figures_and_report(sort_dir, tmp_path, capsys):
    code, out, _ = _run(capsys, "inspect", sort_dir, "2", "1", "--figures", tmp_path / "figs")
    assert code == 0
    for name in ("graph.png", "attention.png", "residual.png"):
        assert str(tmp_path / "figs" / name) in out and (tmp_path / "figs" / name).stat().st_size > 1000
    code, out, _ = _run(capsys, "report", sort_dir, "3", "1", "2", "--out", tmp_path / "r.html")
    assert code == 0 and out.strip() == str(tmp_path / "r.html")
    assert "<table" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", "sortt", "--out", "x"], "unknown program 'sortt'"),
        (["compile", "nowhere.py:f", "--vocab", "1", "--max-seq-len", "3", "--out", "x"], "no file nowhere.py"),
        (["compile", "glassbox.programs:nope", "--vocab", "1", "--max-seq-len", "3", "--out", "x"], "no attribute"),
        (["compile", "{broken}:f", "--vocab", "1", "--max-seq-len", "3", "--out", "x"], "f() raised ValueError: boom"),
        (["compile", "no_such_module_x:f", "--vocab", "1", "--max-seq-len", "3", "--out", "x"], "cannot import"),
        (["compile", "glassbox.programs:make_length", "--out", "x"], "--vocab is required"),
        (["compile", "sort", "--vocab", "1,,2", "--out", "x"], "empty token"),
        (["run", "{model}", "3", "9"], "position 1: token '9' is not in the vocab 1 2 3 4"),
        (["run", "{model}", "1", "2", "3", "4", "1", "2"], "max_seq_len=5"),
        (["run", "{missing}", "1"], "glassbox.json"),
        (["run", "{model}", "1", "--input-file", "{missing}"], "not both"),
        (["report", "{model}", "7", "--out", "r.html"], "not in the vocab"),
    ],
    ids=["unknown-program", "missing-file", "missing-attr", "user-code-raises", "missing-module", "vocab-required",
         "empty-token", "out-of-vocab", "too-long", "bad-artifact", "tokens-and-file", "report-token"],
)
def test_user_errors_exit_2_with_one_line(argv, message, sort_dir, tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("def f():\n    raise ValueError('boom')\n")
    argv = [a.format(model=sort_dir, missing=tmp_path / "missing", broken=broken) for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("glassbox: error: ") and message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_generate(tmp_path, capsys):
    src = tmp_path / "repeat.py"
    src.write_text(textwrap.dedent("""
        from glassbox import rasp

        back = rasp.Select(rasp.indices, rasp.Map(lambda i: i - 1, rasp.indices), rasp.Comparison.EQ)
        repeat2 = rasp.Aggregate(back, rasp.tokens)
    """))
    code, _, err = _run(capsys, "compile", f"{src}:repeat2", "--vocab", "1,2,3", "--max-seq-len", "7", "--causal",
                        "--out", tmp_path / "r")
    assert code == 0, err
    assert _run(capsys, "generate", tmp_path / "r", "1", "2", "--max-new-tokens", "3") == (0, "1 2 1 2 1\n", "")
    assert _run(capsys, "generate", tmp_path / "r", "3", "1", "--max-new-tokens", "9")[1] == "3 1 3 1 3 1 3\n"
    assert _run(capsys, "generate", tmp_path / "r", "2", "3", "--max-new-tokens", "9", "--stop", "3",
                "--stop", "1")[1] == "2 3 2 3\n"
    for argv, message in (((tmp_path / "r", "1", "--max-new-tokens", "2", "--stop", "9"), "--stop, position 0"),
                          ((tmp_path / "r", "1", "4", "--max-new-tokens", "2"), "token '4' is not in the vocab"),
                          ((tmp_path / "r", "--max-new-tokens", "2"), "no input")):
        code, _, err = _run(capsys, "generate", *argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    code, _, _ = _run(capsys, "compile", "frac_prevs", "--causal", "--out", tmp_path / "f")
    code, _, err = _run(capsys, "generate", tmp_path / "f", "x", "--max-new-tokens", "2")
    assert code == 2 and "numerical" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exc:  # argparse: the one-line usage error, status 2
        cli.main(["generate", str(tmp_path / "r"), "1", "--max-new-tokens", "-1"])
    assert exc.value.code == 2


def test_damaged_artifact_is_a_clear_error(sort_dir, tmp_path, capsys):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(sort_dir, bad)
    (bad / "glassbox.json").write_text("{not json")
    code, _, err = _run(capsys, "run", bad, "1")
    assert code == 2 and "glassbox.json" in err and "Traceback" not in err


def test_debug_shows_the_traceback(sort_dir, capsys):
    code = cli.main(["--debug", "run", str(sort_dir), "9"])
    assert code == 2 and "Traceback" in capsys.readouterr().err


def test_program_from_a_file_and_a_module(tmp_path, capsys):
    src = tmp_path / "my_prog.py"
    src.write_text(textwrap.dedent("""
        from glassbox import rasp
        from glassbox.programs import make_length

        def double_length(max_seq_len):
            return rasp.numerical(rasp.Map(lambda n: 2 * n, make_length()).named("double"))

        reverse = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ), rasp.tokens)
    """))
    code, out, err = _run(capsys, "compile", f"{src}:double_length", "--vocab", "a,b", "--max-seq-len", "4",
                          "--out", tmp_path / "d", "--verify", "10")
    assert code == 0, err
    assert "compiled double" in out and "verified: 10/10" in out
    assert _run(capsys, "run", tmp_path / "d", "a", "b", "a")[1] == "6 6 6\n"
    code, out, err = _run(capsys, "compile", "glassbox.programs:make_hist", "--vocab", "1,2", "--max-seq-len", "3",
                          "--out", tmp_path / "m")
    assert code == 0, err
    assert _run(capsys, "run", tmp_path / "m", "1", "2", "1")[1] == "2 1 2\n"  # "1" matched to the int token 1


@pytest.mark.tl
def test_export_commands(sort_dir, tmp_path, capsys):
    pytest.importorskip("transformer_lens")
    import glassbox as gb
    from glassbox.export import transformer_lens

    code, out, err = _run(capsys, "export", sort_dir, "--to", "transformer-lens", "--out", tmp_path / "tl")
    assert code == 0, err
    assert out.strip() == str(tmp_path / "tl") and (tmp_path / "tl" / "config.json").is_file()
    model, tl = gb.load(sort_dir), transformer_lens.load_transformer_lens(tmp_path / "tl")
    seqs = [[3, 1, 2], [4], [2, 2, 1, 3, 1]]  # mixed lengths: PAD masked in the loaded copy
    assert model.decode(tl(model.encode(seqs)), [len(s) for s in seqs]) == model.run(seqs)
    other = 3 if transformer_lens.installed_version() >= 4 else 4
    code, out, err = _run(capsys, "export", sort_dir, "--to", "transformer-lens", "--tl-version", str(other),
                          "--out", tmp_path / "other")
    assert code == 2 and f"version={other} needs TransformerLens" in err and "Traceback" not in err


@pytest.mark.slow
def test_export_onnx(sort_dir, tmp_path, capsys):
    pytest.importorskip("onnxscript")
    code, out, err = _run(capsys, "export", sort_dir, "--to", "onnx", "--out", tmp_path / "m.onnx")
    assert code == 0, err
    assert (tmp_path / "m.onnx").stat().st_size > 0


def test_vocab_parsing():
    assert specs.parse_vocab("1,2,-3") == [1, 2, -3]
    assert specs.parse_vocab("a, b,10") == ["a", "b", 10]
    with pytest.raises(Exception, match="repeated"):
        specs.parse_vocab("1,1")


def test_console_script_errors_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "glassbox.cli.main", "compile", "sortt", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("glassbox: error: unknown program 'sortt'")
    assert "Traceback" not in proc.stderr


def test_demo_writes_the_report(tmp_path, capsys):
    from glassbox import demo

    assert demo.main(["hist", "--verify", "20", "--report", str(tmp_path / "demo.html")]) == 0
    out = capsys.readouterr().out
    assert "verified: 20/20" in out and f"report  : {tmp_path / 'demo.html'}" in out
    assert (tmp_path / "demo.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_demo_never_overwrites_a_file_it_did_not_write(tmp_path, capsys):
    from glassbox import demo

    mine = tmp_path / "demo.html"
    mine.write_text("my notes", encoding="utf-8")
    args = ["hist", "--verify", "5", "--report", str(mine)]
    assert demo.main(args) == 0 and demo.main(args) == 0
    out = capsys.readouterr().out
    assert mine.read_text(encoding="utf-8") == "my notes"
    assert out.count(f"report  : {tmp_path / 'demo-1.html'}") == 2  # its own file, rewritten the second time
    assert not (tmp_path / "demo-2.html").exists()


def test_the_readme_example_program_file_compiles_exactly(tmp_path, capsys):
    import pathlib

    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "my_programs.py"
    code, out, _ = _run(capsys, "compile", f"{example}:make_program", "--vocab", "a,b,c", "--max-seq-len", "8",
                        "--out", tmp_path / "mine", "--verify", "100")
    assert code == 0 and "verified: 100/100" in out
    code, out, _ = _run(capsys, "run", tmp_path / "mine", "a", "a", "b", "c", "c")
    assert code == 0 and out.strip() == "True True False False True"
