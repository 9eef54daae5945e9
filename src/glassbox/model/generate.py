"""Greedy generation: feed a model's output at the last position back as its next input token.

The simple loop reruns the whole sequence each step (no key/value cache), batched over the prompts
still going. At the last position a causal model computes the program's causal meaning and a
bidirectional one its meaning on the whole sequence so far; either way each step equals one evaluator
call, `evaluate(program, seq, causal=model.config.causal)[-1]`, appended to `seq`.

A sequence stops after `max_new_tokens` new tokens, at the model's `max_seq_len` (it cannot read a
longer input), after generating a `stop` token (which is kept), or where the output is None (nothing
to append: None is the program's way to say "end"). An output that is neither an input token nor a
stop token cannot be fed back, and is an error naming it.
"""

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glassbox.errors import InputError

if TYPE_CHECKING:
    from glassbox.model.compiled import CompiledModel


def generate(model: "CompiledModel", prompts: Sequence[Sequence[Any]], max_new_tokens: int,
             stop: Any = None) -> list[list[Any]]:
    """Each prompt followed by the tokens the model generates greedily (see the module docstring).

    Args:
        model: a compiled model with a categorical output.
        prompts: a batch of non-empty token sequences (no BOS), e.g. `[[1, 2], [3]]`.
        max_new_tokens: at most this many tokens are appended to each prompt (0 returns the prompts).
        stop: a token, or a list/tuple/set of tokens, that ends a sequence once generated (kept at its end).

    Returns:
        One list per prompt: the prompt and its generated tokens.

    Raises:
        InputError: a numerical output (there is no token to feed back), a bad `max_new_tokens` or `stop`,
            a bad prompt (as `encode` says), or an output that is not a token.
    """
    if model.output_values is None:
        raise InputError("generate needs a model whose output is categorical (the next token); this model's "
                         "output is numerical")
    if not isinstance(max_new_tokens, numbers.Integral) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
        raise InputError(f"max_new_tokens must be a whole number >= 0, got {max_new_tokens!r}")
    stops = _stops(model, stop)
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, Sequence):
        raise InputError(f"prompts must be a list of token sequences, e.g. [[1, 2]], got {type(prompts).__name__}")
    model.encode(prompts)  # every prompt checked (tokens, lengths) before the first step
    seqs = [list(p) for p in prompts]
    empty = [i for i, s in enumerate(seqs) if not s]
    if empty:
        raise InputError(f"prompt {empty[0]} is empty; generation reads the next token at the last position")
    feedable = set(model.vocab)
    going = list(range(len(seqs)))
    for _ in range(int(max_new_tokens)):
        going = [i for i in going if len(seqs[i]) < model.max_seq_len]
        if not going:
            break
        outputs = model.run([seqs[i] for i in going])
        still = []
        for i, out in zip(going, outputs, strict=True):
            token = out[-1]
            if token is None:
                continue
            if token in stops:
                seqs[i].append(token)
                continue
            if not _member(token, feedable):
                raise InputError(f"prompt {i}: the output {token!r} at position {len(seqs[i]) - 1} is not an input "
                                 f"token, so it cannot be fed back (vocab {model.vocab!r}); pass it as stop= to "
                                 "end there")
            seqs[i].append(token)
            still.append(i)
        going = still
    return seqs


def _stops(model: "CompiledModel", stop: Any) -> list[Any]:
    if stop is None:
        return []
    tokens = list(stop) if isinstance(stop, (list, tuple, set, frozenset)) else [stop]
    known = list(model.output_values or ()) + model.vocab
    for token in tokens:
        if not _member(token, known):
            raise InputError(f"stop token {token!r} is neither an output value nor an input token of this model")
    return tokens


def _member(token: Any, values: Any) -> bool:
    try:
        return token in values
    except TypeError:  # an unhashable value is in no set
        return False
