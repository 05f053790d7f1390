"""CAIDA AS-relationship loading: formats, compression, cache, and line-numbered errors."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import numpy as np
import pytest

from policylint.whatif.topology import TopologyError, load_rov_ases, load_topology, load_weights

SERIAL2 = """\
# source:topology|BGP|...
# input clique: 1 2
1|2|0|bgp
1|10|-1|bgp
2|10|-1|bgp,mlp
10|100|-1|bgp
2|3|0|mlp
"""
SERIAL1 = "\n".join(line.rsplit("|", 1)[0] for line in SERIAL2.splitlines() if not line.startswith("#"))


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))


def _rows(topo_path: Path) -> dict[str, object]:
    t = load_topology(str(topo_path), use_cache=False)
    return {
        "asns": t.asns.tolist(),
        "links": t.links,
        "prov10": [int(t.asns[i]) for i in t.providers.row(t.index(10) or 0)],
        "cust10": [int(t.asns[i]) for i in t.customers.row(t.index(10) or 0)],
        "peers2": [int(t.asns[i]) for i in t.peers.row(t.index(2) or 0)],
    }


def test_serial2_graph_shape(tmp_path: Path) -> None:
    f = tmp_path / "rel.txt"
    f.write_text(SERIAL2)
    rows = _rows(f)
    assert rows == {
        "asns": [1, 2, 3, 10, 100],
        "links": 5,
        "prov10": [1, 2],
        "cust10": [100],
        "peers2": [1, 3],
    }
    t = load_topology(str(f))
    assert t.relationship(10, 1) == "provider"
    assert t.relationship(1, 10) == "customer"
    assert t.relationship(2, 3) == "peer"
    assert t.relationship(1, 100) is None
    assert t.mlp_peers(2) == [3]
    assert t.mlp_peers(1) == []


def test_serial1_and_compressed_forms_agree(tmp_path: Path) -> None:
    plain = tmp_path / "s2.txt"
    plain.write_text(SERIAL2)
    s1 = tmp_path / "s1.txt"
    s1.write_text(SERIAL1 + "\n")
    b = tmp_path / "s2.txt.bz2"
    b.write_bytes(bz2.compress(SERIAL2.encode()))
    g = tmp_path / "s2.gz"
    g.write_bytes(gzip.compress(SERIAL2.encode()))
    ref = _rows(plain)
    assert _rows(s1) == ref
    assert _rows(b) == ref
    assert _rows(g) == ref


def test_cache_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "rel.txt.bz2"
    f.write_bytes(bz2.compress(SERIAL2.encode()))
    first = load_topology(str(f))
    assert not first.cached
    assert list((tmp_path / "cache").iterdir())
    second = load_topology(str(f))
    assert second.cached
    for name in ("asns", "peer_mlp"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    for name in ("providers", "customers", "peers"):
        assert np.array_equal(getattr(first, name).idx, getattr(second, name).idx)
        assert np.array_equal(getattr(first, name).ptr, getattr(second, name).ptr)
    # a changed file is a different key: never a stale graph
    f.write_bytes(bz2.compress((SERIAL2 + "100|200|-1|bgp\n").encode()))
    third = load_topology(str(f))
    assert not third.cached and third.size == 6


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("1|2|0\n1|2\n", 2, "expected 'a|b|rel'"),
        ("1|2|0\n# c\nx|2|0\n", 3, "not an AS number"),
        ("1|2|7|bgp\n", 1, "relationship '7'"),
        ("5|5|0\n", 1, "itself"),
        ("1|2|-1\n2|1|-1\n", 2, "different relationship"),
        ("1|2|-1\n1|2|0\n", 2, "different relationship"),
        ("1|99999999999|0\n", 1, "not an AS number"),
    ],
)
def test_broken_lines_name_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(TopologyError) as err:
        load_topology(str(f))
    assert err.value.line == line
    assert f"bad.txt:{line}:" in str(err.value)
    assert fragment in str(err.value)


def test_empty_binary_corrupt_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "e.txt"
    empty.write_text("# only comments\n")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01\x02")
    corrupt = tmp_path / "c.bz2"
    corrupt.write_bytes(b"BZh9" + b"garbage" * 10)
    for path, fragment in ((empty, "no AS relationships"), (binary, "binary"), (corrupt, "corrupt")):
        with pytest.raises(TopologyError, match=fragment):
            load_topology(str(path))
    with pytest.raises(TopologyError, match="cannot read"):
        load_topology(str(tmp_path / "missing.txt"))


def test_duplicate_links_are_merged(tmp_path: Path) -> None:
    f = tmp_path / "dup.txt"
    f.write_text("1|2|-1|bgp\n1|2|-1|mlp\n2|1|0\n".replace("2|1|0\n", ""))
    assert load_topology(str(f)).links == 1


def test_weights_and_rov_lists(tmp_path: Path) -> None:
    w = tmp_path / "w.csv"
    w.write_text("asn,weight\n100,5\nAS200, 2.5 # comment\n100,1\n")
    assert load_weights(str(w)) == {100: 6.0, 200: 2.5}
    bad = tmp_path / "bad.csv"
    bad.write_text("asn,weight\n100,5\n200,lots\n")
    with pytest.raises(TopologyError, match=r"bad.csv:3: weight 'lots'"):
        load_weights(str(bad))
    neg = tmp_path / "neg.csv"
    neg.write_text("100,-1\n")
    with pytest.raises(TopologyError, match=r"neg.csv:1:"):
        load_weights(str(neg))
    rov = tmp_path / "rov.txt"
    rov.write_text("# ROV\n174, 3356\nAS1299\n")
    assert load_rov_ases(str(rov)) == {174, 3356, 1299}
    rov.write_text("174\nfoo\n")
    with pytest.raises(TopologyError, match=r"rov.txt:2:"):
        load_rov_ases(str(rov))
