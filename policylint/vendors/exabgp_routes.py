"""ExaBGP routes: ``route P ...;`` / ``route P { ...; }`` in ``static``, ``unicast P ...;`` in ``announce``.

A route's attributes are kept as ExaBGP will send them.  ``split /N`` announces
every /N inside P instead of P itself; :attr:`Route.prefixes` is that expansion.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from policylint.model import Afi, IPNetwork
from policylint.vendors.exabgp_syntax import Node, Word, flat, render

# attribute words that take no value
_FLAGS = frozenset({"atomic-aggregate", "withdraw", "withdrawn"})
# a route with one of these is not plain unicast (VPN, labelled, flow): not modelled
_NOT_UNICAST = frozenset({"rd", "route-distinguisher", "label", "labels", "bgp-prefix-sid", "esi"})
MAX_SPLIT_ROUTES = 4096


@dataclass(frozen=True, slots=True)
class Route:
    prefix: IPNetwork
    line: int
    via: str  # "static route" | "announce"
    as_path: tuple[int, ...] | None
    communities: tuple[str, ...]
    med: str | None
    local_pref: int | None
    split: int | None

    @property
    def afi(self) -> Afi:
        return Afi.IPV4 if self.prefix.version == 4 else Afi.IPV6

    def prefixes(self) -> list[IPNetwork]:
        """What ExaBGP announces: the prefix, or its /split pieces (at most MAX_SPLIT_ROUTES)."""
        if self.split is None or self.split <= self.prefix.prefixlen:
            return [self.prefix]
        out: list[IPNetwork] = []
        for sub in self.prefix.subnets(new_prefix=self.split):
            out.append(sub)
            if len(out) >= MAX_SPLIT_ROUTES:
                break
        return out

    @property
    def attr_key(self) -> tuple[object, ...]:
        return (self.as_path, self.communities, self.med, self.local_pref)


class RouteProblem(Exception):
    pass


def _attrs(words: list[Word]) -> dict[str, Word]:
    out: dict[str, Word] = {}
    i = 0
    while i < len(words):
        key = words[i]
        if not isinstance(key, str):
            raise RouteProblem(f"unexpected list {render(key)}")
        if key in _FLAGS:
            out[key] = ""
            i += 1
            continue
        if i + 1 >= len(words):
            raise RouteProblem(f"`{key}` needs a value")
        out[key] = words[i + 1]
        i += 2
    return out


def _as_path(value: Word) -> tuple[int, ...]:
    words = flat(value)
    if not all(w.isdigit() and int(w) <= 0xFFFFFFFF for w in words):
        raise RouteProblem(f"as-path {render(value)} is not a list of AS numbers")
    return tuple(int(w) for w in words)


def _split(value: Word, prefix: IPNetwork) -> int:
    text = value if isinstance(value, str) else ""
    bits = text.lstrip("/")
    if not bits.isdigit() or not prefix.prefixlen <= int(bits) <= prefix.max_prefixlen:
        raise RouteProblem(f"split {render(value)} is not a longer prefix length than /{prefix.prefixlen}")
    return int(bits)


def parse_route(node: Node, via: str) -> Route | None:
    """A unicast route, None when the route is of a family the model does not cover."""
    words = list(node.words[1:])
    if not words or not isinstance(words[0], str):
        raise RouteProblem("route without a prefix")
    text = words[0]
    try:
        prefix = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise RouteProblem(f"`{text}` is not a valid prefix") from None
    if prefix.network_address != ipaddress.ip_address(text.split("/")[0]):
        raise RouteProblem(f"`{text}` has host bits set; ExaBGP refuses it (write {prefix})")
    attrs = _attrs(words[1:])
    for child in node.children or ():
        attrs.update(_attrs(list(child.words)))
    if not _NOT_UNICAST.isdisjoint(attrs):
        return None
    path = _as_path(attrs["as-path"]) if "as-path" in attrs else None
    comms = tuple(flat(attrs["community"])) if "community" in attrs else ()
    med = attrs.get("med")
    lp = attrs.get("local-preference")
    lp_text = lp if isinstance(lp, str) else ""
    split = _split(attrs["split"], prefix) if "split" in attrs else None
    return Route(
        prefix=prefix,
        line=node.line,
        via=via,
        as_path=path,
        communities=comms,
        med=med if isinstance(med, str) else None,
        local_pref=int(lp_text) if lp_text.isdigit() else None,
        split=split,
    )
