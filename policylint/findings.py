"""What checks produce and what reporters consume."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from policylint.model import Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check yields: where, and what happens to traffic."""

    span: Span
    message: str
    device: str | None = None  # network-scope checks name the device themselves


@dataclass(frozen=True, slots=True)
class Reported:
    """A finding stamped by the engine with its rule's identity."""

    rule: str
    name: str
    category: str
    severity: Severity
    file: str
    line: int
    end_line: int
    device: str | None
    message: str

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line, self.rule, self.message)

    def __reduce__(self) -> tuple[type[Reported], tuple[object, ...]]:
        """Pickle as a constructor call: workers send thousands of these, and the dataclass
        default (a state dict set field by field) costs about twice as much both ways."""
        return (
            Reported,
            (self.rule, self.name, self.category, self.severity, self.file, self.line,
             self.end_line, self.device, self.message),
        )  # fmt: skip
