"""The compact index on disk: a cache keyed by the VRP file's hash.

Building the index from the real snapshot costs seconds (JSON decoding and one pass
over ~720,000 VRPs); reading it back is a handful of ``array.frombytes`` calls.  The
cache lives in ``$POLICYLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/policylint``, else
``~/.cache/policylint`` — never in the repository.  A cache that cannot be read or
written is ignored: it only ever costs time, never correctness.
"""

from __future__ import annotations

import json
import struct
from array import array
from pathlib import Path
from typing import Any

from policylint.cachedir import cache_dir, write_atomic
from policylint.rpki.index import Family, VrpIndex

MAGIC = b"PLVRPIX\x02"  # bump the last byte whenever the layout or the index semantics change
_COLUMNS = ("owner", "length", "parent", "offset", "entries")


def _wide(values: Any) -> bytes:
    return b"".join(v.to_bytes(16, "big") for v in values)


def _unwide(blob: bytes) -> list[int]:
    from_bytes = int.from_bytes
    return [from_bytes(blob[i : i + 16], "big") for i in range(0, len(blob), 16)]


def dumps(index: VrpIndex) -> bytes:
    header: dict[str, Any] = {
        "source": index.source,
        "format": index.format,
        "generated": index.generated,
        "expires": index.expires,
        "notes": list(index.notes),
        "families": [],
    }
    blobs: list[bytes] = []
    for fam in index.families:
        cols: list[list[Any]] = []
        for name in ("starts", "network", *_COLUMNS):
            col = getattr(fam, name)
            blob = col.tobytes() if isinstance(col, array) else _wide(col)
            cols.append([name, col.typecode if isinstance(col, array) else "wide", len(blob)])
            blobs.append(blob)
        header["families"].append({"version": fam.version, "columns": cols})
    head = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + b"".join(blobs)


def loads(data: bytes) -> VrpIndex:
    if data[:8] != MAGIC:
        raise ValueError("not a policylint VRP index (or an older layout)")
    (size,) = struct.unpack_from("<I", data, 8)
    header = json.loads(data[12 : 12 + size])
    pos = 12 + size
    view = memoryview(data)
    families: list[Family] = []
    for fam in header["families"]:
        cols: dict[str, Any] = {}
        for name, typecode, nbytes in fam["columns"]:
            blob = view[pos : pos + nbytes]
            pos += nbytes
            if typecode == "wide":
                cols[name] = _unwide(bytes(blob))
            else:
                col = array(typecode)
                col.frombytes(blob)
                cols[name] = col
        families.append(Family(fam["version"], **cols))
    if pos != len(data) or [f.version for f in families] != [4, 6]:
        raise ValueError("truncated or inconsistent VRP index")
    return VrpIndex(
        families[0],
        families[1],
        source=header["source"],
        format=header["format"],
        generated=header["generated"],
        expires=header["expires"],
        notes=tuple(header["notes"]),
    )


def cache_path(key: str) -> Path:
    return cache_dir() / f"vrps-{key}.idx"


def load_cached(key: str) -> VrpIndex | None:
    try:
        data = cache_path(key).read_bytes()
    except OSError:
        return None
    try:
        return loads(data)
    except (ValueError, KeyError, TypeError, struct.error, json.JSONDecodeError):
        return None


def save_cached(key: str, index: VrpIndex) -> None:
    """Write atomically (a concurrent reader sees the old file or the new one, never half)."""
    data = dumps(index)
    write_atomic(cache_path(key), lambda fh: fh.write(data), ".vrps-")
