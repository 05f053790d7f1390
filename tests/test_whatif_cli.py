"""``policylint whatif`` end to end on the samples: scenarios, exit codes, JSON, git inputs, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policylint.cli import app

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(autouse=True, scope="module")
def _three_sites(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The FRR sites of samples/ (ams1, nyc1, sin1) with their topology and weights.

    The numbers below are worked out for that three-site network; samples/fra (a Cisco edge and
    an ExaBGP speaker in the same service) would change them.
    """
    global SAMPLES  # noqa: PLW0603  # every test reads the copy
    copy = tmp_path_factory.mktemp("samples") / "samples"
    shutil.copytree(REPO / "samples", copy, ignore=shutil.ignore_patterns("fra"))
    SAMPLES = copy


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["whatif", *args])
    assert "Traceback" not in res.output
    return res.exit_code, res.stdout, res.stderr


def as_json(*args: str) -> dict[str, Any]:
    code, out, err = run(*args, "--format", "json")
    assert code in (0, 1), err
    doc: dict[str, Any] = json.loads(out)
    return doc


def service(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in doc["services"] if s["prefix"] == prefix)
    return found


def test_samples_default_topology_and_weights() -> None:
    code, out, _ = run(str(SAMPLES))
    assert code == 0
    assert "topology " + str(SAMPLES / "topology.txt") in out
    assert "Service 192.0.2.0/24 (also 192.0.2.128/25)" in out
    assert "Service 2001:db8:53::/48" in out
    assert "moved: 0.0% of the traffic (0 ASes)" in out


def test_json_schema_and_shares() -> None:
    doc = as_json(str(SAMPLES), "--withdraw", "nyc1", "--per-as")
    assert doc["schema_version"] == 1
    assert doc["scenario"]["withdraw"] == ["nyc1"]
    v4 = service(doc, "192.0.2.0/24")
    assert [s["name"] for s in v4["sites"]] == ["ams1", "nyc1", "sin1"]
    assert v4["sites"][0] == {"name": "ams1", "asn": 64500, "neighbors": [64496, 64497, 65551]}
    assert set(v4["before"]) == {"ams1", "nyc1", "sin1"}
    # weights from samples/traffic.csv: nyc1's 46.5% moves to sin1 (ams1 prepends everywhere)
    assert v4["before"]["nyc1"]["share"] == pytest.approx(46.5)
    assert v4["after"]["nyc1"]["share"] == 0
    assert v4["after"]["sin1"]["share"] == pytest.approx(63.5)
    assert v4["moves"] == [{"from": "nyc1", "to": "sin1", "ases": 8, "weight": 46.5}]
    assert v4["unreachable"]["after"] == {"ases": 0, "weight": 0.0}
    # the tie interval: sin1 ties with nyc1 at TRANSIT-A and its cone
    assert v4["before"]["sin1"]["min"] == pytest.approx(17.0)
    assert v4["before"]["sin1"]["max"] == pytest.approx(53.0)
    assert v4["tied"]["before"]["ases"] == 4
    for side in ("before", "after"):
        assert sum(s["share"] for s in v4[side].values()) == pytest.approx(100.0)
    rows = {r["asn"]: r for r in v4["per_as"]}
    assert rows[64496]["before_candidates"] == ["nyc1", "sin1"]
    assert rows[64496]["before"] == "nyc1" and rows[64496]["after"] == "sin1"
    assert 64500 not in rows  # the operator's own AS is not a traffic source
    assert any("192.0.2.128/25 is longer than /24" in n for n in v4["notes"])


def test_max_shift_gate() -> None:
    code, out, _ = run(str(SAMPLES), "--withdraw", "nyc1", "--max-shift", "10")
    assert code == 1
    assert "FAIL: 46.5% of the traffic moves, more than --max-shift 10%" in out
    code, out, _ = run(str(SAMPLES), "--withdraw", "nyc1", "--max-shift", "50")
    assert code == 0
    assert "within --max-shift 50%" in out
    assert as_json(str(SAMPLES), "--withdraw", "nyc1", "--max-shift", "10")["summary"]["exit_code"] == 1


def test_fail_session_and_prefix_length_option() -> None:
    # sin1's /25 toward TRANSIT-C survives a /25 limit: TRANSIT-C's cone moves to sin1 for the /25
    doc = as_json(str(SAMPLES), "--max-length-v4", "25")
    v4 = service(doc, "192.0.2.0/24")
    assert v4["before"]["sin1"]["share"] > 17.0
    # taking ams1's session to TRANSIT-B down moves TRANSIT-B's cone away from ams1
    doc = as_json(str(SAMPLES), "--fail-session", "ams1:64497")
    v4 = service(doc, "192.0.2.0/24")
    assert v4["after"]["ams1"]["share"] < v4["before"]["ams1"]["share"]
    assert all(m["from"] == "ams1" for m in v4["moves"])


def _proposed(tmp_path: Path) -> Path:
    """samples with ams1's leftover prepends toward TRANSIT-A removed."""
    prop = tmp_path / "proposed"
    shutil.copytree(SAMPLES, prop)
    conf = prop / "ams" / "frr.conf"
    text = conf.read_text()
    fixed = text.replace(" ! policylint: expect AC101\n set as-path prepend 64500 64500\n", "")
    assert fixed != text
    conf.write_text(fixed)
    return prop


def test_proposed_directory(tmp_path: Path) -> None:
    doc = as_json(str(SAMPLES), str(_proposed(tmp_path)))
    v4 = service(doc, "192.0.2.0/24")
    assert v4["after"]["ams1"]["max"] > v4["before"]["ams1"]["max"]
    assert {m["to"] for m in v4["moves"]} == {"ams1"}
    v6 = service(doc, "2001:db8:53::/48")
    assert v6["moves"] == []


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES, repo / "net")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    prop = _proposed(tmp_path)
    shutil.copy(prop / "ams" / "frr.conf", repo / "net" / "ams" / "frr.conf")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "drop prepends")
    monkeypatch.chdir(repo)
    topo = ["--topology", "net/topology.txt", "--weights", "net/traffic.csv"]
    via_git = as_json("git:HEAD~1:net", "git:HEAD:net", *topo)
    via_dirs = as_json(str(SAMPLES), str(prop))
    assert via_git["scenario"]["base"] == "git:HEAD~1:net"
    assert via_git["services"] == via_dirs["services"]
    code, _, err = run("git:nosuchrev:net", "--topology", "net/topology.txt")
    assert code == 2 and "nosuchrev" in err


def test_failures_sweep() -> None:
    doc = as_json(str(SAMPLES), "--failures")
    assert doc["mode"] == "failures"
    v4 = service(doc, "192.0.2.0/24")
    runs = {f["withdrawn"]: f for f in v4["failures"]}
    assert set(runs) == {"ams1", "nyc1", "sin1"}
    assert runs["nyc1"]["moves"] == [{"from": "nyc1", "to": "sin1", "ases": 8, "weight": 46.5}]
    assert runs["ams1"]["newly_unreachable"]["ases"] == 0
    code, out, _ = run(str(SAMPLES), "--failures")
    assert code == 0 and "single-site failures" in out


def test_rov_with_vrps(tmp_path: Path) -> None:
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"asn": 64999, "prefix": "192.0.2.0/24", "maxLength": 24}]}))
    rov = tmp_path / "rov.txt"
    rov.write_text("64496\n64497\n64499\n65536\n")
    doc = as_json(str(SAMPLES), "--vrps", str(vrps), "--rov-ases", str(rov), "--per-as")
    v4 = service(doc, "192.0.2.0/24")
    rows = {r["asn"]: r for r in v4["per_as"]}
    for asn in (64496, 64497, 64499, 65536):
        assert rows[asn]["before"] is None
    assert v4["unreachable"]["before"]["ases"] > 4
    v6 = service(doc, "2001:db8:53::/48")
    assert v6["unreachable"]["before"]["ases"] == 0  # no VRP covers it: not found, kept


def test_named_prefix_makes_a_single_site_service(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SAMPLES / "sin" / "frr.conf", one / "frr.conf")
    shutil.copy(SAMPLES / "topology.txt", one / "topology.txt")
    code, out, _ = run(str(one))
    assert code == 0 and "no anycast service found" in out
    doc = as_json(str(one), "--prefix", "192.0.2.0/24")
    assert [s["name"] for s in service(doc, "192.0.2.0/24")["sites"]] == ["sin1"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--withdraw", "nope"], "--withdraw nope: no device with that hostname"),
        (["--fail-session", "ams1"], "expected SITE:NEIGHBOR"),
        (["--fail-session", "ams1:192.0.2.99"], "ams1 has no neighbor 192.0.2.99"),
        (["--topology", "missing.txt"], "missing.txt: cannot read"),
        (["--weights", "missing.csv"], "missing.csv: cannot read"),
        (["--prefix", "banana"], "not an IP prefix"),
        (["--vrps", "missing.json"], "missing.json: cannot read"),
        (["--failures", "--withdraw", "ams1"], "--failures sweeps the base alone"),
    ],
)
def test_input_errors_exit_2(args: list[str], fragment: str) -> None:
    code, _, err = run(str(SAMPLES), *args)
    assert code == 2
    assert fragment in err


def test_broken_topology_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "topo.txt"
    bad.write_text("64496|64500|-1|bgp\n64497|64500|-1|bgp\n64497|sixty|0|bgp\n")
    code, _, err = run(str(SAMPLES), "--topology", str(bad))
    assert code == 2
    assert f"{bad}:3: 'sixty' is not an AS number" in err


def test_no_topology(tmp_path: Path) -> None:
    d = tmp_path / "cfg"
    d.mkdir()
    shutil.copy(SAMPLES / "ams" / "frr.conf", d / "frr.conf")
    code, _, err = run(str(d))
    assert code == 2 and "no topology: pass --topology FILE" in err
    code, _, err = run(str(tmp_path / "nothing"))
    assert code == 2 and "no such file or directory" in err


def test_subprocess_entry_point() -> None:
    cmd = [sys.executable, "-m", "policylint", "whatif", str(SAMPLES), "--withdraw", "sin1"]
    cmd += ["--max-shift", "5"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "FAIL:" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("whatif_withdraw_full.txt", ["--withdraw", "nyc1", "--max-shift", "10"]),
        ("whatif_withdraw.json", ["--withdraw", "nyc1", "--format", "json"]),
        ("whatif_failures_full.txt", ["--failures"]),
    ],
)
def test_golden_reports(name: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The what-if reporters on the samples, byte for byte (POLICYLINT_UPDATE_GOLDEN=1 updates them)."""
    import os

    monkeypatch.chdir(SAMPLES.parent)  # the three-site copy, also named samples/
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run("samples", *args)
    path = REPO / "tests" / "golden" / name
    if os.environ.get("POLICYLINT_UPDATE_GOLDEN") == "1":
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with POLICYLINT_UPDATE_GOLDEN=1"
    assert out == path.read_text(encoding="utf-8"), f"{name} differs (POLICYLINT_UPDATE_GOLDEN=1 updates it)"


def test_samples_observed_paths_calibrate_the_withdrawal() -> None:
    """samples/observed: a day of collector records.  AS65540's path shows its provider AS64498 on
    TRANSIT-C (sin1), where the plain model has both at nyc1 via TRANSIT-A (a tie it breaks by the
    lower ASN); so withdrawing nyc1 does not move them, and 12 points less traffic moves."""
    doc = as_json(
        str(SAMPLES), "--withdraw", "nyc1", "--per-as", "--observed-paths", str(SAMPLES / "observed")
    )
    paths = doc["calibration"]["paths"]
    assert (paths["records"], paths["current"], paths["used"], paths["unrecognised"]) == (8, 5, 5, 0)
    v4 = service(doc, "192.0.2.0/24")
    cal = v4["calibration"]
    assert cal["model_moved"] == {"ases": 8, "weight": 46.5}
    assert v4["moves"] == [{"from": "nyc1", "to": "sin1", "ases": 6, "weight": 34.5}]
    assert (cal["observed_paths"], cal["pinned_ases"]) == (4, 9)
    rows = {r["asn"]: r for r in v4["per_as"]}
    assert (rows[64498]["before"], rows[64498]["after"], rows[64498]["basis"]) == ("sin1", "sin1", "observed")
    assert (rows[65539]["before"], rows[65539]["after"], rows[65539]["basis"]) == ("nyc1", "sin1", "observed")
    assert rows[64513]["basis"] == "model"
