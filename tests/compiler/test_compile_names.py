"""User names never collide with the compiler's own residual directions."""

import glassbox as gb
from glassbox import rasp


def test_user_sops_named_like_internal_directions_compile_and_run() -> None:
    one = rasp.Map(lambda x: x + 1, rasp.tokens).named("one")
    copy_like = rasp.numerical(rasp.Map(lambda x: x * 2, rasp.tokens)).named("one.categorical")
    scratch_like = rasp.SelectorWidth(rasp.Select(rasp.tokens, one, rasp.Comparison.LT)).named("w.bos_weight")
    compared = rasp.Aggregate(rasp.Select(copy_like, copy_like, rasp.Comparison.EQ), one).named("agg")
    program = rasp.SequenceMap(lambda a, b: (a or 0) + b, compared, scratch_like)
    model = gb.compile_rasp_to_model(program, vocab={1, 2, 3}, max_seq_len=4)
    assert len(set(model.residual_labels)) == len(model.residual_labels)
    labels = {s.label for s in model.circuit}
    assert {"one_1", "one.categorical_1", "w.bos_weight_1"} <= labels
    for seq in ([1], [3, 1, 2], [2, 2, 3, 1]):
        assert model.run([seq])[0] == rasp.evaluate(program, seq)
