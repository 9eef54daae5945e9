"""A program of your own, for `glassbox compile examples/my_programs.py:make_program ...`.

Any `file.py:function` (or `module:function`) works: the function returns a RASP SOp, and gets
`max_seq_len` if it takes an argument of that name.
"""

from glassbox import rasp


def make_program() -> rasp.SOp:
    """Each token, and whether it equals the token before it (position 0 compares with itself)."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.Map(lambda i: max(i - 1, 0), rasp.indices),
                                      rasp.Comparison.EQ), rasp.tokens).named("prev")
    return rasp.SequenceMap(lambda x, y: x == y, rasp.tokens, prev).named("repeats")
