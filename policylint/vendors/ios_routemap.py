"""Cisco IOS assemble step, part 2: ``route-map`` headers and their match/set/continue lines."""

from __future__ import annotations

from policylint.model import (
    Action,
    Afi,
    MatchAsPath,
    MatchCommunity,
    MatchOther,
    MatchPrefixList,
    MatchRpki,
    OnMatch,
    OnMatchKind,
    RefKind,
    RpkiState,
    SetCommunity,
    SetLocalPref,
    SetMetric,
    SetOther,
    SetPrepend,
    SetPrependLastAs,
)
from policylint.redact import redact_line
from policylint.vendors.frr_state import TermBuilder
from policylint.vendors.ios_lists import ListAssembler, asn, to_int

_RPKI = {"invalid": RpkiState.INVALID, "valid": RpkiState.VALID, "not-found": RpkiState.NOTFOUND}
_PREPEND_MAX = 64


class RouteMapAssembler(ListAssembler):
    term: TermBuilder | None = None

    def route_map(self, words: list[str], line: int) -> bool:
        """``route-map NAME [permit|deny] [SEQ]`` (IOS defaults: permit 10)."""
        if len(words) < 2 or len(words) > 4:
            return False
        name = words[1]
        action = Action.PERMIT
        seq = 10
        if len(words) >= 3:
            if words[2] not in ("permit", "deny"):
                return False
            action = Action.PERMIT if words[2] == "permit" else Action.DENY
        if len(words) == 4:
            n = to_int(words[3])
            if n is None:
                return False
            seq = n
        key = (name, seq)
        term = self.b.terms.get(key)
        if term is None:
            term = self.b.terms[key] = TermBuilder(name, seq, action, line, line)
        else:
            term.action = action
        self.term = term
        self.context = f"route-map {name} {action.value} {seq}"
        return True

    def _usage(self, t: TermBuilder) -> str:
        return f"route-map {t.name} {t.seq} match"

    def _other(self, t: TermBuilder, text: str, line: int, match: bool) -> bool:
        """A match/set the model does not understand: kept (so the evaluator is unsure), reported."""
        red = redact_line(text)
        if match:
            t.matches.append(MatchOther(red, self.span(line)))
        else:
            t.sets.append(SetOther(red, self.span(line)))
        return False

    def route_map_line(self, text: str, words: list[str], line: int) -> bool:
        t = self.term
        if t is None:
            return False
        t.end_line = max(t.end_line, line)
        head = words[0]
        if head == "match":
            return self._match(t, text, words, line)
        if head == "set":
            return self._set(t, text, words, line)
        if head == "continue":
            target = to_int(words[1]) if len(words) > 1 else None
            kind = OnMatchKind.GOTO if target is not None else OnMatchKind.NEXT
            t.on_match = OnMatch(kind, target, self.span(line))
            return True
        return head == "description"

    def match_acl(self, t: TermBuilder, text: str, words: list[str], line: int) -> bool:
        """``match ip address ACL`` (access-lists are modelled by a subclass)."""
        return self._other(t, text, line, True)

    def _match(self, t: TermBuilder, text: str, words: list[str], line: int) -> bool:
        n = len(words)
        span = self.span(line)
        if n >= 5 and words[1] in ("ip", "ipv6") and words[2] == "address" and words[3] == "prefix-list":
            afi = Afi.IPV6 if words[1] == "ipv6" else Afi.IPV4
            names = words[4:]
            for name in names:
                self.ref(RefKind.PREFIX_LIST, name, self._usage(t), line)
            if len(names) == 1:
                t.matches.append(MatchPrefixList(afi, names[0], span))
                return True
            return self._other(t, text, line, True)  # several lists: any one may match (OR)
        if n >= 4 and words[1] == "ip" and words[2] == "address":
            return self.match_acl(t, text, words, line)
        if n >= 3 and words[1] == "as-path":
            for name in words[2:]:
                self.ref(RefKind.AS_PATH_LIST, name, self._usage(t), line)
            if n == 3:
                t.matches.append(MatchAsPath(words[2], span))
                return True
            return self._other(t, text, line, True)
        if n >= 3 and words[1] == "community":
            exact = words[-1] == "exact-match"
            names = words[2:-1] if exact else words[2:]
            for name in names:
                self.ref(RefKind.COMMUNITY_LIST, name, self._usage(t), line)
            if len(names) == 1:
                t.matches.append(MatchCommunity(names[0], False, exact, span))
                return True
            return self._other(t, text, line, True)
        if n == 3 and words[1] == "rpki" and words[2] in _RPKI:
            t.matches.append(MatchRpki(_RPKI[words[2]], span))
            return True
        return self._other(t, text, line, True)

    def _set(self, t: TermBuilder, text: str, words: list[str], line: int) -> bool:
        n = len(words)
        span = self.span(line)
        if n >= 4 and words[1] == "as-path" and words[2] == "prepend":
            if words[3] == "last-as":
                count = to_int(words[4]) if n == 5 else None
                if count is None or not 1 <= count <= 10:
                    self.issue(line, "`set as-path prepend last-as N`: IOS accepts 1-10")
                    return True
                t.sets.append(SetPrependLastAs(count, span))
                return True
            asns = [asn(w) for w in words[3:]]
            if any(a is None for a in asns) or len(asns) > _PREPEND_MAX:
                self.issue(line, f"`{text}`: not a list of AS numbers")
                return True
            t.sets.append(SetPrepend(tuple(a for a in asns if a is not None), span))
            return True
        if n == 3 and words[1] == "local-preference":
            value = to_int(words[2])
            if value is None:
                return self._other(t, text, line, False)
            t.sets.append(SetLocalPref(value, span))
            return True
        if n == 3 and words[1] == "metric":
            t.sets.append(SetMetric(words[2], span))
            return True
        if n >= 3 and words[1] == "community":
            values = [w for w in words[2:] if w != "additive"]
            if values == ["none"]:
                t.sets.append(SetCommunity((), False, False, span, none=True))
                return True
            additive = "additive" in words[2:]
            t.sets.append(SetCommunity(tuple(values), additive, False, span))
            return True
        return self._other(t, text, line, False)
