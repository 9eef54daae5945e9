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


class ArtifactError(GlassboxError):
    """A saved model file is missing, truncated, tampered with or of an unknown version."""


class GlassboxWarning(UserWarning):
    """Something worked but deserves a look: an unprotected old file, an undecidable property."""


class ConfigError(GlassboxError, ValueError):
    """A configuration value is out of range or inconsistent."""
