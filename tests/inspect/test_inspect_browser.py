"""The report in real headless Chromium: it loads without console errors, its script runs, its tables are right."""

import shutil
import subprocess
from pathlib import Path

import pytest
from report_dom import decode_cells

import glassbox as gb
from glassbox import programs
from glassbox.inspect import report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")]


def _chromium(tmp: Path, page: Path, *extra: str) -> "subprocess.CompletedProcess[str]":
    """Run headless Chromium on a local page, offline, with console messages logged to stderr."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp / 'profile'}",
           "--enable-logging=stderr", "--v=0", *extra, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def _console(stderr: str) -> list[str]:
    # Chromium logs every console message (and uncaught exception) as an INFO:CONSOLE line; our
    # page logs nothing, so any such line is a problem.
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_errors_are_detectable(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('deliberate');</script></body></html>")
    lines = _console(_chromium(tmp_path, bad, "--dump-dom").stderr)
    assert any("deliberate" in line for line in lines)


def test_report_in_headless_chromium(tmp_path):
    entry = programs.LIBRARY["sort"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    page = report.write_report(model, [3, 1, 4, 1], tmp_path / "report.html")

    dom = _chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console(dom.stderr) == []
    assert 'data-ready="1"' in dom.stdout  # the page's script ran to the end
    tables = decode_cells(dom.stdout)
    assert list(tables) == ["embed", "L0 attn", "L0 mlp", "L1 attn", "L1 mlp", "L2 attn", "L2 mlp"]
    ref = programs.LIBRARY["sort"].build(5)([3, 1, 4, 1])
    assert tables["L2 mlp"]["sort"][1:] == [str(v) for v in ref]
    assert tables["L0 mlp"]["keys"][1:] == ["3", "1.2", "4.4", "1.6"]
    assert tables["L1 mlp"]["target_pos"][1:] == ["2", "0", "3", "1"]

    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1400,2000")
    assert run.returncode == 0 and _console(run.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
