"""Inline suppressions: block structure, ranges, unknown selectors (exit 2), PS005."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import needs_registry
from test_cli import invoke
from test_gate import EDGE

from policylint.catalogue import load_catalogue
from policylint.suppress import block_after, parse

EXABGP = """\
# policylint: ignore[PX101] -- the whole neighbor block
neighbor 192.0.2.1 {
    router-id 192.0.2.9;
    static {
        route 203.0.113.128/25 next-hop self;  # policylint: ignore[PP]
    }
}
neighbor 192.0.2.2 {
}
"""


def test_block_after_braces_and_trailing() -> None:
    lines = EXABGP.splitlines()
    sups = parse(lines, load_catalogue())
    assert [(s.kind, s.line, s.start, s.end) for s in sups] == [("ignore", 1, 2, 7), ("ignore", 5, 5, 5)]
    assert sups[1].codes == frozenset(c for c in load_catalogue() if c.startswith("PP"))


def test_block_after_indentation() -> None:
    lines = EDGE.splitlines()
    # above `router bgp`: the whole indented block (to `exit-address-family`)
    assert block_after(lines, 3) == (4, 10)
    # above the address-family line: its deeper-indented body
    assert block_after(lines, 6) == (7, 9)
    # above a single statement
    assert block_after(lines, 7) == (8, 8)
    # above a route-map: its indented body
    assert block_after(lines, 12) == (13, 14)
    # nothing after: covers nothing
    assert block_after(lines, len(lines)) == (len(lines) + 1, len(lines))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def _lint(path: Path, text: str, *args: str) -> tuple[int, list[str], str]:
    path.write_text(text, encoding="utf-8")
    code, stdout, stderr = invoke("lint", path.name, "-f", "json", *args)
    return code, sorted(f"{f['rule']}:{f['line']}" for f in json.loads(stdout)["findings"]), stderr


@needs_registry
def test_suppressions_end_to_end(site: Path) -> None:
    conf = site / "edge.conf"
    text = EDGE.replace("  network 203.0.113.128/25\n", "  ! policylint: ignore[PX101] -- on purpose\n"
                        "  network 203.0.113.128/25\n")  # fmt: skip
    _, found, _ = _lint(conf, text)
    assert found == ["LK102:14", "PP103:15", "PX102:14"]
    # a block: ignore above the route-map covers its term (header and set lines)
    text2 = text.replace(
        "route-map TO-A permit 10\n", "! policylint: ignore[PP103,leak] -- lab\nroute-map TO-A permit 10\n"
    )
    assert _lint(conf, text2)[1] == ["PX102:15"]
    # disable ... enable
    text3 = text.replace("\nroute-map TO-A", "\n! policylint: disable[PX102]\nroute-map TO-A").replace(
        "64500\nexit\n", "64500\nexit\n! policylint: enable[PX102]\n"
    )
    assert _lint(conf, text3)[1] == ["LK102:15", "PP103:16"]
    # file-ignore
    assert _lint(conf, "! policylint: file-ignore[ALL] -- vendor lab\n" + EDGE)[1] == []


@needs_registry
def test_unused_suppression_is_ps005(site: Path) -> None:
    text = "! policylint: ignore[RV101] -- nothing here\n" + EDGE
    code, found, _ = _lint(site / "edge.conf", text)
    assert "PS005:1" in found and code == 1
    # not judged when the rule it names is not enabled
    assert "PS005:1" not in _lint(site / "edge.conf", text, "--ignore", "RV101")[1]
    # and PS005 itself can be deselected
    assert "PS005:1" not in _lint(site / "edge.conf", text, "--ignore", "PS005")[1]


@needs_registry
def test_unknown_code_in_suppression_is_exit_2(site: Path) -> None:
    text = EDGE.replace("  network", "  ! policylint: ignore[PX1O1] -- typo\n  network")
    code, found, stderr = _lint(site / "edge.conf", text)
    assert code == 2
    assert "PS005:8" in found and "PX101:9" in found  # the typo suppresses nothing
    assert "policylint: error: edge.conf:8: unknown rule selector 'PX1O1'" in stderr


def test_samples_expect_markers_are_not_directives() -> None:
    lines = ["! policylint: expect PX101", " network 192.0.2.0/25"]
    assert parse(lines, load_catalogue()) == []
