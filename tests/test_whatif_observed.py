"""Observation inputs for the calibrated what-if (issue 9): MRT, bgpdump -m / bgpreader text, measured
catchment CSV, site map, Verfploeter conversion; bad input gives ``file:line`` errors."""

from __future__ import annotations

import bz2
import gzip
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mrt_build import Route, rib_dump, update

from policylint.whatif.measured import check_sites, load_measured, load_site_map
from policylint.whatif.observed import ObservationError, ObservedPath, is_mrt, load_observed
from policylint.whatif.verfploeter import convert, load_pfx2as

ROUTES = [
    Route("192.0.2.1", 64501, "10.99.0.0/23", (64501, 3356, 64500), ((64500, 1),)),
    Route("192.0.2.2", 64502, "10.99.0.0/23", (64502, 64502, 174, 64500, 64500)),
    Route("192.0.2.3", 64503, "10.99.0.0/23", (64503, 174, 64500), (), (7, 8)),
    Route("192.0.2.4", 4200000001, "10.99.1.0/24", (4200000001, 6939, 64500)),
    Route("192.0.2.5", 64505, "2001:db8:53::/48", (64505, 6939, 64500)),
]


def _key(p: ObservedPath) -> tuple[object, ...]:
    return (p.time, p.monitor, p.peer, p.prefix, p.path, p.communities)


def test_mrt_rib_paths(tmp_path: Path) -> None:
    f = tmp_path / "rib.mrt"
    f.write_bytes(rib_dump(ROUTES))
    assert is_mrt(str(f))
    obs = load_observed([str(f)])
    assert obs.skipped_as_set == 1  # the AS_SET path carries no order
    assert obs.records == 4
    assert [(p.monitor, str(p.prefix), p.path, p.communities) for p in obs.held] == [
        (64501, "10.99.0.0/23", (64501, 3356, 64500), ("64500:1",)),
        (64502, "10.99.0.0/23", (64502, 174, 64500), ()),  # prepends collapsed
        (4200000001, "10.99.1.0/24", (4200000001, 6939, 64500), ()),
        (64505, "2001:db8:53::/48", (64505, 6939, 64500), ()),
    ]


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="bgpdump (Debian package) is not installed")
@pytest.mark.parametrize("kind", ["rib", "updates"])
def test_mrt_and_bgpdump_text_agree(tmp_path: Path, kind: str) -> None:
    """The real bgpdump reads our MRT file; its -m text and the MRT itself give the same observations."""
    f = tmp_path / f"{kind}.mrt"
    if kind == "rib":
        f.write_bytes(rib_dump(ROUTES))
    else:
        recs = [update(r, 1000 + i) for i, r in enumerate(ROUTES)]
        recs.append(update(ROUTES[0], 2000, withdraw=True))
        recs.append(update(ROUTES[4], 2001, withdraw=True))  # IPv6: MP_UNREACH_NLRI
        f.write_bytes(b"".join(recs))
    text = subprocess.run(["bgpdump", "-m", str(f)], capture_output=True, text=True, check=True).stdout
    t = tmp_path / f"{kind}.txt"
    t.write_text(text)
    assert not is_mrt(str(t))
    from_mrt = load_observed([str(f)])
    from_text = load_observed([str(t)])
    assert [_key(p) for p in from_mrt.held] == [_key(p) for p in from_text.held]
    assert from_mrt.skipped_as_set == from_text.skipped_as_set == 1
    assert from_mrt.records == from_text.records == (4 if kind == "rib" else 6)
    if kind == "updates":  # the IPv6 route (MP_UNREACH_NLRI) and 64501's are withdrawn again
        assert {p.monitor for p in from_mrt.held} == {64502, 4200000001}
        assert [p.where for p in from_mrt.held] == [f"{f}: record 2", f"{f}: record 4"]


def test_compressed_inputs(tmp_path: Path) -> None:
    mrt = rib_dump(ROUTES)
    (tmp_path / "a.mrt.gz").write_bytes(gzip.compress(mrt))
    (tmp_path / "b.mrt.bz2").write_bytes(bz2.compress(mrt))
    line = "TABLE_DUMP2|1756684800|B|192.0.2.1|64501|10.99.0.0/23|64501 3356 64500|IGP|192.0.2.1|0|0||NAG||\n"
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(line.encode()))
    got = load_observed([str(tmp_path / n) for n in ("a.mrt.gz", "b.mrt.bz2", "c.txt.gz")])
    assert got.records == 9  # 4 RIB routes per MRT file (one AS_SET path skipped), 1 text line
    assert got.skipped_as_set == 2
    assert len(got.held) == 4  # the same four routes, each held by its latest record: the text line wins one
    assert got.held[0].path == (64501, 3356, 64500) and got.held[0].where == f"{tmp_path / 'c.txt.gz'}:1"


def test_bgpreader_text(tmp_path: Path) -> None:
    f = tmp_path / "elems.txt"
    f.write_text(
        "# bgpreader -e\n"
        "R|R|1756684800.000000|routeviews|route-views2|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|"
        "64501 3356 64500|64500|3356:1 64500:7||\n"
        "U|A|1756684900.000000|ris|rrc00|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|64501 174 64500|64500|||\n"
        "U|S|1756684950.000000|ris|rrc00|||64502|192.0.2.2|||||||established\n"
        "U|W|1756685000.000000|ris|rrc00|||64503|192.0.2.3|10.99.0.0/23|||||\n"
    )
    obs = load_observed([str(f)])
    assert obs.records == 3  # the state change is no route
    assert [(p.time, p.monitor, p.path, p.communities) for p in obs.held] == [
        (1756684900, 64501, (64501, 174, 64500), ()),  # the latest per monitor; 64503 withdrew
    ]
    assert obs.held[0].where == f"{f}:3"
    f.write_text(
        "R|R|1756684800.000000|routeviews|route-views2|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|"
        "64501 3356 64500|64500|3356:1 64500:7||\n"
    )
    assert load_observed([str(f)]).held[0].communities == ("3356:1", "64500:7")


def test_repeated_records_keep_the_latest(tmp_path: Path) -> None:
    """A day repeats records: the held route is the latest by time (then by order), wherever it is."""
    a = "BGP4MP|{t}|A|192.0.2.1|64501|10.99.0.0/23|64501 {via} 64500|IGP|192.0.2.1|0|0||NAG||\n"
    w = "BGP4MP|{t}|W|192.0.2.1|64501|10.99.0.0/23\n"
    f = tmp_path / "day.txt"
    f.write_text(
        a.format(t=100, via=174) + a.format(t=300, via=3356) + a.format(t=200, via=174)  # older, later
        + w.format(t=250) + a.format(t=300, via=174)  # equal time: the later line wins
    )  # fmt: skip
    obs = load_observed([str(f)])
    assert obs.records == 5
    assert [(p.time, p.path, p.where) for p in obs.held] == [(300, (64501, 174, 64500), f"{f}:5")]
    f.write_text(a.format(t=100, via=174) + w.format(t=200) + a.format(t="x", via=174))
    with pytest.raises(ObservationError, match=r"day\.txt:3: bad timestamp 'x'"):
        load_observed([str(f)])  # a repeated line's own timestamp is still checked
    f.write_text(a.format(t=100, via=174) + w.format(t=200))
    assert load_observed([str(f)]).held == ()
    recs = [update(ROUTES[0], 100), update(ROUTES[0], 300), update(ROUTES[0], 200, withdraw=True)]
    m = tmp_path / "day.mrt"
    m.write_bytes(b"".join([*recs, update(ROUTES[0], 300)]))  # a byte-identical repeat, decoded once
    obs = load_observed([str(m)])
    assert obs.records == 4
    assert [(p.time, p.path, p.where) for p in obs.held] == [(300, (64501, 3356, 64500), f"{m}: record 4")]


BAD_TEXT = [
    ("TABLE_DUMP2|17566|B|192.0.2.1|64501|10.99.0.0/23|64501 x 64500|IGP\n", "bad AS path"),
    ("TABLE_DUMP2|17566|B|192.0.2.1|64501|10.99.0.0/33|64501 64500|IGP\n", "bad prefix"),
    ("TABLE_DUMP2|when|B|192.0.2.1|64501|10.99.0.0/23|64501 64500|IGP\n", "bad timestamp"),
    ("TABLE_DUMP2|inf|B|192.0.2.1|64501|10.99.0.0/23|64501 64500|IGP\n", "bad timestamp"),
    ("TABLE_DUMP2|17566|B|192.0.2.1|-5|10.99.0.0/23|64501 64500|IGP\n", "bad peer ASN"),
    ("TABLE_DUMP2|17566|B|192.0.2.1|64501|10.99.0.0/23|4294967296 64500|IGP\n", "bad AS path"),
    ("TABLE_DUMP2|17566|B|192.0.2.1|64501|10.99.0.0/23||IGP\n", "empty AS path"),
    ("TABLE_DUMP2|17566|Q|192.0.2.1|64501\n", "unknown bgpdump -m record kind"),
    ("BGP4MP|17566|A|192.0.2.1|64501\n", "at least 7 fields"),
    ("hello world\n", "not a route record"),
    ("U|A|1756684900.0|ris|rrc00\n", "at least 12 fields"),
    ("U|X|1756684900.0|ris|rrc00|||1|2|3|4|5\n", "unknown bgpreader element type"),
]


@pytest.mark.parametrize(("line", "message"), BAD_TEXT)
def test_bad_text_lines(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "obs.txt"
    f.write_text("# comment\n\n" + line)
    with pytest.raises(ObservationError) as exc:
        load_observed([str(f)])
    assert str(exc.value).startswith(f"{f}:3: ")
    assert message in str(exc.value)


def test_bad_mrt(tmp_path: Path) -> None:
    data = rib_dump(ROUTES)
    f = tmp_path / "cut.mrt"
    f.write_bytes(data[:-7])  # the last record is cut short
    with pytest.raises(ObservationError, match=r"cut\.mrt: record 4: Invalid MRT data length"):
        load_observed([str(f)])
    with pytest.raises(ObservationError, match="No such file"):
        load_observed([str(tmp_path / "missing.mrt")])


def test_measured_catchment(tmp_path: Path) -> None:
    f = tmp_path / "catchment.csv"
    f.write_text(
        "asn,site,weight\n# from query logs\n64501,ams1,10\nAS64502,fra1\n64503,ams1,1\n64503,fra1,3\n"
    )
    m = load_measured(str(f))
    assert m.site == {64501: "ams1", 64502: "fra1", 64503: "fra1"}
    assert m.split == 1
    assert m.where[None, 64502] == f"{f}:4"
    check_sites(["ams1", "fra1"], m, None)
    with pytest.raises(ObservationError, match=rf"^{f}:3: unknown site 'ams1' \(sites: fra1, lon1\)"):
        check_sites(["fra1", "lon1"], m, None)


def test_measured_catchment_per_prefix(tmp_path: Path) -> None:
    """A fourth column scopes a row to the service announcing that prefix; rows without it count for
    every service, and a scoped row wins for its service."""
    import ipaddress

    f = tmp_path / "catchment.csv"
    f.write_text("64501,ams1\n64502,fra1,1\n64502,ams1,1,2001:db8:53::/48\n64503,fra1,,10.99.0.0/23\n")
    m = load_measured(str(f))
    v4, v6 = ipaddress.ip_network("10.99.0.0/23"), ipaddress.ip_network("2001:db8:53::/48")
    assert m.for_prefixes([v4]) == {64501: "ams1", 64502: "fra1", 64503: "fra1"}
    assert m.for_prefixes([v6]) == {64501: "ams1", 64502: "ams1"}
    assert m.for_prefixes([ipaddress.ip_network("192.0.2.0/24")]) == {64501: "ams1", 64502: "fra1"}
    check_sites(["ams1", "fra1"], m, None, prefixes=[v4, v6])
    with pytest.raises(ObservationError, match=rf"^{f}:3: 2001:db8:53::/48 is no service's prefix"):
        check_sites(["ams1", "fra1"], m, None, prefixes=[v4])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("64501", "expected asn,site[,weight[,prefix]], found 1 fields"),
        ("64501,ams1,1,2,3", "found 5 fields"),
        ("64501,ams1,1,10.99.0.1/23", "'10.99.0.1/23' is not a prefix"),
        ("x64501,ams1", "is not an AS number"),
        ("64501,,1", "empty site name"),
        ("64501,ams1,heavy", "is not a number"),
        ("64501,ams1,-1", "must be a finite number >= 0"),
    ],
)
def test_bad_measured_rows(tmp_path: Path, row: str, message: str) -> None:
    f = tmp_path / "c.csv"
    f.write_text(f"64500,ams1\n{row}\n")
    with pytest.raises(ObservationError, match=rf"^{re.escape(str(f))}:2: .*{re.escape(message)}"):
        load_measured(str(f))


def test_site_map(tmp_path: Path) -> None:
    f = tmp_path / "sites.txt"
    f.write_text("# kind value site\nneighbor 64601 ams1\norigin,AS65101,fra1\ncommunity 64500:0:2 fra1\n")
    sm = load_site_map(str(f))
    assert sm.neighbor == {64601: "ams1"}
    assert sm.origin == {65101: "fra1"}
    assert sm.community == {"64500:0:2": "fra1"}
    with pytest.raises(ObservationError, match=rf"^{f}:3: unknown site 'fra1'"):
        check_sites(["ams1"], None, sm)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("neighbor 64601", "expected KIND VALUE SITE"),
        ("peer 64601 ams1", "unknown kind 'peer'"),
        ("origin big ams1", "is not an AS number"),
        ("community 64500 ams1", "is not a community"),
        ("neighbor 64600 fra1", "already maps to ams1"),
    ],
)
def test_bad_site_map(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "sites.txt"
    f.write_text(f"neighbor 64600 ams1\n{line}\n")
    with pytest.raises(ObservationError, match=rf"^{re.escape(str(f))}:2: .*{re.escape(message)}"):
        load_site_map(str(f))


def test_verfploeter_convert(tmp_path: Path) -> None:
    p2a = tmp_path / "pfx2as.txt"
    p2a.write_text("192.0.2.0\t24\t64501\n198.51.100.0\t22\t64502_64503\n198.51.100.0\t24\t64504\n")
    vp = tmp_path / "vp.csv"
    vp.write_text(
        "transmit_time,src,client_id\n1,192.0.2.7,A\n2,192.0.2.9,B\n3,198.51.101.1,B\n"
        "4,198.51.100.1,A\n5,203.0.113.1,A\n"
    )
    got = convert(str(vp), load_pfx2as(str(p2a)), {"A": "ams1"})
    assert got.rows == [(64501, "B", 1), (64501, "ams1", 1), (64502, "B", 1), (64504, "ams1", 1)]
    assert (got.replies, got.unmapped) == (5, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("src,client_id\n192.0.2.300,A\n")
    with pytest.raises(ObservationError, match=rf"^{bad}:2: '192.0.2.300' is not an IP address"):
        convert(str(bad), load_pfx2as(str(p2a)), {})
    bad.write_text("src,site\n192.0.2.3,A\n")
    with pytest.raises(ObservationError, match=rf"^{bad}:1: the header has no client_id column"):
        convert(str(bad), load_pfx2as(str(p2a)), {})
    p2a.write_text("192.0.2.0 24\n")
    with pytest.raises(ObservationError, match=rf"^{p2a}:1: expected PREFIX LENGTH ASN"):
        load_pfx2as(str(p2a))


def test_whatif_catchment_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from policylint.cli import app

    p2a = tmp_path / "pfx2as.txt"
    p2a.write_text("192.0.2.0\t24\t64501\n198.51.100.0\t24\t64502\n")
    vp = tmp_path / "vp.csv"
    vp.write_text("src,client_id\n192.0.2.7,1\n192.0.2.8,1\n198.51.100.1,2\n203.0.113.9,2\n")
    out = tmp_path / "catchment.csv"
    args = ["whatif-catchment", str(vp), "--pfx2as", str(p2a), "--client", "1=ams1", "--client", "2=fra1"]
    res = CliRunner().invoke(app, [*args, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert out.read_text() == "asn,site,weight\n64501,ams1,2\n64502,fra1,1\n"
    assert "4 replies: 2 ASes, 2 AS-site rows; 1 replies from addresses no prefix" in res.stderr
    assert load_measured(str(out)).site == {64501: "ams1", 64502: "fra1"}
    res = CliRunner().invoke(app, [*args[:4], "--client", "1"])
    assert res.exit_code == 2 and "--client '1': expected ID=SITE" in res.stderr
    vp.write_text("src,client_id\nnot-an-ip,1\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and f"{vp}:2: 'not-an-ip' is not an IP address" in res.stderr


_LINES = [
    "TABLE_DUMP2|1756684800|B|192.0.2.1|64501|10.99.0.0/23|64501 3356 64500|IGP|192.0.2.1|0|0|64500:1|NAG||",
    "BGP4MP|1756684900|W|192.0.2.1|64501|10.99.0.0/23",
    "U|A|1756684900.000000|ris|rrc00|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|64501 174 64500|64500|||",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_LINES), st.integers(0, 200), st.text(max_size=4))
def test_fuzzed_text_lines_never_crash(tmp_path: Path, line: str, at: int, junk: str) -> None:
    """A mutated line reads or gives an ObservationError with file:line, never a traceback."""
    f = tmp_path / "fuzz.txt"
    cut = at % (len(line) + 1)
    f.write_text(line[:cut] + junk + line[cut + len(junk) :] + "\n", encoding="utf-8", errors="replace")
    try:
        load_observed([str(f)])
    except ObservationError as exc:
        assert re.match(rf"{re.escape(str(f))}:\d+: ", str(exc)), str(exc)  # junk may hold a newline


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10_000), st.binary(min_size=1, max_size=6), st.booleans())
def test_fuzzed_mrt_never_crashes(tmp_path: Path, at: int, junk: bytes, given_prefixes: bool) -> None:
    """Mutated MRT reads or gives an ObservationError naming the file, with or without the services'
    prefixes (which make the reader judge records by their bytes and settle updates latest first)."""
    import ipaddress

    data = bytearray(
        rib_dump(ROUTES) + update(ROUTES[0], 5) + update(ROUTES[1], 6, withdraw=True)
        + update(ROUTES[4], 7) + update(ROUTES[3], 8, also=("10.99.0.0/24",)) + update(ROUTES[0], 9)
    )  # fmt: skip
    pos = at % len(data)
    data[pos : pos + len(junk)] = junk
    f = tmp_path / "fuzz.mrt"
    f.write_bytes(bytes(data))
    want = [ipaddress.ip_network(p) for p in ("10.99.0.0/23", "2001:db8:53::/48")] if given_prefixes else None
    try:
        load_observed([str(f)], want, jobs=1)
    except ObservationError as exc:
        assert str(exc).startswith(str(f))


def _extended(record: bytes, usec: int) -> bytes:
    """A BGP4MP record as BGP4MP_ET: microseconds after the header, counted in the length."""
    import struct

    ts, _, subtype, length = struct.unpack("!IHHI", record[:12])
    return struct.pack("!IHHII", ts, 17, subtype, length + 4, usec) + record[12:]


def test_extended_timestamp_records(tmp_path: Path) -> None:
    """BGP4MP_ET: the microseconds are part of the time, not of the content (repeats decode once)."""
    m = tmp_path / "et.mrt"
    m.write_bytes(
        _extended(update(ROUTES[0], 100), 5) + _extended(update(ROUTES[0], 100), 7)
        + _extended(update(ROUTES[1], 90), 1)
    )  # fmt: skip
    obs = load_observed([str(m)])
    assert obs.records == 3
    assert [(p.monitor, p.time, p.where) for p in obs.held] == [
        (64501, 100, f"{m}: record 2"),
        (64502, 90, f"{m}: record 3"),
    ]


def test_file_readings_are_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second load of the same bytes reads the cache (the readers are not called) and gives the
    same observations under the new file name; other bytes miss; a corrupt entry is re-read."""
    from policylint.whatif import observed, observed_cache

    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    m = tmp_path / "day.mrt"
    m.write_bytes(b"".join([update(ROUTES[0], 100), update(ROUTES[1], 200), update(ROUTES[4], 300)]))
    t = tmp_path / "rib.txt"
    t.write_text(
        "TABLE_DUMP2|150|B|192.0.2.1|64501|10.99.0.0/23|64501 174 64500|IGP|192.0.2.1|0|0|64500:9|NAG||\n"
    )
    first = load_observed([str(m), str(t)])
    assert len(list((tmp_path / "cache").glob("observed-*.json"))) == 2

    def no_reading(name: str, mrt: bool) -> observed.FileDay:
        raise AssertionError(f"{name} was read again")

    monkeypatch.setattr(observed, "read_file", no_reading)
    again = load_observed([str(m), str(t)])
    assert again == first
    assert [p.where for p in again.held] == [f"{t}:1", f"{m}: record 2", f"{m}: record 3"]
    copy = tmp_path / "copy.mrt"
    copy.write_bytes(m.read_bytes())
    assert load_observed([str(copy)]).held[0].where == f"{copy}: record 1"
    monkeypatch.undo()
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    key = observed_cache.key(str(m), mrt=True)
    assert key is not None
    (tmp_path / "cache" / f"observed-{key}.json").write_text('{"entries": [[1, 2]]')
    assert load_observed([str(m), str(t)]) == first  # a corrupt entry is ignored and rewritten
    m.write_bytes(m.read_bytes()[:-1])
    with pytest.raises(ObservationError, match="record 3"):
        load_observed([str(m)])  # other bytes: another key, read (and refused) again


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one for every MRT record handed to mrtparse."""
    from policylint.whatif import observed_mrt

    calls: list[int] = []
    real = observed_mrt._decode

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(observed_mrt, "_decode", counted)
    return calls


def test_records_of_other_prefixes_are_skipped_undecoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the services' prefixes, a raw collector file (every prefix of the table) is read for
    those prefixes and the ones inside them only; MRT records that cannot be about them are not
    handed to mrtparse at all."""
    import ipaddress

    want = (ipaddress.ip_network("10.99.0.0/23"), ipaddress.ip_network("2001:db8:53::/48"))
    other = Route("192.0.2.9", 64509, "198.51.100.0/24", (64509, 3356, 64999))
    inside = Route("192.0.2.8", 64508, "10.99.1.0/24", (64508, 174, 64500))
    m = tmp_path / "all.mrt"
    m.write_bytes(b"".join(update(r, 100 + i) for i, r in enumerate([*ROUTES, other, inside, other])))
    calls = _count_decodes(monkeypatch)
    obs = load_observed([str(m)], prefixes=want)
    assert [str(p.prefix) for p in obs.held] == [
        "10.99.0.0/23",
        "10.99.0.0/23",
        "10.99.1.0/24",
        "2001:db8:53::/48",
        "10.99.1.0/24",
    ]
    assert (obs.records, obs.skipped_as_set, obs.skipped_other) == (5, 1, 2)
    assert len(calls) == 6  # the two records about 198.51.100.0/24 were never decoded
    assert load_observed([str(m)]).skipped_other == 0  # no prefixes given: everything is read
    t = tmp_path / "all.txt"
    t.write_text(
        "TABLE_DUMP2|1|B|192.0.2.9|64509|198.51.100.0/24|64509 3356 64999|IGP|192.0.2.9|0|0||NAG||\n"
        "TABLE_DUMP2|1|B|192.0.2.8|64508|10.99.1.0/24|64508 174 64500|IGP|192.0.2.8|0|0||NAG||\n"
        "U|W|2.0|ris|rrc00|||64509|192.0.2.9|198.51.100.0/24|||||\n"
    )
    obs = load_observed([str(t)], prefixes=want)
    assert [(p.monitor, str(p.prefix)) for p in obs.held] == [(64508, "10.99.1.0/24")]
    assert (obs.records, obs.skipped_other) == (1, 2)


def test_wanted_prefix_bytes_elsewhere_in_a_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The peer address 192.0.2.9 carries the bytes of 192.0.2.0/24 too, but not after a prefix
    length: such records are still skipped undecoded; a /25 inside is read."""
    import ipaddress

    from policylint.whatif.observed import Wanted

    want = Wanted((ipaddress.ip_network("192.0.2.0/24"),))
    assert (want.v4("192.0.2.128/25"), want.v4("192.0.3.0/24"), want.v4("192.0.0.0/16")) == (
        True,
        False,
        False,
    )
    assert want.v4("2001:db8::/32") is None and want.v4("192.0.2.0/33") is None
    m = tmp_path / "t.mrt"
    m.write_bytes(
        update(Route("192.0.2.9", 64509, "198.51.100.0/24", (64509, 64999)), 1)
        + update(Route("192.0.2.9", 64509, "192.0.2.128/25", (64509, 64500)), 2)
    )  # fmt: skip
    calls = _count_decodes(monkeypatch)
    obs = load_observed([str(m)], prefixes=want.prefixes)
    assert [str(p.prefix) for p in obs.held] == ["192.0.2.128/25"]
    assert (obs.skipped_other, len(calls)) == (1, 1)


def test_records_a_later_one_settles_are_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the services' prefixes, an update that a later record of the same peer overrides for
    every wanted prefix it carries (a path explored and replaced, a flap) is never held, so it is
    counted but not handed to mrtparse; the held route and its record are what a full decode gives."""
    import ipaddress

    want = (ipaddress.ip_network("10.99.0.0/23"),)
    a, b = ROUTES[0], ROUTES[1]
    detour = Route(a.peer_ip, a.peer_as, a.prefix, (64501, 1299, 3356, 64500))
    inside = Route(a.peer_ip, a.peer_as, "10.99.1.0/25", (64501, 174, 64500))
    m = tmp_path / "day.mrt"
    m.write_bytes(
        update(a, 100) + update(b, 110) + update(detour, 200) + update(a, 250, withdraw=True)
        + update(inside, 260) + update(detour, 300) + update(b, 90)  # out of time order: not held
    )  # fmt: skip
    calls = _count_decodes(monkeypatch)
    obs = load_observed([str(m)], prefixes=want)
    assert [(p.monitor, str(p.prefix), p.path, p.where) for p in obs.held] == [
        (64501, "10.99.0.0/23", detour.path, f"{m}: record 6"),
        (64502, "10.99.0.0/23", (64502, 174, 64500), f"{m}: record 2"),
        (64501, "10.99.1.0/25", inside.path, f"{m}: record 5"),
    ]
    assert (obs.records, obs.skipped_other) == (7, 0)
    assert len(calls) == 3  # records 6, 5 and 2; b's record 7 is older than its record 2 (same bytes)
    monkeypatch.undo()
    full = load_observed([str(m)])  # no prefixes given: every record is decoded
    assert [_key(p) for p in full.held] == [_key(p) for p in obs.held]
    m.write_bytes(update(a, 100, also=("10.99.1.0/24",)) + update(detour, 200))
    obs = load_observed([str(m)], prefixes=want)  # record 1 still holds 10.99.1.0/24: decoded
    assert [(str(p.prefix), p.path, p.where) for p in obs.held] == [
        ("10.99.0.0/23", detour.path, f"{m}: record 2"),
        ("10.99.1.0/24", a.path, f"{m}: record 1"),
    ]
    assert obs.records == 3


_PEERS = [("192.0.2.1", 64501), ("192.0.2.2", 64502), ("192.0.2.3", 64503)]
_PREFIXES = ["10.99.0.0/23", "10.99.1.0/24", "10.99.0.128/25", "2001:db8:53::/48", "198.51.100.0/24"]
_VIA = [(3356,), (174,), (1299, 3356), ()]  # () with an AS_SET at the origin end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(-1, 3), st.integers(0, 5), st.booleans()),
        min_size=1,
        max_size=25,
    )
)
def test_mrt_and_text_agree_on_any_day(tmp_path: Path, day: list[tuple[int, int, int, int, bool]]) -> None:
    """Any day of updates (peers, wanted, inner and other prefixes, withdrawals, AS_SET paths, ties
    and times out of order), written as MRT and as bgpdump -m text, gives the same held routes (and
    records) from both readers, with the services' prefixes given (so MRT skips settled records)."""
    import ipaddress

    want = (ipaddress.ip_network("10.99.0.0/23"), ipaddress.ip_network("2001:db8:53::/48"))
    recs, lines = [], []
    for peer, pfx, via, t, tagged in day:
        ip, asn = _PEERS[peer]
        prefix = _PREFIXES[pfx]
        if via < 0:
            recs.append(update(Route(ip, asn, prefix, (asn, 64500)), t, withdraw=True))
            lines.append(f"BGP4MP|{t}|W|{ip}|{asn}|{prefix}")
            continue
        path = (asn, *_VIA[via], 64500)
        comms = ((64500, 7),) if tagged else ()
        as_set = (7, 8) if not _VIA[via] else ()
        recs.append(update(Route(ip, asn, prefix, path, comms, as_set), t))
        text = " ".join(map(str, path)) + (" {7,8}" if as_set else "")
        tag = "64500:7" if tagged else ""
        lines.append(f"BGP4MP|{t}|A|{ip}|{asn}|{prefix}|{text}|IGP|{ip}|0|0|{tag}|NAG||")
    m, f = tmp_path / "day.mrt", tmp_path / "day.txt"
    m.write_bytes(b"".join(recs))
    f.write_text("\n".join(lines) + "\n")
    from_mrt = load_observed([str(m)], prefixes=want)
    from_text = load_observed([str(f)], prefixes=want)

    def held(obs: Any, name: Path, sep: str) -> list[tuple[object, ...]]:
        return [(*_key(p), p.where.removeprefix(f"{name}{sep}")) for p in obs.held]

    # the same routes, held by the same record; the order of keys may differ (a settled record is
    # not known to carry an AS_SET), and nothing downstream depends on it (facts sort by time, peer)
    assert sorted(held(from_mrt, m, ": record "), key=repr) == sorted(held(from_text, f, ":"), key=repr)
    assert from_mrt.skipped_other == from_text.skipped_other
    # a settled MRT record is counted undecoded, so an AS_SET in it counts as a record
    assert from_mrt.records + from_mrt.skipped_as_set == from_text.records + from_text.skipped_as_set


def test_several_files_are_read_in_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A day of collector files not in the cache is read in worker processes: the same observations
    as one by one, and the first bad file in the order given is the one reported."""
    import os

    from policylint.whatif import observed

    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    files = []
    for i, r in enumerate(ROUTES):
        f = tmp_path / f"updates.{i}.mrt"
        f.write_bytes(
            update(r, 100 + i) + update(ROUTES[(i + 1) % len(ROUTES)], 200 + i, withdraw=i % 2 == 1)
        )
        files.append(str(f))
    t = tmp_path / "updates.9.txt"
    t.write_text("BGP4MP|300|A|192.0.2.2|64502|10.99.0.0/23|64502 1299 64500|IGP|192.0.2.2|0|0||NAG||\n")
    files.append(str(t))
    serial = load_observed(files, jobs=1)
    pids = tmp_path / "pids"
    real = observed.read_file

    def noted(*args: Any) -> Any:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(observed, "read_file", noted)
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache2"))
    pooled = load_observed(files, jobs=2)
    assert pooled == serial
    assert {p.monitor: p.where for p in pooled.held}[64502] == f"{t}:1"  # the latest file's route
    readers = pids.read_text().split()
    assert len(readers) == len(files) and str(os.getpid()) not in readers
    bad1, bad2 = tmp_path / "bad1.txt", tmp_path / "bad2.mrt"
    bad1.write_text("TABLE_DUMP2|when|B|192.0.2.1|64501|10.99.0.0/23|64501 64500|IGP\n")
    bad2.write_bytes(update(ROUTES[0], 1)[:-3])
    for jobs in (1, 2):
        monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / f"cache-bad{jobs}"))
        with pytest.raises(ObservationError, match=r"bad1\.txt:1: bad timestamp"):
            load_observed([files[0], str(bad1), files[1], str(bad2)], jobs=jobs)


def test_a_record_repeated_in_a_later_file_is_decoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day of 5-minute files repeats each monitor's announcement file after file: within one load
    a record's content (all but its timestamp) is handed to mrtparse once."""
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    files = []
    for i in range(4):
        f = tmp_path / f"updates.{i}.mrt"
        f.write_bytes(update(ROUTES[0], 100 * i) + update(ROUTES[1], 100 * i + 1))
        files.append(str(f))
    calls = _count_decodes(monkeypatch)
    obs = load_observed(files, jobs=1)
    assert len(calls) == 2
    assert [p.where for p in obs.held] == [f"{files[3]}: record 1", f"{files[3]}: record 2"]
    assert obs.records == 8
