"""A fuzzing campaign: programs `start .. start+n-1` of a seed, checked (in parallel), failures shrunk and saved.

Each failure (a wrong answer or a crash) is shrunk to a minimal program that fails the same way and
written as a runnable file: the program as `rasp` code, the counterexample, and a `__main__` that
compiles it and prints the model's and the evaluator's outputs.
"""

import collections
import dataclasses
import json
import os
import pathlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from glassbox.fuzz import oracle as check_mod
from glassbox.fuzz.generate import generate
from glassbox.fuzz.oracle import Outcome
from glassbox.fuzz.program import Program, to_source
from glassbox.fuzz.shrink import shrink


@dataclasses.dataclass(frozen=True)
class Failure:
    """One failing program: its index, outcome, shrunk form and that form's outcome."""

    index: int
    outcome: Outcome
    program: Program
    shrunk: Program
    shrunk_outcome: Outcome
    path: "pathlib.Path | None" = None


@dataclasses.dataclass(frozen=True)
class Summary:
    """A campaign's totals.

    Attributes:
        seed, start, n, causal, dtype: what ran.
        counts: programs per status (ok, rejected, mismatch, exception, vacuous, timeout).
        reasons: per (status, reason), how many programs (everything but ok).
        failures: the mismatches and exceptions, shrunk.
        compile_s: every compile time, in index order.
        wall_s: the campaign's wall time.
    """

    seed: int
    start: int
    n: int
    causal: bool
    dtype: str
    counts: dict[str, int]
    reasons: dict[tuple[str, str], int]
    failures: tuple[Failure, ...]
    compile_s: tuple[float, ...]
    wall_s: float

    @property
    def slow(self) -> list[int]:
        """The programs whose compile took over `SLOW_S` (timeouts included)."""
        return [self.start + i for i, t in enumerate(self.compile_s) if t > check_mod.SLOW_S]

    @property
    def compiled(self) -> int:
        return self.n - self.counts.get("rejected", 0) - self.counts.get("timeout", 0) - sum(
            1 for f in self.failures if f.outcome.reason.startswith("compile"))

    def to_text(self) -> str:
        """The summary as printed by `glassbox fuzz`."""
        c = self.counts
        slow = sum(t > check_mod.SLOW_S for t in self.compile_s)
        lines = [f"fuzz seed {self.seed}, programs {self.start}..{self.start + self.n - 1}"
                 f"{' (causal)' if self.causal else ''}, {self.dtype}: {self.wall_s:.1f} s",
                 f"  compiled {self.compiled}/{self.n}: {c.get('ok', 0)} exact, {c.get('mismatch', 0)} mismatches, "
                 f"{c.get('vacuous', 0)} vacuous (the evaluator raised on every input)",
                 f"  rejected {c.get('rejected', 0)} ({100 * c.get('rejected', 0) / max(self.n, 1):.1f}%), "
                 f"exceptions {c.get('exception', 0)}, timeouts {c.get('timeout', 0)}",
                 f"  compile time: max {max(self.compile_s, default=0):.2f} s, "
                 f"median {sorted(self.compile_s)[len(self.compile_s) // 2] if self.compile_s else 0:.3f} s, "
                 f"{slow} over {check_mod.SLOW_S:g} s"
                 + (f" (programs {', '.join(map(str, self.slow))})" if self.slow else "")]
        for (status, reason), count in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {count:5d}  {status}: {reason}")
        for f in self.failures:
            where = f" -> {f.path}" if f.path else ""
            lines.append(f"  program {f.index}: {f.outcome.status} ({f.outcome.reason}), shrunk to "
                         f"{f.shrunk.size} node(s){where}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "start": self.start, "n": self.n, "causal": self.causal, "dtype": self.dtype,
                "counts": self.counts, "wall_s": self.wall_s,
                "reasons": [{"status": s, "reason": r, "count": c} for (s, r), c in self.reasons.items()],
                "compile_s_max": max(self.compile_s, default=0.0),
                "compile_over_10s": self.slow,
                "failures": [{"index": f.index, "status": f.outcome.status, "reason": f.outcome.reason,
                              "detail": f.outcome.detail, "file": str(f.path) if f.path else None}
                             for f in self.failures]}


def same_failure(outcome: Outcome) -> Callable[[Outcome], bool]:
    """Whether another outcome fails the way `outcome` does (status and reason)."""
    return lambda other: other.status == outcome.status and other.reason == outcome.reason


def _one(task: tuple[int, int, bool, str, bool, int]) -> tuple[int, Outcome, "tuple[Program, Outcome] | None"]:
    seed, index, causal, dtype, do_shrink, max_checks = task
    program = generate(seed, index, causal=causal)
    outcome = check_mod.check(program, causal=causal, dtype=dtype, seed=index)
    shrunk = None
    if outcome.failed and do_shrink:
        fails = same_failure(outcome)
        small = shrink(program, lambda p: fails(check_mod.check(p, causal=causal, dtype=dtype, seed=index)),
                       max_checks=max_checks)
        shrunk = (small, check_mod.check(small, causal=causal, dtype=dtype, seed=index))
    return index, outcome, shrunk


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def _results(tasks: list[tuple[int, int, bool, str, bool, int]], jobs: int) -> Iterator[Any]:
    if jobs <= 1:
        _init_worker()
        yield from map(_one, tasks)
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(jobs, initializer=_init_worker) as pool:
        yield from pool.imap_unordered(_one, tasks, chunksize=4)


def run(n: int, seed: int = 0, *, start: int = 0, causal: bool = False, dtype: str = "auto",
        out: "str | os.PathLike[str] | None" = None, do_shrink: bool = True, max_checks: int = 150,
        jobs: int = 1, progress: bool = False) -> Summary:
    """Check programs `start .. start+n-1` of campaign `seed`.

    Args:
        n: how many programs.
        seed: the campaign seed (program i is `generate(seed, i)`).
        start: the first index.
        causal: compile causally (programs without `length`) and compare with the causal evaluator.
        dtype: the models' dtype.
        out: a folder to write each shrunk failure to (a runnable .py) and `summary.json`.
        do_shrink: shrink failures (the expensive part when there are many).
        max_checks: the shrinker's budget per failure.
        jobs: worker processes.
        progress: a progress bar on stderr.

    Returns:
        The `Summary`.
    """
    began = time.perf_counter()
    tasks = [(seed, i, causal, dtype, do_shrink, max_checks) for i in range(start, start + n)]
    outcomes: dict[int, Outcome] = {}
    shrunk: dict[int, tuple[Program, Outcome]] = {}
    bar = _bar(n, progress)
    for index, outcome, small in _results(tasks, jobs):
        outcomes[index] = outcome
        if small is not None:
            shrunk[index] = small
        if bar is not None:
            bar.update(1)
            bad = sum(o.failed for o in outcomes.values())
            bar.set_postfix_str(f"failures {bad}, rejected {sum(o.status == 'rejected' for o in outcomes.values())}")
    if bar is not None:
        bar.close()
    counts = collections.Counter(o.status for o in outcomes.values())
    reasons = collections.Counter((o.status, o.reason) for o in outcomes.values() if o.status != "ok")
    failures = []
    folder = pathlib.Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    for index in sorted(i for i, o in outcomes.items() if o.failed):
        program = generate(seed, index, causal=causal)
        small, small_outcome = shrunk.get(index, (program, outcomes[index]))
        path = None
        if folder is not None:
            path = folder / f"seed{seed}-{index:05d}-{outcomes[index].status}.py"
            path.write_text(failure_file(small, small_outcome, seed, index, causal, dtype))
        failures.append(Failure(index, outcomes[index], program, small, small_outcome, path))
    summary = Summary(seed, start, n, causal, dtype, {str(k): v for k, v in counts.items()},
                      {(str(s), r): v for (s, r), v in reasons.items()}, tuple(failures),
                      tuple(outcomes[i].compile_s for i in sorted(outcomes)), time.perf_counter() - began)
    if folder is not None:
        (folder / "summary.json").write_text(json.dumps(summary.to_json(), indent=1, default=repr))
    return summary


def failure_file(program: Program, outcome: Outcome, seed: int, index: int, causal: bool, dtype: str) -> str:
    """A runnable file reproducing one failure."""
    xs = outcome.counterexample[0] if outcome.counterexample else list(program.vocab)[: program.max_seq_len]
    detail = outcome.detail.replace('"""', "'''")
    return (f'"""glassbox fuzz: program {index} of seed {seed}{" (causal)" if causal else ""}, shrunk.\n\n'
            f"{outcome.status}: {outcome.reason}\n{detail}\n"
            f'Rebuild the unshrunk program with glassbox.fuzz.generate({seed}, {index}).\n"""\n\n'
            + to_source(program) +
            "\n\nif __name__ == \"__main__\":\n"
            "    import glassbox as gb\n\n"
            f"    model = gb.compile_rasp_to_model(program, vocab=vocab, max_seq_len=max_seq_len, causal={causal!r},\n"
            f"                                     dtype={dtype!r})\n"
            f"    xs = {xs!r}\n"
            "    print(\"model    \", model.run([xs])[0])\n"
            f"    print(\"evaluator\", rasp.evaluate(program, xs, causal={causal!r}))\n")


def _bar(n: int, progress: bool) -> Any:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=n, desc="fuzz", unit="program")
