"""Typed options that checks read (per-rule knobs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policylint.inventory import Inventory

if TYPE_CHECKING:
    from policylint.rpki.index import VrpIndex


@dataclass(frozen=True, slots=True)
class Options:
    max_prepends: int = 5  # PP103: more prepends than this is excessive
    max_v4_len: int = 24  # PX1xx: longest IPv4 prefix that propagates
    max_v6_len: int = 48  # PX1xx: longest IPv6 prefix that propagates
    max_file_bytes: int = 64 * 1024 * 1024  # larger files are refused (PS001)
    inventory: Inventory = field(default_factory=Inventory)  # roles and sites from the config file
    vrps: VrpIndex | None = None  # RV105-RV108: RPKI data (--vrps / --rtr); None: those rules are silent
