"""samples/ is the README demo: exactly the findings its `! policylint: expect CODE` markers name."""

from __future__ import annotations

import re
from pathlib import Path

from policylint.engine import lint_paths

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
_MARKER = re.compile(r"^\s*[!#] policylint: expect ((?:[A-Z]{2}\d{3}[ ,]*)+)")
# every sample router config: FRR (frr.conf), Cisco IOS (ios.cfg), ExaBGP (exabgp.conf)
_CONFIGS = ("*/frr.conf", "*/ios.cfg", "*/exabgp.conf")


def _expected() -> set[tuple[str, int, str]]:
    out: set[tuple[str, int, str]] = set()
    for path in sorted(p for pattern in _CONFIGS for p in SAMPLES.glob(pattern)):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            m = _MARKER.match(line)
            if not m:
                continue
            j = i + 1
            while lines[j].strip().startswith(("!", "#")):
                j += 1
            for code in re.findall(r"[A-Z]{2}\d{3}", m.group(1)):
                out.add((str(path), j + 1, code))
    return out


def test_samples_fire_exactly_the_marked_findings() -> None:
    result = lint_paths([str(SAMPLES)])
    assert not result.input_error
    got = {(f.file, f.line, f.rule) for f in result.findings if f.rule != "PS003"}
    expected = _expected()
    assert len(expected) >= 15
    assert got == expected, f"missing: {sorted(expected - got)}\nunexpected: {sorted(got - expected)}"


def test_samples_cover_every_mission_family() -> None:
    codes = {code for _, _, code in _expected()}
    for prefix in ("PX", "RV", "LK", "PP", "AC", "RF"):
        assert any(c.startswith(prefix) for c in codes), prefix


def test_samples_cover_three_vendors() -> None:
    vendors = {f.vendor for f in lint_paths([str(SAMPLES)]).files}
    assert {"frr", "ios", "exabgp"} <= vendors, vendors
