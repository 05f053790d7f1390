"""The streamed cold load (decompress in a thread, parse the ``roas`` list piece by piece)
returns exactly what the whole-file loader returns, or the whole-file loader's own error."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.rpki import RpkiDataError, stream
from policylint.rpki.loaders import VrpData, parse_vrp_bytes

SHARED = Path(os.environ.get("POLICYLINT_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SNAPSHOT = SHARED / "data" / "rpki" / "rpkiclient_summary_20250720T093135Z.json.bz2"

ROAS = [
    {"asn": 13335, "prefix": "1.0.0.0/24", "maxLength": 24, "ta": "apnic", "expires": 1753453058},
    {"asn": 18144, "prefix": "1.0.64.0/18", "maxLength": 18, "ta": "apnic", "expires": 1753590490},
    {"asn": "AS4134", "prefix": "1.1.4.0/22", "maxLength": 24, "ta": "apnic", "expires": 1753460726},
    {"asn": 0, "prefix": "10.0.0.0/8", "maxLength": 32, "ta": "ripe", "expires": 1753000000},
    {"asn": 15169, "prefix": "2001:4860::/32", "maxLength": 48, "ta": "arin", "expires": 1753590491},
    {"asn": 13335, "prefix": "2606:4700::/32", "maxLength": 48, "ta": "arin", "expires": 1753453059},
]
META = {"buildmachine": "x", "buildtime": "2025-07-20T09:31:33Z", "roas": 6, "vrps": 6}


def rpki_client(roas: list[dict[str, object]], meta: dict[str, object] = META, tail: str = "") -> str:
    """rpki-client's own layout: one VRP per line, tab-indented, ASPAs after the ROAs."""
    lines = ",\n".join("\t\t{ " + json.dumps(r)[1:-1] + " }" for r in roas)
    body = f"\n{lines}\n" if roas else "\n"
    return (
        '{\n\t"metadata": ' + json.dumps(meta) + ',\n\t"roas": [' + body + "\t],\n"
        '\t"aspas": [\n\t\t{ "customer_asid": 396968, "expires": 1753084405, "providers": [ 16909 ] }\n\t]'
        + tail
        + "\n}\n"
    )


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "bz2": bz2.compress,
    "gzip": gzip.compress,
    "xz": lzma.compress,
}


def same_as_whole_file(text: str, compress: Callable[[bytes], bytes] = bz2.compress) -> VrpData | None:
    """Both paths agree: equal data, or the same error.  Returns the data (None: an error)."""
    raw = compress(text.encode())
    try:
        whole = parse_vrp_bytes("f", text.encode())
    except RpkiDataError as exc:
        with pytest.raises(RpkiDataError) as info:
            stream.parse_compressed("f", raw)
        assert (info.value.where, info.value.detail) == (exc.where, exc.detail)
        return None
    assert stream.parse_compressed("f", raw) == whole
    return whole


@pytest.fixture(params=[7, 64, 1 << 19], ids=["chunk7", "chunk64", "chunk512k"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiny chunks put piece boundaries everywhere: inside keys, numbers, line ends."""
    monkeypatch.setattr(stream, "CHUNK", request.param)
    return int(request.param)


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_fast_path_reads_rpki_client_layout(kind: str, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = rpki_client(ROAS)
    expected = parse_vrp_bytes("f", text.encode())

    def no_fallback(source: str, data: bytes) -> VrpData:
        raise AssertionError("the fast path gave up on rpki-client's own layout")

    monkeypatch.setattr(stream, "parse_vrp_bytes", no_fallback)
    got = stream.parse_compressed("f", COMPRESSORS[kind](text.encode()))
    assert got == expected
    assert got.format == "rpki-client json" and got.expires == 1753000000.0
    assert len(got.v4) == 4 and len(got.v6) == 2


def test_empty_roa_list(chunk: int) -> None:
    data = same_as_whole_file(rpki_client([]))
    assert data is not None and not data.v4 and not data.v6


MUTATIONS = {  # id: (old, new) replaced once in rpki-client's layout
    "missing-comma": (' },\n\t\t{ "asn": 0', ' }\n\t\t{ "asn": 0'),
    "trailing-comma": (" }\n\t],", " },\n\t],"),
    "host-bits": ('"prefix": "1.0.64.0/18"', '"prefix": "1.0.64.1/18"'),
    "short-maxlength": ('"maxLength": 18', '"maxLength": 17'),
    "missing-asn": ('"asn": 18144, ', ""),
    "bad-asn": ('"asn": 18144', '"asn": "ASx"'),
    "object-on-lines": ('{ "asn": 0, ', '{\n\t\t\t"asn": 0,\n\t\t\t'),
    "second-roas-key": ('\t],\n\t"aspas"', '\t],\n\t"roas": [],\n\t"aspas"'),
    "nested-roas-first": ('"metadata": {', '"metadata": {"roas": [\n1\n], '),
    "slurm-key": ('\t"aspas"', '\t"slurmVersion": 1,\n\t"aspas"'),
    "truncated-document": ("]\n}\n", "]\n"),
    "missing-comma-after-list": ("\t],\n", "\t]\n"),
    "garbage-after-bracket": ('"roas": [', '"roas": [1,'),
    "bracket-at-line-start": ('\t\t{ "asn": 13335', '\t\t]{ "asn": 13335'),
    "bom": ("{\n", "\ufeff{\n"),
    "spacing": ('"roas": [', '"roas" : [ '),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_any_doubt_gives_the_whole_file_answer(mutation: str, chunk: int) -> None:
    old, new = MUTATIONS[mutation]
    text = rpki_client(ROAS)
    assert old in text
    same_as_whole_file(text.replace(old, new, 1))


OTHERS = [
    '{"roas": [{"asn": 1, "prefix": "1.1.1.0/24", "maxLength": 24}]}',
    "[]",
    "{}",
    "ASN,IP Prefix,Max Length\nAS1,1.1.1.0/24,24\n",
    "not vrps",
]


@pytest.mark.parametrize("text", OTHERS)
def test_other_layouts_and_formats(text: str, chunk: int) -> None:
    same_as_whole_file(text)


def test_several_streams_and_corrupt_data(chunk: int) -> None:
    text = rpki_client(ROAS).encode()
    half = len(text) // 2
    two_streams = bz2.compress(text[:half]) + bz2.compress(text[half:])
    assert stream.parse_compressed("f", two_streams) == parse_vrp_bytes("f", text)
    for broken in (bz2.compress(text)[:-20], bz2.compress(text)[:40] + b"\x00" * 40):
        with pytest.raises(RpkiDataError) as info:
            stream.parse_compressed("f", broken)
        assert "corrupt compressed file" in info.value.detail


def test_uncompressed_bytes_take_the_whole_file_path() -> None:
    text = rpki_client(ROAS).encode()
    assert stream.parse_compressed("f", text) == parse_vrp_bytes("f", text)


@pytest.mark.slow
@pytest.mark.skipif(not SNAPSHOT.is_file(), reason="../shared/data/rpki is not present")
def test_real_snapshot_streamed_equals_whole_file() -> None:
    raw = SNAPSHOT.read_bytes()
    streamed = stream.parse_compressed(str(SNAPSHOT), raw)
    assert streamed == parse_vrp_bytes(str(SNAPSHOT), bz2.decompress(raw))
    assert len(streamed.v4) == 580_366 and len(streamed.v6) == 143_155
