"""Programs of the RASP paper ("Thinking Like Transformers") and of RASP-L, beyond tracr's subset.

They use what tracr cannot compile: selectors that OR and NOT across different key/query pairs, and
`sum` / `max` / `min` aggregation. `count_to` and `long_addition` are next-token programs, meant for
`CompiledModel.generate` (compiled with `causal=True`; both are prefix-stable).
"""

from collections.abc import Sequence
from typing import Any

from glassbox import rasp
from glassbox.errors import RaspError

LT, LEQ, EQ, TRUE = rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.EQ, rasp.Comparison.TRUE
PAIRS = ("()", "[]", "{}", "<>")


def _prevs() -> rasp.Selector:
    return rasp.Select(rasp.indices, rasp.indices, LEQ).named("prevs")


def make_stable_sort(vals: rasp.SOp, keys: rasp.SOp) -> rasp.SOp:
    """`vals` sorted by `keys` ascending, ties in input order: the paper's sort, whose tie-break is the
    composite selector `Select(k, k, LT) | (Select(k, k, EQ) & Select(i, i, LT))` (no key + i/N trick).

    >>> make_stable_sort(rasp.tokens, rasp.tokens)([3, 1, 3, 2, 1])
    [1, 1, 2, 3, 3]
    """
    before = (rasp.Select(keys, keys, LT)
              | (rasp.Select(keys, keys, EQ) & rasp.Select(rasp.indices, rasp.indices, LT))).named("sorts_before")
    target = rasp.SelectorWidth(before).named("target_pos")
    return rasp.Aggregate(rasp.Select(target, rasp.indices, EQ).named("sel_new"), vals).named("stable_sort")


def make_mark_first_instance(sop: rasp.SOp = rasp.tokens) -> rasp.SOp:
    """True where a token occurs for the first time.

    >>> make_mark_first_instance()("abacb")
    [True, True, False, True, False]
    """
    earlier_same = (rasp.Select(sop, sop, EQ) & rasp.Select(rasp.indices, rasp.indices, LT)).named("earlier_same")
    return (rasp.SelectorWidth(earlier_same) == 0).named("mark_first_instance")


def make_double_histogram() -> rasp.SOp:
    """Per position, how many distinct tokens occur as often as this position's token.

    >>> make_double_histogram()("aabbcd")
    [2, 2, 2, 2, 2, 2]
    >>> make_double_histogram()("aaabc")
    [1, 1, 1, 2, 2]
    """
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, EQ)).named("hist")
    first = make_mark_first_instance()
    same_count_first = (rasp.Select(hist, hist, EQ) & rasp.Select(first, first, lambda k, q: k)).named(
        "same_count_first")
    return rasp.SelectorWidth(same_count_first).named("double_histogram")


def make_sort_by_most_frequent() -> rasp.SOp:
    """Tokens sorted by descending frequency, equal frequencies in input order (the stable sort on -hist).

    >>> make_sort_by_most_frequent()([2, 4, 2, 1, 4, 4])
    [4, 4, 4, 2, 2, 1]
    """
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, EQ)).named("hist")
    neg_hist = rasp.Map(lambda h: -h, hist).named("neg_hist")
    return make_stable_sort(rasp.tokens, neg_hist).named("sort_by_most_frequent")


def make_running_max(sop: rasp.SOp = rasp.tokens) -> rasp.SOp:
    """The largest value so far (a max Aggregate over the previous positions).

    >>> make_running_max()([1, 3, 2, 4, 0])
    [1, 3, 3, 4, 4]
    """
    return rasp.Aggregate(_prevs(), sop, reduction="max").named("running_max")


def make_running_sum(sop: rasp.SOp = rasp.tokens) -> rasp.SOp:
    """The sum of the values so far (a sum Aggregate over the previous positions).

    >>> make_running_sum()([1, 3, 2, 0])
    [1, 4, 6, 6]
    """
    return rasp.Aggregate(_prevs(), sop, reduction="sum").named("running_sum")


def make_mode() -> rasp.SOp:
    """The most frequent token of the sequence (the smallest among equally frequent ones), at every position.

    A max Aggregate over (count, -token) pairs; the tokens must be numbers.

    >>> make_mode()([3, 1, 3, 1, 2])
    [1, 1, 1, 1, 1]
    """
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, EQ)).named("hist")
    ranked = rasp.SequenceMap(lambda h, t: (h, -t), hist, rasp.tokens).named("count_and_token")
    best = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, TRUE).named("everything"), ranked,
                          reduction="max").named("best")
    return rasp.Map(lambda pair: -pair[1], best).named("mode")


def make_dyck_ptf(k: int) -> rasp.SOp:
    """Dyck-k per prefix: "T" if the prefix is balanced, "P" if it can still be completed, "F" if it cannot.

    The brackets are the first k of (), [], {}, <>. A close bracket matches the last earlier open bracket
    whose depth is one more than the close's (a max Aggregate of indices); the prefix fails from the first
    close with no match or the wrong type (a running max of the failures); the depth is a running sum.

    >>> make_dyck_ptf(2)("([])]")
    ['P', 'P', 'P', 'T', 'F']
    >>> make_dyck_ptf(2)("([)]")
    ['P', 'P', 'F', 'F']
    """
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(PAIRS):
        raise RaspError(f"make_dyck_ptf(k): argument 1 (k) must be 1..{len(PAIRS)}, got {k!r}")
    pairs = PAIRS[:k]
    opens = {p[0]: p[1] for p in pairs}
    closes = {p[1] for p in pairs}
    step = rasp.Map(lambda t: 1 if t in opens else -1 if t in closes else 0, rasp.tokens).named("step")
    depth = rasp.Aggregate(_prevs(), step, reduction="sum").named("depth")  # after this position
    is_open = rasp.Map(lambda t: t in opens, rasp.tokens).named("is_open")
    opener = (rasp.Select(depth, depth, lambda kd, qd: kd == qd + 1)
              & rasp.Select(is_open, is_open, lambda ko, qo: ko)
              & rasp.Select(rasp.indices, rasp.indices, LT)).named("opener")
    match = rasp.Aggregate(opener, rasp.indices, default=-1, reduction="max").named("match")
    # (the match is always earlier; saying so, with `& before`, proves the program prefix-stable)
    at_match = (rasp.Select(rasp.indices, match, EQ) & rasp.Select(rasp.indices, rasp.indices, LT)).named("at_match")
    matched = rasp.Aggregate(at_match, rasp.tokens, default="").named("matched")
    bad = rasp.SequenceMap(lambda t, m: t in closes and opens.get(m) != t, rasp.tokens, matched).named("bad")
    failed = rasp.Aggregate(_prevs(), bad, reduction="max").named("failed")
    return rasp.SequenceMap(lambda f, d: "F" if f else "T" if d == 0 else "P", failed, depth).named(
        f"dyck{k}_ptf")


def make_count_to() -> rasp.SOp:
    """Next-token program: from the prompt [a, b], generation counts a, a+1, ..., b (then None ends it).

    The next token after position 1 is a; after a later position holding c, c + 1 while c < b.

    >>> make_count_to()([2, 5, 2, 3, 4, 5])
    [None, 2, 3, 4, 5, None]
    """
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("at_0"),
                           rasp.tokens, default=-1).named("start")
    second = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 1 <= q).named("at_1"),
                            rasp.tokens, default=-1).named("end")
    step = rasp.SequenceMap(lambda c, b: c + 1 if c < b else -1, rasp.tokens, second).named("step")
    begin = rasp.SequenceMap(lambda a, i: a if i == 1 else -1, first, rasp.indices).named("begin")
    return rasp.SequenceMap(lambda s, t: s if s >= 0 else t if t >= 0 else None, begin, step).named("count_to")


def make_long_addition(digits: int) -> rasp.SOp:
    """Next-token program: from the prompt `a_0 .. a_{D-1} + b_0 .. b_{D-1} =` (digits least significant
    first, D = `digits`), generation writes the D + 1 digits of the sum, least significant first.

    The next digit c_j (j = position - 2D - 1) is (a_j + b_j + carry) % 10, and the carry into it is
    read off the digit just written: c_{j-1} < a_{j-1} + b_{j-1} exactly when that column carried.

    >>> add = make_long_addition(2)
    >>> add([7, 5, "+", 5, 9, "="] + [2, 5])[-3:]  # 57 + 95 = 152, written 2 5 1
    [2, 5, 1]
    """
    if not isinstance(digits, int) or isinstance(digits, bool) or digits < 1:
        raise RaspError(f"make_long_addition(digits): argument 1 (digits) must be a positive int, got {digits!r}")
    d = digits

    def back(offset: int, name: str) -> rasp.SOp:
        sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - offset).named(f"back_{offset}")
        return rasp.Aggregate(sel, rasp.tokens, default="").named(name)

    a_j, b_j = back(2 * d + 1, "a_j"), back(d, "b_j")  # the column of the digit to write next
    a_prev, b_prev = back(2 * d + 2, "a_prev"), back(d + 1, "b_prev")  # the column just written
    column = rasp.SequenceMap(lambda x, y: _digit_sum(x, y), a_j, b_j).named("column")
    before = rasp.SequenceMap(lambda x, y: _digit_sum(x, y), a_prev, b_prev).named("column_prev")
    carry = rasp.SequenceMap(lambda c, s: int(_digit(c) < s) if s >= 0 and _digit(c) >= 0 else 0,
                             rasp.tokens, before).named("carry")
    j = rasp.Map(lambda i: i - 2 * d - 1, rasp.indices).named("j")
    spot = rasp.SequenceMap(lambda i, c: (i, c), j, carry).named("spot")
    return rasp.SequenceMap(lambda jc, s: _next_digit(jc[0], jc[1], s, d), spot, column).named("long_addition")


def _digit(x: Any) -> int:
    """A digit token's value, -1 for "+", "=" and the empty default (None would end every SequenceMap)."""
    return x if isinstance(x, int) and not isinstance(x, bool) else -1


def _digit_sum(x: Any, y: Any) -> int:
    a, b = _digit(x), _digit(y)
    return -1 if a < 0 or b < 0 else a + b


def _next_digit(j: int, carry: int, column: int, digits: int) -> "int | None":
    if j == digits:
        return carry  # the last digit of the sum: the final carry
    if 0 <= j < digits and column >= 0:
        return (column + carry) % 10
    return None


def addition_prompt(a: int, b: int, digits: int) -> list[Any]:
    """The prompt of `make_long_addition(digits)` for a + b.

    >>> addition_prompt(57, 95, 2)
    [7, 5, '+', 5, 9, '=']
    """
    def spell(x: int) -> list[int]:
        return [(x // 10**i) % 10 for i in range(digits)]

    return [*spell(a), "+", *spell(b), "="]


def digits_of_sum(generated: Sequence[Any], digits: int) -> int:
    """The number written by generation after an addition prompt (least significant digit first)."""
    return sum(int(c) * 10**i for i, c in enumerate(generated[2 * digits + 2:]))
