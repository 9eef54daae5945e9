"""Causal compilation's check: a causal model computes the program's causal meaning, so say when that
is not the program's meaning on each prefix (see `glassbox.rasp.causal`).

Runs only for `causal=True`, on the program before anything is built: the static proof, then (where
it does not go through) a bounded search for a counterexample on random inputs. A program it cannot
prove prefix-stable gets a `GlassboxWarning` naming each look-ahead expression, or, with
`strict_causal=True`, a `CompileError`.
"""

import warnings

from glassbox import rasp
from glassbox.compiler.nodes import Options
from glassbox.errors import CompileError, GlassboxWarning
from glassbox.rasp import causal

EVALUATIONS = 300  # evaluator runs spent looking for a counterexample (the proof is static; this only names one)


def check(program: rasp.SOp, options: Options, strict: bool) -> None:
    """Warn (or, if `strict`, raise) unless `program` is proved prefix-stable."""
    if not options.causal:
        return
    found = causal.look_aheads(program, options.max_seq_len)
    if not found:
        return
    bad = _search(program, options)
    what = (f"is not prefix-stable (input {bad!r}: the causal outputs differ from the outputs on its prefixes)"
            if bad is not None else "cannot be proved prefix-stable")
    reason = (f"looks ahead: causal=True compiles the program's causal meaning, which {what}; "
              "see glassbox.rasp.prefix_stable")
    if strict:
        raise CompileError([(label, reason) for label in found])
    warnings.warn(f"{', '.join(found)}: {reason} (strict_causal=True makes this an error)", GlassboxWarning,
                  stacklevel=3)


def _search(program: rasp.SOp, options: Options) -> "list | None":
    import numpy as np

    rng = np.random.default_rng(0)
    vocab = list(options.vocab)
    for _ in range(max(1, EVALUATIONS // (options.max_seq_len + 2))):
        xs = [vocab[i] for i in rng.integers(len(vocab), size=options.max_seq_len)]
        try:
            full = [rasp.evaluate(program, xs[: t + 1])[t] for t in range(len(xs))]
            if rasp.evaluate(program, xs, causal=True) != full:
                return xs
        except Exception:  # an input the program rejects proves nothing
            continue
    return None
