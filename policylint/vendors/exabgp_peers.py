"""ExaBGP assemble step, part 1: neighbors and templates as written, then inheritance.

ExaBGP 4.x/5.x: ``neighbor ADDR { ... }`` at the top level, ``template { neighbor
NAME { ... } }`` for shared settings, pulled in with ``inherit NAME;``.  Values a
neighbor sets itself win over inherited ones; static routes and API processes add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policylint.model import Afi, ParseIssue, Span, Unsupported
from policylint.redact import redact_line
from policylint.vendors.exabgp_routes import Route, RouteProblem, parse_route
from policylint.vendors.exabgp_syntax import Node, flat

_VALUES = frozenset({"local-as", "peer-as", "router-id", "local-address", "description"})
_SECRETS = frozenset({"md5-password", "md5", "password"})
# statements/sections that do not change which routes are sent with which attributes
_NOOP = frozenset(
    {
        "hold-time", "group-updates", "auto-flush", "adj-rib-out", "adj-rib-in", "manual-eor",
        "passive", "listen", "connect", "outgoing-ttl", "incoming-ttl", "host-name", "domain-name",
        "rate-limit", "capability", "md5-base64", "md5-ip", "source-interface", "ttl-security",
        "aigp", "nexthop", "hostname",
    }
)  # fmt: skip
_FAMILIES = {"ipv4": Afi.IPV4, "ipv6": Afi.IPV6}
# capabilities: inside `capability { }` since ExaBGP 4; directly in the neighbor in 3.x
_CAPABILITIES = frozenset(
    {
        "graceful-restart", "add-path", "route-refresh", "asn4", "multi-session", "operational",
        "extended-message", "software-version",
    }
)  # fmt: skip


@dataclass
class PeerConf:
    """One ``neighbor`` or template ``neighbor`` block, as written."""

    name: str
    line: int
    end_line: int
    inherits: list[tuple[str, int]] = field(default_factory=list)
    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    has_password: bool = False
    families: list[Afi] | None = None
    routes: list[Route] = field(default_factory=list)
    processes: list[tuple[str, int]] = field(default_factory=list)


class PeerReader:
    """Reads neighbor/template blocks; collects issues and unsupported statements."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[ParseIssue] = []
        self.unsupported: list[Unsupported] = []
        self.modelled = 0

    def span(self, line: int, end: int | None = None) -> Span:
        return Span(self.path, line, line if end is None else end)

    def unsupported_node(self, node: Node, context: str) -> None:
        text = node.text() + (" { ... }" if node.children is not None else ";")
        self.unsupported.append(Unsupported(redact_line(text), self.span(node.line), context))

    def issue(self, line: int, message: str) -> None:
        self.issues.append(ParseIssue(message, self.span(line)))

    # ------------------------------------------------------------------ blocks
    def peer(self, node: Node, name: str) -> PeerConf:
        conf = PeerConf(name, node.line, node.end_line)
        context = f"neighbor {name}"
        for item in node.children or ():
            self._item(conf, item, context)
        return conf

    def _item(self, conf: PeerConf, item: Node, context: str) -> None:
        key = item.key
        words = item.words
        if item.children is None:
            if key in _VALUES and len(words) >= 2 and isinstance(words[1], str):
                conf.values[key] = (" ".join(w for word in words[1:] for w in flat(word)), item.line)
            elif key == "inherit":
                conf.inherits.extend((w, item.line) for word in words[1:] for w in flat(word))
            elif key in _SECRETS:
                conf.has_password = True  # the secret itself is never kept
            elif key in _NOOP:
                pass
            elif key in _CAPABILITIES:
                self.issue(
                    item.line,
                    f"`{key}` belongs in `capability {{ ... }}` since ExaBGP 4 (this is 3.x syntax): "
                    "ExaBGP 4/5 refuses the file",
                )
                return
            else:
                self.unsupported_node(item, context)
                return
            self.modelled += 1
            return
        if key == "family":
            conf.families = self._families(item)
        elif key == "static":
            for child in item.children:
                if child.key == "route":
                    self._route(conf, child, "static route")
                else:
                    self.unsupported_node(child, f"{context} static")
        elif key == "announce":
            self._announce(conf, item, context)
        elif key == "api":
            for child in item.children:
                if child.key == "processes":
                    conf.processes.extend(
                        (part, child.line)
                        for word in child.words[1:]
                        for w in flat(word)
                        for part in w.split(",")
                        if part
                    )
        elif key in _NOOP:
            pass
        else:
            self.unsupported_node(item, context)
            return
        self.modelled += 1

    def _families(self, node: Node) -> list[Afi]:
        out: list[Afi] = []
        for child in node.children or ():
            words = [w for word in child.words for w in flat(word)]
            if words and words[0] in ("all", "minimal"):
                out.extend((Afi.IPV4, Afi.IPV6))
            elif len(words) == 2 and words[0] in _FAMILIES and words[1] == "unicast":
                out.append(_FAMILIES[words[0]])
        return out

    def _announce(self, conf: PeerConf, node: Node, context: str) -> None:
        for fam in node.children or ():
            if fam.key not in _FAMILIES or fam.children is None:
                self.unsupported_node(fam, f"{context} announce")
                continue
            for child in fam.children:
                if child.key == "unicast":
                    self._route(conf, child, "announce")
                else:
                    self.unsupported_node(child, f"{context} announce {fam.key}")

    def _route(self, conf: PeerConf, node: Node, via: str) -> None:
        try:
            route = parse_route(node, via)
        except RouteProblem as exc:
            self.issue(node.line, f"route ignored: {exc}")
            return
        if route is None:
            self.unsupported_node(node, f"neighbor {conf.name} (not unicast)")
            return
        conf.routes.append(route)


def resolve(conf: PeerConf, templates: dict[str, PeerConf], seen: tuple[str, ...] = ()) -> PeerConf:
    """The neighbor with everything it inherits (a template's own ``inherit`` included)."""
    out = PeerConf(conf.name, conf.line, conf.end_line)
    for name, _line in conf.inherits:
        tpl = templates.get(name)
        if tpl is None or name in seen:
            continue
        base = resolve(tpl, templates, (*seen, name))
        out.values.update(base.values)
        out.has_password |= base.has_password
        out.families = base.families if base.families is not None else out.families
        out.routes.extend(base.routes)
        out.processes.extend(base.processes)
    out.values.update(conf.values)
    out.has_password |= conf.has_password
    if conf.families is not None:
        out.families = conf.families
    out.routes.extend(conf.routes)
    out.processes.extend(conf.processes)
    out.inherits = conf.inherits
    return out
