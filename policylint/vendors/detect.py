"""Vendor detection from file content (never from the file name alone)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# (vendor, pattern, weight): evidence found in the first part of a file
_EVIDENCE: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (v, re.compile(p, re.MULTILINE), w)
    for v, p, w in (
        ("frr", r"^frr (version|defaults)\b", 10),
        ("frr", r"^\s*bgp (as-path access-list|community-list|large-community-list)\b", 4),
        ("frr", r"^\s*exit-address-family\b", 1),
        ("frr", r"^\s*address-family (ipv4|ipv6) (unicast|multicast|vpn|labeled-unicast|flowspec)\b", 1),
        ("frr", r"^\s*neighbor \S+ (remote-as|peer-group|local-role|activate)\b", 1),
        ("frr", r"^\s*network \d+\.\d+\.\d+\.\d+/\d+", 2),
        ("frr", r"^\s*rpki\s*$", 3),
        ("frr", r"^\s*(log (file|syslog|stdout)|service integrated-vtysh-config|zebra |ip forwarding)\b", 2),
        ("frr", r"^\s*ip prefix-list \S+ (seq \d+ )?(permit|deny) \S+/\d+", 2),
        ("frr", r"^route-map \S+ (permit|deny) \d+\s*$", 2),
        ("frr", r"^\s*router (bgp|ospf|isis|rip|ospf6|babel|eigrp)\b", 2),
        ("frr", r"^\s*neighbor \S+ interface\b", 4),
        ("frr", r"^\s*(ip addr(ess)?|ipv6 address) [0-9a-fA-F:.]+/\d+", 2),
        ("frr", r"^\s*set extcommunity bandwidth\b", 4),
        ("frr", r"^access-list \S+ seq \d+ (permit|deny)", 3),
        ("ios", r"^\s*network \d+\.\d+\.\d+\.\d+ mask \d+", 4),
        ("ios", r"^\s*ip (as-path access-list|community-list)\b", 4),
        ("ios", r"^(version 1[0-9]\.|boot-start-marker|service timestamps)", 6),
        (
            "ios",
            r"^interface (GigabitEthernet|FastEthernet|TenGigabitEthernet|Ethernet\d|Loopback|Serial)",
            2,
        ),
        ("ios", r"^!RANCID-CONTENT-TYPE: cisco\s*$", 20),
        ("eos", r"^!RANCID-CONTENT-TYPE: arista\s*$", 20),
        ("nx-os", r"^!RANCID-CONTENT-TYPE: cisco-nx\s*$", 20),
        ("ios-xr", r"^!RANCID-CONTENT-TYPE: cisco-xr\s*$", 20),
        (
            "ios",
            r"^interface (Ethernet|GigabitEthernet|FastEthernet|TenGig\S*|Loopback|Port-channel|Vlan|"
            r"Management|Tunnel|BVI|Serial|Dialer)\d",
            3,
        ),
        ("ios", r"^\s*ip address \d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+", 3),
        ("ios-xr", r"^\s*(route-policy \S+|end-policy|prefix-set \S+|end-set|RP/0/)", 12),
        ("nx-os", r"^\s*(feature (bgp|ospf|interface-vlan)|!Command: show running-config)", 12),
        ("eos", r"^\s*(! device: |management api http-commands|daemon TerminAttr)", 12),
        ("asa", r"^\s*(ASA Version|: Saved|names$)", 12),
        ("ios", r"^\s*bgp (rpki server|bestpath prefix-validate|safe-ebgp-policy)\b", 6),
        ("ios", r"^\s*neighbor \S+ (send-community|remove-private-as|update-source) ", 1),
        ("ios", r"^access-list \d+ (permit|deny) (\d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+|host |any)", 3),
        ("ios", r"^ip access-list (standard|extended) \S+\s*$", 3),
        ("ios", r"^\s*neighbor \S+ password 7 \S+\s*$", 3),
        ("ios", r"^(Building configuration\.\.\.|Current configuration : \d+ bytes)", 10),
        ("eos", r"^\s*(! boot system flash:\S*EOS|ip routing$|management api)", 12),
        ("eos", r"^\s+ip address \d+\.\d+\.\d+\.\d+/\d+\s*$", 3),
        ("exabgp", r"^\s*neighbor \S+\s*\{", 10),
        ("exabgp", r"^\s*(process|template|static|announce)\s+\S*\s*\{", 6),
        ("exabgp", r"^\s*(local-as|peer-as|router-id|local-address)\s+\S+;", 4),
    )
)


def _literal_runs(src: str) -> tuple[list[str], list[str]]:
    """Literal text a pattern needs: (runs outside any group, leading runs of its first group's branches)."""
    top: list[str] = []
    branches: list[str] = [""]
    depth, i, cur, in_class, first_group_done = 0, 0, "", False, False
    while i < len(src):
        c = src[i]
        if in_class:
            in_class = c != "]" or src[i - 1] == "\\"
            i += 1
            continue
        literal = c not in "\\[]()|?*+{}^$."
        if c == "\\":
            i += 1
        if c == "[":
            in_class = True
        if depth == 0:
            if literal and (i + 1 >= len(src) or src[i + 1] not in "?*{"):
                cur += c
            else:
                top.append(cur)
                cur = ""
        elif depth == 1 and not first_group_done:
            if c == "|":
                branches.append("")
            elif literal and branches[-1] is not None:
                branches[-1] += c
            elif branches[-1] and not branches[-1].endswith("\0"):
                branches[-1] += "\0"
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            first_group_done = first_group_done or depth == 0
        i += 1
    top.append(cur)
    return [r for r in top if len(r.strip()) >= 3], [b.split("\0")[0] for b in branches]


def _needs(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Substrings of which at least one must be in the text for the pattern to match ("" = always try).

    A cheap ``in`` test first saves a full regex scan for most of the ~35 patterns per file.
    """
    top, branches = _literal_runs(pattern.pattern)
    if top:
        return (max(top, key=len),)
    if branches and all(len(b.strip()) >= 2 for b in branches):
        return tuple(branches)
    return ("",)


def _after_newline(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``^REST`` as ``\\nREST``, to search ``"\\n" + text`` instead of ``text``.

    The same matches (``^`` in multi-line mode is the start or just after a newline), but
    the pattern now begins with a literal, so the regex engine skips to each newline instead
    of trying the whole pattern at every character.  Patterns without a leading ``^`` (or
    with a top-level ``|``) are kept as they are.
    """
    src = pattern.pattern
    if not src.startswith("^") or _top_level_bar(src):
        return pattern
    return re.compile("\n" + src[1:], pattern.flags)


def _top_level_bar(src: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 1
        elif in_class or c == "[":
            in_class = c != "]"
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


# (vendor, pattern, weight, substrings one of which a match needs, search "\n" + text?)
_PREFILTERED = tuple((v, q, w, _needs(p), q is not p) for v, p, w in _EVIDENCE for q in (_after_newline(p),))

SUPPORTED = frozenset({"frr", "ios", "exabgp"})
KNOWN = frozenset({"frr", "ios", "ios-xr", "nx-os", "eos", "asa", "exabgp"})


@dataclass(frozen=True, slots=True)
class Detection:
    vendor: str | None  # None: not recognised as a router config
    score: int


def _score(head: str) -> dict[str, int]:
    scores: dict[str, int] = {}
    text = "\n" + head
    for vendor, pattern, weight, needs, newline in _PREFILTERED:
        for need in needs:  # a plain loop: a generator per pattern and file costs more than the test
            if need in head:
                if pattern.search(text if newline else head):
                    scores[vendor] = scores.get(vendor, 0) + weight
                break
    return scores


def detect(text: str) -> Detection:
    """Score vendor evidence in the start of the file (a larger start only when unsure)."""
    scores = _score(text[:8192])
    if max(scores.values(), default=0) < 6 and len(text) > 8192:
        scores = _score(text[:65536])
    if not scores:
        return Detection(None, 0)
    vendor, score = max(scores.items(), key=lambda kv: (kv[1], kv[0] == "frr"))
    if score < 2:
        return Detection(None, score)
    return Detection(vendor, score)


_EXABGP3 = (
    re.compile(r"^\s*group \S+\s*\{", re.MULTILINE),
    re.compile(r"^[ \t]+process \S+\s*\{", re.MULTILINE),  # processes inside neighbor/group: 3.x
    re.compile(r"^\s*(inet4|inet6) ", re.MULTILINE),
    re.compile(r"^\s*md5 \S+;", re.MULTILINE),  # 4.x renamed it md5-password
)


def dialect_note(vendor: str, text: str) -> str | None:
    """A note when the file is a dialect of a supported vendor that is not supported yet."""
    if vendor == "exabgp" and any(p.search(text) for p in _EXABGP3):
        return "exabgp 3.x dialect not supported yet (processes and groups inside neighbors)"
    return None
