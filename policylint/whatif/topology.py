"""The Internet AS graph (CAIDA AS relationships) as compact arrays, plus traffic weights and ROV ASes.

Input is CAIDA's serial-1 (``a|b|rel``) or serial-2 (``a|b|rel|source``) format, plain or
compressed with bzip2 or gzip (recognised by content, not by name).  ``rel`` is ``-1`` when
``a`` provides transit to ``b`` and ``0`` when they peer; ``#`` starts a comment.

The graph is kept as three CSR adjacency structures (providers, customers and peers of every AS),
indexed by the AS's position in the sorted ASN array, so the propagation works on integer arrays
instead of per-AS Python objects.  Parsing the 2025 CAIDA file takes about a second; the compact
form is cached (``.npz``) under the user's cache directory keyed by the file's SHA-256, so later
loads take milliseconds.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from policylint.cachedir import cache_dir, write_atomic

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CACHE_FORMAT = 2
MAX_ASN = 2**32 - 1


class TopologyError(Exception):
    """Bad topology, weights or ROV input: ``path:line: message`` (exit code 2)."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True, eq=False)
class Csr:
    """Row ``i`` lists the neighbors ``idx[ptr[i]:ptr[i+1]]`` (AS indexes, ascending)."""

    ptr: IntArray
    idx: IntArray

    def row(self, i: int) -> IntArray:
        return self.idx[self.ptr[i] : self.ptr[i + 1]]


@dataclass(frozen=True, slots=True, eq=False)
class Topology:
    asns: IntArray  # sorted; an AS's index is its position here
    providers: Csr  # providers[i]: the ASes that sell transit to AS i
    customers: Csr
    peers: Csr
    peer_mlp: BoolArray  # aligned with peers.idx: the peering is multilateral (route server)
    source: str
    links: int
    cached: bool = False

    @property
    def size(self) -> int:
        return int(self.asns.shape[0])

    def index(self, asn: int) -> int | None:
        i = int(np.searchsorted(self.asns, asn))
        if i < self.size and int(self.asns[i]) == asn:
            return i
        return None

    def relationship(self, a: int, b: int) -> str | None:
        """``"provider"`` when ``b`` is a provider of ``a``, ``"customer"``, ``"peer"`` or None."""
        ia, ib = self.index(a), self.index(b)
        if ia is None or ib is None:
            return None
        for name, csr in (("provider", self.providers), ("customer", self.customers), ("peer", self.peers)):
            if ib in set(csr.row(ia).tolist()):
                return name
        return None

    def mlp_peers(self, asn: int) -> list[int]:
        """ASes that peer with ``asn`` multilaterally (over a route server)."""
        i = self.index(asn)
        if i is None:
            return []
        lo, hi = int(self.peers.ptr[i]), int(self.peers.ptr[i + 1])
        sel = self.peers.idx[lo:hi][self.peer_mlp[lo:hi]]
        return [int(self.asns[j]) for j in sel]


# --------------------------------------------------------------------------- reading


def read_raw(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TopologyError(path, None, f"cannot read: {exc.strerror or exc}") from None


def decode(path: str, raw: bytes) -> str:
    """The file's text; bzip2/gzip recognised by their magic bytes."""
    try:
        if raw[:3] == b"BZh":
            data = bz2.decompress(raw)
        elif raw[:2] == b"\x1f\x8b":
            data = gzip.decompress(raw)
        else:
            data = raw
    except (OSError, ValueError, EOFError) as exc:
        raise TopologyError(path, None, f"corrupt compressed file: {exc}") from None
    if b"\x00" in data[:8192]:
        raise TopologyError(path, None, "binary file, not a CAIDA AS-relationship file")
    return data.decode("utf-8", errors="replace")


def _asn(text: str, path: str, line: int) -> int:
    t = text.strip()
    if t[:2].upper() == "AS":
        t = t[2:]
    if not t.isdigit() or int(t) > MAX_ASN:
        raise TopologyError(path, line, f"{text.strip()!r} is not an AS number")
    return int(t)


def parse_relationships(path: str, text: str) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """(a, b, rel, mlp) arrays, one entry per distinct link; errors name the line."""
    seen: dict[tuple[int, int], tuple[int, int]] = {}
    a_l: list[int] = []
    b_l: list[int] = []
    r_l: list[int] = []
    m_l: list[bool] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line[0] == "#":
            continue
        s = line.strip()
        if not s or s[0] == "#":
            continue
        parts = s.split("|")
        if len(parts) not in (3, 4):
            raise TopologyError(
                path, n, f"expected 'a|b|rel' or 'a|b|rel|source', got {s[:60]!r} ({len(parts)} fields)"
            )
        try:
            a, b = int(parts[0]), int(parts[1])
            if not (0 <= a <= MAX_ASN and 0 <= b <= MAX_ASN):
                raise ValueError
        except ValueError:
            a, b = _asn(parts[0], path, n), _asn(parts[1], path, n)
        rel_text = parts[2].strip()
        if rel_text not in ("-1", "0"):
            raise TopologyError(
                path, n, f"relationship {rel_text!r}: expected -1 (a provides transit to b) or 0 (peers)"
            )
        if a == b:
            raise TopologyError(path, n, f"AS{a} cannot have a relationship with itself")
        rel = int(rel_text)
        key = (a, b) if a < b else (b, a)
        prev = seen.get(key)
        if prev is not None:
            if prev[0] != rel or (rel == -1 and a_l[prev[1]] != a):
                raise TopologyError(path, n, f"AS{a}-AS{b} already has a different relationship")
            continue
        seen[key] = (rel, len(a_l))
        a_l.append(a)
        b_l.append(b)
        r_l.append(rel)
        m_l.append(len(parts) == 4 and "mlp" in parts[3])
    if not a_l:
        raise TopologyError(path, None, "no AS relationships found")
    return (
        np.asarray(a_l, dtype=np.int64),
        np.asarray(b_l, dtype=np.int64),
        np.asarray(r_l, dtype=np.int64),
        np.asarray(m_l, dtype=np.bool_),
    )


def _csr(src: IntArray, dst: IntArray, n: int, extra: BoolArray | None = None) -> tuple[Csr, BoolArray]:
    order = np.lexsort((dst, src))
    counts = np.bincount(src, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    flags = extra[order] if extra is not None else np.zeros(0, dtype=np.bool_)
    return Csr(ptr, dst[order].astype(np.int64)), flags


def build(
    a: IntArray, b: IntArray, rel: IntArray, mlp: BoolArray, source: str, *, cached: bool = False
) -> Topology:
    asns, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inv[: a.shape[0]], inv[a.shape[0] :]
    n = int(asns.shape[0])
    pc = rel == -1
    pp = ~pc
    providers, _ = _csr(ib[pc], ia[pc], n)
    customers, _ = _csr(ia[pc], ib[pc], n)
    psrc = np.concatenate([ia[pp], ib[pp]])
    pdst = np.concatenate([ib[pp], ia[pp]])
    pm = np.concatenate([mlp[pp], mlp[pp]])
    peers, peer_mlp = _csr(psrc, pdst, n, pm)
    return Topology(
        asns.astype(np.int64), providers, customers, peers, peer_mlp, source, int(a.shape[0]), cached
    )


# --------------------------------------------------------------------------- cache


def _cache_file(raw: bytes) -> Path:
    digest = hashlib.sha256(raw).hexdigest()
    return cache_dir() / f"topology-v{CACHE_FORMAT}-{digest}.npz"


_ARRAYS = ("asns", "prov_ptr", "prov_idx", "cust_ptr", "cust_idx", "peer_ptr", "peer_idx", "peer_mlp")


def _load_cached(file: Path, source: str) -> Topology | None:
    """The built arrays, as stored by :func:`_store` (no re-sorting on load)."""
    try:
        with np.load(file, allow_pickle=False) as z:
            arr = {k: z[k] for k in (*_ARRAYS, "links")}
    except (OSError, KeyError, ValueError):
        return None
    i64 = {k: arr[k].astype(np.int64) for k in _ARRAYS if k != "peer_mlp"}
    return Topology(
        i64["asns"], Csr(i64["prov_ptr"], i64["prov_idx"]), Csr(i64["cust_ptr"], i64["cust_idx"]),
        Csr(i64["peer_ptr"], i64["peer_idx"]), arr["peer_mlp"].astype(np.bool_), source,
        int(arr["links"]), cached=True,
    )  # fmt: skip


def _store(file: Path, t: Topology) -> None:
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "asns": t.asns.astype(np.uint32),
        "prov_ptr": t.providers.ptr,
        "prov_idx": t.providers.idx.astype(np.int32),
        "cust_ptr": t.customers.ptr,
        "cust_idx": t.customers.idx.astype(np.int32),
        "peer_ptr": t.peers.ptr,
        "peer_idx": t.peers.idx.astype(np.int32),
        "peer_mlp": t.peer_mlp,
        "links": np.asarray(t.links, dtype=np.int64),
    }
    write_atomic(file, lambda fh: np.savez(fh, **arrays))  # type: ignore[arg-type]  # numpy stubs: the keywords clash with allow_pickle


def load_topology(path: str, *, use_cache: bool = True) -> Topology:
    """Load a CAIDA AS-relationship file (serial-1/2, plain, .bz2 or .gz); cached by content hash."""
    raw = read_raw(path)
    file = _cache_file(raw) if use_cache else None
    if file is not None and file.exists():
        topo = _load_cached(file, path)
        if topo is not None:
            return topo
    topo = build(*parse_relationships(path, decode(path, raw)), path)
    if file is not None:
        _store(file, topo)
    return topo


# --------------------------------------------------------------------------- weights, ROV


def _data_lines(path: str) -> list[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError as exc:
        raise TopologyError(path, None, f"cannot read: {exc.strerror or exc}") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.split("#", 1)[0].strip()
        if s:
            out.append((n, s))
    return out


def load_weights(path: str) -> dict[int, float]:
    """``asn,weight`` per line (a header line is allowed); weights are non-negative numbers."""
    weights: dict[int, float] = {}
    for i, (n, s) in enumerate(_data_lines(path)):
        parts = [p.strip() for p in s.split(",")]
        if i == 0 and not parts[0].upper().removeprefix("AS").isdigit():
            continue  # header
        if len(parts) != 2:
            raise TopologyError(path, n, f"expected 'asn,weight', got {s[:60]!r}")
        asn = _asn(parts[0], path, n)
        try:
            w = float(parts[1])
        except ValueError:
            raise TopologyError(path, n, f"weight {parts[1]!r} is not a number") from None
        if not w >= 0 or w == float("inf"):
            raise TopologyError(path, n, f"weight {parts[1]!r} must be a finite number >= 0")
        weights[asn] = weights.get(asn, 0.0) + w
    return weights


def load_rov_ases(path: str) -> frozenset[int]:
    """ASes that drop RPKI-invalid routes: AS numbers separated by newlines, commas or spaces."""
    out: set[int] = set()
    for n, s in _data_lines(path):
        for tok in s.replace(",", " ").split():
            out.add(_asn(tok, path, n))
    return frozenset(out)
