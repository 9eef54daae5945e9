"""The HTML report: self-contained, and its decode tables hold the right values (parsed without a browser)."""

import re

from report_dom import decode_cells

import glassbox as gb
from glassbox import programs
from glassbox.inspect import report


def test_report_tables_and_self_containment(tmp_path):
    entry = programs.LIBRARY["sort"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    path = report.write_report(model, [3, 1, 4, 1], tmp_path / "sub" / "r.html")
    page = path.read_text(encoding="utf-8")
    tables = decode_cells(page)
    assert list(tables) == ["embed", "L0 attn", "L0 mlp", "L1 attn", "L1 mlp", "L2 attn", "L2 mlp"]
    assert tables["embed"]["tokens"] == ["-", "3", "1", "4", "1"]
    assert "sort" not in tables["L1 mlp"]
    assert tables["L2 attn"]["sort"][1:] == ["1", "1", "3", "4"]
    assert tables["L1 mlp"]["target_pos"][1:] == ["2", "0", "3", "1"]
    assert page.count("<svg") >= 3 and "RASP evaluator" in page
    # Offline: nothing to fetch (only data: URIs and in-page anchors), no external scripts or styles.
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert all(r.startswith(("data:", "#")) for r in refs), [r for r in refs if not r.startswith("data:")][:3]
    assert "url(http" not in page and "@import" not in page


def test_report_of_a_numerical_program_and_loaded_model(tmp_path):
    entry = programs.LIBRARY["frac_prevs"]
    model = gb.compile_rasp_to_model(entry.build(5), vocab=set(entry.vocab), max_seq_len=5)
    model.save(tmp_path / "m")
    loaded = gb.load(tmp_path / "m")
    page = report.build_report(loaded, ["x", "y", "x", "x"])
    assert "<h1>frac_prevs</h1>" in page  # named after the output site when the program is not at hand
    assert "RASP evaluator" not in page
    assert decode_cells(page)["L0 attn"]["frac_prevs"][1:] == ["1", "0.5", "0.667", "0.75"]
