"""An RPKI-to-Router client (RFC 8210 version 1, falling back to RFC 6810 version 0).

``RtrClient(host, port).reset()`` does a full synchronisation (Reset Query → Cache
Response, prefix PDUs, End of Data); ``update()`` asks for the changes since the last
serial (Serial Query), and starts over with a reset when the cache answers Cache Reset.
Every socket read has a timeout and each exchange an overall deadline, so a cache that
stalls or goes away ends in :class:`RtrError`, never a hang.  Router Key (v1) and ASPA
(draft v2) PDUs are skipped: only route-origin VRPs are used here.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

from policylint.rpki.index import VrpIndex
from policylint.rpki.loaders import VrpRow

SERIAL_NOTIFY, SERIAL_QUERY, RESET_QUERY, CACHE_RESPONSE = 0, 1, 2, 3
IPV4_PREFIX, IPV6_PREFIX, END_OF_DATA, CACHE_RESET = 4, 6, 7, 8
ROUTER_KEY, ERROR_REPORT, ASPA = 9, 10, 11
MAX_PDU = 1 << 20  # nothing legitimate comes close; a larger length is corrupt data

ERRORS = {
    0: "Corrupt Data",
    1: "Internal Error",
    2: "No Data Available",
    3: "Invalid Request",
    4: "Unsupported Protocol Version",
    5: "Unsupported PDU Type",
    6: "Withdrawal of Unknown Record",
    7: "Duplicate Announcement Received",
    8: "Unexpected Protocol Version",
}
UNSUPPORTED_VERSION = 4


class RtrError(Exception):
    """The session failed: connection, timeout, protocol error or an Error Report PDU."""

    def __init__(self, message: str, code: int | None = None, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.code = code  # the Error Report code when the cache sent one
        self.timed_out = timed_out


@dataclass(frozen=True, slots=True)
class Timers:
    refresh: int
    retry: int
    expire: int


def parse_endpoint(text: str) -> tuple[str, int]:
    """``host:port`` / ``[v6]:port`` -> (host, port); raises ValueError."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not 0 < int(port) < 65536:
        raise ValueError(f"port out of range in {text!r}")
    return host, int(port)


class RtrClient:
    """One RTR session with one cache.  Not thread-safe; use as a context manager."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0, version: int = 1) -> None:
        self.host, self.port = host, port
        self.timeout = timeout
        self.version = version
        self.session_id: int | None = None
        self.serial: int | None = None
        self.timers: Timers | None = None
        self.vrps: set[VrpRow] = set()
        self._sock: socket.socket | None = None
        self._buf = bytearray()  # received, not yet consumed from _pos on
        self._pos = 0

    @property
    def where(self) -> str:
        return f"RTR cache {self.host}:{self.port}"

    # ------------------------------------------------------------------ transport

    def connect(self) -> None:
        self.close()
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError:
            raise RtrError(f"{self.where}: no connection within {self.timeout:g} s") from None
        except OSError as exc:
            raise RtrError(f"{self.where}: cannot connect: {exc.strerror or exc}") from None
        self._buf = bytearray()
        self._pos = 0

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def __enter__(self) -> RtrClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, pdu_type: int, field: int, body: bytes = b"") -> None:
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        pdu = struct.pack("!BBHI", self.version, pdu_type, field, 8 + len(body)) + body
        try:
            self._sock.sendall(pdu)
        except OSError as exc:
            self.close()
            raise RtrError(f"{self.where}: connection lost while sending: {exc.strerror or exc}") from None

    def _read(self, n: int, deadline: float) -> bytes:
        assert self._sock is not None
        while len(self._buf) - self._pos < n:
            if self._pos:
                del self._buf[: self._pos]  # compact before reading more (amortised O(1) per byte)
                self._pos = 0
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise RtrError(f"{self.where}: no complete answer within {self.timeout:g} s", timed_out=True)
            self._sock.settimeout(min(left, self.timeout))
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                self.close()
                raise RtrError(f"{self.where}: no answer within {self.timeout:g} s", timed_out=True) from None
            except OSError as exc:
                self.close()
                raise RtrError(f"{self.where}: connection lost: {exc.strerror or exc}") from None
            if not chunk:
                self.close()
                raise RtrError(f"{self.where}: the cache closed the connection mid-session")
            self._buf += chunk
        data = bytes(self._buf[self._pos : self._pos + n])
        self._pos += n
        return data

    def _pdu(self, deadline: float) -> tuple[int, int, int, bytes]:
        """(version, type, header field, body) of the next PDU."""
        version, pdu_type, field, length = struct.unpack("!BBHI", self._read(8, deadline))
        if not 8 <= length <= MAX_PDU:
            self.close()
            raise RtrError(f"{self.where}: corrupt PDU (type {pdu_type}, length {length})")
        body = self._read(length - 8, deadline)
        if pdu_type == ERROR_REPORT:
            self.close()
            raise RtrError(f"{self.where}: {self._error_text(field, body)}", field)
        if version < self.version and self.session_id is None:
            self.version = version  # the cache answered in an older version: it is the one it speaks
        elif version != self.version:
            self.close()
            raise RtrError(
                f"{self.where}: unexpected protocol version {version} in a version {self.version} session"
            )
        return version, pdu_type, field, body

    @staticmethod
    def _error_text(code: int, body: bytes) -> str:
        name = ERRORS.get(code, f"error code {code}")
        text = ""
        try:
            (pdu_len,) = struct.unpack_from("!I", body, 0)
            (text_len,) = struct.unpack_from("!I", body, 4 + pdu_len)
            text = body[8 + pdu_len : 8 + pdu_len + text_len].decode("utf-8", "replace").strip()
        except struct.error:
            pass
        return f"Error Report: {name}" + (f" ({text})" if text else "")

    # ------------------------------------------------------------------ protocol

    def reset(self) -> int:
        """Full synchronisation.  Returns the number of VRPs held.  Falls back to version 0."""
        try:
            return self._reset()
        except RtrError as exc:
            if exc.code != UNSUPPORTED_VERSION or self.version == 0:
                raise
        self.version = 0  # RFC 8210 §7: retry with the version the cache speaks
        self.connect()
        return self._reset()

    def _reset(self) -> int:
        if self._sock is None:
            self.connect()
        self._send(RESET_QUERY, 0)
        self.vrps = set()
        self._receive(self.vrps, full=True)
        return len(self.vrps)

    def update(self) -> bool:
        """Incremental update (Serial Query).  Returns True when anything changed.

        A Cache Reset answer means the cache cannot give the changes: a full reset follows.
        """
        if self.session_id is None or self.serial is None:
            self.reset()
            return True
        if self._sock is None:
            self.connect()
        before = self.serial
        self._send(SERIAL_QUERY, self.session_id, struct.pack("!I", self.serial))
        work = set(self.vrps)
        if not self._receive(work, full=False):
            self.reset()
            return True
        changed = work != self.vrps or self.serial != before
        self.vrps = work
        return changed

    def wait_notify(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a Serial Notify (the cache has new data)."""
        if self._sock is None:
            return False
        try:
            _, pdu_type, _, _ = self._pdu(time.monotonic() + timeout)
        except RtrError as exc:
            if exc.timed_out:
                self.connect()  # mid-PDU state is lost with the socket; session and serial are kept
                return False
            raise
        return pdu_type == SERIAL_NOTIFY

    def _receive(self, vrps: set[VrpRow], *, full: bool) -> bool:
        """Read Cache Response .. End of Data into ``vrps``.  False on Cache Reset.

        Any error drops the connection: the rest of the answer is still in flight, and the
        next query starts on a clean one (session id and serial are kept).
        """
        try:
            return self._receive_pdus(vrps, full=full)
        except RtrError:
            self.close()
            raise

    def _receive_pdus(self, vrps: set[VrpRow], *, full: bool) -> bool:
        deadline = time.monotonic() + self.timeout * 6
        while True:
            _, pdu_type, field, body = self._pdu(deadline)
            if pdu_type == SERIAL_NOTIFY:
                continue  # a notify racing our query: the answer follows
            if pdu_type == CACHE_RESET:
                if full:
                    raise RtrError(f"{self.where}: Cache Reset in answer to a Reset Query")
                return False
            if pdu_type == CACHE_RESPONSE:
                if not full and field != self.session_id:
                    raise RtrError(f"{self.where}: session id changed from {self.session_id} to {field}")
                self.session_id = field
                break
            raise RtrError(f"{self.where}: expected Cache Response, got PDU type {pdu_type}")
        while True:
            _, pdu_type, field, body = self._pdu(deadline)
            if pdu_type in (IPV4_PREFIX, IPV6_PREFIX):
                self._prefix(pdu_type, body, vrps)
            elif pdu_type == END_OF_DATA:
                self._end_of_data(field, body)
                return True
            elif pdu_type in (ROUTER_KEY, ASPA, SERIAL_NOTIFY):
                continue
            else:
                self.close()
                raise RtrError(f"{self.where}: unexpected PDU type {pdu_type} in a cache response")

    def _prefix(self, pdu_type: int, body: bytes, vrps: set[VrpRow]) -> None:
        size = 4 if pdu_type == IPV4_PREFIX else 16
        if len(body) != 8 + size:
            raise RtrError(f"{self.where}: corrupt prefix PDU (length {len(body) + 8})")
        flags, length, max_length = body[0], body[1], body[2]
        network = int.from_bytes(body[4 : 4 + size], "big")
        (asn,) = struct.unpack_from("!I", body, 4 + size)
        bits = size * 8
        if not length <= max_length <= bits or network & ((1 << (bits - length)) - 1):
            raise RtrError(f"{self.where}: corrupt prefix PDU ({length}/{max_length} out of range)")
        row = (4 if size == 4 else 6, network, length, max_length, asn)
        if flags & 1:
            vrps.add(row)
        elif row in vrps:
            vrps.discard(row)
        else:
            raise RtrError(f"{self.where}: withdrawal of a VRP it never announced", 6)

    def _end_of_data(self, session: int, body: bytes) -> None:
        if session != self.session_id:
            raise RtrError(f"{self.where}: End of Data for session {session}, not {self.session_id}")
        if self.version >= 1 and len(body) >= 16:
            serial, refresh, retry, expire = struct.unpack_from("!IIII", body)
            self.timers = Timers(refresh, retry, expire)
        elif len(body) >= 4:
            (serial,) = struct.unpack_from("!I", body)
        else:
            raise RtrError(f"{self.where}: corrupt End of Data PDU")
        self.serial = serial

    def index(self) -> VrpIndex:
        return VrpIndex.from_rows(self.vrps, source=self.where, format=f"rtr v{self.version}")


def fetch(endpoint: str, *, timeout: float = 10.0) -> VrpIndex:
    """Connect, synchronise fully, disconnect: the VRPs the cache holds now."""
    try:
        host, port = parse_endpoint(endpoint)
    except ValueError as exc:
        raise RtrError(str(exc)) from None
    with RtrClient(host, port, timeout=timeout) as client:
        client.reset()
        return client.index()
