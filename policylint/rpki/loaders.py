"""Read VRP files, whatever the validator that wrote them: the format is sniffed.

- rpki-client ``json``: ``{"metadata": {"buildtime": ...}, "roas": [{"asn": 13335, ...,
  "expires": 1753453058}]}`` (``asn`` an integer, or ``"AS13335"`` in older releases);
- Routinator ``json`` / ``jsonext`` (``{"metadata": {"generated": ...}, "roas": [{"asn":
  "AS13335", ...}]}``; ``jsonext`` adds ``source`` with validity dates) and ``csv`` /
  ``csvext`` (a header row naming ``ASN``, ``IP Prefix``, ``Max Length``);
- StayRTR / GoRTR JSON (``{"metadata": {"generated": ..., "valid": ...}, "roas": [...]}``).

bzip2, gzip and xz compressed files are read transparently.  Malformed input raises
:class:`RpkiDataError` naming ``file:line:col`` (syntax, CSV) or a JSON path
(``$.roas[12].maxLength``).  SLURM files (RFC 8416) are read by :mod:`.slurm`.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from operator import is_not, itemgetter, methodcaller
from typing import Any

from policylint.rpki.vrp import RpkiDataError, check_max_length, pack, parse_asn, parse_prefix, unpack

try:  # optional, ~2x faster on the 75 MB snapshot: pip install 'policylint[fast]'
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

VrpRow = tuple[int, int, int, int, int]  # version, network, length, max_length, asn


@dataclass(frozen=True, slots=True)
class VrpData:
    """VRPs read from one source, with what the source says about its freshness.

    VRPs are kept packed (:func:`~policylint.rpki.vrp.pack`), one list per address family:
    the index is built from these without another pass over tuples.
    """

    source: str
    format: str  # "rpki-client json", "routinator csv", "stayrtr json", "rtr", ...
    v4: list[int]
    v6: list[int]
    generated: float | None = None  # unix time the data was produced
    expires: float | None = None  # earliest expiry of the data (file or VRP level)
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def from_rows(
        cls,
        source: str,
        format: str,
        rows: Iterable[VrpRow],
        *,
        generated: float | None = None,
        expires: float | None = None,
        notes: tuple[str, ...] = (),
    ) -> VrpData:
        v4: list[int] = []
        v6: list[int] = []
        for version, network, length, max_length, asn in rows:
            (v4 if version == 4 else v6).append(pack(network, length, max_length, asn))
        return cls(source, format, v4, v6, generated, expires, notes)

    def rows(self) -> list[VrpRow]:
        """Every VRP as (version, network, length, max_length, asn)."""
        return [(4, *unpack(p)) for p in self.v4] + [(6, *unpack(p)) for p in self.v6]


def read_bytes(path: str) -> bytes:
    """The file's content, decompressed when it is bzip2, gzip or xz."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise RpkiDataError(path, f"cannot read: {exc.strerror or exc}") from None
    return decompress(path, data)


def decompress(source: str, data: bytes) -> bytes:
    """``data`` itself, or its content when it is bzip2, gzip or xz compressed."""
    try:
        if data[:3] == b"BZh":
            return bz2.decompress(data)
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise RpkiDataError(source, f"corrupt compressed file: {exc}") from None
    return data


def parse_vrp_bytes(source: str, data: bytes) -> VrpData:
    """Sniff the format of ``data`` and read its VRPs."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return _json(source, data)
    if not head:
        raise RpkiDataError(f"{source}:1:1", "empty file: no VRPs")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RpkiDataError(source, f"not UTF-8 text (byte {exc.start}); not a VRP file") from None
    return _csv(source, text)


# --------------------------------------------------------------------------- JSON


def _decode_json(source: str, data: bytes) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass  # the standard parser below names the line and column
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise RpkiDataError(f"{source}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise RpkiDataError(source, f"not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise RpkiDataError(source, "JSON nested too deeply") from None


def _json(source: str, data: bytes) -> VrpData:
    doc = _decode_json(source, data)
    if not isinstance(doc, dict):
        raise RpkiDataError(f"{source}: $", "expected a JSON object with a `roas` list")
    if "slurmVersion" in doc:
        raise RpkiDataError(
            f"{source}: $.slurmVersion", "this is a SLURM file (RFC 8416): pass it with --slurm, not as VRPs"
        )
    roas = doc.get("roas")
    if not isinstance(roas, list):
        raise RpkiDataError(f"{source}: $.roas", "expected a list of VRPs under `roas`")
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    v4, v6, earliest = _roa_packed(source, roas)
    fmt, generated, expires = _json_flavour(meta, roas)
    if earliest is not None:
        expires = earliest if expires is None else min(expires, earliest)
    return VrpData(source, fmt, v4, v6, generated, expires)


def _json_flavour(meta: dict[str, Any], roas: list[Any]) -> tuple[str, float | None, float | None]:
    """Which validator wrote it, when, and until when the file says it is valid."""
    first = roas[0] if roas and isinstance(roas[0], dict) else {}
    if "buildtime" in meta:
        return "rpki-client json", _time(meta.get("buildtime")), None
    if "generatedTime" in meta or ("generated" in meta and "valid" not in meta):
        fmt = "routinator jsonext" if "source" in first else "routinator json"
        return fmt, _time(meta.get("generated", meta.get("generatedTime"))), None
    if "valid" in meta or "counts" in meta:
        return "stayrtr json", _time(meta.get("generated")), _time(meta.get("valid"))
    return "json", None, None


def _time(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()
        except ValueError:
            return None
    return None


def _roa_packed(source: str, roas: list[Any]) -> tuple[list[int], list[int], float | None]:
    """The fast path for well-formed data; on any doubt, the careful path names the culprit."""
    v4: list[int] = []
    v6: list[int] = []
    add4, add6 = v4.append, v6.append
    aton, pton, inet6 = socket.inet_aton, socket.inet_pton, socket.AF_INET6
    from_bytes = int.from_bytes
    fields = itemgetter("asn", "prefix", "maxLength")
    try:
        for asn_value, prefix, max_length in map(fields, roas):
            asn = asn_value if type(asn_value) is int else parse_asn(asn_value)
            addr, _, length_text = prefix.partition("/")
            if ":" in addr:
                network = from_bytes(pton(inet6, addr), "big")
                length = int(length_text)
                if (
                    type(max_length) is not int
                    or not 0 <= length <= max_length <= 128
                    or network & ((1 << (128 - length)) - 1)
                    or not 0 <= asn < 4294967296
                ):
                    raise ValueError
                add6((network << 8 | length) << 40 | asn << 8 | max_length)
            else:
                network = from_bytes(aton(addr), "big")
                length = int(length_text)
                if (
                    addr.count(".") != 3
                    or type(max_length) is not int
                    or not 0 <= length <= max_length <= 32
                    or network & ((1 << (32 - length)) - 1)
                    or not 0 <= asn < 4294967296
                ):
                    raise ValueError
                add4((network << 8 | length) << 40 | asn << 8 | max_length)
        # rpki-client's per-VRP `expires` (absent in the other formats), gathered in C
        expiries = list(filter(partial(is_not, None), map(methodcaller("get", "expires"), roas)))
    except (KeyError, TypeError, ValueError, AttributeError, OSError):
        _find_bad_roa(source, roas)
        raise  # unreachable: _find_bad_roa raises
    earliest = None
    if expiries:
        try:
            earliest = float(min(expiries))
        except (TypeError, ValueError):
            earliest = None
    return v4, v6, earliest


def _find_bad_roa(source: str, roas: Sequence[Any]) -> None:
    for i, roa in enumerate(roas):
        where = f"{source}: $.roas[{i}]"
        if not isinstance(roa, dict):
            raise RpkiDataError(where, "expected an object with asn, prefix and maxLength")
        for key in ("asn", "prefix", "maxLength"):
            if key not in roa:
                raise RpkiDataError(where, f"missing `{key}`")
        try:
            parse_asn(roa["asn"])
        except ValueError as exc:
            raise RpkiDataError(f"{where}.asn", str(exc)) from None
        if not isinstance(roa["prefix"], str):
            raise RpkiDataError(f"{where}.prefix", f"expected a prefix string, got {roa['prefix']!r}")
        try:
            version, _, length = parse_prefix(roa["prefix"])
        except ValueError as exc:
            raise RpkiDataError(f"{where}.prefix", str(exc)) from None
        max_length = roa["maxLength"]
        if type(max_length) is not int:
            raise RpkiDataError(f"{where}.maxLength", f"expected an integer, got {max_length!r}")
        try:
            check_max_length(version, length, max_length)
        except ValueError as exc:
            raise RpkiDataError(f"{where}.maxLength", str(exc)) from None
    raise RpkiDataError(f"{source}: $.roas", "malformed VRP list")


# --------------------------------------------------------------------------- CSV

_COLUMNS = {"asn": ("asn", "as"), "prefix": ("ip prefix", "prefix"), "max": ("max length", "maxlength")}


def _csv(source: str, text: str) -> VrpData:
    reader = csv.reader(io.StringIO(text))
    rows: list[VrpRow] = []
    cols: dict[str, int] | None = None
    after_col: int | None = None
    expiries: list[float] = []
    for record in reader:
        line = reader.line_num
        if not record or not any(c.strip() for c in record) or record[0].lstrip().startswith("#"):
            continue
        if cols is None:
            header = [c.strip().strip('"').lower() for c in record]
            cols = {}
            for key, names in _COLUMNS.items():
                for i, name in enumerate(header):
                    if name in names:
                        cols[key] = i
            if len(cols) != 3:
                raise RpkiDataError(
                    f"{source}:{line}:1",
                    "not a VRP file: expected JSON with `roas`, or CSV with the header "
                    "`ASN,IP Prefix,Max Length,...` (Routinator csv/csvext)",
                )
            after_col = header.index("not after") if "not after" in header else None
            continue
        rows.append(_csv_row(source, line, record, cols))
        if after_col is not None and after_col < len(record):
            when = _time(record[after_col].strip())
            if when is not None:
                expiries.append(when)
    if cols is None:
        raise RpkiDataError(f"{source}:1:1", "empty file: no VRPs")
    fmt = "routinator csvext" if after_col is not None else "routinator csv"
    return VrpData.from_rows(source, fmt, rows, expires=min(expiries) if expiries else None)


def _csv_row(source: str, line: int, record: list[str], cols: dict[str, int]) -> VrpRow:
    def cell(key: str) -> tuple[str, int]:
        i = cols[key]
        if i >= len(record):
            raise RpkiDataError(f"{source}:{line}:1", f"missing column {i + 1} ({key})")
        col = 1 + sum(len(c) + 1 for c in record[:i])
        return record[i].strip(), col

    try:
        text, col = cell("asn")
        asn = parse_asn(text)
        text, col = cell("prefix")
        version, network, length = parse_prefix(text)
        text, col = cell("max")
        if not text.isdigit():
            raise ValueError(f"max length is not a number: {text!r}")
        max_length = int(text)
        check_max_length(version, length, max_length)
    except ValueError as exc:
        raise RpkiDataError(f"{source}:{line}:{col}", str(exc)) from None
    return version, network, length, max_length, asn
