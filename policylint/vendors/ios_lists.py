"""Cisco IOS assemble step, part 1: shared state and the global lists.

``ip prefix-list`` / ``ipv6 prefix-list`` (ge/le checked as IOS checks them),
``ip as-path access-list``, ``ip community-list`` (numbered and named, standard
and expanded).  Statements arrive as word lists; the block structure comes from
:mod:`policylint.vendors.ios_blocks`.
"""

from __future__ import annotations

import ipaddress

from policylint.model import (
    Action,
    Afi,
    AsPathEntry,
    CommunityEntry,
    IPNetwork,
    ParseIssue,
    PrefixEntry,
    Ref,
    RefKind,
    Span,
    Unsupported,
)
from policylint.redact import redact_line
from policylint.vendors.frr_assemble import _asn, _network
from policylint.vendors.frr_state import DeviceBuilder, ListBuilder

_ACTIONS = {"permit": Action.PERMIT, "deny": Action.DENY}
MASK_BITS: dict[str, int] = {
    str(ipaddress.IPv4Address((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF)): n for n in range(33)
}


def asn(text: str | None) -> int | None:
    return _asn(text)


def to_int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def network(text: str) -> IPNetwork | None:
    return _network(text)


def network_mask(addr: str, mask: str) -> IPNetwork | None:
    """``A.B.C.D M.M.M.M`` as a prefix; None for a non-contiguous mask or a bad address."""
    bits = MASK_BITS.get(mask)
    return None if bits is None else _network(f"{addr}/{bits}")


class ListAssembler:
    """State shared by every IOS handler, plus the global list statements."""

    def __init__(self, path: str) -> None:
        self.b = DeviceBuilder(path)
        self.unsupported: list[Unsupported] = []
        self.issues: list[ParseIssue] = []
        self.modelled = 0
        self.out_of_scope = 0
        self.context = "top level"

    # ------------------------------------------------------------------ bookkeeping
    def span(self, line: int) -> Span:
        return Span(self.b.path, line, line)

    def unsupported_line(self, text: str, line: int) -> None:
        self.unsupported.append(Unsupported(redact_line(text), self.span(line), self.context))

    def issue(self, line: int, message: str) -> None:
        self.modelled -= 1
        self.issues.append(ParseIssue(message, self.span(line)))

    def ref(self, kind: RefKind, name: str, usage: str, line: int) -> Ref:
        r = Ref(kind, name, usage, self.span(line))
        self.b.refs.append(r)
        return r

    # ------------------------------------------------------------------ prefix-lists
    def prefix_list(self, words: list[str], line: int, afi: Afi) -> bool:
        """``ip[v6] prefix-list NAME [seq N] permit|deny P [ge N] [le N]`` (or ``description``)."""
        n = len(words)
        if n < 4:
            return False
        name = words[2]
        at = 3
        seq: int | None = None
        if words[3] == "seq":
            if n < 7 or not words[4].isdigit():
                return False
            seq, at = int(words[4]), 5
        elif words[3] == "description":
            if (afi, name) not in self.b.prefix_lists:
                self.b.prefix_lists[(afi, name)] = ListBuilder(line)
            return True
        action = _ACTIONS.get(words[at])
        if action is None or n < at + 2:
            return False
        text = words[at + 1]
        ge = le = None
        i = at + 2
        while i < n:
            if i + 1 >= n or not words[i + 1].isdigit():
                return False
            if words[i] == "ge":
                ge = int(words[i + 1])
            elif words[i] == "le":
                le = int(words[i + 1])
            else:
                return False
            i += 2
        net = network(text)
        if net is None:
            self.issue(line, f"prefix-list {name}: `{text}` is not a valid prefix; the entry is ignored")
            return True
        if (net.version == 6) != (afi is Afi.IPV6):
            self.issue(line, f"prefix-list {name}: {text} does not belong in an {afi.value} prefix-list")
            return True
        if ge is not None or le is not None:
            plen, maxlen = net.prefixlen, net.max_prefixlen
            if (
                (ge is not None and not plen <= ge <= maxlen)
                or (le is not None and not plen <= le <= maxlen)
                or (ge is not None and le is not None and ge > le)
            ):
                self.issue(
                    line,
                    f"prefix-list {name}: invalid range for {text} (IOS needs len <= ge <= le <= {maxlen})",
                )
                return True
        lb = self.b.prefix_lists.get((afi, name))
        if lb is None:
            lb = self.b.prefix_lists[(afi, name)] = ListBuilder(line)
        if seq is None:  # IOS numbers unsequenced entries in steps of 5
            seq = (max((e.seq for e in lb.prefix_entries), default=0) // 5 + 1) * 5
        lb.prefix_entries.append(PrefixEntry(seq, action, net, ge, le, Span(self.b.path, line, line)))
        return True

    # ------------------------------------------------------------------ as-path / community lists
    def as_path_list(self, text: str, words: list[str], line: int) -> bool:
        """``ip as-path access-list N permit|deny REGEX`` (``ip as-path regex-mode`` changes nothing here)."""
        if words[2:3] == ["regex-mode"]:
            return True
        if len(words) < 6 or words[2] != "access-list" or words[4] not in _ACTIONS:
            return False
        name = words[3]
        regex = text.split(None, 5)[5].strip()
        lb = self.b.aspath_lists.setdefault(name, ListBuilder(line))
        lb.aspath_entries.append(AsPathEntry(_ACTIONS[words[4]], regex, self.span(line)))
        return True

    def community_list(self, text: str, words: list[str], line: int) -> bool:
        """``ip community-list {N | standard NAME | expanded NAME} permit|deny VALUES``."""
        if len(words) < 5:
            return False
        kind = words[2]
        if kind in ("standard", "expanded"):
            name, at = words[3], 4
            expanded = kind == "expanded"
        else:
            number = to_int(kind)
            if number is None:
                return False
            name, at = kind, 3
            expanded = number >= 100
        if len(words) <= at + 1 or words[at] not in _ACTIONS:
            return False
        rest = text.split(None, at + 1)[at + 1].strip()
        values = (rest,) if expanded else tuple(rest.split())
        lb = self.b.community_lists.setdefault(name, ListBuilder(line))
        lb.community_entries.append(CommunityEntry(_ACTIONS[words[at]], values, expanded, self.span(line)))
        return True
