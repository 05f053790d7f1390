"""AS-path regex semantics (FRR/Cisco dialect) and the foreign-path heuristic."""

from __future__ import annotations

import pytest
from helpers_model import aspath_list
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.aspath import (
    AsPathRegexError,
    aspath_list_admits_foreign,
    aspath_list_matches,
    aspath_regex_admits_foreign,
    compile_aspath_regex,
    regex_error,
    regex_matches,
    render_path,
)
from policylint.model import Action


def matches(regex: str, path: tuple[int, ...]) -> bool:
    return compile_aspath_regex(regex).search(render_path(path)) is not None


@pytest.mark.parametrize(
    ("regex", "path", "expected"),
    [
        ("_174_", (174,), True),
        ("_174_", (3356, 174), True),
        ("_174_", (174, 1299), True),
        ("_174_", (3356, 174, 1299), True),
        ("_174_", (1174,), False),
        ("_174_", (1745,), False),
        ("174", (1174,), True),  # no delimiters: substring match
        ("^174_", (174, 3356), True),
        ("^174_", (3356, 174), False),
        ("_174$", (3356, 174), True),
        ("^$", (), True),
        ("^$", (65000,), False),
        (".*", (), True),
        ("^65000$", (65000,), True),
        ("^(65000_)+$", (65000, 65000), True),
        ("^(65000_)+$", (65000, 174), False),
        ("^[0-9]+$", (64512,), True),
        ("^[0-9]+$", (64512, 1), False),
        ("^[[:digit:]]+_[[:digit:]]+$", (1, 2), True),
        ("^6451[2-9]$", (64515,), True),
        ("^6451[2-9]$", (64511,), False),
        ("^174_[0-9]+$", (174, 3), True),
        ("^(174|3356)_", (3356, 2), True),
        ("_(64512|65000)_", (1, 65000, 2), True),
        ("\\_174\\_", (174,), False),  # escaped underscore is a literal
        ("^1{3}$", (111,), True),
    ],
)
def test_regex_semantics(regex: str, path: tuple[int, ...], expected: bool) -> None:
    assert matches(regex, path) is expected


def test_underscore_matches_other_delimiters() -> None:
    pattern = compile_aspath_regex("_174_")
    for subject in ("{174}", "(174)", "1,174,2", "65000 {174,1}"):
        assert pattern.search(subject), subject


def test_compile_is_cached_and_errors_are_clean() -> None:
    assert compile_aspath_regex("_1_") is compile_aspath_regex("_1_")
    for bad in ("(", "[0-9", "*174", "(?i)174", "[[:nope:]]"):
        with pytest.raises(AsPathRegexError):
            compile_aspath_regex(bad)
        assert regex_error(bad)
        assert regex_matches(bad, "174") is False
    assert regex_error("_174_") is None


def test_aspath_list_first_match() -> None:
    alist = aspath_list("AP", ("deny", "_666_"), ("permit", "^174_"), ("permit", "^$"))
    assert aspath_list_matches(alist, (174, 666)) is Action.DENY
    assert aspath_list_matches(alist, (174, 1)) is Action.PERMIT
    assert aspath_list_matches(alist, ()) is Action.PERMIT
    assert aspath_list_matches(alist, (3356,)) is None
    broken = aspath_list("B", ("permit", "("), ("deny", ".*"))
    assert aspath_list_matches(broken, (1,)) is Action.DENY


LOCAL = frozenset({65000})


@pytest.mark.parametrize(
    ("regex", "foreign", "local"),
    [
        ("^$", False, True),
        ("^65000$", False, True),
        ("^(65000_)+$", False, True),
        ("^65000(_65000)*$", False, True),
        ("_174_", True, False),
        ("^174$", True, False),
        (".*", True, True),
        ("^65000_", True, True),
        ("65000", True, True),  # also matches 650001
        ("_65010_", True, False),
        ("^6451[2-9]$", True, False),
    ],
)
def test_admits_foreign(regex: str, foreign: bool, local: bool) -> None:
    check = aspath_regex_admits_foreign(regex, LOCAL)
    assert check.valid
    assert check.admits_foreign is foreign
    assert bool(check) is foreign
    assert check.admits_local is local
    if foreign:
        assert check.example is not None and any(a not in LOCAL for a in check.example)
        assert matches(regex, check.example)


def test_admits_foreign_invalid_regex_does_not_raise() -> None:
    check = aspath_regex_admits_foreign("(", LOCAL)
    assert not check.valid and check.error
    assert not check.admits_foreign


def test_list_admits_foreign_follows_first_match() -> None:
    only_local = aspath_list("L", ("permit", "^$"), ("deny", ".*"))
    assert not aspath_list_admits_foreign(only_local, LOCAL).admits_foreign
    deny_then_all = aspath_list("D", ("deny", "_174_"), ("permit", ".*"))
    check = aspath_list_admits_foreign(deny_then_all, LOCAL)
    assert check.admits_foreign and check.example is not None and 174 not in check.example
    empty = aspath_list("E")
    assert not aspath_list_admits_foreign(empty, LOCAL).admits_foreign


asns = st.integers(1, 2**32 - 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(asns, max_size=6).map(tuple), asns)
def test_delimited_asn_regexes(path: tuple[int, ...], asn: int) -> None:
    assert matches(f"_{asn}_", path) == (asn in path)
    assert matches(f"^{asn}_", path) == (bool(path) and path[0] == asn)
    assert matches(f"_{asn}$", path) == (bool(path) and path[-1] == asn)
    assert matches("^$", path) == (not path)
