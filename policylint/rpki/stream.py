"""bzip2-compressed JSON VRP files: decompress on a second core while parsing.

``bz2`` releases the GIL while it decompresses, so a thread can inflate the next
blocks while this thread parses the VRPs already inflated.  The ``roas`` array is cut
after a ``,`` that ends a line; each piece is parsed by ``json.loads`` as an array of its
own (``[`` piece ``]``) and read by the general loader's code.  Pieces of one valid
array concatenate to exactly that array, and the text around it is checked by parsing
it with a marker in the array's place, which must be the top-level ``roas`` value.

:func:`parse_bz2` returns ``None`` on anything it cannot prove regular — a malformed
file included — and the caller then reads the file the ordinary way, which reports the
problem with its position.
"""

from __future__ import annotations

import bz2
import json
import queue
import re
import threading
from functools import partial
from operator import is_not, methodcaller
from typing import Any

from policylint.rpki.loaders import VrpData, _json_flavour, _roa_packed
from policylint.rpki.vrp import RpkiDataError

_ROAS = re.compile(rb'"roas"[ \t\r\n]*:[ \t\r\n]*\[')
_MARK = b'"policylint: the roas array"'
_SLICE = 1 << 18  # compressed bytes per step: ~2 MB of JSON


def _inflate(raw: bytes, out: queue.SimpleQueue[bytes | BaseException | None]) -> None:
    try:
        inflater = bz2.BZ2Decompressor()
        for i in range(0, len(raw), _SLICE):
            if inflater.eof:  # a second concatenated stream: leave it to the ordinary path
                raise EOFError("multi-stream bzip2")
            out.put(inflater.decompress(raw[i : i + _SLICE]))
        if not inflater.eof:
            raise EOFError("truncated bzip2")
        out.put(None)
    except BaseException as exc:
        out.put(exc)


class _Irregular(Exception):
    pass


def parse_bz2(source: str, raw: bytes) -> VrpData | None:
    """The VRPs of a bzip2-compressed JSON VRP file, or ``None`` (read it the ordinary way)."""
    chunks: queue.SimpleQueue[bytes | BaseException | None] = queue.SimpleQueue()
    worker = threading.Thread(target=_inflate, args=(raw, chunks), daemon=True)
    worker.start()
    try:
        return _read(source, chunks)
    except (_Irregular, RpkiDataError, ValueError, RecursionError, EOFError, OSError):
        return None
    finally:
        worker.join()


def _read(source: str, chunks: queue.SimpleQueue[bytes | BaseException | None]) -> VrpData | None:
    head = b""
    pending = b""
    tail: list[bytes] = []
    state = "head"
    v4: list[int] = []
    v6: list[int] = []
    expiries: list[Any] = []
    first: list[Any] = []
    open_comma = False  # the last piece ended with ',': another element must follow

    def piece(body: bytes, final: bool) -> None:
        nonlocal open_comma, first
        text = body.strip(b" \t\r\n")
        if not final:
            text = text[:-1]  # its ','
        if not text:
            if not final or open_comma:
                raise _Irregular
            return
        roas = json.loads(b"[" + text + b"]")
        if not roas:
            raise _Irregular
        a, b, _ = _roa_packed(source, roas)
        v4.extend(a)
        v6.extend(b)
        expiries.extend(filter(partial(is_not, None), map(methodcaller("get", "expires"), roas)))
        if not first:
            first = roas[:1]
        open_comma = not final

    while True:
        chunk = chunks.get()
        if isinstance(chunk, BaseException):
            raise _Irregular from chunk
        if chunk is None:
            break
        if state == "head":
            head += chunk
            found = _ROAS.search(head)
            if found is None:
                continue
            head, pending, state = head[: found.end() - 1], head[found.end() :], "roas"
        elif state == "roas":
            pending += chunk
        else:
            tail.append(chunk)
            continue
        end = pending.find(b"]")
        if end >= 0:
            piece(pending[:end], True)
            tail.append(pending[end + 1 :])
            state = "tail"
            continue
        cut = pending.rfind(b",", 0, pending.rfind(b"\n") + 1)
        if cut >= 0 and not pending[cut + 1 : pending.rfind(b"\n") + 1].strip(b" \t\r\n"):
            line_end = pending.rfind(b"\n") + 1
            piece(pending[:line_end], False)
            pending = pending[line_end:]
    if state != "tail":
        return None
    rest = b"".join(tail)
    if _MARK in head or _MARK in rest:
        return None
    doc = json.loads(head + _MARK + rest)
    if not isinstance(doc, dict) or doc.get("roas") != json.loads(_MARK) or "slurmVersion" in doc:
        return None
    meta = doc.get("metadata")
    fmt, generated, expires = _json_flavour(meta if isinstance(meta, dict) else {}, first)
    earliest = None
    if expiries:
        try:
            earliest = float(min(expiries))
        except (TypeError, ValueError):
            earliest = None
    if earliest is not None:
        expires = earliest if expires is None else min(expires, earliest)
    return VrpData(source, fmt, v4, v6, generated, expires)
