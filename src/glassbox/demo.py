"""`make demo`: the main job on a built-in default program."""

import sys

from glassbox import programs


def main(argv: "list[str] | None" = None) -> int:
    """Evaluate the library's `sort` program on its example input and print it."""
    entry = programs.LIBRARY["sort"]
    program = entry.build(entry.max_seq_len)
    xs = list(entry.example)
    print(f"program : {entry.name} ({entry.summary})")
    print(f"input   : {xs}")
    print(f"output  : {program(xs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
