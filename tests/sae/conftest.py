"""Shared fixtures for the SAE tests.

The jaxtyping shapes of `glassbox.sae`'s tensor modules are checked in every test run (pyproject's
`--jaxtyping-packages`); the pure-Python `config` module is left out, so its tests see the
ConfigErrors users see.
"""

import pytest
import torch


@pytest.fixture(scope="session")
def toy_case():
    """The acceptance case: a ReLU-output toy model, n = 100 features in m = 20 dims, S = 0.99.

    3,000 steps are enough for this model to represent all 100 features (every ‖W_i‖ > 1).
    """
    from glassbox import toy

    n, m = 100, 20
    run = toy.RunConfig(
        model=toy.ModelConfig(n_features=n, d_hidden=m),
        feature_probability=(0.01,),
        importance=((1.0,) * n,),
        train=toy.TrainConfig(steps=3000, batch_size=1024, eval_batch_size=4096, seed=0),
    )
    result = toy.train.train(run)
    assert bool((result.model.W[0].norm(dim=0) > 0.5).all()), "the toy model should represent every feature"
    return result


@pytest.fixture
def cpu_threads():
    """Restore torch's thread count after a test that changes it."""
    threads = torch.get_num_threads()
    yield threads
    torch.set_num_threads(threads)
