"""The IOS block structure equals ciscoconfparse's on every Cisco file of the shared corpus.

ciscoconfparse (GPL-3.0) is a test-only oracle: the product never imports it.
Skipped when the corpus or ciscoconfparse is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policylint.vendors.ios_blocks import structure

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cisco"


def _oracle_parents(text: str) -> dict[int, int]:
    """line number -> parent line number (0 for top level), as ciscoconfparse builds it."""
    from ciscoconfparse import CiscoConfParse
    from loguru import logger

    logger.remove()  # ciscoconfparse logs to stderr through loguru on every parse (after its import)

    lines = text.splitlines()
    nonblank = [i + 1 for i, line in enumerate(lines) if line.strip()]
    parse = CiscoConfParse(lines, syntax="ios")
    out: dict[int, int] = {}
    for obj in parse.objs:
        if obj.is_comment:
            continue
        parent = obj.parent
        out[nonblank[obj.linenum]] = 0 if parent is obj else nonblank[parent.linenum]
    return out


def _ours(text: str) -> dict[int, int]:
    return {line.number: line.parent for line in structure(text)}


def test_structure_of_a_small_config() -> None:
    text = (
        "hostname r1\n!\nrouter bgp 64500\n neighbor 192.0.2.1 remote-as 64496\n"
        " address-family ipv4\n  neighbor 192.0.2.1 activate\n exit-address-family\n"
        "banner motd ^C\nrouter bgp 1\n^C\nroute-map X permit 10\n match ip address prefix-list P\n"
    )
    got = {ln.number: (ln.parent, ln.banner) for ln in structure(text)}
    assert got == {
        1: (0, False),
        3: (0, False),
        4: (3, False),
        5: (3, False),
        6: (5, False),
        7: (3, False),
        8: (0, False),
        9: (8, True),  # banner text is never read as a command
        10: (8, True),
        11: (0, False),
        12: (11, False),
    }


def _corpus() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted(f for d in SHARED.glob("ios*") for f in d.iterdir() if f.is_file())


@pytest.mark.corpus
@pytest.mark.skipif(not _corpus(), reason="../shared/corpus/cisco is not present")
def test_block_structure_equals_ciscoconfparse_on_the_corpus() -> None:
    pytest.importorskip("ciscoconfparse")
    mismatches = []
    for path in _corpus():
        text = path.read_text(encoding="utf-8", errors="replace")
        if _ours(text) != _oracle_parents(text):
            mismatches.append(path.name)
    assert len(_corpus()) > 250
    assert mismatches == []
