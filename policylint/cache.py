"""A content-addressed cache of per-file lint results (the ``ruff`` model).

A file's entry is keyed by its path (findings carry it), its bytes, and a fingerprint of
everything else that decides the result: the policylint version and code, the grammars and
rule catalogue, the options and the selected checks.  Any change to one of those makes every
old entry unreachable, so an entry can never be stale; old ones are simply never read again.

An entry holds what a worker process would send back: the Device-free FileResult summary, the
findings and the gathered network facts.  Network-scope ``reduce`` steps always re-run, so a
change to one site still re-checks the anycast consistency of all of them.

Location: ``$POLICYLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/policylint``, else
``~/.cache/policylint``.  A corrupt, unreadable or unwritable cache is never an error: the file
is linted as if there were no cache.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policylint import __version__
from policylint.cachedir import cache_dir, write_atomic
from policylint.checks.base import Check
from policylint.options import Options

_FORMAT = "v1"


def default_dir() -> Path:
    return cache_dir()


def _code_fingerprint() -> str:
    """Names, sizes and modification times of the package's code and data files."""
    import policylint
    from policylint.resources import grammar_path, rules_dir

    roots = [Path(policylint.__file__).parent, grammar_path("frr.lark").parent, rules_dir()]
    h = hashlib.sha256(__version__.encode())
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.suffix in (".py", ".lark", ".yaml") and "__pycache__" not in f.parts:
                st = f.stat()
                h.update(f"{f.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Cache:
    root: Path
    fingerprint: str

    @classmethod
    def open(cls, options: Options, checks: Sequence[Check], root: Path | None = None) -> Cache:
        h = hashlib.sha256(_code_fingerprint().encode())
        h.update(repr(options).encode())
        for c in checks:  # the functions too: a test may register its own under a real code
            fns = (c.device, c.gather, c.reduce, c.network)
            h.update(c.code.encode())
            h.update(repr([(f.__module__, f.__qualname__) if f else None for f in fns]).encode())
        return cls(root or default_dir(), h.hexdigest())

    def key(self, path: str, data: bytes) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        h.update(path.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def _file(self, key: str) -> Path:
        return self.root / _FORMAT / key[:2] / key

    def get(self, key: str) -> object | None:
        try:
            with self._file(key).open("rb") as fh:
                entry: object = pickle.load(fh)  # our own entries, keyed by content hash
        except Exception:  # missing, unreadable or corrupt: a miss
            return None
        return entry

    def put(self, key: str, value: object) -> None:
        write_atomic(self._file(key), lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL))
