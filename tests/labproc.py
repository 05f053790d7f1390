"""Teardown shared by the small FRR labs: stop the daemons, delete the namespaces, remove the files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path


def stop_lab(procs: Iterable[subprocess.Popen[bytes]], namespaces: Iterable[str], work: Path) -> None:
    """Terminate every process (kill after 10 s), then delete ``namespaces`` and ``work``."""
    procs = list(procs)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for ns in namespaces:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30, check=False)
    shutil.rmtree(work, ignore_errors=True)
