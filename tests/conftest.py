"""Shared test fixtures: a minimal Device builder and a fixed rule catalogue."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from policylint.checks.base import Check
from policylint.findings import Finding, Reported, Severity
from policylint.model import (
    Device,
    Span,
    UndefinedMatch,
    UndefinedPolicy,
    Unsupported,
    VendorSemantics,
)
from policylint.options import Options

needs_registry = pytest.mark.skipif(
    importlib.util.find_spec("policylint.checks.registry") is None,
    reason="waiting for policylint/checks/registry.py",
)

FRR_SEMANTICS = VendorSemantics(
    ebgp_requires_policy=True,
    undefined_neighbor_policy=UndefinedPolicy.DENY_ALL,
    undefined_match_list=UndefinedMatch.NEVER_MATCHES,
    empty_prefix_list_permits=True,
)


def make_device(
    hostname: str,
    path: str,
    *,
    asn: int | None = 65000,
    unsupported: tuple[tuple[int, str], ...] = (),
) -> Device:
    """An otherwise empty FRR device; ``unsupported`` is (line, redacted text) pairs."""
    return Device(
        hostname=hostname,
        vendor="frr",
        source=path,
        asn=asn,
        router_id=None,
        neighbors=(),
        peer_groups=(),
        policies={},
        prefix_lists={},
        as_path_lists={},
        community_lists={},
        large_community_lists={},
        originations=(),
        rpki=None,
        semantics=FRR_SEMANTICS,
        refs=(),
        unsupported=tuple(Unsupported(text, Span.at(path, line), "top") for line, text in unsupported),
        issues=(),
        bgp_span=None,
    )


def reported(
    rule: str,
    file: str,
    line: int,
    message: str,
    *,
    severity: Severity = Severity.WARNING,
    name: str = "some-rule",
    category: str = "hygiene",
    end_line: int | None = None,
    device: str | None = "r1",
) -> Reported:
    return Reported(rule, name, category, severity, file, line, end_line or line, device, message)


# a small, fixed catalogue so CLI tests do not depend on the evolving rules/
RULES: dict[str, str] = {
    "PS001": """\
code: PS001
name: file-error
category: parse
severity: error
scope: file
summary: The file could not be read or parsed.
why: Nothing in it was checked.
""",
    "PS002": """\
code: PS002
name: malformed-line
category: parse
severity: warning
summary: A line looks like a modelled command but is malformed.
why: The router may reject it or read it differently.
""",
    "PS003": """\
code: PS003
name: not-modelled
category: parse
severity: info
summary: A line the linter does not model.
why: Its effect on routing is not checked.
""",
    "PS004": """\
code: PS004
name: unsupported-dialect
category: parse
severity: info
summary: The configuration dialect is not supported yet.
why: Nothing in the file was checked.
""",
    "PX101": """\
code: PX101
name: prefix-too-long
category: prefix-length
severity: error
summary: An export policy permits prefixes longer than the Internet accepts.
why: |
  Most networks drop IPv4 prefixes longer than /24; the route does not propagate.
example_bad: |
  ip prefix-list OUT seq 5 permit 192.0.2.0/24 le 32
example_good: |
  ip prefix-list OUT seq 5 permit 192.0.2.0/24
references:
  - RFC 7454 section 6.1.3
""",
}


@pytest.fixture
def fixed_rules(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the catalogue at a throwaway rules dir holding :data:`RULES`."""
    from policylint import catalogue, resources

    rules = tmp_path_factory.mktemp("rules")
    for code, text in RULES.items():
        (rules / f"{code}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(resources, "rules_dir", lambda: rules)
    monkeypatch.setattr(catalogue, "rules_dir", lambda: rules)
    catalogue.load_catalogue.cache_clear()
    yield rules
    catalogue.load_catalogue.cache_clear()


def _bad(dev: Device, opts: Options) -> Iterable[Finding]:
    for n in dev.neighbors:
        if n.description and "BAD" in n.description:
            yield Finding(n.span, f"neighbor {n.label} is described as bad")


def _warn(dev: Device, opts: Options) -> Iterable[Finding]:
    for n in dev.neighbors:
        if n.description and "WARN" in n.description:
            yield Finding(n.span, f"neighbor {n.label} deserves a warning")


@pytest.fixture
def fake_checks(fixed_rules: Path, monkeypatch: pytest.MonkeyPatch) -> list[Check]:
    """The engine's registry replaced by two tiny checks that fire on neighbor descriptions:
    ``BAD`` -> PX101 (error), ``WARN`` -> PS002 (warning)."""
    checks = [Check("PX101", device=_bad), Check("PS002", device=_warn)]
    module = types.ModuleType("policylint.checks.registry")
    module.CHECKS = checks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "policylint.checks.registry", module)
    return checks


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI runs in tests never read or fill the user's result cache."""
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
