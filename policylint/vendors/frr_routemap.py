"""FRR assemble step, part 2: the body of a route-map term (match, set, on-match, call)."""

from __future__ import annotations

from policylint.model import (
    Afi,
    MatchAsPath,
    MatchCommunity,
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
from policylint.vendors.frr_assemble import _PREPEND_MAX_WORDS, Assembler, _asn, _int
from policylint.vendors.frr_lex import Stmt
from policylint.vendors.frr_state import TermBuilder


class RouteMapAssembler(Assembler):
    def _rm_term(self, stmt: Stmt) -> TermBuilder:
        assert self.term is not None  # RMAP node always has a term
        return self.term

    def _rm_ref(self, kind: RefKind, name: str, stmt: Stmt) -> None:
        t = self._rm_term(stmt)
        self._ref(kind, name, f"route-map {t.name} {t.seq} match", stmt.line)

    def _h_match_prefix_list(self, stmt: Stmt) -> None:
        afi = Afi.IPV6 if stmt.has("afi6") else Afi.IPV4
        name = stmt.get("name") or ""
        self._rm_ref(RefKind.PREFIX_LIST, name, stmt)
        self._rm_term(stmt).matches.append(MatchPrefixList(afi, name, self.b.span(stmt.line)))

    def _h_match_as_path(self, stmt: Stmt) -> None:
        name = stmt.get("name") or ""
        self._rm_ref(RefKind.AS_PATH_LIST, name, stmt)
        self._rm_term(stmt).matches.append(MatchAsPath(name, self.b.span(stmt.line)))

    def _match_comm(self, stmt: Stmt, large: bool) -> None:
        name = stmt.get("name") or ""
        kind = RefKind.LARGE_COMMUNITY_LIST if large else RefKind.COMMUNITY_LIST
        self._rm_ref(kind, name, stmt)
        m = MatchCommunity(name, large, stmt.has("exact"), self.b.span(stmt.line))
        self._rm_term(stmt).matches.append(m)

    def _h_match_community(self, stmt: Stmt) -> None:
        self._match_comm(stmt, False)

    def _h_match_large_community(self, stmt: Stmt) -> None:
        self._match_comm(stmt, True)

    def _h_match_rpki(self, stmt: Stmt) -> None:
        text = stmt.get("rpki_state") or ""
        try:
            state = RpkiState(text)
        except ValueError:
            self._issue(stmt, f"`match rpki {text}`: expected valid, invalid or notfound")
            return
        self._rm_term(stmt).matches.append(MatchRpki(state, self.b.span(stmt.line)))

    def _h_set_prepend(self, stmt: Stmt) -> None:
        words = stmt.values("prepend_asn")
        asns = tuple(_asn(w) for w in words)
        if any(a is None for a in asns) or len(asns) > _PREPEND_MAX_WORDS:
            self._issue(stmt, f"`set as-path prepend {' '.join(words)}`: not a list of AS numbers")
            return
        prepend = SetPrepend(tuple(a for a in asns if a is not None), self.b.span(stmt.line))
        self._rm_term(stmt).sets.append(prepend)

    def _h_set_prepend_last_as(self, stmt: Stmt) -> None:
        count = _int(stmt.get("INT")) or 0
        if not 1 <= count <= 10:
            self._issue(stmt, f"`set as-path prepend last-as {count}`: FRR accepts 1-10")
            return
        self._rm_term(stmt).sets.append(SetPrependLastAs(count, self.b.span(stmt.line)))

    def _h_set_local_pref(self, stmt: Stmt) -> None:
        text = stmt.get("value") or ""
        span = self.b.span(stmt.line)
        value = _int(text)
        t = self._rm_term(stmt)
        t.sets.append(
            SetLocalPref(value, span) if value is not None else SetOther(f"set local-preference {text}", span)
        )

    def _h_set_metric(self, stmt: Stmt) -> None:
        self._rm_term(stmt).sets.append(SetMetric(stmt.get("value") or "", self.b.span(stmt.line)))

    def _set_comm(self, stmt: Stmt, large: bool, values: tuple[str, ...], none: bool) -> None:
        s = SetCommunity(values, stmt.has("additive"), large, self.b.span(stmt.line), none=none)
        self._rm_term(stmt).sets.append(s)

    def _h_set_community(self, stmt: Stmt) -> None:
        self._set_comm(stmt, False, stmt.values("comm_value"), False)

    def _h_set_community_none(self, stmt: Stmt) -> None:
        self._set_comm(stmt, False, (), True)

    def _h_set_large_community(self, stmt: Stmt) -> None:
        self._set_comm(stmt, True, stmt.values("lcomm_value"), False)

    def _h_set_large_community_none(self, stmt: Stmt) -> None:
        self._set_comm(stmt, True, (), True)

    def _h_on_match_next(self, stmt: Stmt) -> None:
        self._rm_term(stmt).on_match = OnMatch(OnMatchKind.NEXT, None, self.b.span(stmt.line))

    def _h_on_match_goto(self, stmt: Stmt) -> None:
        target = _int(stmt.get("INT"))
        self._rm_term(stmt).on_match = OnMatch(OnMatchKind.GOTO, target, self.b.span(stmt.line))

    def _h_continue(self, stmt: Stmt) -> None:
        target = _int(stmt.get("INT"))
        kind = OnMatchKind.GOTO if target is not None else OnMatchKind.NEXT
        self._rm_term(stmt).on_match = OnMatch(kind, target, self.b.span(stmt.line))

    def _h_call(self, stmt: Stmt) -> None:
        name = stmt.get("name") or ""
        t = self._rm_term(stmt)
        self._ref(RefKind.ROUTE_MAP, name, f"route-map {t.name} {t.seq} call", stmt.line)
        t.call = name
