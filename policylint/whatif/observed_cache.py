"""A cache of file readings for ``--observed-paths``, keyed by the file's bytes and the reader code.

Operators compare several proposed changes against the same day of route-collector data; decoding
it (MRT above all) is then done once.  An entry is a small JSON document: the latest record per
(monitor, peer, prefix) of the file, and its record counts, so it can never be stale: other bytes
or another reader give another key.  It lives in the policylint cache directory
(:func:`policylint.cachedir.cache_dir`).  A cache that cannot be read or written is never an error.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from policylint import __version__
from policylint.cachedir import cache_dir, write_atomic
from policylint.whatif.observed import FileDay, Route
from policylint.whatif.observed_text import prefix_network

_FORMAT = 2
_READERS = ("observed.py", "observed_text.py", "observed_mrt.py")


@cache
def _reader_fingerprint(mrt: bool) -> bytes:
    here = Path(__file__).parent
    h = hashlib.sha256(f"{_FORMAT}:{__version__}".encode())
    if mrt:
        import mrtparse

        h.update(f"mrtparse {getattr(mrtparse, '__version__', '?')}".encode())
    for name in _READERS:
        h.update((here / name).read_bytes())
    return h.digest()


def key(name: str, mrt: bool, wanted: str | None = None) -> str | None:
    """The cache key of the file's current bytes read for the ``wanted`` prefixes (None: all); None
    when the file cannot be read (the reader says why)."""
    try:
        with open(name, "rb") as f:
            h = hashlib.sha256(_reader_fingerprint(mrt))
            h.update(f"prefixes {wanted}\n".encode())
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / f"observed-{key}.json"


def get(key: str) -> FileDay | None:
    try:
        doc = json.loads(_path(key).read_bytes())
        entries = tuple(
            (
                int(t),
                w if isinstance(w, str) else int(w),
                Route(int(m), str(p), prefix_network(n), tuple(a), tuple(c)),
            )
            for t, w, m, p, n, a, c in doc["entries"]
        )
        return FileDay(entries, int(doc["records"]), int(doc["skipped_as_set"]), int(doc["skipped_other"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def put(key: str, file: FileDay) -> None:
    """Write atomically (a concurrent reader sees the old entry or the new one, never half)."""
    doc = {
        "records": file.records,
        "skipped_as_set": file.skipped_as_set,
        "skipped_other": file.skipped_other,
        "entries": [
            [t, w, r.monitor, r.peer, str(r.prefix), list(r.path), list(r.communities)]
            for t, w, r in file.entries
        ],
    }
    data = json.dumps(doc, separators=(",", ":")).encode()
    write_atomic(_path(key), lambda fh: fh.write(data), ".observed-")
