"""Vendor front ends: detect, parse and assemble a config file into Devices."""

from __future__ import annotations

from dataclasses import dataclass

from policylint.model import Device


class ConfigSyntaxError(Exception):
    """Raised by a vendor parser when the file's syntax cannot be read at all (exit code 2)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class FileError:
    """The file could not be read or parsed at all (exit code 2)."""

    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str  # as given on the command line
    vendor: str | None
    devices: tuple[Device, ...]
    lines: int
    error: FileError | None = None
    note: str | None = None  # e.g. "dialect not supported yet" (info, not an error)

    @property
    def unsupported(self) -> int:
        return sum(len(d.unsupported) for d in self.devices)
