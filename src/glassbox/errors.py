"""The glassbox error hierarchy: every message names the expression, token, position or file."""

from collections.abc import Iterable


class GlassboxError(Exception):
    """Base class of every error glassbox raises on purpose."""


class RaspError(GlassboxError, TypeError):
    """A RASP expression was built or evaluated with arguments of the wrong kind."""


class EvaluationError(GlassboxError, ValueError):
    """The reference evaluator met a value it cannot give meaning to."""


class InputError(GlassboxError, ValueError):
    """An input sequence is malformed: not a sequence, an unknown token, too long."""


class CompileError(GlassboxError):
    """A program cannot be compiled; `problems` lists every (label, reason) found."""

    def __init__(self, problems: "Iterable[tuple[str, str]]") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {label}: {reason}" for label, reason in self.problems)
        super().__init__(f"cannot compile the program ({len(self.problems)} problem(s)):\n{lines}")


class VerificationError(GlassboxError):
    """A compiled model disagreed with the RASP evaluator (`compile_rasp_to_model(verify=...)`).

    Attributes:
        input: the first input on which they differ.
        output: the model's output on it.
        expected: the evaluator's.
        checked: inputs compared before it (skipped ones not counted).
    """

    def __init__(self, label: str, input: list, output: list, expected: list, checked: int) -> None:
        self.input, self.output, self.expected, self.checked = input, output, expected, checked
        super().__init__(f"{label}: the compiled model disagrees with the RASP evaluator on input {input!r}: "
                         f"model {output!r}, evaluator {expected!r} (after {checked} matching input(s)); "
                         "please report it as a glassbox bug")


class ArtifactError(GlassboxError):
    """A saved model file is missing, truncated, tampered with or of an unknown version."""


class GlassboxWarning(UserWarning):
    """Something worked but deserves a look: an unprotected old file, an undecidable property."""


class ConfigError(GlassboxError, ValueError):
    """A configuration value is out of range or inconsistent."""
