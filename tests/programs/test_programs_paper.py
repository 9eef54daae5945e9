"""The RASP paper's and RASP-L's programs: plain-Python references, exactness compiled, generation."""

import itertools
import random

import pytest

from compiler.exactness import assert_exact, inputs
from glassbox import programs, rasp
from glassbox.programs import catalog

from . import reference as ref

NEW = ["stable_sort", "mark_first_instance", "double_histogram", "sort_by_most_frequent", "dyck1_ptf", "dyck2_ptf",
       "long_addition", "count_to", "mode", "running_max", "running_sum"]
PREFIX_STABLE = {"mark_first_instance", "dyck1_ptf", "dyck2_ptf", "long_addition", "count_to", "running_max",
                 "running_sum"}
REFERENCES = {
    "stable_sort": sorted,
    "mark_first_instance": ref.mark_first_instance,
    "double_histogram": ref.double_histogram,
    "sort_by_most_frequent": ref.sort_freq,
    "dyck1_ptf": lambda xs: ref.dyck_ptf(xs, ["()"]),
    "dyck2_ptf": lambda xs: ref.dyck_ptf(xs, ["()", "[]"]),
    "count_to": ref.count_to_next,
    "mode": ref.mode,
    "running_max": ref.running_max,
    "running_sum": ref.running_sum,
}


def _entry_inputs(name: str, n: int) -> list[list]:
    entry = programs.LIBRARY[name]
    seqs = inputs(entry.vocab, n, seed=n)
    if name.startswith("dyck"):  # random strings fail at once: add valid prefixes and balanced strings
        rng, pairs = random.Random(n), ["()", "[]"][: int(name[4])]
        for _ in range(200):
            stack, seq = [], []
            while len(seq) < rng.randint(1, n):
                if stack and (rng.random() < 0.5 or len(seq) + len(stack) >= n):
                    seq.append(stack.pop())
                else:
                    pair = rng.choice(pairs)
                    seq.append(pair[0])
                    stack.append(pair[1])
            seqs.append(seq)
    return seqs


def test_every_new_program_is_in_the_catalog_with_a_docstring():
    assert set(NEW) <= set(programs.LIBRARY)
    for name in ("make_stable_sort", "make_mark_first_instance", "make_double_histogram", "make_sort_by_most_frequent",
                 "make_dyck_ptf", "make_long_addition", "make_count_to", "make_mode", "make_running_max",
                 "make_running_sum"):
        assert getattr(programs, name).__doc__ and ">>>" in getattr(programs, name).__doc__


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_the_evaluator_matches_the_plain_python_reference(name):
    entry = programs.LIBRARY[name]
    program = entry.build(8)
    for xs in _entry_inputs(name, 8)[:3000]:
        assert program(xs) == REFERENCES[name](xs), xs


def test_the_causal_claims_are_proved():
    for name in NEW:
        program = programs.LIBRARY[name].build(10)
        assert (rasp.look_aheads(program, 10) == []) == (name in PREFIX_STABLE), name


def _cases():
    for name in NEW:
        for n in (5, 10, 20):
            for causal in (False, True) if name in PREFIX_STABLE else (False,):
                yield pytest.param(name, n, causal, id=f"{name}-N{n}-{'causal' if causal else 'bidi'}")


@pytest.mark.parametrize("name,n,causal", list(_cases()))
def test_compiled_exactly(name, n, causal):
    entry = programs.LIBRARY[name]
    assert_exact(entry.build(n), entry.vocab, n, causal=causal, strict_causal=causal, seed=n)


@pytest.mark.parametrize("n", [5, 10, 20])
def test_count_to_generates(n):
    program = programs.make_count_to()
    model = assert_exact(program, tuple(range(10)), n, causal=True, ir=False) if n == 5 else None
    from glassbox import compile_rasp_to_model

    model = model or compile_rasp_to_model(program, vocab=set(range(10)), max_seq_len=n, causal=True)
    prompts = [[a, b] for a, b in itertools.product(range(10), repeat=2)]
    got = model.generate(prompts, max_new_tokens=n)
    for prompt, out in zip(prompts, got, strict=True):
        assert out == ref.count_to(*prompt)[:n], prompt  # a, ..., b, cut at max_seq_len
        steps = list(prompt)
        while len(steps) < n and (nxt := rasp.evaluate(program, steps, causal=True)[-1]) is not None:
            steps.append(nxt)
        assert out == steps


@pytest.mark.parametrize("n", [5, 10, 20])
def test_long_addition_generates(n):
    from glassbox import compile_rasp_to_model

    digits = catalog.addition_digits(n)
    program = programs.make_long_addition(digits)
    model = compile_rasp_to_model(program, vocab=set(programs.LIBRARY["long_addition"].vocab), max_seq_len=n,
                                  causal=True, strict_causal=True)
    rng = random.Random(n)
    pairs = [(rng.randrange(10**digits), rng.randrange(10**digits)) for _ in range(100)]
    pairs += [(10**digits - 1, 10**digits - 1), (0, 0), (10**digits - 1, 1)]  # every carry, none, a ripple
    prompts = [programs.addition_prompt(a, b, digits) for a, b in pairs]
    got = model.generate(prompts, max_new_tokens=digits + 1)
    for (a, b), prompt, out in zip(pairs, prompts, got, strict=True):
        written = out[len(prompt):]
        assert written == ref.long_addition(a, b, digits)[: n - len(prompt)], (a, b, out)
        steps = list(prompt)
        while len(steps) < n and (nxt := rasp.evaluate(program, steps, causal=True)[-1]) is not None:
            steps.append(nxt)
        assert out == steps
