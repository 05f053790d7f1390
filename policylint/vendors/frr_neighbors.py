"""FRR assemble step, part 3: router bgp, address-family and neighbor statements."""

from __future__ import annotations

from policylint.model import Afi, RefKind
from policylint.vendors.frr_assemble import AF, _asn, _int
from policylint.vendors.frr_lex import Stmt
from policylint.vendors.frr_routemap import RouteMapAssembler
from policylint.vendors.frr_state import AfBuilder, send_kinds

_LOCAL_ROLES = frozenset({"provider", "customer", "peer", "rs-server", "rs-client", "undefined"})
_FILTER_KIND = {
    "nb_route_map": ("route_map", RefKind.ROUTE_MAP, "route-map"),
    "nb_prefix_list": ("prefix_list", RefKind.PREFIX_LIST, "prefix-list"),
    "nb_filter_list": ("filter_list", RefKind.AS_PATH_LIST, "filter-list"),
}


class FrrAssembler(RouteMapAssembler):
    # ------------------------------------------------------------------ router bgp
    def _h_router_id(self, stmt: Stmt) -> None:
        if self.instance is not None and self.instance.vrf is None:
            self.b.router_id = stmt.get("IPV4")

    def _h_ebgp_requires_policy(self, stmt: Stmt) -> None:
        if self.instance is not None:
            self.instance.requires_policy = not stmt.has("no")

    def _h_network_import_check(self, stmt: Stmt) -> None:
        if self.instance is not None:
            self.instance.import_check = not stmt.has("no")

    def _h_no_default_ipv4(self, stmt: Stmt) -> None:
        if self.instance is not None:
            self.instance.default_ipv4 = False

    def _h_address_family(self, stmt: Stmt) -> None:
        unicast = stmt.has("unicast") or not (stmt.has("other_safi") or stmt.has("fam_other"))
        if stmt.has("fam_ipv4") and unicast:
            self.afi, self.af_label = Afi.IPV4, "ipv4 unicast"
        elif stmt.has("fam_ipv6") and unicast:
            self.afi, self.af_label = Afi.IPV6, "ipv6 unicast"
        else:
            self.afi = None
            fam = "ipv4" if stmt.has("fam_ipv4") else "ipv6" if stmt.has("fam_ipv6") else "l2vpn evpn"
            self.af_label = f"{fam} (not unicast)"
        self.node = AF

    # ------------------------------------------------------------------ neighbor definition
    def _h_nb_remote_as(self, stmt: Stmt) -> None:
        remote = stmt.get("remote") or ""
        if remote not in ("internal", "external", "auto") and _asn(remote) is None:
            self._issue(stmt, f"`neighbor {stmt.get('peer')} remote-as {remote}`: not an AS number")
            return
        self.neighbor(stmt).remote = remote

    def _h_nb_interface(self, stmt: Stmt) -> None:
        nb = self.neighbor(stmt)
        if stmt.has("group"):
            nb.group = stmt.get("group")
            self._ref(RefKind.PEER_GROUP, nb.group or "", f"neighbor {nb.address} peer-group", stmt.line)
        if stmt.has("remote"):
            nb.remote = stmt.get("remote")

    def _h_nb_member(self, stmt: Stmt) -> None:
        nb = self.neighbor(stmt)
        nb.group = stmt.get("group")
        self._ref(RefKind.PEER_GROUP, nb.group or "", f"neighbor {nb.address} peer-group", stmt.line)

    def _h_nb_group(self, stmt: Stmt) -> None:
        self.neighbor(stmt).is_group = True

    def _h_nb_description(self, stmt: Stmt) -> None:
        self.neighbor(stmt).description = stmt.get("REST")

    def _h_nb_local_role(self, stmt: Stmt) -> None:
        role = stmt.get("role") or ""
        if role not in _LOCAL_ROLES:
            self._issue(
                stmt, f"`local-role {role}`: expected provider, customer, peer, rs-server or rs-client"
            )
            return
        self.neighbor(stmt).local_role = role

    def _h_nb_password(self, stmt: Stmt) -> None:
        self.neighbor(stmt).has_password = True  # the secret itself is never kept

    def _h_nb_multihop(self, stmt: Stmt) -> None:
        self.neighbor(stmt).multihop = _int(stmt.get("hops")) or 255

    def _h_nb_ttl_security(self, stmt: Stmt) -> None:
        self.neighbor(stmt).ttl_security = _int(stmt.get("hops"))

    # ------------------------------------------------------------------ per address family
    def _nb_af(self, stmt: Stmt) -> AfBuilder | None:
        if self.afi is None:
            return None
        af = self.neighbor(stmt).af(self.afi)
        if af.line is None:
            af.line = stmt.line
        return af

    def _h_nb_activate(self, stmt: Stmt) -> None:
        af = self._nb_af(stmt)
        if af is not None:
            af.activated = not stmt.has("no")

    def _filter(self, stmt: Stmt) -> None:
        af = self._nb_af(stmt)
        if af is None:
            return
        slot, kind, word = _FILTER_KIND[stmt.kind]
        name = stmt.get("name") or ""
        out = stmt.has("dir_out")
        direction = "out" if out else "in"
        ref = self._ref(kind, name, f"neighbor {stmt.get('peer')} {word} {direction}", stmt.line)
        (af.exports if out else af.imports)[slot] = ref

    def _h_nb_route_map(self, stmt: Stmt) -> None:
        self._filter(stmt)

    def _h_nb_prefix_list(self, stmt: Stmt) -> None:
        self._filter(stmt)

    def _h_nb_filter_list(self, stmt: Stmt) -> None:
        self._filter(stmt)

    def _h_nb_max_prefix(self, stmt: Stmt) -> None:
        af = self._nb_af(stmt)
        if af is not None:
            af.max_prefix = _int(stmt.get("INT"))

    def _h_nb_send_community(self, stmt: Stmt) -> None:
        af = self._nb_af(stmt)
        if af is not None:
            sent = not stmt.has("no")
            for kind in send_kinds(stmt.get("WORD")):
                af.send_community[kind] = sent

    def _h_nb_soft_reconfig(self, stmt: Stmt) -> None:
        af = self._nb_af(stmt)
        if af is not None:
            af.soft_reconfiguration = True
