"""CompiledModel: a compiled program's transformer, with encode/decode, batched runs and caches."""

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from glassbox.errors import InputError
from glassbox.model import hooks
from glassbox.model.config import ModelConfig
from glassbox.model.transformer import Transformer

NONE_THRESHOLD = 0.5  # a categorical output whose best logit is below this decodes as None


@dataclasses.dataclass(frozen=True)
class ApplyOutput:
    """tracr-style result of `apply` on one BOS-prefixed sequence."""

    decoded: list[Any]
    logits: torch.Tensor
    residuals: list[torch.Tensor]


class CompiledModel:
    """A RASP program compiled to a torch transformer whose residual dimensions are named."""

    def __init__(self, module: Transformer, *, residual_labels: list[str], token_ids: dict[Any, int],
                 output_values: "tuple[Any, ...] | None", bos: Any, pad: Any, max_seq_len: int,
                 program: Any = None, compilation: Any = None, circuit: tuple = ()) -> None:
        self.module = module
        self.residual_labels = residual_labels
        self.token_ids = token_ids
        self.output_values = output_values
        self.bos, self.pad, self.max_seq_len = bos, pad, max_seq_len
        self.program = program
        self.compilation = compilation  # the passes' outputs, for inspection (None after loading)
        self.circuit = circuit  # glassbox.model.circuit.Site per expression (saved with the model)

    @classmethod
    def from_assembly(cls, program, graph, sets, lowered, plan, assembled, options, dtype: str) -> "CompiledModel":
        """Build the torch module from the assembler's weights."""
        w = assembled.weights
        cfg = ModelConfig(
            n_layers=len(assembled.ir.layers), d_model=len(assembled.ir.residual), n_heads=assembled.n_heads,
            d_head=assembled.d_head, d_mlp=assembled.d_mlp, n_ctx=options.max_seq_len + 1,
            d_vocab=len(assembled.token_ids), d_vocab_out=w["unembed.W_U"].shape[1], causal=options.causal,
            pad_id=assembled.token_ids[options.pad],
        )
        module = Transformer(cfg, _torch_dtype(dtype))
        module.load_named({k: torch.from_numpy(v) for k, v in w.items()})
        module.eval()
        from glassbox.model import circuit

        comp = Compilation(graph, sets, lowered, plan, assembled, options)
        labels = assembled.ir.residual.labels
        return cls(module, residual_labels=labels, token_ids=assembled.token_ids,
                   output_values=lowered.output_values, bos=options.bos, pad=options.pad,
                   max_seq_len=options.max_seq_len, program=program, compilation=comp,
                   circuit=circuit.build(comp, labels))

    # -- shape ----------------------------------------------------------------------------------
    @property
    def config(self) -> ModelConfig:
        return self.module.cfg

    @property
    def vocab(self) -> list[Any]:
        return [t for t in self.token_ids if t not in (self.bos, self.pad)]

    @property
    def numerical_output(self) -> bool:
        return self.output_values is None

    # -- encode / decode ------------------------------------------------------------------------
    def encode(self, seqs: Sequence[Sequence[Any]]) -> torch.Tensor:
        """Token ids [batch, pos]: BOS prepended, PAD-padded to the longest sequence.

        Raises:
            InputError: naming the sequence, position and token that is not in the vocab, or
                the sequence that is longer than max_seq_len.
        """
        if isinstance(seqs, (str, bytes)) or not isinstance(seqs, Sequence):
            raise InputError(f"expected a list of sequences, got {type(seqs).__name__}")
        rows = []
        for s, seq in enumerate(seqs):
            if isinstance(seq, (str, bytes)) or not isinstance(seq, (Sequence, np.ndarray)):
                raise InputError(f"sequence {s} must be a list of tokens, got {seq!r:.60}")
            seq = list(seq)
            if len(seq) > self.max_seq_len:
                raise InputError(f"sequence {s} has {len(seq)} tokens; this model takes at most "
                                 f"max_seq_len={self.max_seq_len}")
            ids = [0]
            for p, token in enumerate(seq):
                try:
                    ok = token in self.token_ids and token not in (self.bos, self.pad)
                except TypeError:
                    ok = False
                if not ok:
                    raise InputError(f"sequence {s}, position {p}: token {token!r} is not in the vocab "
                                     f"{self.vocab!r}")
                ids.append(self.token_ids[token])
            rows.append(ids)
        width = max((len(r) for r in rows), default=1)
        pad_id = self.config.pad_id
        return torch.tensor([r + [pad_id] * (width - len(r)) for r in rows], dtype=torch.long)

    def decode(self, logits: torch.Tensor, lengths: "Sequence[int] | None" = None) -> list[list[Any]]:
        """Outputs per sequence (BOS dropped): values, None for an empty categorical output."""
        logits = logits.detach().to(torch.float64).cpu().numpy()
        if lengths is None:
            lengths = [logits.shape[1] - 1] * logits.shape[0]
        if self.numerical_output:
            values = logits[:, :, 0].tolist()
            return [row[1 : n + 1] for row, n in zip(values, lengths, strict=True)]
        best, idx = logits.max(axis=-1).tolist(), logits.argmax(axis=-1).tolist()
        out = []
        for b_row, i_row, n in zip(best, idx, lengths, strict=True):
            out.append([self.output_values[i] if b >= NONE_THRESHOLD else None
                        for b, i in zip(b_row[1 : n + 1], i_row[1 : n + 1], strict=True)])
        return out

    # -- running --------------------------------------------------------------------------------
    def __call__(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.module(tokens)

    def run(self, seqs: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """Outputs for a batch of variable-length sequences (no BOS needed)."""
        ids = self.encode(seqs)
        with torch.no_grad():
            logits = self.module(ids)
        return self.decode(logits, [len(s) for s in seqs])

    def run_with_cache(self, seqs: Sequence[Sequence[Any]]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits and every hook point's activation, by name."""
        ids = self.encode(seqs)
        cache: dict[str, torch.Tensor] = {}

        def save(act: torch.Tensor, name: str) -> None:
            cache[name] = act.detach()

        with torch.no_grad(), hooks.hooks(self.module, [(n, save) for n in hooks.hook_points(self.module)]):
            logits = self.module(ids)
        return logits, cache

    def apply(self, tokens: Sequence[Any]) -> ApplyOutput:
        """tracr-compatible: run one sequence that starts with BOS; `.decoded` starts with BOS."""
        tokens = list(tokens)
        if not tokens or tokens[0] != self.bos:
            raise InputError(f"apply() expects the sequence to start with BOS {self.bos!r}, got {tokens[:1]!r}")
        logits, cache = self.run_with_cache([tokens[1:]])
        decoded = [self.bos] + self.decode(logits, [len(tokens) - 1])[0]
        residuals = [cache[f"blocks.{i}.hook_resid_post"] for i in range(self.config.n_layers)]
        return ApplyOutput(decoded, logits, residuals)

    def run_ir(self, seqs: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """The same outputs computed by the numpy IR (float64), for differential tests."""
        if self.compilation is None:
            raise RuntimeError("this model has no IR attached (it was loaded from disk)")
        ids = self.encode(seqs).numpy()
        w = self.compilation.assembled.weights
        x = w["embed.W_E"][ids] + w["pos_embed.W_pos"][: ids.shape[1]][None]
        resid = self.compilation.assembled.ir.apply(x, key_mask=ids != self.config.pad_id, causal=self.config.causal)
        return self.decode(torch.from_numpy(resid @ w["unembed.W_U"]), [len(s) for s in seqs])

    # -- saving and export ---------------------------------------------------------------------
    def save(self, directory: Any) -> Any:
        """Write `model.safetensors` and `glassbox.json` into `directory`; see `glassbox.export.artifact`."""
        from glassbox.export import artifact

        return artifact.save(self, directory)

    def to_transformer_lens(self) -> Any:
        """An equivalent TransformerLens `HookedTransformer`; see `glassbox.export.transformer_lens`."""
        from glassbox.export import transformer_lens

        return transformer_lens.to_transformer_lens(self)

    def to_onnx(self, path: Any, exporter: str = "dynamo") -> Any:
        """Write an ONNX graph (ids in, logits out); see `glassbox.export.onnx`."""
        from glassbox.export import onnx

        return onnx.to_onnx(self, path, exporter)

    def __repr__(self) -> str:
        c = self.config
        return (f"CompiledModel(n_layers={c.n_layers}, d_model={c.d_model}, n_heads={c.n_heads}, "
                f"d_head={c.d_head}, d_mlp={c.d_mlp}, n_ctx={c.n_ctx}, d_vocab={c.d_vocab}, "
                f"d_vocab_out={c.d_vocab_out})")

    def decode_residual(self, inputs: Any, **kwargs: Any) -> Any:
        """The residual stream read by label after every stage; see `glassbox.inspect.decode.decode_residual`."""
        from glassbox.inspect import decode

        return decode.decode_residual(self, inputs, **kwargs)


@dataclasses.dataclass(frozen=True)
class Compilation:
    """Every pass's output, kept for inspection and the IR tier of tests."""

    graph: Any
    value_sets: Any
    lowered: Any
    schedule: Any
    assembled: Any
    options: Any


def _torch_dtype(name: str) -> torch.dtype:
    try:
        return {"float32": torch.float32, "float64": torch.float64}[name]
    except KeyError:
        raise InputError(f"dtype must be 'float32' or 'float64', got {name!r}") from None
