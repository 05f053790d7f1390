"""ExaBGP 4.x/5.x front end: grammar -> nodes -> neighbors/templates -> Device.

ExaBGP's meaning is decided here, once, and expressed in the common model:

* ExaBGP sends each neighbor exactly the routes configured for it (``static``,
  ``announce``, inherited from templates).  That is the neighbor's export policy:
  a route-map ``exabgp-routes-ADDR`` with one permit term per group of routes with
  the same attributes (a prefix-list of exactly those prefixes; ``split /N`` becomes
  ``P ge N le N``), and the implicit deny for everything else.
* A configured ``as-path [ ... ]`` is sent exactly as written; only without one does
  ExaBGP put its local AS in front.  When the written path begins with the local
  AS, the rest is what the model calls a prepend (``set as-path prepend``), so the
  prepend rules see it; the whole written path is also kept on the
  :class:`~policylint.model.Origination` (``as_path``) for the rule that checks
  it begins with the local AS (PP106).
* ExaBGP never installs or re-advertises what it receives: every neighbor's import
  policy denies all (``exabgp-no-rib``), so import, RPKI and leak rules see no
  accepted routes.
* Processes connected through ``api`` can announce more routes at run time
  (health checks printing ``announce route ...``): kept as ``runtime_sources``.
"""

from __future__ import annotations

from pathlib import PurePath

from policylint.model import (
    Action,
    Afi,
    Device,
    Filters,
    MatchPrefixList,
    Neighbor,
    NeighborAF,
    Origination,
    Policy,
    PrefixEntry,
    PrefixList,
    Ref,
    RefKind,
    Role,
    RoleSource,
    RuntimeSource,
    SetAction,
    SetCommunity,
    SetLocalPref,
    SetMetric,
    SetPrepend,
    Span,
    Term,
    UndefinedMatch,
    UndefinedPolicy,
    VendorSemantics,
)
from policylint.roles import role_from_description
from policylint.vendors import ConfigSyntaxError
from policylint.vendors.exabgp_peers import PeerConf, PeerReader, resolve
from policylint.vendors.exabgp_routes import Route
from policylint.vendors.exabgp_syntax import Node, SyntaxProblem, flat, is_stray, parse_nodes
from policylint.vendors.frr_assemble import _asn

NO_RIB = "exabgp-no-rib"
_GENERIC = frozenset({"exabgp", "config", "bgp", "router", "neighbors"})
_NOOP_TOP = frozenset({"environment"})

SEMANTICS = VendorSemantics(
    ebgp_requires_policy=False,
    undefined_neighbor_policy=UndefinedPolicy.DENY_ALL,
    undefined_match_list=UndefinedMatch.NEVER_MATCHES,
    empty_prefix_list_permits=False,
    no_rfc8212_reason="ExaBGP sends only its configured routes",
    notes=(
        "ExaBGP sends each neighbor exactly its configured routes, as-path as written",
        "ExaBGP does not install or re-advertise received routes",
    ),
)


class _Reader(PeerReader):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.neighbors: list[PeerConf] = []
        self.templates: dict[str, PeerConf] = {}
        self.processes: dict[str, Node] = {}

    def top(self, node: Node) -> None:
        key = node.key
        if is_stray(node):
            self.issue(
                node.line,
                "this `}` closes no block; ExaBGP ignores it, "
                "but the nesting above is not what it looks like",
            )
            return
        if node.children is not None and key == "neighbor" and len(node.words) == 2:
            self.neighbors.append(self.peer(node, flat(node.words[1])[0]))
        elif node.children is not None and key == "template":
            for child in node.children:
                if child.key == "neighbor" and child.children is not None and len(child.words) == 2:
                    name = flat(child.words[1])[0]
                    self.templates[name] = self.peer(child, name)
                else:
                    self.unsupported_node(child, "template")
        elif node.children is not None and key == "process" and len(node.words) == 2:
            self.processes[flat(node.words[1])[0]] = node
        elif key in _NOOP_TOP:
            pass
        else:
            self.unsupported_node(node, "top level")
            return
        self.modelled += 1


def parse(path: str, text: str) -> tuple[Device, ...]:
    """Parse one ExaBGP configuration into one Device (all its neighbors)."""
    try:
        nodes, closed = parse_nodes(text)
    except SyntaxProblem as exc:
        raise ConfigSyntaxError(str(exc), exc.line) from None
    reader = _Reader(path)
    if closed:
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        reader.issue(
            max(last, 1),
            f"{closed} block(s) not closed with `}}`: ExaBGP closes them at the end of the file, "
            "so everything after the last `{` belongs to that block",
        )
    for node in nodes:
        reader.top(node)
    return (_Builder(reader).device(),)


class _Builder:
    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.policies: dict[str, Policy] = {}
        self.prefix_lists: dict[tuple[Afi, str], PrefixList] = {}
        self.originations: list[Origination] = []
        self.refs: list[Ref] = []

    def span(self, line: int, end: int | None = None) -> Span:
        return self.r.span(line, end)

    def asn(self, conf: PeerConf, key: str) -> int | None:
        value = conf.values.get(key)
        if value is None:
            return None
        number = _asn(value[0])
        if number is None:
            self.r.issue(value[1], f"`{key} {value[0]}`: not an AS number")
        return number

    def device(self) -> Device:
        r = self.r
        resolved = [resolve(c, r.templates) for c in r.neighbors]
        for conf in [*r.neighbors, *r.templates.values()]:
            for name, line in conf.inherits:
                self.refs.append(
                    Ref(RefKind.PEER_GROUP, name, f"neighbor {conf.name} inherit", self.span(line))
                )
        neighbors = tuple(self.neighbor(c) for c in resolved)
        if any(nb.afs for nb in neighbors):
            first = min(resolved, key=lambda c: c.line)
            self.policies[NO_RIB] = Policy(
                NO_RIB,
                (Term(10, Action.DENY, (), (), None, None, self.span(first.line)),),
                self.span(first.line),
            )
        groups = tuple(self.template(t) for t in r.templates.values())
        runtime = self.runtime(resolved)
        local = next((nb.local_as for nb in neighbors if nb.local_as is not None), None)
        hostname = next((c.values["router-id"][0] for c in resolved if "router-id" in c.values), None)
        return Device(
            hostname=_name(r.path),
            vendor="exabgp",
            source=r.path,
            asn=local,
            router_id=hostname,
            neighbors=neighbors,
            peer_groups=groups,
            policies=self.policies,
            prefix_lists=self.prefix_lists,
            as_path_lists={},
            community_lists={},
            large_community_lists={},
            originations=tuple(self.originations),
            rpki=None,
            semantics=SEMANTICS,
            refs=tuple(self.refs),
            unsupported=tuple(r.unsupported),
            issues=tuple(r.issues),
            bgp_span=None,
            modelled_lines=r.modelled,
            runtime_sources=runtime,
        )

    # ------------------------------------------------------------------ neighbors
    def neighbor(self, conf: PeerConf) -> Neighbor:
        local, remote = self.asn(conf, "local-as"), self.asn(conf, "peer-as")
        description = conf.values.get("description", (None, 0))[0]
        ibgp = remote is not None and remote == local
        role = Role.INTERNAL if ibgp else role_from_description(description)
        source = RoleSource.SESSION if ibgp else RoleSource.DESCRIPTION if role else None
        span = self.span(conf.line, conf.end_line)
        families = conf.families if conf.families is not None else [Afi.IPV4, Afi.IPV6]
        afs = tuple(self.af(conf, afi, local, span) for afi in (Afi.IPV4, Afi.IPV6) if afi in families)
        return Neighbor(
            address=conf.name,
            remote_as=remote,
            remote_as_kind="number" if remote is not None else "unset",
            local_as=local,
            role=role,
            role_source=source,
            description=description,
            peer_group=conf.inherits[0][0] if conf.inherits else None,
            has_password=conf.has_password,
            ebgp_multihop=None,
            ttl_security=None,
            afs=afs,
            span=span,
        )

    def af(self, conf: PeerConf, afi: Afi, local: int | None, span: Span) -> NeighborAF:
        name = f"exabgp-routes-{conf.name}"
        routes = [rt for rt in conf.routes if rt.afi is afi]
        policy = self.policies.get(name)
        terms = list(policy.terms) if policy is not None else []
        groups: dict[tuple[object, ...], list[Route]] = {}
        for rt in routes:
            groups.setdefault(rt.attr_key, []).append(rt)
        for group in groups.values():
            terms.append(self.term(conf, afi, len(terms), group, local))
        self.policies[name] = Policy(name, tuple(terms), span)
        for rt in routes:
            for prefix in rt.prefixes():
                self.originations.append(
                    Origination(prefix, rt.via, None, self.span(rt.line), as_path=rt.as_path, peer=conf.name)
                )
        imports = Filters(route_map=Ref(RefKind.ROUTE_MAP, NO_RIB, f"neighbor {conf.name} (receive)", span))
        exports = Filters(route_map=Ref(RefKind.ROUTE_MAP, name, f"neighbor {conf.name} routes", span))
        return NeighborAF(afi, True, imports, exports, None, False, span)

    def term(self, conf: PeerConf, afi: Afi, index: int, group: list[Route], local: int | None) -> Term:
        seq = (index + 1) * 10
        plname = f"exabgp-routes-{conf.name}-{seq}"
        entries = tuple(
            PrefixEntry(
                (i + 1) * 5,
                Action.PERMIT,
                rt.prefix,
                rt.split if rt.split is not None and rt.split > rt.prefix.prefixlen else None,
                rt.split if rt.split is not None and rt.split > rt.prefix.prefixlen else None,
                self.span(rt.line),
            )
            for i, rt in enumerate(group)
        )
        first = group[0]
        span = self.span(first.line)
        self.prefix_lists[(afi, plname)] = PrefixList(plname, afi, entries, span)
        sets: list[SetAction] = []
        path = first.as_path
        if path is not None:
            extra = path[1:] if path and path[0] == local else path
            if extra:
                sets.append(SetPrepend(extra, span))
        if first.communities:
            sets.append(SetCommunity(first.communities, False, False, span))
        if first.med is not None:
            sets.append(SetMetric(first.med, span))
        if first.local_pref is not None:
            sets.append(SetLocalPref(first.local_pref, span))
        match = MatchPrefixList(afi, plname, span)
        return Term(seq, Action.PERMIT, (match,), tuple(sets), None, None, span)

    def template(self, conf: PeerConf) -> Neighbor:
        span = self.span(conf.line, conf.end_line)
        return Neighbor(conf.name, None, "unset", None, None, None, None, None, conf.has_password,
                        None, None, (), span)  # fmt: skip

    def runtime(self, resolved: list[PeerConf]) -> tuple[RuntimeSource, ...]:
        out: list[RuntimeSource] = []
        used: dict[str, list[str]] = {}
        for conf in resolved:
            for name, line in conf.processes:
                if name not in self.r.processes:
                    self.r.issue(
                        line, f"api uses process {name}, which is not defined: ExaBGP refuses the file"
                    )
                    continue
                used.setdefault(name, []).append(conf.name)
        for name, node in self.r.processes.items():
            peers = used.get(name)
            if peers is None:
                continue
            who = ", ".join(peers[:3]) + (f" and {len(peers) - 3} more" if len(peers) > 3 else "")
            out.append(RuntimeSource(name, f"process {name} (API of neighbor {who})", self.span(node.line)))
        return tuple(out)


def _name(path: str) -> str:
    """The file's stem; ``<dir>-exabgp`` for a generic name such as ``site/exabgp.conf``."""
    p = PurePath(path)
    stem = p.stem or p.name
    if stem in _GENERIC and p.parent.name:
        return f"{p.parent.name}-{stem}"
    return stem
