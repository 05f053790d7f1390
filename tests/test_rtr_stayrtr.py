"""The RTR client against the real StayRTR, started here on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import bz2
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rtr_servers import STAYRTR, free_port, stayrtr, write_cache

from policylint.model import RpkiState
from policylint.rpki import load_vrps
from policylint.rpki.rtr import RtrClient, RtrError, fetch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(STAYRTR is None, reason="stayrtr is not installed (Debian package stayrtr)"),
]

ROAS = [
    {"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "test"},
    {"asn": "AS64501", "prefix": "198.51.100.0/22", "maxLength": 23, "ta": "test"},
    {"asn": 0, "prefix": "203.0.113.0/24", "maxLength": 32, "ta": "test"},
    {"asn": 64500, "prefix": "2001:db8::/32", "maxLength": 48, "ta": "test"},
]


def _net(text: str) -> tuple[int, int, int]:
    from policylint.rpki.vrp import parse_prefix

    return parse_prefix(text)


def test_full_sync_gives_every_vrp_and_validates(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    with stayrtr(cache) as port, RtrClient("127.0.0.1", port, timeout=5) as client:
        assert client.reset() == 4
        assert client.version == 1
        assert client.session_id is not None and client.serial is not None
        assert client.timers is not None and client.timers.expire > 0
        v4 = {(r[1], r[2], r[3], r[4]) for r in client.vrps if r[0] == 4}
        assert (_net("198.51.100.0/22")[1], 22, 23, 64501) in v4
        index = client.index()
    from ipaddress import ip_network

    assert index(ip_network("192.0.2.0/24"), 64500) is RpkiState.VALID
    assert index(ip_network("198.51.100.0/23"), 64501) is RpkiState.VALID
    assert index(ip_network("198.51.100.0/24"), 64501) is RpkiState.INVALID
    assert index(ip_network("203.0.113.0/25"), 64500) is RpkiState.INVALID  # AS0
    assert index(ip_network("2001:db8:1::/48"), 64500) is RpkiState.VALID
    assert index(ip_network("10.0.0.0/8"), 64500) is RpkiState.NOTFOUND


def test_incremental_update_after_the_cache_file_changes(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    with stayrtr(cache, refresh=1) as port, RtrClient("127.0.0.1", port, timeout=5) as client:
        client.reset()
        first_serial = client.serial
        session = client.session_id
        changed = [*ROAS[1:], {"asn": 64502, "prefix": "192.0.2.0/24", "maxLength": 24}]
        write_cache(cache, changed)
        # StayRTR re-reads the file every second and sends a Serial Notify
        notified = False
        deadline = time.monotonic() + 15
        while not notified and time.monotonic() < deadline:
            notified = client.wait_notify(2)
        assert notified
        assert client.update() is True
        assert client.session_id == session
        assert client.serial != first_serial
        asns = {r[4] for r in client.vrps if r[1] == _net("192.0.2.0/24")[1]}
        assert asns == {64502}
        assert len(client.vrps) == 4
        assert client.update() is False  # nothing new since
        assert client.wait_notify(0.5) is False  # no news: a clean timeout, no hang
        assert client.update() is False  # and the session (id, serial) is still usable


def test_cache_reset_when_the_cache_cannot_give_a_delta(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    with stayrtr(cache) as port, RtrClient("127.0.0.1", port, timeout=5) as client:
        client.reset()
        expected = set(client.vrps)
        assert client.serial is not None
        client.serial += 1000  # a serial this cache never issued: it answers Cache Reset
        client.vrps = set()
        assert client.update() is True  # Cache Reset -> a new full reset
        assert client.vrps == expected


def test_version_0_cache_is_spoken_to_in_version_0(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    with stayrtr(cache, protocol=0) as port, RtrClient("127.0.0.1", port, timeout=5) as client:
        assert client.reset() == 4
        assert client.version == 0
        assert client.timers is None  # RFC 6810 End of Data has no timers


def test_no_data_yet_is_a_clean_error_report(tmp_path: Path) -> None:
    missing = tmp_path / "not-there.json"
    with stayrtr(missing) as port, RtrClient("127.0.0.1", port, timeout=5) as client:
        with pytest.raises(RtrError, match="No Data Available") as info:
            client.reset()
        assert info.value.code == 2


def test_server_that_goes_away_mid_session(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    client = RtrClient("127.0.0.1", 1, timeout=3)
    with stayrtr(cache) as port:
        client = RtrClient("127.0.0.1", port, timeout=3)
        client.reset()
    # stayrtr is stopped now; the session's socket is dead
    started = time.monotonic()
    with pytest.raises(RtrError, match=r"closed the connection|connection lost|cannot connect"):
        client.update()
    assert time.monotonic() - started < 10
    client.close()


def test_a_cache_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections complete in the backlog; nothing is ever sent
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(RtrError, match="no answer within"):
            fetch(f"127.0.0.1:{port}", timeout=1.0)
        assert time.monotonic() - started < 5


def test_nothing_listening_is_a_clean_error() -> None:
    with pytest.raises(RtrError, match="cannot connect"):
        fetch(f"127.0.0.1:{free_port()}", timeout=2)


def test_cli_lint_with_rtr(tmp_path: Path) -> None:
    cache = tmp_path / "vrps.json"
    write_cache(cache, ROAS)
    conf = tmp_path / "r1.conf"
    conf.write_text(
        "router bgp 64500\n"
        " neighbor 198.51.100.1 remote-as 64496\n"
        " address-family ipv4 unicast\n"
        "  network 192.0.2.0/25\n"
        "  neighbor 198.51.100.1 route-map OUT out\n"
        " exit-address-family\n"
        "exit\n"
        "route-map OUT permit 10\n"
        "exit\n",
        encoding="utf-8",
    )
    with stayrtr(cache) as port:
        cmd = [sys.executable, "-m", "policylint", "lint", str(conf), "--format", "concise", "--rtr"]
        proc = subprocess.run(
            [*cmd, f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=60, check=False
        )
    assert proc.returncode == 1, proc.stderr
    assert f"{conf}:4:1: RV105 [error] 192.0.2.0/25" in proc.stdout
    assert "VRP 192.0.2.0/24 maxLength 24 AS64500" in proc.stdout
    gone = subprocess.run(
        [*cmd, f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=60, check=False
    )
    assert gone.returncode == 2
    assert "cannot connect" in gone.stderr and "Traceback" not in gone.stderr


SHARED = Path(os.environ.get("POLICYLINT_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SNAPSHOT = SHARED / "data" / "rpki" / "rpkiclient_summary_20250720T093135Z.json.bz2"


@pytest.mark.skipif(not SNAPSHOT.is_file(), reason="../shared/data/rpki is not present")
def test_real_snapshot_over_rtr_equals_the_file(tmp_path: Path) -> None:
    """All 723,521 VRPs through StayRTR and our client: the same set as read from the file."""
    doc = json.loads(bz2.decompress(SNAPSHOT.read_bytes()))
    for roa in doc["roas"]:
        roa.pop("expires", None)  # StayRTR drops VRPs whose `expires` has passed
    cache = tmp_path / "snapshot.json"
    write_cache(cache, doc["roas"])
    del doc
    from_file = load_vrps(str(SNAPSHOT), use_cache=False).index
    with stayrtr(cache, refresh=600, start_timeout=120) as port:
        deadline = time.monotonic() + 120
        while True:  # StayRTR answers "No Data Available" until it has parsed the file
            try:
                with RtrClient("127.0.0.1", port, timeout=30) as client:
                    client.reset()
                    rows = client.vrps
                break
            except RtrError as exc:
                if exc.code != 2 or time.monotonic() > deadline:
                    raise
                time.sleep(1)
    assert len(rows) == len(from_file) == 723_521
    assert rows == {(v.version, v.network, v.length, v.max_length, v.asn) for v in from_file.vrps()}
