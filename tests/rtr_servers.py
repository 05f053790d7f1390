"""Start the real StayRTR (Debian ``stayrtr``) on 127.0.0.1 for the RTR tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STAYRTR = shutil.which("stayrtr")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_cache(path: Path, roas: list[dict[str, Any]]) -> None:
    """A StayRTR/rpki-client style JSON cache file, replaced atomically."""
    tmp = path.with_suffix(".tmp")
    now = int(time.time())
    doc = {"metadata": {"buildtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}, "roas": roas}
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"stayrtr exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("stayrtr did not start listening")


@contextmanager
def stayrtr(
    cache: Path, *, refresh: int = 1, protocol: int = 2, bind: str = "127.0.0.1", start_timeout: float = 30.0
) -> Iterator[int]:
    """Run stayrtr serving ``cache``; yields the port.  Always stopped afterwards."""
    assert STAYRTR is not None
    port = free_port()
    cmd = [
        STAYRTR,
        "-bind", f"{bind}:{port}",
        "-cache", str(cache),
        "-checktime=false",
        "-metrics.addr", "",
        "-refresh", str(refresh),
        "-protocol", str(protocol),
        "-log.verbose=false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cache.parent)
    try:
        wait_listening(port, proc, start_timeout)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
