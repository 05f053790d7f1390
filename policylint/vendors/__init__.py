"""Vendor front ends: detect, parse and assemble a config file into Devices."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
class FileCounts:
    """What reporters need of a file's Devices (kept when the Devices stay in a worker)."""

    hostnames: tuple[str, ...]
    modelled: int  # statements the model covers
    unsupported: int  # BGP-related statements it does not (PS003)
    out_of_scope: int  # non-BGP statements (interfaces, IGPs, ...)


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str  # as given on the command line
    vendor: str | None
    devices: tuple[Device, ...]
    lines: int
    error: FileError | None = None
    note: str | None = None  # e.g. "dialect not supported yet" (info, not an error)
    kept: FileCounts | None = None  # set by :meth:`summary`, when the Devices are dropped

    @property
    def counts(self) -> FileCounts:
        if self.kept is not None:
            return self.kept
        devs = self.devices
        return FileCounts(
            tuple(d.hostname for d in devs),
            sum(d.modelled_lines for d in devs),
            sum(len(d.unsupported) for d in devs),
            sum(d.out_of_scope_lines for d in devs),
        )

    @property
    def hostnames(self) -> tuple[str, ...]:
        return self.counts.hostnames

    @property
    def unsupported(self) -> int:
        return self.counts.unsupported

    def summary(self) -> FileResult:
        """The same result without its Devices (what a worker process sends back)."""
        return replace(self, devices=(), kept=self.counts)
