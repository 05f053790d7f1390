"""``--engine batfish`` from the command line without a service: clean errors (exit 2, nothing on
stdout), where the host comes from, and proof that the default path never imports pybatfish."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NETWORK = REPO / "tests" / "fixtures" / "batfish" / "network"


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if k != "POLICYLINT_BATFISH_HOST"} | (env or {})
    cmd = [sys.executable, "-m", "policylint", *args]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=full, cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never answers (a hung service)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield int(srv.getsockname()[1])
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def test_unreachable_host_is_a_clean_error(closed_port: int) -> None:
    host = f"127.0.0.1:{closed_port}"
    code, out, err = _cli("whatif", str(NETWORK), "--engine", "batfish", "--batfish-host", host)
    assert code == 2
    assert out == ""  # no half-written report
    assert err == f"policylint: error: Batfish service at {host} is unreachable: Connection refused\n"


def test_json_report_is_not_started_either(closed_port: int) -> None:
    code, out, _ = _cli("whatif", str(NETWORK), "-f", "json", "--engine", "batfish",
                        "--batfish-host", f"127.0.0.1:{closed_port}")  # fmt: skip
    assert (code, out) == (2, "")


def test_hung_service_times_out(silent_port: int) -> None:
    start = time.monotonic()
    code, out, err = _cli("whatif", str(NETWORK), "--engine", "batfish", "--batfish-host",
                          f"127.0.0.1:{silent_port}", "--batfish-timeout", "0.2")  # fmt: skip
    assert (code, out) == (2, "")
    assert "timed out: no answer within 0.2 s" in err, err
    assert "Traceback" not in err
    assert time.monotonic() - start < 60


def test_host_from_the_environment(closed_port: int) -> None:
    code, _, err = _cli("whatif", str(NETWORK), "--engine", "batfish",
                        env={"POLICYLINT_BATFISH_HOST": f"127.0.0.1:{closed_port}"})  # fmt: skip
    assert code == 2 and f"127.0.0.1:{closed_port} is unreachable" in err


def test_host_from_the_config_file(tmp_path: Path, closed_port: int) -> None:
    net = tmp_path / "net"
    shutil.copytree(NETWORK, net)
    (tmp_path / ".policylint.toml").write_text(f'[batfish]\nhost = "127.0.0.1:{closed_port}"\ntimeout = 5\n')
    code, _, err = _cli("whatif", str(net), "--engine", "batfish")
    assert code == 2 and f"127.0.0.1:{closed_port} is unreachable" in err


def test_bad_batfish_config_key_names_file_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / ".policylint.toml"
    cfg.write_text('[batfish]\nhots = "x"\n')
    code, _, err = _cli("lint", str(NETWORK), "--config", str(cfg))
    assert code == 2 and f"{cfg}:2: unknown key 'hots' (known: host, timeout)" in err


def test_no_host_anywhere(tmp_path: Path) -> None:
    net = tmp_path / "net"
    shutil.copytree(NETWORK, net)
    code, out, err = _cli("whatif", str(net), "--engine", "batfish")
    assert (code, out) == (2, "")
    assert "--engine batfish needs a Batfish service: pass --batfish-host" in err


def test_bad_host_spec() -> None:
    code, _, err = _cli("whatif", str(NETWORK), "--engine", "batfish", "--batfish-host", "h:99999")
    assert code == 2 and "port must be a number from 1 to 65535" in err


def _imported(code: str) -> set[str]:
    cmd = [sys.executable, "-c", code]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)
    return set(out.stdout.split())


def test_cli_import_does_not_load_pybatfish() -> None:
    mods = _imported("import sys, policylint.cli; print(*sys.modules)")
    assert "policylint.cli" in mods
    assert not {m for m in mods if m.split(".")[0] in ("pybatfish", "pandas")}


def test_default_lint_and_whatif_runs_do_not_import_pybatfish(tmp_path: Path) -> None:
    """``python -X importtime`` lists every module a run imports (on stderr)."""
    env = {**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache")}
    for args in (["lint", str(NETWORK), "--no-cache", "-q"], ["whatif", str(NETWORK)]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "policylint", *args],
                              check=False, capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        lines = proc.stderr.splitlines()
        modules = [line.rsplit("|", 1)[-1].strip() for line in lines if "import time:" in line]
        assert "policylint.cli" in modules
        assert not [m for m in modules if m.split(".")[0] in ("pybatfish", "pandas")], args


def test_the_batfish_engine_does_import_it(closed_port: int) -> None:
    """The counter-check: the same probe sees pybatfish when the Batfish engine is used."""
    pytest.importorskip("pybatfish")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "policylint", "whatif", str(NETWORK),
                           "--engine", "batfish", "--batfish-host", f"127.0.0.1:{closed_port}"],
                          check=False, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2
    assert "pybatfish.client.session" in proc.stderr


def test_config_show_prints_the_batfish_table(tmp_path: Path) -> None:
    (tmp_path / ".policylint.toml").write_text('[batfish]\nhost = "bf.example:9996"\ntimeout = 60\n')
    code, out, _ = _cli("config", "--show", str(tmp_path))
    assert code == 0
    assert out.endswith('\n[batfish]\nhost = "bf.example:9996"\ntimeout = 60\n')
    (tmp_path / ".policylint.toml").write_text("")
    assert "[batfish]" not in _cli("config", "--show", str(tmp_path))[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[batfish]\ntimeout = 0\n", ":2: batfish timeout must be a positive number of seconds"),
        ("[batfish]\ntimeout = true\n", ":2: batfish timeout must be a positive number of seconds"),
        ('[batfish]\nhost = ""\n', ":2: batfish host must be a non-empty string"),
        ("batfish = 3\n", ":1: 'batfish' must be a table"),
    ],
)
def test_bad_batfish_config_values(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / ".policylint.toml"
    cfg.write_text(text)
    code, _, err = _cli("lint", str(NETWORK), "--config", str(cfg))
    assert code == 2 and f"{cfg}{message}" in err, err


def test_without_pybatfish_the_error_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pybatfish'] = None\n"  # makes `import pybatfish...` fail
        "from policylint.cli import app\n"
        f"app(['whatif', {str(NETWORK)!r}, '--engine', 'batfish', '--batfish-host', '127.0.0.1:1'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "policylint: error: the Batfish engine needs pybatfish: pip install 'policylint[batfish]'\n"
    )
