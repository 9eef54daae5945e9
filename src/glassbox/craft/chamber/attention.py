"""Attention heads for Aggregate and SelectorWidth, with BOS handling and derived sharpness.

A selector is an AND of k predicate groups, each over one (keys, queries) pair of categorical
SOps. Its bilinear score form is

    score(q, k) = c · Σ_groups pred(key value, query value)      ∈ {0, c, …, k·c}

so a selected key scores k·c and every other key at most (k-1)·c. BOS gets an extra score
from the query's `one` direction:

  * Aggregate: (k - ½)·c, so BOS wins only when nothing is selected (its value is 0: the
    default None / 0), with margin c/2 on both sides;
  * SelectorWidth: k·c, so BOS weighs the same as each selected key, and a value of 1 read at
    BOS gives 1/(w+1) for w selected keys.

The BOS query itself (whose `one` is 0) attends only to BOS through a tokens:BOS × tokens:BOS
term, so nothing is written at BOS and later heads can rely on its residual being clean.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassbox.craft import bases
from glassbox.craft.bases import Direction, Feature


@dataclasses.dataclass(frozen=True)
class PredicateGroup:
    """One predicate over the values of a (keys, queries) pair of categorical SOps."""

    keys: Mapping[Any, Feature]
    queries: Mapping[Any, Feature]
    predicate: Callable[[Any, Any], bool]


def aggregate_sharpness(max_seq_len: int, tolerance: float) -> float:
    """c such that the non-selected weight (N+1)·e^{-c/2} is below `tolerance`."""
    return 2.0 * math.log((max_seq_len + 1) / tolerance)


def width_sharpness(max_seq_len: int, tolerance: float) -> float:
    """c such that the non-selected weight N·e^{-c} is below `tolerance`."""
    return math.log(max(max_seq_len, 1) / tolerance)


def score_form(
    groups: list[PredicateGroup],
    sharpness: float,
    bos_score: float,
    residual: bases.Space,
    bos: Direction,
    one: Direction,
    key_bias: "Feature | None" = None,
) -> np.ndarray:
    """The [d_model, d_model] W_QK (query rows, key columns) of a selector, BOS terms included.

    `key_bias` adds a score that depends on the key alone (read through the query's `one`): the
    value ranks of a max/min Aggregate (see `rank_scores`).
    """
    w = np.zeros((len(residual), len(residual)))
    for kd, kv in (key_bias or {}).items():
        w[residual.index(one), residual.index(kd)] += kv
    for group in groups:
        for q_value, q_feat in group.queries.items():
            for k_value, k_feat in group.keys.items():
                if not _holds(group.predicate, k_value, q_value):
                    continue
                for qd, qv in q_feat.items():
                    for kd, kv in k_feat.items():
                        w[residual.index(qd), residual.index(kd)] += sharpness * qv * kv
    w[residual.index(one), residual.index(bos)] += bos_score
    w[residual.index(bos), residual.index(bos)] += bos_score + 2 * sharpness * max(len(groups), 1)
    return w


def rank_scores(max_seq_len: int, tolerance: float, n_groups: int, n_values: int) -> tuple[float, float, float]:
    """(rank step r, selector sharpness c, BOS score) of a max/min head, from the derived margin.

    The score of a key is c·(groups it satisfies) + r·rank(its value), ranks 0..m-1 (m values, the
    best last). With c = (m + 1)·r and the BOS score k·c - r (k groups):

      * the best selected keys beat every other selected key and BOS by at least r,
      * and every unselected key (at most (k-1)·c + (m-1)·r = k·c - 2r) by at least 2r;
      * with nothing selected, BOS beats every key by at least r.

    So the weight off the intended keys is below (N+1)·e^{-r}, and r = log((N+1)/tolerance) puts it
    below `tolerance`.
    """
    r = math.log((max_seq_len + 1) / tolerance)
    c = (n_values + 1) * r
    return r, c, n_groups * c - r


def _holds(predicate: Callable[[Any, Any], bool], key: Any, query: Any) -> bool:
    try:
        return bool(predicate(key, query))
    except Exception:  # the evaluator raises on such a pair; the model selects nothing
        return False


def value_map(reads: Mapping[Direction, Feature], residual: bases.Space) -> np.ndarray:
    """The [d_model, d_model] W_OV writing, for each output direction, the feature it reads."""
    w = np.zeros((len(residual), len(residual)))
    for out_dir, feature in reads.items():
        for d, v in feature.items():
            w[residual.index(d), residual.index(out_dir)] += v
    return w
