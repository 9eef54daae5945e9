"""The RASP program library, with tracr's names, signatures and semantics.

Every function returns a fresh program; building one twice gives identical labels.
"""

from collections.abc import Callable, Sequence
from typing import Any

from glassbox import rasp
from glassbox.errors import RaspError


def make_length() -> rasp.SOp:
    """The sequence length at every position: `SelectorWidth(Select(tokens, tokens, TRUE))`.

    >>> make_length()("abc")
    [3, 3, 3]
    """
    all_true = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_true_selector")
    return rasp.SelectorWidth(all_true).named("length")


def make_reverse(sop: rasp.SOp) -> rasp.SOp:
    """`sop` reversed: position i reads position length - i - 1.

    >>> make_reverse(rasp.tokens)("abcd")
    ['d', 'c', 'b', 'a']
    """
    opp_idx = (make_length() - rasp.indices).named("opp_idx")
    opp_idx = (opp_idx - 1).named("opp_idx-1")
    reverse_selector = rasp.Select(rasp.indices, opp_idx, rasp.Comparison.EQ).named("reverse_selector")
    return rasp.Aggregate(reverse_selector, sop).named("reverse")


def make_hist() -> rasp.SOp:
    """How often each position's token occurs in the whole sequence.

    >>> make_hist()("abac")
    [2, 1, 2, 1]
    """
    same_tok = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_tok")
    return rasp.SelectorWidth(same_tok).named("hist")


def make_sort_unique(vals: rasp.SOp, keys: rasp.SOp) -> rasp.SOp:
    """`vals` sorted by `keys`, ascending; the keys must be unique.

    Each position counts the keys smaller than its own (its target position), then each
    output position reads the value whose target is that position.

    >>> make_sort_unique(rasp.tokens, rasp.tokens)([2, 4, 3, 1])
    [1, 2, 3, 4]
    """
    smaller = rasp.Select(keys, keys, rasp.Comparison.LT).named("smaller")
    target_pos = rasp.SelectorWidth(smaller).named("target_pos")
    sel_new = rasp.Select(target_pos, rasp.indices, rasp.Comparison.EQ).named("sel_new")
    return rasp.Aggregate(sel_new, vals).named("sort")


def make_sort(vals: rasp.SOp, keys: rasp.SOp, *, max_seq_len: int, min_key: float) -> rasp.SOp:
    """`vals` sorted by `keys`, ties kept in input order (a stable sort).

    Keys are made unique as `key + min_key * i / max_seq_len`, which preserves their order
    when `min_key` is at most the smallest gap between distinct keys.

    >>> make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1)([2, 4, 1, 2])
    [1, 2, 2, 4]
    """
    unique_keys = rasp.SequenceMap(
        lambda x, i: x + min_key * i / max_seq_len, keys, rasp.indices
    ).named("keys")
    return make_sort_unique(vals, unique_keys)


def make_sort_freq(max_seq_len: int) -> rasp.SOp:
    """Tokens sorted by descending frequency, ties in input order.

    >>> make_sort_freq(max_seq_len=5)([2, 4, 2, 1])
    [2, 2, 4, 1]
    """
    hist = (-1 * make_hist()).named("hist")
    return make_sort(rasp.tokens, hist, max_seq_len=max_seq_len, min_key=1).named("sort_freq")


def make_frac_prevs(bools: rasp.SOp) -> rasp.SOp:
    """The running fraction of true values of `bools` at positions ≤ each position (numerical).

    >>> make_frac_prevs(rasp.numerical(rasp.tokens == "l"))("hello")
    [0.0, 0.0, 0.3333333333333333, 0.5, 0.4]
    """
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prevs")
    return rasp.numerical(rasp.Aggregate(prevs, bools, default=0)).named("frac_prevs")


def make_pair_balance(sop: rasp.SOp, open_token: Any, close_token: Any) -> rasp.SOp:
    """Running (fraction of opens) - (fraction of closes) at each position (numerical).

    >>> make_pair_balance(rasp.tokens, "(", ")")("(()")
    [1.0, 1.0, 0.3333333333333333]
    """
    bools_open = rasp.numerical(sop == open_token).named("bools_open")
    opens = rasp.numerical(make_frac_prevs(bools_open)).named("opens")
    bools_close = rasp.numerical(sop == close_token).named("bools_close")
    closes = rasp.numerical(make_frac_prevs(bools_close)).named("closes")
    balance = rasp.numerical(rasp.LinearSequenceMap(opens, closes, 1, -1))
    return balance.named("pair_balance")


def make_shuffle_dyck(pairs: Sequence[str]) -> rasp.SOp:
    """1 at every position if the input is a shuffle of balanced Dyck words over `pairs`, else 0.

    For each pair, the running balance must never go negative and must end at zero.

    >>> make_shuffle_dyck(["()", "{}"])("({)}")
    [True, True, True, True]
    >>> make_shuffle_dyck(["()", "{}"])("(){)}")
    [False, False, False, False, False]
    """
    if len(pairs) < 1:
        raise RaspError("make_shuffle_dyck(pairs): argument 1 (pairs) must name at least one pair")
    balances = []
    for pair in pairs:
        if len(pair) != 2:
            raise RaspError(f"make_shuffle_dyck(pairs): pair {pair!r} must have two characters")
        open_token, close_token = pair[0], pair[1]
        balance = make_pair_balance(rasp.tokens, open_token, close_token).named(f"balance_{pair}")
        balances.append(balance)

    any_negative = balances[0] < 0
    for balance in balances[1:]:
        any_negative = any_negative | (balance < 0)
    any_negative = rasp.numerical(rasp.Map(lambda x: x, any_negative)).named("any_negative")

    select_all = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("select_all")
    has_neg = rasp.numerical(rasp.Aggregate(select_all, any_negative, default=0)).named("has_neg")

    all_zero = balances[0] == 0
    for balance in balances[1:]:
        all_zero = all_zero & (balance == 0)

    last = (make_length() - 1).named("length-1")
    select_last = rasp.Select(rasp.indices, last, rasp.Comparison.EQ).named("select_last")
    last_zero = rasp.Aggregate(select_last, all_zero).named("last_zero")

    not_has_neg = (~has_neg).named("not_has_neg")
    return (last_zero & not_has_neg).named("shuffle_dyck")


def make_shuffle_dyck2() -> rasp.SOp:
    """`make_shuffle_dyck` over the pairs "()" and "{}".

    >>> make_shuffle_dyck2()("{(})")
    [True, True, True, True]
    """
    return make_shuffle_dyck(pairs=["()", "{}"]).named("shuffle_dyck2")


def shift_by(offset: int, sop: rasp.SOp) -> rasp.SOp:
    """`sop` shifted right by `offset` positions; the first `offset` positions are None.

    >>> shift_by(1, rasp.tokens)("abcd")
    [None, 'a', 'b', 'c']
    """
    select_off = rasp.Select(
        rasp.indices, rasp.indices, lambda k, q: q == k + offset
    ).named(f"select_off_by_{offset}")
    return rasp.Aggregate(select_off, sop, default=None).named(f"shift_by({offset})")


def detect_pattern(sop: rasp.SOp, pattern: Sequence[Any]) -> rasp.SOp:
    """True at the last position of each occurrence of `pattern` in `sop`.

    The first len(pattern) - 1 positions are None (the pattern cannot end there).

    >>> detect_pattern(rasp.tokens, "abc")("abcabc")
    [None, None, True, False, False, True]
    """
    if len(pattern) < 1:
        raise RaspError("detect_pattern(sop, pattern): argument 2 (pattern) must not be empty")
    detectors = []
    for i, element in enumerate(reversed(pattern)):
        detector = sop == element
        if i != 0:
            detector = shift_by(i, detector)
        detectors.append(detector)
    pattern_detected = detectors.pop()
    while detectors:
        pattern_detected = pattern_detected & detectors.pop()
    return pattern_detected.named(f"detect_pattern({''.join(map(str, pattern))})")


def make_count_less_freq(n: int) -> rasp.SOp:
    """The number of positions whose token occurs at most `n` times (as tracr's code does).

    >>> make_count_less_freq(2)("aaabbc")
    [3, 3, 3, 3, 3, 3]
    """
    hist = make_hist()
    select_less = rasp.Select(hist, hist, lambda k, q: k <= n).named("select_less")
    return rasp.SelectorWidth(select_less).named(f"count_less_freq({n})")


def make_count(sop: rasp.SOp, token: Any) -> rasp.SOp:
    """The number of positions where `sop` equals `token`, at every position.

    >>> make_count(rasp.tokens, "a")("aaabbc")
    [3, 3, 3, 3, 3, 3]
    """
    same = rasp.Select(sop, sop, lambda k, q: k == token).named(f"select_{token}")
    return rasp.SelectorWidth(same).named(f"count_{token}")


def make_nary_sequencemap(f: Callable[..., Any], *sops: rasp.SOp) -> rasp.SOp:
    """Elementwise `f(x1, ..., xn)` of several SOps, via nested pairs and a final Map.

    >>> make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens, rasp.tokens, rasp.indices)([1, 2, 3])
    [2, 3, 4]
    """
    if len(sops) < 1:
        raise RaspError("make_nary_sequencemap(f, *sops): needs at least one SOp")
    if len(sops) == 1:
        return rasp.Map(f, sops[0]).named("nary_sequencemap")
    values = rasp.SequenceMap(lambda x, y: (x, y), sops[0], sops[1]).named("nary_1")
    for i, sop in enumerate(sops[2:], 2):
        values = rasp.SequenceMap(lambda x, y: (*x, y), values, sop).named(f"nary_{i}")
    return rasp.Map(lambda args: f(*args), values).named("nary_sequencemap")
