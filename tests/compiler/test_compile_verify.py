"""compile_rasp_to_model(verify=N | "exhaustive"): the model is checked against the evaluator before it is returned."""

import pytest

import glassbox as gb
from glassbox import programs, rasp
from glassbox.compiler import verify as verifying
from glassbox.model.compiled import CompiledModel


def test_exhaustive_verification_counts_every_input():
    model = gb.compile_rasp_to_model(programs.make_hist(), vocab={"a", "b"}, max_seq_len=4, verify="exhaustive")
    assert model.verification.inputs == "exhaustive" and model.verification.checked == 2 + 4 + 8 + 16
    assert model.verification.skipped == 0 and model.verification.min_logit_margin > 0.4


def test_random_verification_reports_numerical_error():
    model = gb.compile_rasp_to_model(programs.make_frac_prevs(rasp.tokens == "a"), vocab={"a", "b"}, max_seq_len=6,
                                     verify=100)
    assert model.verification.checked == 100 and 0 <= model.verification.worst_error < 1e-4
    assert model.verification.min_logit_margin is None


def test_inputs_the_evaluator_rejects_are_skipped_and_reported():
    # a categorical Aggregate that selects two different values has no meaning: the evaluator raises there
    program = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), rasp.tokens)
    model = gb.compile_rasp_to_model(program, vocab={"a", "b"}, max_seq_len=3, verify="exhaustive")
    assert model.verification.skipped > 0 and model.verification.checked > 0
    assert "selected several different values" in model.verification.skipped_examples[0]


def test_a_disagreement_raises_with_the_counterexample(monkeypatch):
    real_decode = CompiledModel.decode

    def wrong(self, logits, lengths=None):  # a broken model: position 0 always decodes as 'b'
        out = real_decode(self, logits, lengths)
        return [["b"] + row[1:] for row in out]

    monkeypatch.setattr(CompiledModel, "decode", wrong)
    with pytest.raises(gb.VerificationError, match=r"input \['a'\]: model \['b'\], evaluator \['a'\]") as info:
        gb.compile_rasp_to_model(rasp.Map(lambda x: x, rasp.tokens), vocab={"a", "b"}, max_seq_len=2,
                                 verify="exhaustive")
    assert info.value.input == ["a"] and info.value.expected == ["a"] and info.value.checked == 0


@pytest.mark.parametrize("how", [-1, 2.5, "all", True])
def test_bad_verify_arguments(how):
    with pytest.raises(gb.InputError, match="verify"):
        gb.compile_rasp_to_model(programs.make_hist(), vocab={"a"}, max_seq_len=2, verify=how)


def test_exhaustive_refuses_huge_spaces():
    with pytest.raises(gb.InputError, match="exhaustive"):
        verifying.inputs(range(10), 7, "exhaustive")


def test_the_comparison():
    agree = verifying.agree
    assert agree(0, 0.0, False) and agree(None, None, False) and not agree(None, 0, False)
    assert not agree("0", "0.0", False) and not agree((1,), [1], False)
    assert agree(2.00019, 2, True) and not agree(2.0003, 2, True) and not agree(2.0003, 2, True, "float64")
