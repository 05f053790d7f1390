"""ExaBGP front end: grammar, templates, routes as sent, split, API processes, 3.x detection."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.evaluate import Route, evaluate_session, export_path
from policylint.loader import load_text
from policylint.model import Afi, Device, Role, SetCommunity, SetMetric, SetPrepend
from policylint.vendors import ConfigSyntaxError, exabgp

CONFIG = """\
# health-checked anycast speaker
process watch {
    run /usr/local/bin/check --token abc;   # comment after a statement
    encoder text;
}

template {
    neighbor edge {
        local-as 64500;
        family {
            ipv4 unicast;
        }
        static {
            route 192.0.2.0/24 next-hop self;
        }
    }
}

neighbor 198.51.100.1 {
    inherit edge;
    description "TRANSIT-A upstream";
    peer-as 64496;
    md5-password "s3cr3t-do-not-print";
    static {
        route 198.51.100.0/24 {
            next-hop self;
            as-path [ 64500 64500 ];
            community [ 64500:1 no-export ];
            med 10;
        }
        route 203.0.113.0/24 next-hop self split /26;
    }
    api {
        processes [ watch ];
    }
}

neighbor 10.0.0.1 {
    local-as 64500;
    peer-as 64500;
    announce {
        ipv6 {
            unicast 2001:db8:53::/48 next-hop self;
        }
    }
}
"""


def parse(text: str) -> Device:
    (device,) = exabgp.parse("site/exabgp.conf", text)
    return device


def test_neighbors_templates_and_roles() -> None:
    d = parse(CONFIG)
    assert d.vendor == "exabgp" and d.asn == 64500 and d.hostname == "site-exabgp"
    up, ibgp = d.neighbors
    assert up.address == "198.51.100.1" and up.remote_as == 64496 and up.local_as == 64500
    assert up.is_ebgp and up.role is Role.PROVIDER and up.has_password
    assert [a.afi for a in up.afs] == [Afi.IPV4]  # family block from the template
    assert ibgp.role is Role.INTERNAL and [a.afi for a in ibgp.afs] == [Afi.IPV4, Afi.IPV6]
    assert [g.address for g in d.peer_groups] == ["edge"]


def test_routes_are_the_export_policy() -> None:
    d = parse(CONFIG)
    up = d.neighbors[0]
    prefixes = sorted(str(o.prefix) for o in d.originations if o.peer == "198.51.100.1")
    assert prefixes == [
        "192.0.2.0/24",  # inherited from the template
        "198.51.100.0/24",
        "203.0.113.0/26",
        "203.0.113.128/26",
        "203.0.113.192/26",
        "203.0.113.64/26",
    ]
    # the written path begins with the local AS: the rest is a prepend
    sent = evaluate_session(d, up, Afi.IPV4, "export", Route(ipaddress.ip_network("198.51.100.0/24")))
    assert sent.permitted and export_path(d, up, sent) == (64500, 64500)
    sets = sent.terms[0].sets
    assert any(isinstance(s, SetPrepend) and s.asns == (64500,) for s in sets)
    assert any(isinstance(s, SetCommunity) and "no-export" in s.values for s in sets)
    assert any(isinstance(s, SetMetric) and s.value == "10" for s in sets)
    # split: the /26 pieces are sent, the /24 itself is not; nothing unconfigured is sent
    for text, want in (("203.0.113.64/26", True), ("203.0.113.0/24", False), ("8.8.8.0/24", False)):
        dec = evaluate_session(d, up, Afi.IPV4, "export", Route(ipaddress.ip_network(text)))
        assert dec.permitted is want, text
    # ExaBGP does not use what it receives
    dec = evaluate_session(d, up, Afi.IPV4, "import", Route(ipaddress.ip_network("8.8.8.0/24")))
    assert not dec.permitted


def test_written_path_is_kept_and_runtime_sources() -> None:
    d = parse(CONFIG)
    written = {str(o.prefix): o.as_path for o in d.originations if o.peer == "198.51.100.1"}
    assert written["198.51.100.0/24"] == (64500, 64500) and written["192.0.2.0/24"] is None
    (src,) = d.runtime_sources
    assert src.name == "watch" and src.span.line == 2
    assert "abc" not in repr(d) and "s3cr3t" not in repr(d)


def test_unclosed_block_is_closed_at_end_of_file_with_an_issue() -> None:
    d = parse("neighbor 192.0.2.1 {\n local-as 1;\n peer-as 2;\n")
    assert len(d.neighbors) == 1 and "not closed" in d.issues[0].message


def test_syntax_error_has_a_line() -> None:
    with pytest.raises(ConfigSyntaxError) as err:
        exabgp.parse("x.conf", "neighbor 192.0.2.1 {\n local-as 1;\n {\n }\n}\n")
    assert err.value.line == 3
    res = load_text("x.conf", "neighbor 192.0.2.1 {\n local-as 1;\n {\n }\n}\n")
    assert res is not None and res.error is not None and res.error.line == 3
    stray = parse("neighbor 192.0.2.1 {\n local-as 1;\n}\n}\n")  # ExaBGP ignores a stray `}`
    assert [i.span.line for i in stray.issues] == [4]


def test_bad_routes_and_undefined_process_are_issues() -> None:
    d = parse(
        "neighbor 192.0.2.1 {\n"
        " local-as 64500;\n peer-as 64496;\n"
        " static {\n"
        "  route 192.0.2.1/24 next-hop self;\n"  # host bits set: ExaBGP refuses it
        "  route 192.0.2.0/24 next-hop self as-path [ 64500 x ];\n"
        "  route 192.0.2.0/24 next-hop self split /8;\n"
        " }\n"
        " api { processes [ nope ]; }\n"
        "}\n"
    )
    assert [i.span.line for i in d.issues] == [5, 6, 7, 9]


def test_3x_is_detected_as_unsupported() -> None:
    text = "group g {\n process p {\n  run ./x;\n }\n neighbor 192.0.2.1 {\n  local-as 1;\n }\n}\n"
    res = load_text("old.conf", text)
    assert res is not None and res.vendor == "exabgp" and res.note is not None and "3.x" in res.note
    assert not res.devices


_LINES = st.sampled_from(CONFIG.splitlines())
_NOISE = st.text(alphabet=' abcdefghijklmnopqrstuvwxyz0123456789./:-[]{};#"', max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_LINES, _NOISE), max_size=50))
def test_fuzzed_configs_parse_or_fail_cleanly(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        (device,) = exabgp.parse("f.conf", text)
    except ConfigSyntaxError as exc:
        assert exc.line is None or exc.line >= 1
        return
    count = max(1, len(text.splitlines()))
    spans = [u.span for u in device.unsupported] + [i.span for i in device.issues]
    spans += [o.span for o in device.originations] + [n.span for n in device.neighbors]
    assert all(1 <= s.line <= s.end_line <= count for s in spans)
