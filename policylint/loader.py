"""Files and directories in, FileResults out.  Never raises for bad input."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from policylint.model import Device
from policylint.options import Options
from policylint.vendors import ConfigSyntaxError, FileError, FileResult
from policylint.vendors.detect import KNOWN, SUPPORTED, detect, dialect_note

# files in a directory walk that are never router configs
_SKIP_SUFFIXES = frozenset(
    {
        ".md", ".rst", ".yaml", ".yml", ".json", ".toml", ".py", ".pyc", ".tsv", ".csv", ".html",
        ".png", ".jpg", ".svg", ".gz", ".bz2", ".xz", ".zip", ".tar", ".lock", ".sh", ".j2", ".ini",
    }
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", ".venv"})

Progress = Callable[[int, int], None]


def discover(paths: Sequence[str]) -> list[tuple[str, bool]]:
    """Expand paths to (file, explicit) pairs, directories recursively, in stable order."""
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in _walk(p):
                if f not in seen:
                    seen.add(f)
                    out.append((f, False))
        elif given not in seen:
            seen.add(given)
            out.append((given, True))
    return out


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() in _SKIP_SUFFIXES:
                continue
            yield os.path.join(dirpath, name)


def _decode(data: bytes) -> str | None:
    """Text or None for binary content."""
    head = data[:8192]
    if b"\x00" in head:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.05:
        return None
    return text


def read_file(path: str, options: Options) -> bytes | FileResult:
    """The file's bytes, or a FileResult saying why it cannot be read."""
    try:
        size = os.path.getsize(path)
        if size > options.max_file_bytes:
            mib = size / 1048576
            limit = options.max_file_bytes / 1048576
            return FileResult(
                path, None, (), 0, FileError(f"file is {mib:.1f} MiB, over the {limit:.0f} MiB limit")
            )
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        return FileResult(path, None, (), 0, FileError(f"cannot read file: {exc.strerror or exc}"))


def load_file(path: str, explicit: bool, options: Options) -> FileResult | None:
    """Parse one file.  Returns None for a discovered file that is not a router config."""
    data = read_file(path, options)
    if isinstance(data, FileResult):
        return data
    return load_bytes(path, data, explicit)


def load_bytes(path: str, data: bytes, explicit: bool) -> FileResult | None:
    """Parse a file's content (see :func:`load_file`)."""
    text = _decode(data)
    if text is None:
        return FileResult(path, None, (), 0, FileError("binary file, not a router configuration", 1))
    return load_text(path, text, explicit=explicit)


def load_text(path: str, text: str, *, explicit: bool = True, vendor: str | None = None) -> FileResult | None:
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if not text.strip():
        return FileResult(path, None, (), lines, note="empty file")
    if vendor is None:
        vendor = detect(text).vendor
    if vendor is None:
        if not explicit:
            return None
        return FileResult(
            path, None, (), lines, FileError("not recognised as an FRR, Cisco or ExaBGP configuration", 1)
        )
    if vendor not in SUPPORTED:
        name = vendor if vendor in KNOWN else "unknown"
        return FileResult(path, vendor, (), lines, note=f"{name} dialect not supported yet")
    note = dialect_note(vendor, text)
    if note is not None:
        return FileResult(path, vendor, (), lines, note=note)
    try:
        devices = _parser(vendor)(path, text)
    except ConfigSyntaxError as exc:
        return FileResult(path, vendor, (), lines, FileError(str(exc), exc.line))
    except RecursionError:
        return FileResult(path, vendor, (), lines, FileError("configuration too deeply nested to parse"))
    except Exception as exc:  # a parser bug must not stop the other files
        return FileResult(
            path, vendor, (), lines, FileError(f"internal parser error ({type(exc).__name__}: {exc})")
        )
    return FileResult(path, vendor, devices, lines)


def load_path(path: str, explicit: bool, options: Options) -> FileResult | None:
    """One discovered path: a FileResult, or None for a discovered file that is not a config."""
    if explicit and not os.path.exists(path):
        return FileResult(path, None, (), 0, FileError("no such file or directory"))
    return load_file(path, explicit, options)


def _parser(vendor: str) -> Callable[[str, str], tuple[Device, ...]]:
    if vendor == "ios":
        from policylint.vendors import ios

        return ios.parse
    if vendor == "exabgp":
        from policylint.vendors import exabgp

        return exabgp.parse
    from policylint.vendors import frr

    return frr.parse


def load_paths(paths: Sequence[str], options: Options, progress: Progress | None = None) -> list[FileResult]:
    found = discover(paths)
    results: list[FileResult] = []
    for i, (path, explicit) in enumerate(found):
        res = load_path(path, explicit, options)
        if res is not None:
            results.append(res)
        if progress is not None:
            progress(i + 1, len(found))
    return results
