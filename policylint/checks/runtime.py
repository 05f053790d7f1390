"""Runtime announcements (PS006): routes the static configuration does not show."""

from __future__ import annotations

from collections.abc import Iterator

from policylint.findings import Finding
from policylint.model import Device
from policylint.options import Options


def ps006(device: Device, options: Options) -> Iterator[Finding]:
    """A process connected to the BGP speaker's API can announce routes at run time."""
    static = sum(1 for o in device.originations if o.prefix is not None)
    for src in device.runtime_sources:
        yield Finding(
            src.span,
            f"{src.what} can announce and withdraw routes at run time (`announce route ...` on its "
            f"output, as health checks do): those routes are not in this file, so only the {static} "
            "static route(s) here were checked; whatever the process announces reaches the neighbors "
            "unchecked (prefix length, AS path, communities).",
        )
