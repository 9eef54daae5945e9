"""SAE and training configs: every bad field is named, at once; good configs round-trip to JSON."""

import json

import pytest

from glassbox.errors import ConfigError, GlassboxError
from glassbox.sae.config import SAEConfig, TrainConfig


def test_sae_config_lists_every_problem():
    with pytest.raises(ConfigError) as err:
        SAEConfig(architecture="gated", d_sae=-1)  # type: ignore[arg-type]
    message = str(err.value)
    assert "architecture='gated'" in message and "d_sae=-1" in message
    assert isinstance(err.value, GlassboxError)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        pytest.param({"architecture": "topk", "d_sae": 10}, "k=None", id="topk-needs-k"),
        pytest.param({"architecture": "topk", "d_sae": 10, "k": 11}, "k=11 must not exceed d_sae=10", id="k>d_sae"),
        pytest.param({"architecture": "relu", "d_sae": 10, "k": 3}, "k=3 is only meaningful", id="relu-with-k"),
        pytest.param({"d_sae": 2.5}, "d_sae=2.5", id="float-width"),
    ],
)
def test_sae_config_rejects(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        SAEConfig(**kwargs)


def test_train_config_lists_every_problem():
    with pytest.raises(ConfigError) as err:
        TrainConfig(steps=10, lr=0, lr_warm_up_steps=8, lr_decay_steps=5, beta2=1.0, device="tpu", l1_coefficient=-1)  # type: ignore[arg-type]
    message = str(err.value)
    for fragment in (
        "lr=0",
        "lr_warm_up_steps + lr_decay_steps = 13",
        "beta2=1.0",
        "device='tpu'",
        "l1_coefficient=-1",
    ):
        assert fragment in message


def test_configs_are_plain_json():
    for cfg in (SAEConfig(architecture="topk", d_sae=8, k=2), TrainConfig(steps=5)):
        assert type(cfg)(**json.loads(json.dumps(cfg.to_dict()))) == cfg
