"""The one error type of the Batfish integration: a message plus detail lines (parse warnings)."""

from __future__ import annotations

from collections.abc import Iterable


class BatfishError(Exception):
    """The service is unreachable, timed out, refused the snapshot, or answered nonsense (exit 2)."""

    def __init__(self, message: str, details: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)

    def lines(self) -> list[str]:
        return [self.message, *(f"  {d}" for d in self.details)]
