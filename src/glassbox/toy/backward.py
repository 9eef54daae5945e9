"""Hand-derived forward + backward pass of the four toy models, for fast CPU training.

All four models share one shape (`enc` = W; `dec` = Wᵀ for tied models, W2 for the untied
one; `f` = ReLU or identity):

    a = enc x          h = f_hidden(a)          z = dec h + b          out = f_out(z)
    L_k = (1/B) Σ_batch Σ_i I_i (out_i − y_i)²            (÷ n for the "mean" reduction)

so with g = ∂L/∂z = (2/B) I (out − y) · f_out'(z):

    ∂L/∂b = Σ_batch g      ∂L/∂dec = g hᵀ      ∂L/∂enc = (decᵀ g · f_hidden'(a)) xᵀ

and tied models add the encoder gradient and the transposed decoder gradient. Everything is
computed feature-major (`[inst, feats, batch]`, batch innermost), where the batched
matmuls are ~10x faster than in `[inst, batch, feats]`; skipping autograd halves the rest.
`tests/toy/test_backward.py` checks every model against autograd.
"""

import torch
from jaxtyping import Float
from torch import Tensor

from glassbox.toy import models


def loss_and_grads(
    model: models.ToyModel,
    x: Float[Tensor, "inst batch feats"],
    y: Float[Tensor, "inst batch feats"],
    importance: Float[Tensor, "inst feats"],
    feature_reduction: str = "sum",
    want_loss: bool = True,
) -> Float[Tensor, " inst"] | None:
    """Set `.grad` of every parameter of `model` to ∂(Σ_inst L)/∂param, as autograd would.

    Args:
        model: one of the four toy models.
        x: inputs (fastest as the transposed view that `data.sample_batch` returns).
        y: targets.
        importance: I_i per instance and feature.
        feature_reduction: "sum" or "mean" over features (see `train.importance_weighted_loss`).
        want_loss: also return the per-instance loss (costs two elementwise passes).

    Returns:
        The loss of each instance, or None when `want_loss` is False.
    """
    tied = not isinstance(model, models.AbsValueModel)
    hidden_relu = isinstance(model, (models.HiddenReluModel, models.AbsValueModel))
    out_relu = not isinstance(model, models.LinearModel)
    enc = model.W.detach()  # [inst, d_hidden, feats]
    # [inst, feats, d_hidden]: the decoder is W's transpose except in the untied model
    dec = model.W2.detach() if isinstance(model, models.AbsValueModel) else enc.transpose(1, 2)
    xT, yT = x.transpose(1, 2), y.transpose(1, 2)  # [inst, feats, batch]
    batch, n = x.shape[1], x.shape[2]
    imp = importance.unsqueeze(2)
    scale = imp * ((2.0 / batch) / (n if feature_reduction == "mean" else 1))

    with torch.no_grad():
        a = torch.bmm(enc, xT)  # [inst, d_hidden, batch]
        h = torch.relu(a) if hidden_relu else a
        z = torch.baddbmm(model.b_final.detach().unsqueeze(2), dec, h)  # [inst, feats, batch]
        out = torch.relu(z) if out_relu else z
        # ReLU' as a float factor: sign(ReLU(z)) is 1 where z > 0, else 0 (as autograd's).
        # Multiplying by it is several times faster on CPU than masking with a bool tensor.
        out_slope = out.sign() if out_relu else None
        g = out.sub_(yT)  # out − y, reused as the gradient buffer
        loss = None
        if want_loss:
            loss = (g.square() * imp).mean(2).sum(1)
            if feature_reduction == "mean":
                loss = loss / n
        g.mul_(scale)
        if out_slope is not None:
            g.mul_(out_slope)
        d_dec = torch.bmm(g, h.transpose(1, 2))  # [inst, feats, d_hidden]
        dh = torch.bmm(dec.transpose(1, 2), g)  # [inst, d_hidden, batch]
        if hidden_relu:
            dh.mul_(h.sign())
        d_enc = torch.bmm(dh, xT.transpose(1, 2))  # [inst, d_hidden, feats]
        model.b_final.grad = g.sum(2)
        if tied:
            model.W.grad = d_enc.add_(d_dec.transpose(1, 2))
        else:
            model.W.grad = d_enc
            model.W2.grad = d_dec
    return loss
