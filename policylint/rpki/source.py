"""Load VRPs for the rules and the what-if engine: a file (cached) or a live RTR cache.

``load_vrps(path)`` sniffs the format, applies an optional SLURM file, builds the
:class:`~policylint.rpki.index.VrpIndex` and caches its compact form keyed by the
SHA-256 of the inputs.  Freshness is judged against *now* on every load (never cached):
data past its expiry, or built long ago, gets a warning because ROAs change daily.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from policylint.rpki.index import VrpIndex
from policylint.rpki.loaders import VrpData, parse_vrp_bytes, read_bytes
from policylint.rpki.slurm import Slurm, parse_slurm
from policylint.rpki.store import MAGIC, load_cached, save_cached
from policylint.rpki.stream import parse_compressed
from policylint.rpki.vrp import RpkiDataError

MAX_AGE = 24 * 3600  # validators run every few minutes to an hour; a day old is stale


@dataclass(frozen=True, slots=True)
class Loaded:
    index: VrpIndex
    cached: bool  # read from the cache, not rebuilt
    warnings: tuple[str, ...]


def _stamp(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ago(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / 3600:.0f} hours"


def stale_warnings(index: VrpIndex, now: float | None = None) -> tuple[str, ...]:
    """What the data itself says about its age, compared with ``now``."""
    now = time.time() if now is None else now
    out: list[str] = []
    name = index.source or "VRP data"
    if index.expires is not None and index.expires < now:
        out.append(
            f"{name}: the data expired at {_stamp(index.expires)} ({_ago(now - index.expires)} ago); "
            "ROAs created, changed or revoked since then are not seen, so validity may be wrong"
        )
    elif index.generated is not None and now - index.generated > MAX_AGE:
        out.append(
            f"{name}: the data was generated at {_stamp(index.generated)}, {_ago(now - index.generated)} "
            "ago; ROAs created, changed or revoked since then are not seen"
        )
    return tuple(out)


def index_from_data(data: VrpData) -> VrpIndex:
    return VrpIndex.from_packed(
        data.v4,
        data.v6,
        source=data.source,
        format=data.format,
        generated=data.generated,
        expires=data.expires,
        notes=data.notes,
    )


@contextmanager
def _no_gc() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_vrps(
    path: str, slurm_path: str | None = None, *, use_cache: bool = True, now: float | None = None
) -> Loaded:
    """Read ``path`` (any supported format, possibly compressed) into an index.

    Raises :class:`RpkiDataError` (with file position or JSON path) for bad input.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise RpkiDataError(path, f"cannot read: {exc.strerror or exc}") from None
    slurm_raw = b""
    if slurm_path is not None:
        slurm_raw = read_bytes(slurm_path)
    digest = hashlib.sha256(MAGIC + raw + b"\x00" + slurm_raw).hexdigest()[:32]
    index = load_cached(digest) if use_cache else None
    cached = index is not None
    if index is None:
        slurm: Slurm | None = parse_slurm(slurm_path, slurm_raw) if slurm_path is not None else None
        with _no_gc():  # millions of short-lived, acyclic objects: collections would only cost time
            data = parse_compressed(path, raw)
            if slurm is not None:
                data = slurm.apply(data)
            index = index_from_data(data)
        if use_cache:
            save_cached(digest, index)
    index.source = path
    return Loaded(index, cached, stale_warnings(index, now))


def load_vrps_text(text: str, source: str = "<vrps>") -> VrpIndex:
    """An index from VRP file content held in memory (rule test cases, tests)."""
    return index_from_data(parse_vrp_bytes(source, text.encode()))
