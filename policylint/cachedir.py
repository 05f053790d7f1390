"""Where policylint keeps its caches (lint results, topologies, VRP indexes)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def cache_dir() -> Path:
    """``$POLICYLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/policylint``, else ``~/.cache/policylint``."""
    explicit = os.environ.get("POLICYLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "policylint"


def write_atomic(target: Path, write: Callable[[BinaryIO], object], prefix: str = ".tmp-") -> None:
    """Write a cache file through ``write`` so that a concurrent reader sees the old file or the new
    one, never half of one.  A cache that cannot be written (read-only or full disk) is skipped: it
    only costs the next run the work again."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=prefix, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
