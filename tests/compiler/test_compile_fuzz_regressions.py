"""One regression test per wrong answer or crash the fuzzer (glassbox.fuzz) found, each as it was shrunk."""

import pytest

import glassbox as gb
from glassbox import rasp
from glassbox.fuzz import oracle as fuzz_check


def exact(program, vocab, max_seq_len, **options):
    """Compile and compare with the evaluator on every input (strictly: values and their types)."""
    import itertools

    model = gb.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=max_seq_len, **options)
    seqs = [list(s) for n in range(1, max_seq_len + 1) for s in itertools.product(sorted(vocab, key=repr), repeat=n)]
    numerical = model.numerical_output
    dtype = str(model.module.embed.W_E.dtype).removeprefix("torch.")
    for xs, out in zip(seqs, model.run(seqs), strict=True):
        ref = rasp.evaluate(program, xs, causal=options.get("causal", False))
        assert all(fuzz_check.agree(a, b, numerical, dtype) for a, b in zip(out, ref, strict=True)), (xs, out, ref)
    return model


# -- a primitive read with both encodings is one variable with both reads (fuzz seed 0: 29, 63, 118, 169) ----------
@pytest.mark.parametrize("build", [
    lambda: rasp.SequenceMap(lambda x, y: x + y, rasp.Map(lambda x: x + 1, rasp.numerical(rasp.indices)),
                             rasp.indices),
    lambda: rasp.SelectorWidth(rasp.Select(rasp.Map(lambda x: x + 1, rasp.numerical(rasp.indices)), rasp.indices,
                                           rasp.Comparison.EQ)),
    lambda: rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.EQ),
                                          rasp.numerical(rasp.SequenceMap(lambda x, y: x + y, rasp.numerical(
                                              rasp.indices), rasp.indices)), default=0)),
    lambda: rasp.SequenceMap(lambda x, y: x * y,
                             rasp.Aggregate(rasp.Select(rasp.length, rasp.tokens, rasp.Comparison.EQ), rasp.length,
                                            default=0), rasp.numerical(rasp.tokens)),
    lambda: rasp.numerical(rasp.SequenceMap(lambda x, y: x * y, rasp.numerical(rasp.length),
                                            rasp.Map(lambda n: n - 1, rasp.length))),
], ids=["indices-cat-and-num", "width-of-num-indices", "mean-of-num-indices", "tokens-cat-and-num",
        "length-cat-and-num"])
def test_primitive_with_both_encodings(build):
    exact(build(), {1, 2, 3}, 4)


# -- means are exact (one rounding), in the evaluator and in value sets alike ---------------------------------------
def test_means_of_floats_are_the_evaluators_to_the_last_bit():
    vals = {0: 0.1, 1: 0.2, 2: 0.7}
    x = rasp.numerical(rasp.Map(lambda t: vals[t], rasp.tokens))
    mean = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), x, default=0))
    exact(rasp.Map(lambda v: v, mean), {0, 1, 2}, 5)  # categorical: decoded from the value set, compared exactly
    exact(rasp.Map(lambda v: v > 0.3, mean), {0, 1, 2}, 5)  # a threshold exactly on a mean (0.1 + 0.2 + 0.6) / 3


def test_evaluator_mean_does_not_depend_on_order():
    from glassbox.rasp.evaluator import mean

    assert mean([0.1, 0.2, 0.4]) == mean([0.1, 0.4, 0.2]) == mean([0.2, 0.4, 0.1])
    assert sum([0.1, 0.2, 0.4]) != sum([0.1, 0.4, 0.2])  # what the naive mean depends on
    assert mean([1, 2]) == 1.5 and isinstance(mean([True, False]), float)
