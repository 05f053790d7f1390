"""PS007: where policylint's evaluator and Batfish disagree on what an export policy can permit.

Two claims behind the prefix-length and leak rules are put to Batfish's ``searchRoutePolicies``
(action permit) on the per-peer export policy Batfish generates for each eBGP session:

- prefix length (PX102): "the export toward N can send prefixes longer than /24 (/48)".  Asked
  both ways: Batfish finds such a route and we say none passes, or we say one passes and Batfish
  finds none.
- leak (LK101/LK102): "the export toward N can pass routes learned from other ASes, for prefixes
  F".  Batfish is asked for any permitted route inside F (its AS-path constraints are not used);
  none found means it does not let anything of F out at all, so the claim cannot hold for it.

Each disagreement is either a bug of policylint's or a gap of Batfish's; one PS007 finding per
session lists them, on the neighbor's line.  Devices Batfish does not model (ExaBGP) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from policylint.batfish import answers
from policylint.batfish.backend import PEER_EXPORT_POLICIES, peer_export_policy
from policylint.batfish.client import Service
from policylint.batfish.snapshot import BATFISH_VENDORS, node_name
from policylint.batfish.snapshots import Snapshots
from policylint.catalogue import RuleDoc, load_catalogue
from policylint.engine import LintResult
from policylint.findings import Reported
from policylint.loader import load_paths
from policylint.model import Afi, Device, Network
from policylint.options import Options
from policylint.policyspace import permit_space
from policylint.prefixes import PrefixSet

if TYPE_CHECKING:
    from policylint.checks.base import Check
    from policylint.loader import Progress
    from policylint.pipeline import LintFn

CODE = "PS007"
MAX_RANGES = 64  # a leak claim over more prefix ranges than this is not sent to Batfish
_NOTE = "one of the two models this policy wrongly (a policylint bug or a Batfish gap): check it by hand"


def long_ranges(afi: Afi, options: Options) -> tuple[str, ...]:
    """``searchRoutePolicies`` prefix ranges (``PREFIX:LOW-HIGH``) of the too-specific prefixes."""
    if afi is Afi.IPV4:
        return (f"0.0.0.0/0:{options.max_v4_len + 1}-32",) if options.max_v4_len < 32 else ()
    return (f"::/0:{options.max_v6_len + 1}-128",) if options.max_v6_len < 128 else ()


def ranges_of(prefixes: PrefixSet) -> tuple[str, ...]:
    return tuple(f"{r.network}:{r.low}-{r.high}" for r in prefixes.ranges)


@dataclass(frozen=True, slots=True)
class Disagreement:
    device: Device
    line: int
    path: str
    end_line: int
    text: str


@dataclass(frozen=True, slots=True)
class _Session:
    """One eBGP session's export policy, as Batfish names it, and where to ask about it."""

    service: Service
    snapshot: str
    node: str
    policy: str
    who: str

    def permitted(self, ranges: Sequence[str]) -> dict[str, answers.PolicyResult]:
        rows = self.service.search_route_policies(self.snapshot, self.node, PEER_EXPORT_POLICIES, ranges)
        return {r.policy: r for r in answers.policy_results(rows, "searchRoutePolicies") if r.permitted}


def check_device(service: Service, snapshot: str, device: Device, options: Options) -> list[Disagreement]:
    node = node_name(device.hostname)
    out: list[Disagreement] = []
    memo: dict[Afi, dict[str, answers.PolicyResult]] = {}
    for nb in device.ebgp_neighbors:
        if nb.remote_as is None:
            continue
        ses = _Session(service, snapshot, node, peer_export_policy(nb.address), nb.label)
        texts: list[str] = []
        for af in nb.afs:
            if not af.activated or af.afi not in (Afi.IPV4, Afi.IPV6):
                continue
            space = permit_space(device, nb, af.afi, "export")
            texts.extend(_length_claim(ses, af.afi, space.possible, options, memo))
            texts.extend(_leak_claim(ses, af.afi, space.foreign_path_space))
        if texts:
            span = nb.span
            out.append(Disagreement(device, span.line, span.path, span.end_line, "; ".join(texts)))
    return out


def _length_claim(
    ses: _Session,
    afi: Afi,
    possible: PrefixSet,
    options: Options,
    memo: dict[Afi, dict[str, answers.PolicyResult]],
) -> list[str]:
    ranges = long_ranges(afi, options)
    if not ranges:
        return []
    if afi not in memo:  # one question per device and family, for all its sessions
        memo[afi] = ses.permitted(ranges)
    found = memo[afi].get(ses.policy)
    top = options.max_v4_len if afi is Afi.IPV4 else options.max_v6_len
    ours = possible & PrefixSet.longer_than(options.max_v4_len, options.max_v6_len).family(afi)
    if not ours.is_empty() and found is None:
        return [
            f"policylint's evaluator says the export toward {ses.who} can send {afi.value} prefixes longer "
            f"than /{top} (e.g. {ours.witness()}), but Batfish's searchRoutePolicies finds none that "
            f"{ses.policy} permits: {_NOTE}"
        ]
    if ours.is_empty() and found is not None:
        example = found.network if found.network is not None else "one"
        return [
            f"Batfish finds that {ses.policy} lets {example} out toward {ses.who}, longer than /{top}, "
            f"which policylint's evaluator says cannot pass: {_NOTE}"
        ]
    return []


def _leak_claim(ses: _Session, afi: Afi, foreign: PrefixSet) -> list[str]:
    fam = foreign.family(afi)
    ranges = ranges_of(fam)
    if not ranges or len(ranges) > MAX_RANGES or ses.policy in ses.permitted(ranges):
        return []
    return [
        f"policylint's evaluator says the export toward {ses.who} can pass routes learned from other ASes "
        f"({fam.describe()}), but Batfish's searchRoutePolicies finds no route of those prefixes that "
        f"{ses.policy} permits at all: {_NOTE}"
    ]


def stamp(found: Iterable[Disagreement], doc: RuleDoc) -> list[Reported]:
    return [
        Reported(
            CODE, doc.name, doc.category, doc.severity, d.path, d.line, d.end_line, d.device.hostname, d.text
        )
        for d in found
    ]


def cross_check(service: Service, devices: Sequence[Device], options: Options) -> list[Reported]:
    """PS007 findings for ``devices`` (a snapshot of them is made and deleted again)."""
    modelled = tuple(d for d in devices if d.vendor in BATFISH_VENDORS)
    if not modelled:
        return []
    snaps = Snapshots(service)
    try:
        loaded = snaps.of(Network(modelled))
        found = [x for d in modelled for x in check_device(service, loaded.name, d, options)]
    finally:
        snaps.close()
    return stamp(found, load_catalogue()[CODE])


def merged(result: LintResult, extra: Sequence[Reported]) -> LintResult:
    if not extra:
        return result
    return replace(result, findings=tuple(sorted((*result.findings, *extra), key=lambda r: r.sort_key)))


def with_cross_check(inner: LintFn, service: Service) -> LintFn:
    """The lint step of ``--engine batfish``: the ordinary lint, plus PS007 from Batfish.  The
    findings then go through the same selection, suppression and baseline steps as any other."""

    def lint(
        paths: Sequence[str], options: Options, progress: Progress | None, checks: Sequence[Check]
    ) -> LintResult:
        result = inner(paths, options, progress, checks)
        devices = [d for r in load_paths(paths, options) for d in r.devices]
        return merged(result, cross_check(service, devices, options))

    return lint
