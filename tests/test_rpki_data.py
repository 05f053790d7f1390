"""VRP loaders (format sniffing, errors with positions), SLURM, staleness, the cache, the CLI."""

from __future__ import annotations

import bz2
import gzip
import json
import os
import subprocess
import sys
from ipaddress import ip_network
from pathlib import Path

import pytest

from policylint.model import RpkiState
from policylint.rpki import RpkiDataError, load_vrps, load_vrps_text, stale_warnings
from policylint.rpki.loaders import parse_vrp_bytes
from policylint.rpki.slurm import parse_slurm

SHARED = Path(os.environ.get("POLICYLINT_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SNAPSHOT = SHARED / "data" / "rpki" / "rpkiclient_summary_20250720T093135Z.json.bz2"

RPKI_CLIENT = {
    "metadata": {"buildmachine": "x", "buildtime": "2025-07-20T09:31:33Z", "vrps": 2},
    "roas": [
        {"asn": 13335, "prefix": "1.1.1.0/24", "maxLength": 24, "ta": "apnic", "expires": 1753453058},
        {"asn": "AS15169", "prefix": "2001:4860::/32", "maxLength": 48, "ta": "arin", "expires": 1753590490},
    ],
}
ROUTINATOR_JSON = {
    "metadata": {"generated": 1626853335, "generatedTime": "2021-07-21T07:42:15Z"},
    "roas": [{"asn": "AS13335", "prefix": "1.1.1.0/24", "maxLength": 24, "ta": "apnic"}],
}
ROUTINATOR_JSONEXT = {
    "metadata": {"generated": 1626853335, "generatedTime": "2021-07-21T07:42:15Z"},
    "roas": [
        {
            "asn": "AS13335",
            "prefix": "1.1.1.0/24",
            "maxLength": 24,
            "source": [
                {"type": "roa", "uri": "rsync://x/y.roa", "validity": {"notAfter": "2021-08-01T00:00:00Z"}}
            ],
        }
    ],
}
STAYRTR_JSON = {
    "metadata": {"counts": 1, "generated": 1700000000, "valid": 1700086400},
    "roas": [{"prefix": "1.1.1.0/24", "maxLength": 24, "asn": "AS13335"}],
}
CSV = "ASN,IP Prefix,Max Length,Trust Anchor\nAS13335,1.1.1.0/24,24,apnic\nAS15169,2001:4860::/32,48,arin\n"
CSVEXT = (
    "URI,ASN,IP Prefix,Max Length,Not Before,Not After\n"
    "rsync://x/a.roa,AS13335,1.1.1.0/24,24,2021-07-01T00:00:00Z,2021-08-01T00:00:00Z\n"
)


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (json.dumps(RPKI_CLIENT), "rpki-client json"),
        (json.dumps(ROUTINATOR_JSON), "routinator json"),
        (json.dumps(ROUTINATOR_JSONEXT), "routinator jsonext"),
        (json.dumps(STAYRTR_JSON), "stayrtr json"),
        (CSV, "routinator csv"),
        (CSVEXT, "routinator csvext"),
    ],
)
def test_formats_are_sniffed_and_read(content: str, fmt: str) -> None:
    data = parse_vrp_bytes("f", content.encode())
    assert data.format == fmt
    assert (4, 0x01010100, 24, 24, 13335) in data.rows()
    index = load_vrps_text(content)
    assert index(ip_network("1.1.1.0/24"), 13335) is RpkiState.VALID
    assert index(ip_network("1.1.1.0/24"), 64500) is RpkiState.INVALID


def test_freshness_fields() -> None:
    data = parse_vrp_bytes("f", json.dumps(RPKI_CLIENT).encode())
    assert data.generated == 1753003893.0 and data.expires == 1753453058.0
    assert parse_vrp_bytes("f", json.dumps(STAYRTR_JSON).encode()).expires == 1700086400.0
    assert parse_vrp_bytes("f", CSVEXT.encode()).expires is not None
    index = load_vrps_text(json.dumps(RPKI_CLIENT), "snap.json")
    assert stale_warnings(index, now=1753003893.0 + 60) == ()
    (warning,) = stale_warnings(index, now=1753453058.0 + 3 * 86400)
    assert "snap.json: the data expired at 2025-07-25" in warning and "3 days ago" in warning
    old = load_vrps_text(json.dumps(ROUTINATOR_JSON))
    assert "generated at 2021-07-21T07:42:15Z" in stale_warnings(old, now=1626853335 + 5 * 86400)[0]


@pytest.mark.parametrize(
    ("content", "where", "what"),
    [
        ('{"roas": [\n  {"asn": 1,, }]}', "f:2:13", "invalid JSON"),
        ('{"roas": [{"asn": 1, "prefix": "1.1.1.0/24", "maxLength": 24}, {"asn": "ASx", '
         '"prefix": "1.1.1.0/24", "maxLength": 24}]}', "f: $.roas[1].asn", "not an AS number"),
        ('{"roas": [{"asn": 1, "prefix": "1.1.1.1/24", "maxLength": 24}]}', "f: $.roas[0].prefix",
         "host bits"),
        ('{"roas": [{"asn": 1, "prefix": "1.1.1.0/24", "maxLength": 23}]}', "f: $.roas[0].maxLength",
         "between"),
        ('{"roas": [{"asn": 1, "prefix": "::/0", "maxLength": 129}]}', "f: $.roas[0].maxLength",
         "between"),
        ('{"roas": [{"asn": 1, "maxLength": 24}]}', "f: $.roas[0]", "missing `prefix`"),
        ('{"roas": [{"asn": 4294967296, "prefix": "1.1.1.0/24", "maxLength": 24}]}', "f: $.roas[0].asn",
         "range"),
        ('{"roas": [{"asn": 1, "prefix": "2001:db8::1/32", "maxLength": 48}]}', "f: $.roas[0].prefix",
         "host bits"),
        ('{"roas": [{"asn": 1, "prefix": "2001:db8::/32", "maxLength": 31}]}', "f: $.roas[0].maxLength",
         "between"),
        ('{"vrps": []}', "f: $.roas", "expected a list"),
        ('[1, 2]', "f: $", "expected a JSON object"),
        ('{"slurmVersion": 1}', "f: $.slurmVersion", "--slurm"),
        ("ASN,IP Prefix,Max Length\nAS1,1.1.1.0/24,24\nAS1,1.1.1.0/33,33\n", "f:3:5", "longer than 32"),
        ("ASN,IP Prefix,Max Length\nAS1,1.1.1.0/24,x\n", "f:2:16", "not a number"),
        ("hello world\n", "f:1:1", "not a VRP file"),
        ("", "f:1:1", "empty"),
    ],
)  # fmt: skip
def test_malformed_input_names_the_position(content: str, where: str, what: str) -> None:
    with pytest.raises(RpkiDataError) as info:
        parse_vrp_bytes("f", content.encode())
    assert info.value.where == where
    assert what in info.value.detail


SLURM = {
    "slurmVersion": 1,
    "validationOutputFilters": {
        "prefixFilters": [
            {"prefix": "10.0.0.0/8", "comment": "everything in 10/8"},
            {"asn": 64502},
            {"prefix": "192.0.2.0/24", "asn": 64500},
        ],
        "bgpsecFilters": [],
    },
    "locallyAddedAssertions": {
        "prefixAssertions": [
            {"asn": 64510, "prefix": "198.51.100.0/24", "maxPrefixLength": 25},
            {"asn": 64511, "prefix": "10.1.0.0/16"},
        ],
        "bgpsecAssertions": [],
    },
}
SLURM_VRPS = (
    "ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,8\nAS1,10.2.0.0/16,16\nAS1,11.0.0.0/8,8\nAS64502,12.0.0.0/8,8\n"
    "AS64500,192.0.2.0/24,24\nAS64501,192.0.2.0/24,24\n"
)


def test_slurm_filters_and_assertions_rfc8416() -> None:
    slurm = parse_slurm("s", json.dumps(SLURM).encode())
    data = slurm.apply(parse_vrp_bytes("v", SLURM_VRPS.encode()))
    from policylint.rpki.source import index_from_data

    index = index_from_data(data)
    state = index.state
    assert state(ip_network("10.2.0.0/16"), 1) is RpkiState.NOTFOUND  # 10/8 and 10.2/16 filtered
    assert index.validate("10.2.0.0/16", 1).covering == ()  # both 10/8 and 10.2/16 are gone
    assert state(ip_network("11.0.0.0/8"), 1) is RpkiState.VALID  # untouched
    assert state(ip_network("12.0.0.0/8"), 64502) is RpkiState.NOTFOUND  # asn-only filter
    assert state(ip_network("192.0.2.0/24"), 64500) is RpkiState.INVALID  # prefix+asn filter
    assert state(ip_network("192.0.2.0/24"), 64501) is RpkiState.VALID  # the other ASN stays
    assert state(ip_network("198.51.100.128/25"), 64510) is RpkiState.VALID  # maxPrefixLength 25
    assert state(ip_network("198.51.100.0/26"), 64510) is RpkiState.INVALID
    assert state(ip_network("10.1.0.0/16"), 64511) is RpkiState.VALID  # assertions are not filtered
    assert state(ip_network("10.1.0.0/17"), 64511) is RpkiState.INVALID  # default maxPrefixLength
    assert "4 VRP(s) filtered, 2 asserted" in data.notes[-1]


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"slurmVersion": 2}, "s: $.slurmVersion"),
        (
            {**SLURM, "validationOutputFilters": {"bgpsecFilters": []}},
            "s: $.validationOutputFilters.prefixFilters",
        ),
        (
            {**SLURM, "locallyAddedAssertions": {"prefixAssertions": [{"asn": 1, "prefix": "10.0.0.0/8",
             "maxPrefixLength": 7}], "bgpsecAssertions": []}},
            "s: $.locallyAddedAssertions.prefixAssertions[0].maxPrefixLength",
        ),
        (
            {**SLURM, "validationOutputFilters": {"prefixFilters": [{"comment": "x"}], "bgpsecFilters": []}},
            "s: $.validationOutputFilters.prefixFilters[0]",
        ),
        (
            {**SLURM, "validationOutputFilters": {"prefixFilters": [{"asn": "AS1"}], "bgpsecFilters": []}},
            "s: $.validationOutputFilters.prefixFilters[0].asn",
        ),
    ],
)  # fmt: skip
def test_bad_slurm_names_the_json_path(doc: dict[str, object], where: str) -> None:
    with pytest.raises(RpkiDataError) as info:
        parse_slurm("s", json.dumps(doc).encode())
    assert info.value.where == where


def test_cache_is_keyed_by_content_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    vrps = tmp_path / "vrps.json.bz2"
    vrps.write_bytes(bz2.compress(json.dumps(RPKI_CLIENT).encode()))
    first = load_vrps(str(vrps))
    second = load_vrps(str(vrps))
    assert (first.cached, second.cached) == (False, True)
    assert len(list((tmp_path / "cache").glob("vrps-*.idx"))) == 1
    assert second.index(ip_network("1.1.1.0/24"), 13335) is RpkiState.VALID
    assert second.index.format == "rpki-client json" and second.index.source == str(vrps)
    # new content -> new key; a SLURM file is part of the key
    vrps.write_bytes(gzip.compress(json.dumps(STAYRTR_JSON).encode()))
    assert load_vrps(str(vrps)).cached is False
    slurm = tmp_path / "slurm.json"
    slurm.write_text(json.dumps(SLURM), encoding="utf-8")
    assert load_vrps(str(vrps), str(slurm)).cached is False
    assert load_vrps(str(vrps), str(slurm)).cached is True
    # a corrupt cache file is ignored and rewritten
    for f in (tmp_path / "cache").glob("vrps-*.idx"):
        f.write_bytes(b"garbage")
    assert load_vrps(str(vrps)).cached is False
    assert load_vrps(str(vrps)).cached is True


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policylint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_cli_vrps_findings_errors_and_silence(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache")}
    conf = tmp_path / "r1.conf"
    conf.write_text(
        "router bgp 64500\n neighbor 198.51.100.1 remote-as 64496\n address-family ipv4 unicast\n"
        "  network 1.1.1.0/24\n  neighbor 198.51.100.1 route-map OUT out\n exit-address-family\nexit\n"
        "route-map OUT permit 10\nexit\n",
        encoding="utf-8",
    )
    good = tmp_path / "vrps.csv"
    good.write_text(CSV, encoding="utf-8")
    ok = _cli("lint", str(conf), "--vrps", str(good), "--format", "concise", env=env)
    assert ok.returncode == 1
    assert "RV105 [error] 1.1.1.0/24 announced to 198.51.100.1 (AS64496) with origin AS64500" in ok.stdout
    assert "VRP 1.1.1.0/24 maxLength 24 AS13335" in ok.stdout
    silent = _cli("lint", str(conf), "--format", "concise", env=env)
    assert "RV10" not in silent.stdout.replace("RV101", "")
    bad = tmp_path / "bad.json"
    bad.write_text('{"roas": [{"asn": 1, "prefix": "1.1.1.0/24", "maxLength": "24"}]}', encoding="utf-8")
    err = _cli("lint", str(conf), "--vrps", str(bad), env=env)
    assert err.returncode == 2
    assert f"policylint: error: RPKI data: {bad}: $.roas[0].maxLength: expected an integer" in err.stderr
    assert "Traceback" not in err.stderr
    missing = _cli("lint", str(conf), "--vrps", str(tmp_path / "nope.json"), env=env)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    both = _cli("lint", str(conf), "--vrps", str(good), "--rtr", "127.0.0.1:1", env=env)
    assert both.returncode == 2 and "either --vrps or --rtr" in both.stderr
    endpoint = _cli("lint", str(conf), "--rtr", "nowhere", env=env)
    assert endpoint.returncode == 2 and "expected HOST:PORT" in endpoint.stderr


@pytest.mark.skipif(not SNAPSHOT.is_file(), reason="../shared/data/rpki is not present")
def test_real_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path))
    loaded = load_vrps(str(SNAPSHOT))
    index = loaded.index
    assert len(index) == 723_521
    assert sum(1 for v in index.vrps() if v.version == 4) == 580_366
    assert index(ip_network("1.1.1.0/24"), 13335) is RpkiState.VALID
    assert index(ip_network("8.8.8.0/24"), 15169) is RpkiState.VALID
    assert index(ip_network("8.8.8.0/24"), 13335) is RpkiState.INVALID
    assert index(ip_network("1.1.1.0/25"), 13335) is RpkiState.INVALID
    assert any("expired" in w for w in loaded.warnings)  # a 2025 snapshot is stale by now
    again = load_vrps(str(SNAPSHOT))
    assert again.cached and len(again.index) == 723_521
    assert again.index(ip_network("8.8.8.0/24"), 15169) is RpkiState.VALID
