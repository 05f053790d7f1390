"""Every check, registered explicitly (no import-time magic): code -> function."""

from __future__ import annotations

from policylint.checks.anycast import ac101, gather_sites
from policylint.checks.base import Check
from policylint.checks.hygiene import hy101
from policylint.checks.leak import lk101, lk102, lk103
from policylint.checks.prefix_length import px101, px102, px103
from policylint.checks.prepend import pp101, pp102, pp103, pp104, pp105, pp106
from policylint.checks.reference import rf101, rf102
from policylint.checks.rpki import rv101, rv102, rv103, rv104
from policylint.checks.rpki_data import gather_announced, rv105, rv106, rv107, rv108
from policylint.checks.runtime import ps006

CHECKS: tuple[Check, ...] = (
    Check("PX101", device=px101),
    Check("PX102", device=px102),
    Check("PX103", device=px103),
    Check("RV101", device=rv101),
    Check("RV102", device=rv102),
    Check("RV103", device=rv103),
    Check("RV104", device=rv104),
    Check("RV105", device=rv105),
    Check("RV106", device=rv106),
    Check("RV107", gather=gather_announced, reduce=rv107),
    Check("RV108", gather=gather_announced, reduce=rv108),
    Check("LK101", device=lk101),
    Check("LK102", device=lk102),
    Check("LK103", device=lk103),
    Check("PP101", device=pp101),
    Check("PP102", device=pp102),
    Check("PP103", device=pp103),
    Check("PP104", device=pp104),
    Check("PP105", device=pp105),
    Check("PP106", device=pp106),
    Check("AC101", gather=gather_sites, reduce=ac101),
    Check("RF101", device=rf101),
    Check("RF102", device=rf102),
    Check("HY101", device=hy101),
    Check("PS006", device=ps006),
)

# emitted by the engine itself from what the parsers report (file scope)
# PS005: pipeline.py; PS007: policylint/batfish/crosscheck.py (lint --engine batfish)
ENGINE_RULES: tuple[str, ...] = ("PS001", "PS002", "PS003", "PS004", "PS005", "PS007")
