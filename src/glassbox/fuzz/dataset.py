"""Verified program datasets for decompiler and meta-model research: `glassbox dataset --n N --out DIR`.

Programs come from the fuzzer (`generate(seed, index)`, so every entry can be rebuilt from its index);
each is compiled, checked against the evaluator on its sample inputs, saved, loaded back and checked
again; programs whose source was already written are skipped (deduplicated by the SHA-256 of the
source), as are those the compiler rejects or that exceed `max_layers`.

Layout of DIR:

    manifest.jsonl          one JSON line per entry, appended after the entry is complete: the resume
                            point (index, seed, causal, sha256 of the source, path, n_layers, d_model)
    shard-0000/e000000/     SHARD entries per shard; in each entry:
        program.py          the program as runnable `rasp` code (`program`, `vocab`, `max_seq_len`)
        program.json        its token serialisation: {"tokens": [...], "vocab": [...], "max_seq_len": N}
        model.safetensors   the weights, and glassbox.json the header with the circuit map (`glassbox.load`)
        glassbox.json
        samples.json        {"inputs": [...], "outputs": [...]}: the evaluator's outputs on sample inputs

An entry is written into a temporary folder and renamed into place before its manifest line is
appended, so an interrupted run leaves only complete entries (a stray temporary folder is removed on
resume) and rerunning the same command continues where it stopped.
"""

import dataclasses
import hashlib
import itertools
import json
import os
import pathlib
import shutil
import warnings
from collections.abc import Iterator
from typing import Any

from glassbox.errors import CompileError, ConfigError, EvaluationError
from glassbox.fuzz.generate import generate
from glassbox.fuzz.oracle import MAX_PARAMS, agree, inputs
from glassbox.fuzz.program import Program, build, to_source

SHARD = 1000
SAMPLES = 32


@dataclasses.dataclass(frozen=True)
class Entry:
    """One manifest line."""

    index: int
    seed: int
    causal: bool
    sha256: str
    path: str
    n_layers: int
    d_model: int


def tokens(program: Program) -> list[str]:
    """The program as tokens: per node `v<i> = op [v<j> ...] [fn:NAME] [const:REPR] [numerical] [reduction:R] ;`."""
    out: list[str] = []
    for i, node in enumerate(program.nodes):
        out += [f"v{i}", "=", node.op, *(f"v{j}" for j in node.args)]
        out += [f"fn:{node.fn}"] if node.fn is not None else []
        out += [f"const:{node.const!r}"] if node.const is not None else []
        out += ["numerical"] if node.numerical else []
        out += [f"reduction:{node.reduction}"] if node.reduction != "mean" else []
        out.append(";")
    return out


def read_manifest(out: pathlib.Path) -> list[Entry]:
    """The entries written so far (none if the folder is new)."""
    path = out / "manifest.jsonl"
    if not path.exists():
        return []
    try:
        return [Entry(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a dataset manifest ({exc})") from exc


def build_dataset(out: "str | os.PathLike[str]", n: int, seed: int = 0, causal: bool = False,
                  max_layers: "int | None" = None) -> list[Entry]:
    """Write (or complete) a dataset of `n` verified programs in `out`; returns every entry's manifest line.

    Raises:
        ConfigError: a bad `n` or `max_layers`, `out` a file, or a manifest of another seed or mode.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ConfigError(f"n must be a whole number >= 0, got {n!r}")
    if max_layers is not None and (not isinstance(max_layers, int) or max_layers < 1):
        raise ConfigError(f"max_layers must be a whole number >= 1, got {max_layers!r}")
    root = pathlib.Path(out)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root}: exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    entries = read_manifest(root)
    if any(e.seed != seed or e.causal != causal for e in entries):
        raise ConfigError(f"{root}: holds a dataset of another seed or mode; use another folder")
    for stray in root.glob("shard-*/.tmp-*"):
        shutil.rmtree(stray)
    seen = {e.sha256 for e in entries}
    index = max((e.index for e in entries), default=-1) + 1
    with (root / "manifest.jsonl").open("a") as manifest:
        while len(entries) < n:
            entry = _entry(root, generate(seed, index, causal=causal), index, seed, causal, len(entries),
                           seen, max_layers)
            index += 1
            if entry is None:
                continue
            manifest.write(json.dumps(dataclasses.asdict(entry)) + "\n")
            manifest.flush()
            os.fsync(manifest.fileno())
            seen.add(entry.sha256)
            entries.append(entry)
    return entries


def _entry(root: pathlib.Path, program: Program, index: int, seed: int, causal: bool, number: int,
           seen: set[str], max_layers: "int | None") -> "Entry | None":
    import glassbox as gb

    source = to_source(program)
    digest = hashlib.sha256(source.encode()).hexdigest()
    if digest in seen:
        return None
    sop = build(program)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = gb.compile_rasp_to_model(sop, vocab=set(program.vocab), max_seq_len=program.max_seq_len,
                                             causal=causal, max_params=MAX_PARAMS)
    except CompileError:
        return None
    if max_layers is not None and model.config.n_layers > max_layers:
        return None
    pairs = list(itertools.islice(_samples(program, sop, causal), SAMPLES))
    samples, outputs = [s for s, _ in pairs], [o for _, o in pairs]
    from glassbox.compiler.verify import contract_of

    contract = contract_of(model)  # the compiled model's tolerance, kept for the reloaded copy
    if not samples or not _agrees(model, samples, outputs, contract):
        return None  # nothing to show, or (never seen: the fuzzer's campaigns find 0) a wrong model
    final = root / f"shard-{number // SHARD:04d}" / f"e{number:06d}"
    tmp = final.parent / f".tmp-{final.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(tmp)
    (tmp / "program.py").write_text(source)
    (tmp / "program.json").write_text(json.dumps({"tokens": tokens(program), "vocab": list(program.vocab),
                                                  "max_seq_len": program.max_seq_len}))
    (tmp / "samples.json").write_text(json.dumps({"inputs": samples, "outputs": outputs}))
    if not _agrees(gb.load(tmp), samples, outputs, contract):  # re-verified after reload
        shutil.rmtree(tmp)
        return None
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return Entry(index, seed, causal, digest, str(final.relative_to(root)), model.config.n_layers,
                 model.config.d_model)


def _samples(program: Program, sop: Any, causal: bool) -> Iterator[tuple[list[Any], list[Any]]]:
    from glassbox.rasp import evaluator

    for xs in inputs(program, seed=0):
        try:
            yield xs, evaluator.evaluate(sop, xs, causal=causal)
        except EvaluationError:
            continue


def _agrees(model: Any, samples: list[list[Any]], outputs: list[list[Any]], contract: str) -> bool:
    got = model.run(samples)
    return all(agree(a, b, model.numerical_output, contract)
               for row, ref in zip(got, outputs, strict=True) for a, b in zip(row, ref, strict=True))
