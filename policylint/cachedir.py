"""Where policylint keeps its caches (lint results, topologies, VRP indexes)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$POLICYLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/policylint``, else ``~/.cache/policylint``."""
    explicit = os.environ.get("POLICYLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "policylint"
