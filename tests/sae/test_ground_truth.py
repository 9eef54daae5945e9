"""The protocol objects: the shapes and values SAELens's synthetic protocol documents.

`FeatureDictionary.feature_vectors` is `[num_features, hidden_dim]` and calling it gives
`acts @ feature_vectors + bias`; `sample(batch)` gives `[batch, num_features]` activations with
the documented firing probabilities, `true_l0` is their sum; `sample_with_features` pairs hidden
and true activations row by row.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from glassbox import toy
from glassbox.errors import ConfigError
from glassbox.sae import ground_truth, sources
from glassbox.toy.config import DataConfig


def _binomial_tolerance(p: float, n: int, sigmas: float = 6.0) -> float:
    """`sigmas` standard deviations of a frequency estimated from n Bernoulli(p) draws."""
    return sigmas * (p * (1 - p) / n) ** 0.5


def test_feature_dictionary_maps_activations_with_bias():
    fv = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    fd = ground_truth.FeatureDictionary(fv, bias=torch.tensor([0.5, -0.5]), labels=("a:1", "a:2", "b:x"))
    acts = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 3.0], [0.0, 0.0, 0.0]])
    assert fd(acts).tolist() == [[1.5, -0.5], [3.5, 4.5], [0.5, -0.5]]  # by hand
    assert (fd.num_features, fd.hidden_dim, fd.labels) == (3, 2, ("a:1", "a:2", "b:x"))


def test_feature_dictionary_defaults():
    fd = ground_truth.FeatureDictionary(torch.ones(2, 4))
    assert fd.labels == ("feature:0", "feature:1")
    assert fd.bias is not None and fd.bias.tolist() == [0.0] * 4


def test_feature_dictionary_rejects_repeated_labels():
    with pytest.raises(ConfigError, match=r"repeated: \['x'\]"):
        ground_truth.FeatureDictionary(torch.ones(3, 2), labels=("x", "y", "x"))
    with pytest.raises(ConfigError, match="labels has 1 entries"):
        ground_truth.FeatureDictionary(torch.ones(3, 2), labels=("x",))


def test_feature_dictionary_shape_errors_are_config_errors():
    # Under the tests' shape checker these calls fail earlier, with a jaxtyping error; users get the
    # ConfigError, so check it in an interpreter without the checker.
    script = textwrap.dedent(
        """
        import json, torch
        from glassbox.errors import ConfigError
        from glassbox.sae.ground_truth import FeatureDictionary
        out = []
        for args in ((torch.ones(2, 3, 4),), (torch.ones(3, 2), torch.ones(5))):
            try:
                FeatureDictionary(*args)
            except ConfigError as exc:
                out.append(str(exc))
        print(json.dumps(out))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=None)
    messages = json.loads(done.stdout)
    assert len(messages) == 2
    assert "2-D float tensor" in messages[0] and "(2, 3, 4)" in messages[0]
    assert "bias has shape (5,), expected (2,)" in messages[1]


def test_toy_source_shapes_values_and_true_l0():
    W = torch.randn(3, 8, generator=torch.Generator().manual_seed(1))  # [d_hidden, feats]
    src = sources.from_toy_model(W, feature_probability=0.2, seed=3)
    hidden, acts = src.sample_with_features(20_000)
    assert tuple(hidden.shape) == (20_000, 3) and tuple(acts.shape) == (20_000, 8)
    assert tuple(src.feature_dict.feature_vectors.shape) == (8, 3)
    torch.testing.assert_close(hidden, acts @ W.T)  # hidden = W x, features = W's columns
    assert float(acts.min()) >= 0.0 and float(acts.max()) <= 1.0
    assert src.true_l0 == pytest.approx(8 * 0.2)
    assert src.activation_generator.firing_probabilities.tolist() == pytest.approx([0.2] * 8)
    density = (acts != 0).float().mean(0)
    assert float((density - 0.2).abs().max()) < _binomial_tolerance(0.2, 20_000)
    # Active values are uniform on [0, 1]: mean 1/2.
    assert float(acts[acts != 0].mean()) == pytest.approx(0.5, abs=0.01)


def test_toy_source_draws_what_the_toy_lab_draws():
    """Same seed, same batch as `glassbox.toy.data.sample_batch` (the toy trainer's sampler)."""
    data = DataConfig(correlated_sets=2, set_size=3)
    src = sources.from_toy_model(torch.randn(4, 10), feature_probability=0.1, data=data, seed=5)
    expected = toy.data.sample_batch(torch.tensor([0.1]), 256, 10, data, toy.data.make_generator(5, "cpu"))[0]
    assert torch.equal(src.activation_generator.sample(256), expected)


def test_sampling_is_seeded():
    W = torch.randn(2, 6)
    a = sources.from_toy_model(W, 0.3, seed=0)
    b = sources.from_toy_model(W, 0.3, seed=0)
    c = sources.from_toy_model(W, 0.3, seed=1)
    assert torch.equal(a.sample(64), b.sample(64))
    assert not torch.equal(a.sample(64), c.sample(64))
    # An explicit generator overrides the object's own stream.
    g1, g2 = ground_truth.make_generator(9), ground_truth.make_generator(9)
    assert torch.equal(a.sample(64, g1), c.sample(64, g2))


def test_from_toy_model_takes_the_toy_layout():
    W = torch.randn(3, 2, 5)  # [inst, d_hidden, feats]
    src = sources.from_toy_model(W, 0.5, instance=2)
    assert torch.equal(src.feature_dict.feature_vectors, W[2].T)
    with pytest.raises(ConfigError, match="instance=3"):
        sources.from_toy_model(W, 0.5, instance=3)
    with pytest.raises(ConfigError, match="feature_probability=1.5"):
        sources.from_toy_model(W[0], 1.5)
    with pytest.raises(ConfigError, match="shape"):
        sources.from_toy_model(torch.ones(5), 0.5)


def test_from_toy_run_uses_the_runs_model_and_density():
    run = toy.RunConfig(
        model=toy.ModelConfig(n_features=6, d_hidden=2),
        feature_probability=(1.0, 0.05),
        importance=((1.0,) * 6,) * 2,
        train=toy.TrainConfig(steps=5, batch_size=16, eval_batch_size=32),
    )
    result = toy.train.train(run)
    src = sources.from_toy_run(result, instance=1, labels=[f"x{i}" for i in range(6)])
    assert torch.equal(src.feature_dict.feature_vectors, result.model.W[1].detach().T)
    assert src.true_l0 == pytest.approx(6 * 0.05)
    assert src.labels == tuple(f"x{i}" for i in range(6))
    hidden, acts = src.sample_with_features(128)
    torch.testing.assert_close(hidden, result.model.hidden(acts.unsqueeze(0).expand(2, -1, -1))[1].detach())


def test_from_toy_run_refuses_a_nonlinear_hidden_layer():
    run = toy.RunConfig(
        model=toy.ModelConfig(kind="hidden_relu", n_features=4, d_hidden=2),
        feature_probability=(0.5,),
        importance=((1.0,) * 4,),
        train=toy.TrainConfig(steps=2, batch_size=8, eval_batch_size=8),
    )
    with pytest.raises(ConfigError, match="model.kind='hidden_relu'"):
        sources.from_toy_run(toy.train.train(run))


def _recorded(n_rows=50, seed=0):
    rng = np.random.default_rng(seed)
    acts = (rng.random((n_rows, 4)) < 0.3) * rng.random((n_rows, 4))
    fv = np.eye(4, 6)
    hidden = acts @ fv
    hidden[:, 5] = np.arange(n_rows)  # a row id in an unused dimension, to check pairing
    labels = ["sort:1", "sort:2", "sort:3", "length:4"]
    return hidden, acts, fv, labels


def test_recorded_source_pairs_rows_and_keeps_labels():
    hidden, acts, fv, labels = _recorded()
    src = sources.from_arrays(hidden, acts, fv, labels)
    assert src.labels == tuple(labels) and src.num_samples == 50 and src.hidden_dim == 6
    h, a = src.sample_with_features(200)
    assert tuple(h.shape) == (200, 6) and tuple(a.shape) == (200, 4)
    rows = h[:, 5].long()
    torch.testing.assert_close(a, torch.as_tensor(acts, dtype=torch.float32)[rows])
    torch.testing.assert_close(h[:, :4], a)
    # The true L0 is the recorded rows' mean L0, exactly.
    assert src.true_l0 == pytest.approx(float((acts != 0).sum(1).mean()))


def test_recorded_source_walks_every_row_once():
    hidden, acts, fv, labels = _recorded()
    src = sources.from_arrays(hidden, acts, fv, labels)
    batches = list(src.batches(None, batch_size=16))
    assert [len(h) for h, _ in batches] == [16, 16, 16, 2]
    assert torch.cat([h for h, _ in batches])[:, 5].tolist() == list(range(50))
    with pytest.raises(ConfigError, match="needs a recorded source"):
        next(sources.from_toy_model(torch.eye(2), 0.5).batches(None, 16))


def test_recorded_source_sampling_is_seeded():
    hidden, acts, fv, labels = _recorded()
    a, b = sources.from_arrays(hidden, acts, fv, labels, seed=4), sources.from_arrays(hidden, acts, fv, labels, seed=4)
    assert torch.equal(a.sample(32), b.sample(32))
    assert torch.equal(a.activation_generator.sample_rows(8, ground_truth.make_generator(1)),
                       b.activation_generator.sample_rows(8, ground_truth.make_generator(1)))  # fmt: skip


def test_dictionary_explained_variance():
    hidden, acts, fv, labels = _recorded()
    hidden[:, 5] = 0.0
    assert sources.from_arrays(hidden, acts, fv, labels).dictionary_explained_variance() == pytest.approx(1.0)
    # Half the signal of feature 0 goes missing: the residual is 0.5 a_0 in dimension 0.
    lossy = hidden.copy()
    lossy[:, 0] *= 0.5
    src = sources.from_arrays(lossy, acts, fv, labels)
    centred = lossy - lossy.mean(0)
    expected = 1 - (0.25 * acts[:, 0] ** 2).sum() / (centred**2).sum()
    assert src.dictionary_explained_variance() == pytest.approx(expected)


def test_from_arrays_reports_every_problem():
    hidden, acts, fv, _ = _recorded()
    with pytest.raises(ConfigError) as err:
        sources.from_arrays(hidden[:-1], acts[:, :3], fv, ["a", "a", "b", "c"], bias=np.zeros(3))
    message = str(err.value)
    for fragment in ("true_acts has 50 rows, hidden has 49", "true_acts has 3 features, feature_vectors has 4",
                     "bias has shape (3,), expected (6,)", "repeated: ['a']"):  # fmt: skip
        assert fragment in message
    bad = hidden.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ConfigError, match="hidden holds NaN"):
        sources.from_arrays(bad, acts, fv)
    with pytest.raises(ConfigError, match="true_acts must be 2-D"):
        sources.from_arrays(hidden, acts[:, 0], fv)
