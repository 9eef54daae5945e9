"""The named catalog of library programs at their default vocab and length (CLI, demo, benches).

Each entry builds its program for a given `max_seq_len`, so that programs whose construction
depends on the length (`sort`, `sort_freq`) get it right at every size.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from glassbox import rasp
from glassbox.programs import library as lib
from glassbox.programs import paper


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
        source: "tracr" (tracr's library, which tracr compiles) or "paper" (the RASP paper's and RASP-L's
            programs: composite selectors across pairs, sum/max/min, next-token programs).
    """

    name: str
    summary: str
    build: Callable[[int], rasp.SOp]
    vocab: tuple[Any, ...]
    max_seq_len: int
    example: tuple[Any, ...]
    source: str = "tracr"


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
        # The RASP paper's and RASP-L's programs: composite selectors, sum/max/min, next-token programs.
        Entry("stable_sort", "stable sort with ties by the paper's composite tie-break selector",
              lambda n: paper.make_stable_sort(rasp.tokens, rasp.tokens), nums, 5, (3, 1, 3, 2, 1), "paper"),
        Entry("mark_first_instance", "True where a token occurs for the first time",
              lambda n: paper.make_mark_first_instance(), abcd, 5, ("a", "b", "a", "c", "b"), "paper"),
        Entry("double_histogram", "how many distinct tokens are as frequent as this one",
              lambda n: paper.make_double_histogram(), abcd, 5, ("a", "a", "b", "c", "c"), "paper"),
        Entry("sort_by_most_frequent", "tokens by descending frequency, ties in input order (composite)",
              lambda n: paper.make_sort_by_most_frequent(), nums, 5, (2, 4, 2, 1, 4), "paper"),
        Entry("dyck1_ptf", "Dyck-1 per prefix: T balanced, P completable, F failed",
              lambda n: paper.make_dyck_ptf(1), ("(", ")"), 5, ("(", "(", ")", ")", ")"), "paper"),
        Entry("dyck2_ptf", "Dyck-2 ('()', '[]') per prefix: T balanced, P completable, F failed",
              lambda n: paper.make_dyck_ptf(2), ("(", ")", "[", "]"), 5, ("(", "[", "]", ")", "]"), "paper"),
        Entry("long_addition", "next token of a + b (digits least significant first; use generate)",
              lambda n: paper.make_long_addition(addition_digits(n)), (*range(10), "+", "="), 9,
              (7, 5, "+", 5, 9, "="), "paper"),
        Entry("count_to", "next token counting from a to b after the prompt [a, b] (use generate)",
              lambda n: paper.make_count_to(), tuple(range(10)), 10, (2, 5), "paper"),
        Entry("mode", "the most frequent token (smallest on ties), by a max Aggregate",
              lambda n: paper.make_mode(), nums, 5, (3, 1, 3, 1, 2), "paper"),
        Entry("running_max", "the largest token so far (max Aggregate)",
              lambda n: paper.make_running_max(), nums, 5, (1, 3, 2, 4, 1), "paper"),
        Entry("running_sum", "the sum of the tokens so far (sum Aggregate)",
              lambda n: paper.make_running_sum(), (0, 1, 2, 3), 5, (1, 3, 2, 0, 3), "paper"),
    ]


def addition_digits(max_seq_len: int) -> int:
    """The digits per operand of the catalog's long_addition at a length: prompt 2D + 2 and D + 1 sum digits."""
    return max(1, (max_seq_len - 3) // 3)


LIBRARY: dict[str, Entry] = {entry.name: entry for entry in _entries()}
