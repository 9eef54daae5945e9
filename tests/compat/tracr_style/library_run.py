"""Compile tracr's program library the way tracr's README does, and read the outputs tracr returns."""

from typing import Dict, List, Tuple

from tracr.compiler import compiling
from tracr.compiler import lib
from tracr.rasp import rasp

# (builder, vocab, max_seq_len, input), one per library function.
LIBRARY: Dict[str, Tuple] = {
    "make_length": (lib.make_length, {"a", "b"}, 4, ["a", "b", "b"]),
    "make_reverse": (lambda: lib.make_reverse(rasp.tokens), {"a", "b", "c"}, 4, ["a", "b", "c"]),
    "make_hist": (lib.make_hist, {"a", "b"}, 4, ["a", "b", "a"]),
    "make_sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3}, 3, [3, 1, 2]),
    "make_sort": (lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=4, min_key=1), {1, 2, 3}, 4,
                  [3, 1, 3, 2]),
    "make_sort_freq": (lambda: lib.make_sort_freq(max_seq_len=4), {1, 2, 3}, 4, [3, 1, 3, 2]),
    "make_frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == "x"), {"x", "y"}, 4, ["x", "y", "x"]),
    "make_pair_balance": (lambda: lib.make_pair_balance(rasp.tokens, "(", ")"), {"(", ")"}, 4,
                          ["(", ")", "(", "("]),
    "make_shuffle_dyck": (lambda: lib.make_shuffle_dyck(pairs=["()"]), {"(", ")"}, 4, ["(", ")", "(", ")"]),
    "make_shuffle_dyck2": (lib.make_shuffle_dyck2, {"(", ")", "{", "}"}, 4, ["(", "{", "}", ")"]),
    "shift_by": (lambda: lib.shift_by(1, rasp.tokens), {"a", "b"}, 4, ["a", "b", "a"]),
    "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, "ab"), {"a", "b"}, 4, ["a", "b", "a", "b"]),
    "make_count_less_freq": (lambda: lib.make_count_less_freq(2), {"a", "b", "c"}, 4, ["a", "b", "a", "c"]),
    "make_count": (lambda: lib.make_count(rasp.tokens, "a"), {"a", "b"}, 4, ["a", "b", "a"]),
    "make_nary_sequencemap": (lambda: lib.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens,
                                                                rasp.tokens, rasp.indices), {1, 2}, 3, [1, 2, 1]),
}


def run(name: str) -> Tuple[List, List, object]:
    """(model.apply(...).decoded, [BOS] + the evaluator's output, the apply output) for one library program."""
    build, vocab, max_seq_len, xs = LIBRARY[name]
    program = build()
    model = compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=max_seq_len)
    out = model.apply([compiling.COMPILER_BOS] + xs)
    return out.decoded, [compiling.COMPILER_BOS] + program(xs), out
