"""The hand-derived backward pass equals autograd for every model and loss convention."""

import pytest
import torch

from glassbox.toy import backward, data, models, train
from glassbox.toy.config import MODEL_KINDS, DataConfig, ModelConfig


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_analytic_gradients_match_autograd(kind, reduction):
    gen = torch.Generator().manual_seed(1)
    n_inst, n, m = 3, 7, 3
    model = models.build_model(ModelConfig(kind=kind, n_features=n, d_hidden=m), n_inst, gen)
    with torch.no_grad():  # a nonzero bias so both signs of the output pre-activation occur
        model.b_final.normal_(0.0, 0.3, generator=gen)
    cfg = DataConfig(value_low=-1.0, value_high=1.0, target="abs") if kind == "absolute_value" else DataConfig()
    x = data.sample_batch(torch.tensor([1.0, 0.3, 0.05]), 256, n, cfg, data.make_generator(2, "cpu"))
    y = data.target_of(x, cfg)
    importance = torch.rand(n_inst, n, generator=gen)

    loss = train.importance_weighted_loss(model(x), y, importance, reduction)
    loss.sum().backward()
    expected = {name: p.grad.clone() for name, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = None

    got_loss = backward.loss_and_grads(model, x, y, importance, reduction)
    torch.testing.assert_close(got_loss, loss.detach())
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        torch.testing.assert_close(p.grad, expected[name], rtol=1e-4, atol=1e-6, msg=name)
