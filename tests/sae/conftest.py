"""Shared fixtures for the SAE tests; the jaxtyping shapes of `glassbox.sae` are checked here.

The import hook makes every annotated function and dataclass of the tensor modules check its
`Float[Tensor, "batch d_model"]`-style shapes at call time (beartype), during the tests only. The
pure-Python `config` module is left out, so its tests see the ConfigErrors users see; for the same
reason `test_ground_truth` checks the FeatureDictionary's own ConfigErrors in a fresh interpreter.
"""

import sys
import warnings

import pytest
import torch
from jaxtyping import install_import_hook

CHECKED = ["ground_truth", "sources", "model", "train", "metrics", "evaluate"]
if any(f"glassbox.sae.{name}" in sys.modules for name in CHECKED):
    # Collected after the package's doctests (e.g. `pytest src tests`): the modules are already loaded.
    warnings.warn("glassbox.sae was imported before tests/sae/conftest.py: shapes are not checked", stacklevel=1)
else:
    with install_import_hook([f"glassbox.sae.{name}" for name in CHECKED], "beartype.beartype"):
        from glassbox.sae import evaluate, ground_truth, metrics, model, sources, train  # noqa: F401


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
