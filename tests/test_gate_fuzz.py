"""Bad input to the CI-gate parsers never escapes as anything but their own error type."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.baseline import BaselineError
from policylint.baseline import load as load_baseline
from policylint.catalogue import load_catalogue
from policylint.config import ConfigError, key_lines
from policylint.config import load as load_config
from policylint.suppress import parse

PIECES = [
    "select", "ignore", "extend-select", "per-file-ignores", "severity", "fail-on", "options", "inventory",
    "devices", "neighbors", "site", "max-prepends", "PX101", "ALL", "leak", "=", "[", "]", "{", "}", '"',
    "'", ",", ".", "\n", " ", "1", "-1", "true", "error", "provider", "[[", "]]", "#", "policylint_baseline",
    "entries", ":", "path", "rule", "object", "hash", "count", "policylint: ignore[", "disable[", "enable[",
    "file-ignore[", "!", "--", "router bgp 1", " network 192.0.2.0/25",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_config_errors_are_config_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ".policylint.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_config(str(path))
        except ConfigError as exc:
            assert str(exc).startswith(str(path))
    key_lines(text)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_baseline_errors_are_baseline_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "b.json"
        path.write_text(text, encoding="utf-8")
        try:
            load_baseline(str(path))
        except BaselineError as exc:
            assert str(exc).startswith(str(path))


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, max_size=12))
def test_suppression_parsing_never_fails(lines: list[str]) -> None:
    for s in parse(lines, load_catalogue()):
        assert 1 <= s.line <= len(lines)
        assert s.start > s.end or 1 <= s.start <= s.end <= len(lines)
