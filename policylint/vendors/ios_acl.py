"""Cisco IOS standard access-lists where BGP uses them as prefix filters.

``neighbor X distribute-list ACL in|out`` and a route-map ``match ip address ACL``
compare the route's *network address* with a standard ACL (the prefix length is not
looked at).  A standard entry ``permit A W`` with a contiguous wildcard therefore
matches every prefix whose network address lies in A/L: ``A/L le 32`` plus the
shorter prefixes A/n that A is aligned to.  That is expressed as a prefix-list named
``access-list NAME`` so the evaluator and the prefix algebra need nothing new.
Extended ACLs written for BGP (``permit ip NET WILD MASK WILD``: the second pair is the
route's mask) become ``NET/len ge/le`` ranges too.  Non-contiguous wildcards and other
protocols are not modelled (reported as unsupported);
a reference to an ACL that does not exist is kept, so the vendor's meaning of an
undefined list applies to it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from policylint.model import Action, Afi, MatchOther, MatchPrefixList, PrefixEntry, RefKind, Span
from policylint.vendors.frr_state import AfBuilder, ListBuilder, TermBuilder
from policylint.vendors.ios_bgp import BgpAssembler
from policylint.vendors.ios_lists import MASK_BITS

_ACTIONS = {"permit": Action.PERMIT, "deny": Action.DENY}
_ANY = ipaddress.IPv4Network("0.0.0.0/0")


def acl_list_name(name: str) -> str:
    return f"access-list {name}"


def _standard_number(name: str) -> bool | None:
    """True standard, False extended, None named."""
    if not name.isdigit():
        return None
    n = int(name)
    return 1 <= n <= 99 or 1300 <= n <= 1999


def _wild(text: str) -> int | None:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _source(spec: list[str]) -> tuple[tuple[str, int], list[str]] | None:
    """(address, significant bits) of ``any`` / ``host A`` / ``A W`` and the words after it."""
    if not spec:
        return None
    if spec[0] == "any":
        return ("0.0.0.0", 0), spec[1:]
    if spec[0] == "host" and len(spec) >= 2:
        return (spec[1], 32), spec[2:]
    if len(spec) == 1 or _wild(spec[1]) is None:
        return (spec[0], 32), spec[1:]  # a standard entry with no wildcard is a host
    inverse = _wild(spec[1]) or 0
    bits = 32 - inverse.bit_length()
    if inverse != (1 << (32 - bits)) - 1:
        return None  # non-contiguous wildcard
    return (spec[0], bits), spec[2:]


def _lengths(spec: list[str]) -> tuple[int, int] | None:
    """Prefix lengths an extended ACL's destination (the route's mask) allows: (low, high)."""
    if spec == ["any"]:
        return 0, 32
    mask: int | None
    wild: int | None
    if len(spec) == 2 and spec[0] == "host":
        mask, wild = _wild(spec[1]), 0
    elif len(spec) == 2:
        mask, wild = _wild(spec[0]), _wild(spec[1])
    else:
        return None
    if mask is None or wild is None:
        return None
    low = MASK_BITS.get(str(ipaddress.IPv4Address(mask)))
    high = MASK_BITS.get(str(ipaddress.IPv4Address(mask | wild)))
    if low is None or high is None:
        return None
    return low, high


def _entries(action: Action, spec: list[str], extended: bool, span: Span) -> list[PrefixEntry] | None:
    """Prefix-list entries equivalent to one ACL entry as BGP reads it; None when not expressible.

    Standard ACLs test the network address only (any length); extended ones written for BGP
    (``permit ip NET WILD MASK WILD``) test the network address and the mask.
    """
    if extended:
        if not spec or spec[0] != "ip":
            return None
        spec = spec[1:]
    found = _source(spec)
    if found is None:
        return None
    (addr, bits), rest = found
    span_len = _lengths(rest) if extended else ((0, 32) if not rest else None)
    if span_len is None:
        return None
    low, high = span_len
    try:
        net = ipaddress.IPv4Network(f"{addr}/{bits}", strict=False)
    except ValueError:
        return None
    out: list[PrefixEntry] = []
    if high >= bits:
        first = max(bits, low)
        out.append(PrefixEntry(0, action, net, first if first > bits else None, high, span))
    base = int(net.network_address)
    for n in range(min(bits - 1, high), low - 1, -1):  # shorter prefixes whose network address is A
        if base & ((1 << (32 - n)) - 1):
            break
        out.append(PrefixEntry(0, action, ipaddress.IPv4Network((base, n)), None, None, span))
    return out


@dataclass
class _Acl:
    line: int
    standard: bool
    entries: list[PrefixEntry] = field(default_factory=list)
    expressible: bool = True


class AclAssembler(BgpAssembler):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.acls: dict[str, _Acl] = {}
        self.acl_name = ""  # the named standard ACL block being read
        # pending uses, resolved once every ACL is known: (term, match index, name, line, text)
        self.acl_matches: list[tuple[TermBuilder, int, str, int, str]] = []
        self.acl_filters: list[tuple[AfBuilder, str, str, str, int, str]] = []

    # ------------------------------------------------------------------ definitions
    def _add(self, name: str, standard: bool, action: Action, spec: list[str], line: int) -> None:
        acl = self.acls.setdefault(name, _Acl(line, standard))
        entries = _entries(action, spec, not standard, self.span(line))
        if entries is None:
            acl.expressible = False
            return
        acl.entries.extend(entries)

    def access_list(self, words: list[str], line: int) -> bool | None:
        """``access-list N permit|deny SPEC``: standard ones are modelled, extended are out of scope."""
        if len(words) < 4 or words[2] not in _ACTIONS:
            return None
        standard = _standard_number(words[1])
        if standard is None:
            return None
        self._add(words[1], standard, _ACTIONS[words[2]], words[3:], line)
        return True

    def named_acl(self, words: list[str], line: int) -> bool | None:
        """``ip access-list standard|extended NAME``: opens the block read by :meth:`acl_line`."""
        if len(words) != 4 or words[2] not in ("standard", "extended"):
            return None
        standard = words[2] == "standard"
        self.acls.setdefault(words[3], _Acl(line, standard)).standard = standard
        self.acl_name = words[3]
        return True

    def acl_line(self, words: list[str], line: int) -> bool | None:
        if not self.acl_name:
            return None
        if words[0].isdigit():
            words = words[1:]
        if len(words) < 2 or words[0] not in _ACTIONS:
            return words[:1] == ["remark"] or None
        acl = self.acls[self.acl_name]
        self._add(self.acl_name, acl.standard, _ACTIONS[words[0]], words[1:], line)
        return True

    # ------------------------------------------------------------------ uses
    def match_acl(self, t: TermBuilder, text: str, words: list[str], line: int) -> bool:
        """``match ip address ACL``: decided in :meth:`resolve_acls`."""
        if len(words) != 4:
            return False  # several ACLs (OR) or none: not modelled
        t.matches.append(MatchOther(text, self.span(line)))
        self.acl_matches.append((t, len(t.matches) - 1, words[3], line, text))
        return True

    def distribute_list(self, af: AfBuilder, address: str, name: str, direction: str, line: int) -> bool:
        self.acl_filters.append((af, address, name, direction, line, self.context))
        return True

    def _usable(self, name: str) -> bool | None:
        """True: modelled as a prefix-list; None: undefined (kept as a reference); False: not modelled."""
        acl = self.acls.get(name)
        if acl is None:
            return None
        return acl.expressible

    def resolve_acls(self) -> None:
        for name, acl in self.acls.items():
            if acl.expressible:
                entries = [
                    PrefixEntry(5 * (i + 1), e.action, e.prefix, e.ge, e.le, e.span)
                    for i, e in enumerate(acl.entries)
                ]
                lb = ListBuilder(acl.line)
                lb.prefix_entries.extend(entries)
                self.b.prefix_lists[(Afi.IPV4, acl_list_name(name))] = lb
        for t, index, name, line, text in self.acl_matches:
            if self._usable(name) is False:
                self.modelled -= 1
                self.context = f"route-map {t.name} {t.action.value} {t.seq}"
                self.unsupported_line(text, line)
                continue
            plname = acl_list_name(name)
            self.ref(RefKind.PREFIX_LIST, plname, f"route-map {t.name} {t.seq} match", line)
            t.matches[index] = MatchPrefixList(Afi.IPV4, plname, self.span(line))
        for af, address, name, direction, line, context in self.acl_filters:
            if self._usable(name) is False:
                self.modelled -= 1
                self.context = context
                self.unsupported_line(f"neighbor {address} distribute-list {name} {direction}", line)
                continue
            usage = f"neighbor {address} distribute-list {direction}"
            ref = self.ref(RefKind.PREFIX_LIST, acl_list_name(name), usage, line)
            (af.exports if direction == "out" else af.imports)["prefix_list"] = ref
