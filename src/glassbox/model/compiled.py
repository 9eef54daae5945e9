"""CompiledModel: a compiled program's transformer, with encode/decode, batched runs and caches."""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from jaxtyping import Float, Int
from torch import Tensor

from glassbox.errors import InputError
from glassbox.model import hooks, sparse
from glassbox.model.circuit import Site
from glassbox.model.config import ModelConfig
from glassbox.model.transformer import Transformer

if TYPE_CHECKING:  # for annotations only: the runtime never imports the compiler
    import os
    import pathlib

    from glassbox import rasp
    from glassbox.compiler.nodes import Compilation
    from glassbox.inspect.circuit_graph import CircuitGraph
    from glassbox.inspect.decode import ResidualDecode

NONE_THRESHOLD = 0.5  # a categorical output whose best logit is below this decodes as None


@dataclasses.dataclass(frozen=True)
class ApplyOutput:
    """The result of `apply` on one BOS-prefixed sequence: tracr's fields (batch of 1), and the logits.

    Attributes:
        decoded: the outputs, BOS first (None where a categorical output is empty).
        unembedded: [1, pos]: per position the argmax output index (categorical) or the value (numerical).
        layer_outputs: per sub-layer (attention, MLP, attention, ...), what it adds to the residual [1, pos, d_model].
        residuals: per sub-layer, the residual stream after it [1, pos, d_model].
        attn_logits: per layer, the attention scores [1, n_heads, pos, pos] (masked keys at -inf).
        transformer_output: the final residual stream [1, pos, d_model].
        input_embeddings: token plus position embeddings [1, pos, d_model].
        logits: the unembedding's output [1, pos, d_vocab_out].
    """

    decoded: list[Any]
    unembedded: torch.Tensor
    layer_outputs: list[torch.Tensor]
    residuals: list[torch.Tensor]
    attn_logits: list[torch.Tensor]
    transformer_output: torch.Tensor
    input_embeddings: torch.Tensor
    logits: torch.Tensor


@dataclasses.dataclass(frozen=True)
class Encoder:
    """tracr's `input_encoder` / `output_encoder`: token <-> id maps (None for a numerical output).

    Attributes:
        encoding_map: value -> id.
        bos_token, pad_token: the special tokens (None on the output side).
    """

    encoding_map: Mapping[Any, int]
    bos_token: Any = None
    pad_token: Any = None

    @property
    def decoding_map(self) -> dict[int, Any]:
        return {i: v for v, i in self.encoding_map.items()}

    def encode(self, inputs: Sequence[Any]) -> list[int]:
        """Ids of `inputs` (BOS included if the sequence has it)."""
        return [self.encoding_map[x] for x in inputs]

    def decode(self, encodings: Sequence[int]) -> list[Any]:
        """Values of `encodings`."""
        inverse = self.decoding_map
        return [inverse[i] for i in encodings]


class CompiledModel:
    """A RASP program compiled to a torch transformer whose residual dimensions are named.

    Attributes:
        module: the plain `torch.nn.Module` (TransformerLens weight and hook names).
        residual_labels: one `name:value` label per residual dimension.
        token_ids: input token -> id (BOS 0, PAD 1, then the vocab).
        output_values: the output's values in logit order (None for a numerical output).
        bos, pad, max_seq_len: as compiled.
        circuit: one `Site` per RASP expression: what it is, where it lives, what computes it.
        program: the RASP program (None after loading: programs are code, and are not saved).
        compilation: every compiler pass's output (None after loading).
    """

    def __init__(self, module: Transformer, *, residual_labels: Sequence[str], token_ids: Mapping[Any, int],
                 output_values: "tuple[Any, ...] | None", bos: Any, pad: Any, max_seq_len: int,
                 circuit: "tuple[Site, ...]" = (), program: "rasp.SOp | None" = None,
                 compilation: "Compilation | None" = None) -> None:
        self.module = module
        self.residual_labels = list(residual_labels)
        self.token_ids = dict(token_ids)
        self.output_values = output_values
        self.bos, self.pad, self.max_seq_len = bos, pad, max_seq_len
        self.circuit = circuit
        self.program = program
        self.compilation = compilation
        self._sparse_plan: sparse.SparsePlan | None = None
        self.verification: Any = None  # compile_rasp_to_model(verify=...)'s `glassbox.compiler.verify.Verification`

    # -- shape ----------------------------------------------------------------------------------
    @property
    def config(self) -> ModelConfig:
        return self.module.cfg

    @property
    def vocab(self) -> list[Any]:
        return [t for t in self.token_ids if t not in (self.bos, self.pad)]

    @property
    def precision(self) -> Any:
        """The compiler's float error analysis (`glassbox.compiler.precision.Precision`): the dtype, a bound
        per value, the output's bound and the decision margins; None after loading."""
        return None if self.compilation is None else self.compilation.precision

    @property
    def margins(self) -> Any:
        """The smallest attention and MLP decision margins (`glassbox.compiler.precision.Margins`)."""
        return None if self.precision is None else self.precision.margins

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
        if not seqs:
            raise InputError("got no sequences; pass a list of token lists, e.g. [[1, 2, 3]]")
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

    def decode(self, logits: Float[Tensor, "batch pos d_vocab_out"],
               lengths: "Sequence[int] | None" = None) -> list[list[Any]]:
        """Outputs per sequence (BOS dropped): values, None for an empty categorical output.

        Raises:
            InputError: `logits` is not a [batch, pos, d_vocab_out] tensor of this model.
        """
        if not isinstance(logits, torch.Tensor) or logits.ndim != 3 or logits.shape[-1] != self.config.d_vocab_out:
            shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
            raise InputError(f"decode expects logits [batch, pos, {self.config.d_vocab_out}], got {shape}")
        array = logits.detach().to(torch.float64).cpu().numpy()
        if lengths is None:
            lengths = [array.shape[1] - 1] * array.shape[0]
        if self.output_values is None:
            values = array[:, :, 0].tolist()
            return [row[1 : n + 1] for row, n in zip(values, lengths, strict=True)]
        out_values = self.output_values
        best, idx = array.max(axis=-1).tolist(), array.argmax(axis=-1).tolist()
        out = []
        for b_row, i_row, n in zip(best, idx, lengths, strict=True):
            out.append([out_values[i] if b >= NONE_THRESHOLD else None
                        for b, i in zip(b_row[1 : n + 1], i_row[1 : n + 1], strict=True)])
        return out

    # -- running --------------------------------------------------------------------------------
    def __call__(self, tokens: Int[Tensor, "batch pos"]) -> Float[Tensor, "batch pos d_vocab_out"]:
        return self.module(tokens)

    def _ids(self, inputs: "Sequence[Sequence[Any]] | Tensor") -> Int[Tensor, "batch pos"]:
        if isinstance(inputs, torch.Tensor):
            if inputs.ndim != 2 or inputs.dtype not in (torch.long, torch.int32, torch.int64):
                raise InputError(f"expected token ids [batch, pos] (integers, from model.encode), got a "
                                 f"{inputs.dtype} tensor of shape {tuple(inputs.shape)}")
            return inputs
        return self.encode(inputs)

    def run(self, seqs: Sequence[Sequence[Any]], sparse_pass: "bool | None" = None) -> list[list[Any]]:
        """Outputs for a batch of variable-length sequences (no BOS needed).

        Args:
            sparse_pass: run each head and MLP on the residual slices it reads and writes
                (`glassbox.model.sparse`: the same outputs, faster on large models). None (the default)
                chooses by size, and takes the dense module whenever a hook is attached.
        """
        ids = self.encode(seqs)
        with torch.no_grad():
            logits = self._forward(ids, sparse_pass)
        return self.decode(logits, [len(s) for s in seqs])

    def _forward(self, ids: Int[Tensor, "batch pos"], sparse_pass: "bool | None"
                 ) -> Float[Tensor, "batch pos d_vocab_out"]:
        if sparse_pass is None and sparse.dense_weights(self.config) < sparse.MIN_DENSE_WEIGHTS:
            return self.module(ids)  # small: the dense pass is faster, and no plan is worth building
        if sparse_pass is False or sparse.hooked(self.module):
            return self.module(ids)
        plan = self._sparse_plan
        if plan is None or plan.fingerprint != sparse.fingerprint(self.module):
            plan = self._sparse_plan = sparse.plan(self.module)  # re-read after any weight edit
        if sparse_pass is None and not sparse.worthwhile(plan):
            return self.module(ids)
        return sparse.forward(plan, self.module, ids)

    def generate(self, prompts: Sequence[Sequence[Any]], max_new_tokens: int,
                 stop: Any = None) -> list[list[Any]]:
        """Each prompt followed by its greedily generated tokens; see `glassbox.model.generate.generate`.

        >>> import glassbox as gb
        >>> from glassbox import rasp
        >>> prev = rasp.Select(rasp.indices, rasp.Map(lambda i: i - 1, rasp.indices), rasp.Comparison.EQ)
        >>> repeat2 = rasp.Aggregate(prev, rasp.tokens)  # the token one before: period 2
        >>> model = gb.compile_rasp_to_model(repeat2, vocab={"a", "b"}, max_seq_len=8, causal=True)
        >>> model.generate([["a", "b"], ["b", "b"]], max_new_tokens=3)
        [['a', 'b', 'a', 'b', 'a'], ['b', 'b', 'b', 'b', 'b']]
        """
        from glassbox.model.generate import generate

        return generate(self, prompts, max_new_tokens, stop)

    @property
    def hook_names(self) -> list[str]:
        """Every hook point's name (`hook_embed`, `blocks.0.attn.hook_pattern`, ...), in module order."""
        return list(hooks.hook_points(self.module))

    def run_with_hooks(self, inputs: "Sequence[Sequence[Any]] | Tensor",
                       fwd_hooks: "Sequence[tuple[str | Callable[[str], bool], hooks.HookFn]]" = ()
                       ) -> Float[Tensor, "batch pos d_vocab_out"]:
        """Logits with temporary hooks attached, as TransformerLens's `run_with_hooks`.

        Args:
            inputs: sequences of tokens (BOS is prepended) or token ids from `encode`.
            fwd_hooks: (hook name or name predicate, fn) pairs; `fn(activation, hook)` may return a
                replacement activation. `hook.name` is the hook point's name.

        Raises:
            InputError: a bad input or an unknown hook name.

        >>> import glassbox as gb
        >>> program = gb.programs.make_frac_prevs(gb.rasp.tokens == "a")
        >>> model = gb.compile_rasp_to_model(program, vocab={"a", "b"}, max_seq_len=3)
        >>> ablate = lambda z, hook: z * 0
        >>> model.decode(model.run_with_hooks([["a", "b", "a"]], [("blocks.0.attn.hook_z", ablate)]))
        [[0.0, 0.0, 0.0]]
        """
        ids = self._ids(inputs)
        with torch.no_grad(), hooks.hooks(self.module, fwd_hooks):
            return self.module(ids)

    def run_with_cache(self, inputs: "Sequence[Sequence[Any]] | Tensor",
                       names_filter: "Callable[[str], bool] | None" = None
                       ) -> tuple[Float[Tensor, "batch pos d_vocab_out"], dict[str, Tensor]]:
        """Logits and every hook point's activation (or those `names_filter` accepts), by name."""
        ids = self._ids(inputs)
        cache: dict[str, Tensor] = {}

        def save(act: Tensor, hook: hooks.HookPoint) -> None:
            cache[hook.name] = act.detach()

        names = [n for n in hooks.hook_points(self.module) if names_filter is None or names_filter(n)]
        with torch.no_grad(), hooks.hooks(self.module, [(n, save) for n in names]):
            logits = self.module(ids)
        return logits, cache

    def apply(self, tokens: Sequence[Any]) -> ApplyOutput:
        """tracr-compatible: run one sequence that starts with BOS; `.decoded` starts with BOS.

        The other fields are tracr's (`residuals` has one entry per sub-layer); see `ApplyOutput`.
        """
        tokens = list(tokens)
        if not tokens or tokens[0] != self.bos:
            raise InputError(f"apply() expects the sequence to start with BOS {self.bos!r}, got {tokens[:1]!r}")
        logits, cache = self.run_with_cache([tokens[1:]])
        decoded = [self.bos] + self.decode(logits, [len(tokens) - 1])[0]
        layers = range(self.config.n_layers)
        sub = [(f"blocks.{i}.hook_attn_out", f"blocks.{i}.hook_resid_mid") for i in layers]
        sub = [pair for i in layers for pair in (sub[i], (f"blocks.{i}.hook_mlp_out", f"blocks.{i}.hook_resid_post"))]
        unembedded = logits[..., 0] if self.numerical_output else logits.argmax(dim=-1)
        final = cache[f"blocks.{self.config.n_layers - 1}.hook_resid_post"] if self.config.n_layers else (
            cache["hook_embed"] + cache["hook_pos_embed"])
        return ApplyOutput(
            decoded=decoded, unembedded=unembedded, layer_outputs=[cache[out] for out, _ in sub],
            residuals=[cache[res] for _, res in sub],
            attn_logits=[cache[f"blocks.{i}.attn.hook_attn_scores"] for i in layers], transformer_output=final,
            input_embeddings=cache["hook_embed"] + cache["hook_pos_embed"], logits=logits)

    @property
    def input_encoder(self) -> Encoder:
        """tracr's input encoder: token -> id (BOS and PAD included)."""
        return Encoder(dict(self.token_ids), self.bos, self.pad)

    @property
    def output_encoder(self) -> "Encoder | None":
        """tracr's output encoder: output value -> logit index; None for a numerical output."""
        if self.output_values is None:
            return None
        return Encoder({v: i for i, v in enumerate(self.output_values)})

    def run_ir(self, seqs: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """The same outputs computed by the numpy IR (float64), for differential tests."""
        if self.compilation is None:
            raise InputError("this model has no IR attached (it was loaded from disk); run_ir needs a compiled model")
        ids = self.encode(seqs).numpy()
        w = self.compilation.assembled.weights
        x = w["embed.W_E"][ids] + w["pos_embed.W_pos"][: ids.shape[1]][None]
        resid = self.compilation.assembled.ir.apply(x, key_mask=ids != self.config.pad_id, causal=self.config.causal)
        return self.decode(torch.from_numpy(resid @ w["unembed.W_U"]), [len(s) for s in seqs])

    # -- saving and export ---------------------------------------------------------------------
    def save(self, directory: "str | os.PathLike[str]") -> "pathlib.Path":
        """Write `model.safetensors` and `glassbox.json` into `directory`; see `glassbox.export.artifact`."""
        from glassbox.export import artifact

        return artifact.save(self, directory)

    def to_transformer_lens(self, version: "int | None" = None) -> Any:
        """An equivalent TransformerLens model, PAD masked: a TL-4 `TransformerBridge` when TL >= 4 is
        installed, else a TL-3 `HookedTransformer` (`version=` 4 or 3 forces one); see
        `glassbox.export.transformer_lens`."""
        from glassbox.export import transformer_lens

        return transformer_lens.to_transformer_lens(self, version)

    def to_onnx(self, path: "str | os.PathLike[str]", exporter: str = "dynamo") -> "pathlib.Path":
        """Write an ONNX graph (ids in, logits out); see `glassbox.export.onnx`."""
        from glassbox.export import onnx

        return onnx.to_onnx(self, path, exporter)

    def __repr__(self) -> str:
        c = self.config
        return (f"CompiledModel(n_layers={c.n_layers}, d_model={c.d_model}, n_heads={c.n_heads}, "
                f"d_head={c.d_head}, d_mlp={c.d_mlp}, n_ctx={c.n_ctx}, d_vocab={c.d_vocab}, "
                f"d_vocab_out={c.d_vocab_out})")

    def circuit_edges(self) -> "CircuitGraph":
        """The ground-truth circuit: nodes, edges, each expression's directions (`glassbox.inspect.circuit_graph`)."""
        from glassbox.inspect import circuit_graph

        return circuit_graph.circuit_edges(self)

    def decode_residual(self, inputs: Any, **kwargs: Any) -> "ResidualDecode":
        """The residual stream read by label after every stage; see `glassbox.inspect.decode.decode_residual`."""
        from glassbox.inspect import decode

        return decode.decode_residual(self, inputs, **kwargs)
