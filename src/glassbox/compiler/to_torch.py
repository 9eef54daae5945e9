"""`Assembled` → the torch module: the one place IR weights become tensors."""

import torch

from glassbox.compiler.nodes import Assembled, Options
from glassbox.model.config import ModelConfig
from glassbox.model.transformer import TORCH_DTYPES, Transformer


def config_of(assembled: Assembled, options: Options) -> ModelConfig:
    """The module's shape."""
    return ModelConfig(
        n_layers=len(assembled.ir.layers), d_model=len(assembled.ir.residual), n_heads=assembled.n_heads,
        d_head=assembled.d_head, d_mlp=assembled.d_mlp, n_ctx=options.max_seq_len + 1,
        d_vocab=len(assembled.token_ids), d_vocab_out=assembled.weights["unembed.W_U"].shape[1],
        causal=options.causal, pad_id=assembled.token_ids[options.pad],
    )


def to_torch(assembled: Assembled, options: Options) -> Transformer:
    """A `Transformer` in eval mode holding the assembled weights (state dict = TransformerLens names)."""
    dtype = TORCH_DTYPES[options.dtype]
    module = Transformer(config_of(assembled, options), dtype)
    module.load_weights({name: torch.from_numpy(w) for name, w in assembled.weights.items()})
    return module.eval()
