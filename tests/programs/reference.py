"""Plain-Python reference functions for the program library, written without RASP.

Each takes the input list and returns the list the RASP program should give.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any


def length(xs: Sequence[Any]) -> list[int]:
    return [len(xs)] * len(xs)


def reverse(xs: Sequence[Any]) -> list[Any]:
    return list(xs)[::-1]


def hist(xs: Sequence[Any]) -> list[int]:
    counts = Counter(xs)
    return [counts[x] for x in xs]


def sort_by(vals: Sequence[Any], keys: Sequence[Any]) -> list[Any]:
    """Stable ascending sort of `vals` by `keys`."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    return [vals[i] for i in order]


def sort_freq(xs: Sequence[Any]) -> list[Any]:
    """Tokens by descending frequency; equal frequencies keep input order."""
    counts = Counter(xs)
    order = sorted(range(len(xs)), key=lambda i: -counts[xs[i]])
    return [xs[i] for i in order]


def frac_prevs(bools: Sequence[bool]) -> list[float]:
    out, seen = [], 0
    for i, b in enumerate(bools):
        seen += bool(b)
        out.append(seen / (i + 1))
    return out


def pair_balance(xs: Sequence[Any], open_token: Any, close_token: Any) -> list[float]:
    out, opens, closes = [], 0, 0
    for i, x in enumerate(xs):
        opens += x == open_token
        closes += x == close_token
        out.append((opens - closes) / (i + 1))
    return out


def shuffle_dyck(xs: Sequence[Any], pairs: Sequence[str]) -> list[bool]:
    """True at every position iff, for each pair, no prefix closes more than it opens and all close."""
    ok = True
    for open_token, close_token in pairs:
        depth = 0
        for x in xs:
            depth += (x == open_token) - (x == close_token)
            if depth < 0:
                ok = False
        ok = ok and depth == 0
    return [ok] * len(xs)


def shift_by(offset: int, xs: Sequence[Any]) -> list[Any]:
    return [xs[i - offset] if i >= offset else None for i in range(len(xs))]


def detect_pattern(xs: Sequence[Any], pattern: Sequence[Any]) -> list[bool | None]:
    m = len(pattern)
    return [
        None if i < m - 1 else list(xs[i - m + 1 : i + 1]) == list(pattern) for i in range(len(xs))
    ]


def count_less_freq(xs: Sequence[Any], n: int) -> list[int]:
    counts = Counter(xs)
    total = sum(1 for x in xs if counts[x] <= n)
    return [total] * len(xs)


def count(xs: Sequence[Any], token: Any) -> list[int]:
    return [sum(1 for x in xs if x == token)] * len(xs)


def nary_sequencemap(f: Callable[..., Any], *columns: Sequence[Any]) -> list[Any]:
    return [f(*row) for row in zip(*columns, strict=True)]


# -- the RASP paper's and RASP-L's programs (glassbox.programs.paper) ---------------------------------
def mark_first_instance(xs: Sequence[Any]) -> list[bool]:
    return [x not in xs[:i] for i, x in enumerate(xs)]


def double_histogram(xs: Sequence[Any]) -> list[int]:
    counts = Counter(xs)
    return [sum(1 for t in counts if counts[t] == counts[x]) for x in xs]


def dyck_ptf(xs: Sequence[Any], pairs: Sequence[str]) -> list[str]:
    """Per prefix: T balanced, P a valid prefix, F no completion exists (a stack of open brackets)."""
    closing = {p[0]: p[1] for p in pairs}
    stack: list[Any] = []
    failed, out = False, []
    for x in xs:
        if not failed:
            if x in closing:
                stack.append(closing[x])
            elif not stack or stack.pop() != x:
                failed = True
        out.append("F" if failed else "T" if not stack else "P")
    return out


def mode(xs: Sequence[Any]) -> list[Any]:
    counts = Counter(xs)
    best = max(counts.values())
    return [min(t for t in counts if counts[t] == best)] * len(xs)


def running_max(xs: Sequence[Any]) -> list[Any]:
    return [max(xs[: i + 1]) for i in range(len(xs))]


def running_sum(xs: Sequence[Any]) -> list[Any]:
    return [sum(xs[: i + 1]) for i in range(len(xs))]


def count_to_next(xs: Sequence[Any]) -> list[Any]:
    """The next token of count_to at every position: a after the prompt [a, b], then c + 1 while c < b."""
    out: list[Any] = []
    for i, c in enumerate(xs):
        if i == 0:
            out.append(None)
        elif i == 1:
            out.append(xs[0])
        else:
            out.append(c + 1 if c < xs[1] else None)
    return out


def count_to(a: int, b: int) -> list[int]:
    """What generation from [a, b] writes."""
    return [a, b] + list(range(a, max(a, b) + 1))


def long_addition(a: int, b: int, digits: int) -> list[int]:
    """The D + 1 digits of a + b, least significant first (what generation should write)."""
    total = a + b
    return [(total // 10**i) % 10 for i in range(digits + 1)]
