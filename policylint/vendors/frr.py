"""FRR front end: text -> statements (frr_lex) -> node logic (frr_assemble) -> Device.

FRR's meaning is decided here, once, in :func:`_semantics` and the inheritance
rules of :func:`_neighbors`; checks and the evaluator only read the result.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePath

from policylint.model import (
    COMMUNITY_KINDS,
    Afi,
    Device,
    Filters,
    Neighbor,
    NeighborAF,
    Policy,
    Ref,
    Role,
    RoleSource,
    RpkiConfig,
    Span,
    Term,
    UndefinedMatch,
    UndefinedPolicy,
    VendorSemantics,
)
from policylint.roles import LOCAL_ROLE_TO_NEIGHBOR, role_from_description
from policylint.vendors.frr_assemble import PREFIX_LIST_LINE, _asn
from policylint.vendors.frr_lex import FrrSyntax
from policylint.vendors.frr_neighbors import FrrAssembler
from policylint.vendors.frr_state import AfBuilder, DeviceBuilder, NeighborBuilder

_GENERIC_NAMES = frozenset({"frr", "bgpd", "zebra", "router", "config", "running-config", "startup-config"})
_VERSION = re.compile(r"(\d+)\.(\d+)")
_TRAILING_DIRECTIVE = re.compile(r"\s[!#]\s*policylint:.*$")  # an inline suppression (suppress.py)


@cache
def syntax() -> FrrSyntax:
    return FrrSyntax()


def parse(path: str, text: str) -> tuple[Device, ...]:
    """Parse one FRR configuration file into one Device.  Never raises on bad lines."""
    syn = syntax()
    keywords = syn.keywords
    asm = FrrAssembler(path)
    fast = PREFIX_LIST_LINE.fullmatch
    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "!#":
            continue
        if "policylint:" in stripped:
            raw = _TRAILING_DIRECTIVE.sub("", raw)  # noqa: PLW2901
            stripped = raw.strip()
            if not stripped:
                continue
        if (
            stripped[0] == "i"
            and (m := fast(stripped)) is not None
            and m[2] not in keywords
            and asm.fast_prefix_list(m, lineno)
        ):
            continue
        words = syn.words(stripped)
        indent = 1 if raw[0] in " \t" else 0  # FRR only cares whether a line is indented
        asm.feed(syn.statement(words, lineno, indent), words, raw, lineno, indent)
    return (_device(asm),)


def _hostname(b: DeviceBuilder) -> str:
    if b.hostname:
        return b.hostname
    p = PurePath(b.path)
    stem = p.stem
    if stem in _GENERIC_NAMES and p.parent.name:
        return p.parent.name
    return stem or p.name


def _semantics(b: DeviceBuilder) -> VendorSemantics:
    """FRR: RFC 8212 is on for `frr defaults traditional` from 7.4, off for datacenter."""
    default_on = b.defaults != "datacenter"
    m = _VERSION.match(b.version or "")
    if m and (int(m.group(1)), int(m.group(2))) < (7, 4):
        default_on = False
    explicit = b.instances[0].requires_policy if b.instances else None
    requires = default_on if explicit is None else explicit
    # `bgp network import-check`: on for both profiles from 7.4, before that datacenter only
    check = True if not m or (int(m.group(1)), int(m.group(2))) >= (7, 4) else b.defaults == "datacenter"
    explicit_check = b.instances[0].import_check if b.instances else None
    return VendorSemantics(
        ebgp_requires_policy=requires,
        undefined_neighbor_policy=UndefinedPolicy.DENY_ALL,
        undefined_match_list=UndefinedMatch.NEVER_MATCHES,
        empty_prefix_list_permits=True,
        network_needs_route=check if explicit_check is None else explicit_check,
        network_route_reason=(
            "FRR announces a `network` prefix only while exactly that prefix is in its routing table "
            "(`bgp network import-check`, the default since FRR 7.4)"
        ),
        rib_in_config=False,
        notes=(
            "FRR denies all routes on a session whose route-map or prefix-list is undefined",
            "FRR never matches a route-map `match` on an undefined list",
        ),
    )


def _filters(own: dict[str, Ref], inherited: dict[str, Ref]) -> Filters:
    merged = {**inherited, **own}
    return Filters(merged.get("route_map"), merged.get("prefix_list"), merged.get("filter_list"))


_NO_AF = AfBuilder()  # read only: a family the neighbor's config never mentions


def _afs(
    nb: NeighborBuilder,
    group: NeighborBuilder | None,
    default_ipv4: bool,
    span: Span,
    default_send: frozenset[str],
) -> tuple[NeighborAF, ...]:
    out: list[NeighborAF] = []
    for afi in (Afi.IPV4, Afi.IPV6):
        own = nb.afs.get(afi, _NO_AF)
        grp = group.afs.get(afi, _NO_AF) if group else _NO_AF
        activated = own.activated if own.activated is not None else grp.activated
        if activated is None:
            activated = afi is Afi.IPV4 and default_ipv4
        line = own.line or grp.line
        sent = default_send
        if own.send_community or grp.send_community:
            explicit = {**grp.send_community, **own.send_community}
            sent = frozenset(k for k in COMMUNITY_KINDS if explicit.get(k, k in default_send))
        out.append(
            NeighborAF(
                afi=afi,
                activated=activated,
                imports=_filters(own.imports, grp.imports),
                exports=_filters(own.exports, grp.exports),
                max_prefix=own.max_prefix if own.max_prefix is not None else grp.max_prefix,
                soft_reconfiguration=own.soft_reconfiguration or grp.soft_reconfiguration,
                span=Span(span.path, line, line) if line else span,
                send_communities=sent,
            )
        )
    return tuple(out)


def _role(
    ibgp: bool, local_role: str | None, description: str | None
) -> tuple[Role | None, RoleSource | None]:
    if local_role in LOCAL_ROLE_TO_NEIGHBOR:
        return LOCAL_ROLE_TO_NEIGHBOR[local_role or ""], RoleSource.CONFIG
    if ibgp:
        return Role.INTERNAL, RoleSource.SESSION
    role = role_from_description(description)
    return (role, RoleSource.DESCRIPTION) if role else (None, None)


def _neighbor(
    b: DeviceBuilder, nb: NeighborBuilder, group: NeighborBuilder | None, default_send: frozenset[str]
) -> Neighbor:
    inst = b.instances[nb.instance]
    remote = nb.remote or (group.remote if group else None)
    kind = "unset" if remote is None else remote if remote in ("internal", "external", "auto") else "number"
    remote_as = inst.asn if kind == "internal" else _asn(remote) if kind == "number" else None
    span = b.span(nb.line, nb.end_line)
    local_role = nb.local_role or (group.local_role if group else None)
    description = nb.description or (group.description if group else None)
    ibgp = kind == "internal" or (kind == "number" and remote_as == inst.asn)
    role, source = _role(ibgp, local_role, description)
    return Neighbor(
        address=nb.address,
        remote_as=remote_as,
        remote_as_kind=kind,
        local_as=inst.asn,
        role=role,
        role_source=source,
        description=nb.description,
        peer_group=nb.group,
        has_password=nb.has_password or bool(group and group.has_password),
        ebgp_multihop=nb.multihop if nb.multihop is not None else group.multihop if group else None,
        ttl_security=nb.ttl_security
        if nb.ttl_security is not None
        else group.ttl_security
        if group
        else None,
        afs=_afs(nb, group, inst.default_ipv4, span, default_send),
        span=span,
    )


def _neighbors(
    b: DeviceBuilder, default_send: frozenset[str] = COMMUNITY_KINDS
) -> tuple[tuple[Neighbor, ...], tuple[Neighbor, ...]]:
    """Neighbors and peer-groups; ``default_send``: the community kinds the vendor sends unasked."""
    groups = {key: nb for key, nb in b.neighbors.items() if nb.is_group}
    members: list[Neighbor] = []
    group_models: list[Neighbor] = []
    for (inst, _addr), nb in b.neighbors.items():
        if nb.is_group:
            group_models.append(_neighbor(b, nb, None, default_send))
            continue
        group = groups.get((inst, nb.group)) if nb.group else None
        members.append(_neighbor(b, nb, group, default_send))
    return tuple(members), tuple(group_models)


def _policies(b: DeviceBuilder) -> dict[str, Policy]:
    by_name: dict[str, list[Term]] = {}
    for (name, _seq), t in sorted(b.terms.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        term = Term(
            t.seq, t.action, tuple(t.matches), tuple(t.sets), t.on_match, t.call, b.span(t.line, t.end_line)
        )
        by_name.setdefault(name, []).append(term)
    out: dict[str, Policy] = {}
    for name, terms in by_name.items():
        first = min(terms, key=lambda t: t.span.line).span
        out[name] = Policy(name, tuple(terms), first)
    return out


def _device(asm: FrrAssembler) -> Device:
    b = asm.b
    neighbors, groups = _neighbors(b)
    rpki = None
    if b.rpki_line is not None or b.caches:
        line = b.rpki_line or b.caches[0].span.line
        rpki = RpkiConfig(tuple(b.caches), b.span(line, b.rpki_end or line))
    default = next((i for i in b.instances if i.vrf is None), b.instances[0] if b.instances else None)
    lists = b.lists()
    return Device(
        hostname=_hostname(b),
        vendor="frr",
        source=b.path,
        asn=default.asn if default else None,
        router_id=b.router_id,
        neighbors=neighbors,
        peer_groups=groups,
        policies=_policies(b),
        prefix_lists=lists.prefix_lists,
        as_path_lists=lists.as_path_lists,
        community_lists=lists.community_lists,
        large_community_lists=lists.large_community_lists,
        originations=tuple(b.originations),
        rpki=rpki,
        semantics=_semantics(b),
        refs=tuple(b.refs),
        unsupported=tuple(asm.unsupported),
        issues=tuple(asm.issues),
        bgp_span=b.span(default.line, default.end_line) if default else None,
        version=b.version,
        defaults=b.defaults,
        modelled_lines=asm.modelled,
        out_of_scope_lines=asm.out_of_scope,
        local_routes=tuple(b.local_routes),
        rib_unknowns=_rib_unknowns(b),
    )


def _rib_unknowns(b: DeviceBuilder) -> tuple[str, ...]:
    """Why the default routing table is not known from this file (IGPs, BGP in a VRF)."""
    vrfs = [f"`router bgp ... vrf {i.vrf}` (line {i.line})" for i in b.instances if i.vrf is not None]
    return (*b.rib_unknowns, *vrfs)
