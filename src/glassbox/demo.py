"""`make demo`: compile the library's `sort`, verify it against the RASP evaluator, run an example, write its report."""

import argparse
import sys
import time
from pathlib import Path

import glassbox as gb
import glassbox.model.compiled  # noqa: F401  (imports torch up front, so the compile time below is the compiler)
from glassbox import programs
from glassbox.inspect import report, verification


def main(argv: "list[str] | None" = None) -> int:
    """Compile a catalog program, check it on random inputs, print its shape and an example output."""
    parser = argparse.ArgumentParser(prog="python -m glassbox.demo", description=__doc__)
    parser.add_argument("program", nargs="?", default="sort", choices=sorted(programs.LIBRARY))
    parser.add_argument("--max-seq-len", type=int, default=None)
    parser.add_argument("--verify", type=int, default=500, help="random inputs checked against the evaluator")
    parser.add_argument("--report", type=Path, default=Path("out/demo_report.html"),
                        help="where to write the HTML report of the example (default: out/demo_report.html)")
    args = parser.parse_args(argv)

    entry = programs.LIBRARY[args.program]
    n = args.max_seq_len or entry.max_seq_len
    program = entry.build(n)
    t = time.perf_counter()
    model = gb.compile_rasp_to_model(program, vocab=set(entry.vocab), max_seq_len=n)
    ms = (time.perf_counter() - t) * 1e3
    print(f"program : {entry.name} — {entry.summary}")
    print(f"compiled in {ms:.1f} ms: {model}")

    result = verification.verify(model, program, args.verify)
    print(result.summary())
    xs = list(entry.example)
    print(f"input   : {xs}")
    print(f"output  : {model.run([xs])[0]}")
    print(f"RASP    : {program(xs)}")
    path = _own_path(args.report)
    path.parent.mkdir(parents=True, exist_ok=True)
    doctype, rest = report.build_report(model, xs).split("\n", 1)
    path.write_text(f"{doctype}\n{MARK}{rest}", encoding="utf-8")
    print(f"report  : {path}")
    return 0 if result.ok else 1


# The report's second line: the demo overwrites only files that carry it.
MARK = "<!-- written by python -m glassbox.demo, which overwrites only files holding this line -->\n"


def _own_path(path: Path) -> Path:
    """`path`, or, if something the demo did not write is there, the first free `stem-k.suffix` beside it."""
    candidate, k = path, 0
    while candidate.exists() and not _is_ours(candidate):
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate


def _is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().startswith("<!DOCTYPE") and f.readline() == MARK
    except (OSError, UnicodeDecodeError):
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
