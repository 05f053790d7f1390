"""The pybatfish client's own logic, without a service: host specs and error wording."""

from __future__ import annotations

import socket

import pytest

from policylint.batfish.client import Endpoint, _failure, parse_endpoint, probe
from policylint.batfish.errors import BatfishError


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ("localhost", Endpoint("localhost", 9996)),
        ("bf.example:8888", Endpoint("bf.example", 8888)),
        ("[2001:db8::1]:9997", Endpoint("2001:db8::1", 9997)),
        ("[2001:db8::1]", Endpoint("2001:db8::1", 9996)),
        ("2001:db8::1", Endpoint("2001:db8::1", 9996)),  # bare IPv6: no port part
        (" 192.0.2.1:9996 ", Endpoint("192.0.2.1", 9996)),
    ],
)
def test_parse_endpoint(spec: str, want: Endpoint) -> None:
    assert parse_endpoint(spec) == want


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("h:0", "port must be a number from 1 to 65535"),
        ("h:x", "port must be a number from 1 to 65535"),
        (":9996", "no host name"),
        ("[::1", "missing ']'"),
        ("[::1]9996", "expected [ADDRESS]:PORT"),
    ],
)
def test_bad_endpoint(spec: str, message: str) -> None:
    with pytest.raises(BatfishError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_endpoint(spec)


def test_endpoint_text() -> None:
    assert str(Endpoint("2001:db8::1", 9996)) == "[2001:db8::1]:9996"
    assert str(Endpoint("bf", 1)) == "bf:1"


def test_probe_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BatfishError, match=rf"127\.0\.0\.1:{port} is unreachable: Connection refused"):
        probe(Endpoint("127.0.0.1", port), 2.0)


def test_probe_listening() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        probe(Endpoint("127.0.0.1", s.getsockname()[1]), 2.0)  # no error


class ReadTimeout(Exception):  # stands in for requests.exceptions.ReadTimeout (matched by name)
    pass


def test_failure_wording() -> None:
    assert _failure("bgpRib", ReadTimeout("x"), 5).message == (
        "Batfish bgpRib timed out: no answer within 5 s (pybatfish retries)"
    )
    wrapped = ConnectionError("HTTPConnectionPool: Read timed out. (read timeout=1)")
    assert "timed out" in _failure("session", wrapped, 1).message
    assert _failure("session", ConnectionError("reset"), 1).message == (
        "Batfish session failed: connection error (ConnectionError)"
    )
    assert _failure("init_snapshot", ValueError("bad zip\nmore"), 1).message == (
        "Batfish init_snapshot failed: ValueError: bad zip"
    )
