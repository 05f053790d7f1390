"""Cold load of a compressed VRP file: decompress in a thread while the VRPs are parsed.

Decompression (bz2, gzip, xz) runs in C with the GIL released, so a second thread can
unpack the next piece while this one decodes and packs the VRPs of the last.  On the real
snapshot this hides most of the decompression time.

The fast path reads the ``roas`` list piece by piece, cut at line ends; every piece is
decoded by the same JSON decoder and packed by the same code as the whole-file path,
and the rest of the document is decoded as one piece with the list emptied.  Any doubt
(a piece that is not a valid list, a VRP that does not pack, another layout, a second
stream) abandons the fast path for :func:`~policylint.rpki.loaders.parse_vrp_bytes` over
the whole file, which gives the careful error messages.  Both paths return equal data.
"""

from __future__ import annotations

import bz2
import json
import lzma
import queue
import re
import threading
import zlib
from typing import Any, Protocol

from policylint.rpki.loaders import VrpData, _json_flavour, _roa_packed, decompress, parse_vrp_bytes
from policylint.rpki.vrp import RpkiDataError

try:  # optional, ~2x faster on the real snapshot: pip install 'policylint[fast]'
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

CHUNK = 1 << 19  # compressed bytes handed to the decompressor per call
_START = re.compile(rb'"roas"\s*:\s*\[')
_END = re.compile(rb"\n[ \t\r]*\]")


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, /) -> bytes: ...


class _Fallback(Exception):
    """The fast path cannot vouch for this file: read it the careful way."""


def _decompressor(raw: bytes) -> _Decompressor | None:
    if raw[:3] == b"BZh":
        return bz2.BZ2Decompressor()
    if raw[:2] == b"\x1f\x8b":
        return zlib.decompressobj(wbits=31)
    if raw[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMADecompressor()
    return None


def _loads(data: bytes) -> Any:
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(data)


class _RoaStream:
    """Consumes decompressed pieces; the ``roas`` list is decoded as it arrives."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.buf = b""
        self.head: bytes | None = None  # the document up to and including ``"roas": [``
        self.tail: list[bytes] = []  # from the line closing the list to the end
        self.in_list = True
        self.v4: list[int] = []
        self.v6: list[int] = []
        self.earliest: float | None = None
        self.first: dict[str, Any] | None = None
        self.comma: bool | None = None  # did the last non-empty piece end with a comma? None: no piece yet

    def feed(self, piece: bytes) -> None:
        if self.head is None:
            self.buf += piece
            found = _START.search(self.buf)
            if found is None:
                return
            self.head, self.buf = self.buf[: found.end()], self.buf[found.end() :]
        elif not self.in_list:
            self.tail.append(piece)
            return
        else:
            self.buf += piece
        end = _END.search(self.buf)
        if end is not None:
            self._items(self.buf[: end.start()], last=True)
            self.in_list = False
            self.tail.append(self.buf[end.start() :])
            self.buf = b""
            return
        cut = self.buf.rfind(b"\n")
        if cut >= 0:
            self._items(self.buf[:cut], last=False)
            self.buf = self.buf[cut:]

    def _items(self, text: bytes, *, last: bool) -> None:
        text = text.strip()
        if not text:
            if last and self.comma:
                raise _Fallback  # a trailing comma before the list closes
            return
        if self.comma is False:
            raise _Fallback  # two pieces without a comma between them
        self.comma = text.endswith(b",")
        if self.comma:
            if last:
                raise _Fallback
            text = text[:-1]
        try:
            roas = _loads(b"[" + text + b"]")
            v4, v6, earliest = _roa_packed(self.source, roas)
        except (ValueError, RpkiDataError) as exc:
            raise _Fallback from exc
        if self.first is None and roas:
            self.first = roas[0] if isinstance(roas[0], dict) else {}
        self.v4 += v4
        self.v6 += v6
        if earliest is not None:
            self.earliest = earliest if self.earliest is None else min(self.earliest, earliest)

    def finish(self) -> VrpData:
        if self.head is None or self.in_list:
            raise _Fallback
        tail = b"".join(self.tail)
        if b'"roas"' in tail:
            raise _Fallback  # a second key of that name: let the whole-file path decide
        try:
            doc = _loads(self.head + tail)
        except ValueError as exc:
            raise _Fallback from exc
        if not isinstance(doc, dict) or doc.get("roas") != [] or "slurmVersion" in doc:
            raise _Fallback
        meta = doc.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        fmt, generated, expires = _json_flavour(meta, [self.first] if self.first is not None else [])
        if self.earliest is not None:
            expires = self.earliest if expires is None else min(expires, self.earliest)
        return VrpData(self.source, fmt, self.v4, self.v6, generated, expires)


def parse_compressed(source: str, raw: bytes) -> VrpData:
    """The VRPs in ``raw`` (a file's bytes, compressed or not), as ``parse_vrp_bytes`` reads them."""
    dec = _decompressor(raw)
    if dec is None:
        return parse_vrp_bytes(source, raw)
    pieces: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    failed: list[BaseException] = []

    def unpack() -> None:
        try:
            at = 0
            while at < len(raw) and not dec.eof:
                pieces.put(dec.decompress(raw[at : at + CHUNK]))
                at += CHUNK
            if not dec.eof or dec.unused_data or at < len(raw):
                failed.append(EOFError("truncated, or several streams"))
        except Exception as exc:
            failed.append(exc)
        finally:
            pieces.put(None)

    worker = threading.Thread(target=unpack, name="vrp-decompress", daemon=True)
    worker.start()
    seen: list[bytes] = []
    stream: _RoaStream | None = _RoaStream(source)
    while (piece := pieces.get()) is not None:
        seen.append(piece)
        if stream is not None:
            try:
                stream.feed(piece)
            except _Fallback:
                stream = None
    worker.join()
    if not failed and stream is not None:
        try:
            return stream.finish()
        except _Fallback:
            pass
    return parse_vrp_bytes(source, b"".join(seen) if not failed else decompress(source, raw))
