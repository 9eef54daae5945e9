"""The header's seal: SHA-256 digests over every field of `glassbox.json` that changes behaviour.

The weight file has its own digest (in `weights.sha256`); this covers the rest: the vocabulary and
token ids, the output encoding, the config, the residual labels and circuit map, and the weights
entry itself. Each group of fields is hashed over a canonical serialisation (JSON with sorted keys,
no spaces, UTF-8), and one digest over the group digests seals them together, so an edit to any
field, or to the seal, is found, and the error names the group that changed.

It detects edits and corruption, not a forger: anyone can recompute a SHA-256. Signing is out of scope.
"""

import hashlib
import json
from typing import Any

ALGORITHM = "sha256 over canonical JSON (sorted keys, separators ',' ':', UTF-8)"

# group -> (what the error calls it, the header keys it covers). `glassbox_version` is left out on
# purpose: it records who wrote the file and changes nothing about the model.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tokens": ("the vocabulary and token ids", ("vocab", "token_ids", "input_encoding", "bos", "pad")),
    "output": ("the output encoding", ("output_encoding", "output_label")),
    "config": ("the format, dtype and config", ("format", "format_version", "dtype", "config", "max_seq_len")),
    "circuit": ("the residual labels and circuit map", ("residual_labels", "circuit")),
    "weights": ("the weights entry (file, digest, shapes)", ("weights",)),
}


def seal(header: dict[str, Any]) -> dict[str, Any]:
    """The `integrity` entry of `header` (every key of GROUPS present)."""
    groups = {name: _digest({k: header[k] for k in keys}) for name, (_, keys) in GROUPS.items()}
    return {"algorithm": ALGORITHM, "groups": groups, "sha256": _digest(groups)}


def check(header: dict[str, Any]) -> None:
    """Raise ValueError naming the first group of fields whose digest no longer matches."""
    recorded = header["integrity"]
    if not (isinstance(recorded, dict) and set(recorded) == {"algorithm", "groups", "sha256"}
            and isinstance(recorded["groups"], dict) and set(recorded["groups"]) == set(GROUPS)):
        raise ValueError("integrity: expected {algorithm, groups: {" + ", ".join(GROUPS) + "}, sha256}")
    if recorded["algorithm"] != ALGORITHM:
        raise ValueError(f"integrity.algorithm: unknown {recorded['algorithm']!r}")
    fresh = seal(header)
    for name, (what, keys) in GROUPS.items():
        if fresh["groups"][name] != recorded["groups"][name]:
            raise ValueError(f"{what} ({', '.join(keys)}) changed after the model was saved: "
                             "its digest does not match integrity.groups." + name)
    if fresh["sha256"] != recorded["sha256"]:
        raise ValueError("integrity.sha256 does not match the group digests (the seal itself was edited)")


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
