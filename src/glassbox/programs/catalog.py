"""The named catalog of library programs at their default vocab and length (CLI, demo, benches).

Each entry builds its program for a given `max_seq_len`, so that programs whose construction
depends on the length (`sort`, `sort_freq`) get it right at every size.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from glassbox import rasp
from glassbox.programs import library as lib


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalog program.

    Attributes:
        name: the catalog name (`glassbox compile NAME`).
        summary: one line for `glassbox programs`.
        build: max_seq_len -> the program.
        vocab: the default vocabulary (tracr's test vocabulary).
        max_seq_len: the default maximum length.
        example: an input to show in demos.
    """

    name: str
    summary: str
    build: Callable[[int], rasp.SOp]
    vocab: tuple[Any, ...]
    max_seq_len: int
    example: tuple[Any, ...]


def _entries() -> list[Entry]:
    abcd = ("a", "b", "c", "d")
    nums = (1, 2, 3, 4)
    return [
        Entry("length", "length of the input at every position", lambda n: lib.make_length(),
              abcd, 5, ("a", "b", "c")),
        Entry("reverse", "the input reversed", lambda n: lib.make_reverse(rasp.tokens),
              abcd, 5, ("a", "b", "c", "d")),
        Entry("hist", "count of each position's token", lambda n: lib.make_hist(),
              abcd, 5, ("a", "b", "a", "c")),
        Entry("sort_unique", "sort distinct tokens ascending",
              lambda n: lib.make_sort_unique(rasp.tokens, rasp.tokens), nums, 5, (3, 1, 4, 2)),
        Entry("sort", "stable sort of tokens ascending",
              lambda n: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1),
              nums, 5, (3, 1, 4, 1)),
        Entry("sort_freq", "tokens sorted by descending frequency",
              lambda n: lib.make_sort_freq(max_seq_len=n), nums, 5, (2, 4, 2, 1)),
        Entry("frac_prevs", "running fraction of 'x' tokens (numerical)",
              lambda n: lib.make_frac_prevs(rasp.numerical(rasp.tokens == "x")),
              ("x", "y"), 5, ("x", "y", "x", "x")),
        Entry("pair_balance", "running open-minus-close fraction for '()' (numerical)",
              lambda n: lib.make_pair_balance(rasp.tokens, "(", ")"),
              ("(", ")", "a"), 5, ("(", "(", ")", "a")),
        Entry("shuffle_dyck", "is the input a balanced '()' string",
              lambda n: lib.make_shuffle_dyck(["()"]), ("(", ")"), 5, ("(", ")", "(", ")")),
        Entry("shuffle_dyck2", "is the input a shuffle of balanced '()' and '{}' strings",
              lambda n: lib.make_shuffle_dyck2(), ("(", ")", "{", "}"), 5, ("(", "{", ")", "}")),
        Entry("shift_by", "the input shifted right by one (None first)",
              lambda n: lib.shift_by(1, rasp.tokens), abcd, 5, ("a", "b", "c")),
        Entry("detect_pattern", "True where the pattern 'abc' ends",
              lambda n: lib.detect_pattern(rasp.tokens, "abc"), ("a", "b", "c"), 5,
              ("a", "b", "c", "a", "b")),
        Entry("count_less_freq", "number of positions whose token occurs at most twice",
              lambda n: lib.make_count_less_freq(2), abcd, 5, ("a", "a", "a", "b", "c")),
        Entry("count", "number of 'a' tokens", lambda n: lib.make_count(rasp.tokens, "a"),
              ("a", "b", "c"), 5, ("a", "b", "a")),
        Entry("nary_sequencemap", "x + y - i over (tokens, tokens, indices)",
              lambda n: lib.make_nary_sequencemap(lambda x, y, z: x + y - z,
                                                  rasp.tokens, rasp.tokens, rasp.indices),
              (1, 2, 3), 5, (1, 2, 3)),
    ]


LIBRARY: dict[str, Entry] = {entry.name: entry for entry in _entries()}
