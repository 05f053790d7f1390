"""The configuration file: discovery, validation with file:line errors, typed result.

Looked up by walking up from the linted paths; in each directory the first of
``.policylint.toml``, ``policylint.toml`` and ``pyproject.toml`` (with a
``[tool.policylint]`` table) wins.  Every key is checked: an unknown key, a
wrong type or an unknown rule selector is a :class:`ConfigError` naming the file
and the line (tomllib reports no positions for valid TOML, so
:func:`key_lines` finds them in the text).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from policylint.catalogue import RuleDoc, load_catalogue
from policylint.findings import Severity
from policylint.inventory import ROLE_NAMES, Inventory
from policylint.options import Options
from policylint.selection import SelectorError, resolve

CONFIG_NAMES = (".policylint.toml", "policylint.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "info", "never")
TOP_KEYS = frozenset(
    {"select", "ignore", "extend-select", "per-file-ignores", "severity", "fail-on", "baseline", "options",
     "inventory", "batfish"}
)  # fmt: skip
BATFISH_KEYS = frozenset({"host", "timeout"})  # [batfish]: the --engine batfish service
# option key -> (Options field, lowest, highest, rules that read it)
OPTION_KEYS: dict[str, tuple[str, int, int, str]] = {
    "max-prepends": ("max_prepends", 0, 1000, "PP103"),
    "max-v4-length": ("max_v4_len", 0, 32, "PX101, PX102, PX103"),
    "max-v6-length": ("max_v6_len", 0, 128, "PX101, PX102, PX103"),
}


class ConfigError(Exception):
    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = "" if path is None else f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)


@dataclass(frozen=True, slots=True)
class Config:
    path: str | None = None  # the file it came from; None: defaults
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, selectors)
    severity: tuple[tuple[str, Severity], ...] = ()  # (selector, severity), later wins
    fail_on: str | None = None
    baseline: str | None = None  # resolved against the config file's directory
    options: Options = field(default_factory=Options)  # carries the inventory too
    batfish_host: str | None = None  # [batfish] host = "HOST[:PORT]"
    batfish_timeout: float | None = None  # [batfish] timeout = seconds

    @property
    def inventory(self) -> Inventory:
        return self.options.inventory

    @property
    def root(self) -> str:
        """The directory per-file-ignores patterns are relative to."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


# --------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str]) -> str | None:
    """The nearest config file above the linted paths (their common directory), or None."""
    absolute = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    try:
        start = Path(os.path.commonpath(absolute))
    except ValueError:  # different drives
        start = Path(absolute[0])
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return str(candidate)
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*policylint\b", text, re.MULTILINE) is not None


# --------------------------------------------------------------------------- key positions

_BARE = r"[A-Za-z0-9_-]+"
_PART = rf'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|{_BARE})'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in re.findall(_PART, dotted))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Full key path -> first line it is written on (tables, keys, inline-table keys)."""
    out: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            table = _parts(m.group(1))
            out.setdefault(table, lineno)
            continue
        m = _KEY.match(line)
        if m is None:
            continue
        key = (*table, *_parts(m.group(1)))
        out.setdefault(key, lineno)
        for inner in _INLINE_KEY.finditer(line[m.end() :]):
            out.setdefault((*key, *_parts(inner.group(1))), lineno)
    return out


class _Where:
    """Turns a key path into ``file:line`` for error messages."""

    def __init__(self, path: str, text: str, prefix: tuple[str, ...]) -> None:
        self.path = path
        self.lines = key_lines(text)
        self.prefix = prefix

    def error(self, keys: Sequence[str], message: str) -> ConfigError:
        full = (*self.prefix, *keys)
        for n in range(len(full), 0, -1):
            if full[:n] in self.lines:
                return ConfigError(message, self.path, self.lines[full[:n]])
        return ConfigError(message, self.path)


# --------------------------------------------------------------------------- loading


def load(path: str) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {getattr(exc, 'strerror', None) or exc}", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path) from None
    prefix: tuple[str, ...] = ()
    if os.path.basename(path) == "pyproject.toml":
        prefix = ("tool", "policylint")
        table = data.get("tool", {}).get("policylint")
        if not isinstance(table, dict):
            raise ConfigError("no [tool.policylint] table", path)
        data = table
    return parse(data, _Where(path, text, prefix))


def parse(data: Mapping[str, Any], where: _Where) -> Config:
    for key in data:
        if key not in TOP_KEYS:
            raise where.error([key], f"unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})")
    cat = load_catalogue()
    select = _selectors(data, "select", where, cat) if "select" in data else None
    pfi = _table(data, "per-file-ignores", where)
    per_file = tuple((str(glob), _selectors(pfi, glob, where, cat, ("per-file-ignores",))) for glob in pfi)
    sev_table = _table(data, "severity", where)
    severity: list[tuple[str, Severity]] = []
    for sel, level in sev_table.items():
        _check_selector(sel, where, cat, ("severity", sel))
        if level not in ("error", "warning", "info"):
            raise where.error(["severity", sel], f"severity of {sel!r} must be error, warning or info")
        severity.append((sel, Severity(level)))
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise where.error(["fail-on"], f"fail-on must be one of {', '.join(FAIL_ON)}")
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise where.error(["baseline"], "baseline must be a path (string)")
    if baseline is not None:
        baseline = os.path.join(os.path.dirname(where.path), baseline)
    return Config(
        path=where.path,
        select=select,
        extend_select=_selectors(data, "extend-select", where, cat),
        ignore=_selectors(data, "ignore", where, cat),
        per_file_ignores=per_file,
        severity=tuple(severity),
        fail_on=fail_on,
        baseline=baseline,
        options=_options(_table(data, "options", where), where, _inventory(data, where)),
        **_batfish(_table(data, "batfish", where), where),
    )


def _batfish(table: Mapping[str, Any], where: _Where) -> dict[str, Any]:
    for key in table:
        if key not in BATFISH_KEYS:
            known = ", ".join(sorted(BATFISH_KEYS))
            raise where.error(["batfish", key], f"unknown key {key!r} (known: {known})")
    host, timeout = table.get("host"), table.get("timeout")
    if host is not None and (not isinstance(host, str) or not host.strip()):
        raise where.error(["batfish", "host"], "batfish host must be a non-empty string (HOST or HOST:PORT)")
    bad_number = isinstance(timeout, bool) or not isinstance(timeout, int | float)
    if timeout is not None and (bad_number or timeout <= 0):
        raise where.error(["batfish", "timeout"], "batfish timeout must be a positive number of seconds")
    return {"batfish_host": host, "batfish_timeout": float(timeout) if timeout is not None else None}


def _table(data: Mapping[str, Any], key: str, where: _Where, ctx: tuple[str, ...] = ()) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.error([*ctx, key], f"{key!r} must be a table")
    return value


def _check_selector(sel: str, where: _Where, cat: Mapping[str, RuleDoc], keys: Sequence[str]) -> None:
    try:
        resolve(sel, cat)
    except SelectorError as exc:
        raise where.error(keys, str(exc)) from None


def _selectors(
    data: Mapping[str, Any], key: str, where: _Where, cat: Mapping[str, RuleDoc], ctx: tuple[str, ...] = ()
) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.error([*ctx, key], f"{key!r} must be a list of rule codes, prefixes, categories or names")
    for v in value:
        _check_selector(v, where, cat, [*ctx, key])
    return tuple(value)


def _options(table: Mapping[str, Any], where: _Where, inventory: Inventory) -> Options:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        spec = OPTION_KEYS.get(key)
        if spec is None:
            known = ", ".join(sorted(OPTION_KEYS))
            raise where.error(["options", key], f"unknown option {key!r} (known: {known})")
        name, low, high, _rules = spec
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise where.error(["options", key], f"option {key!r} must be an integer from {low} to {high}")
        values[name] = raw
    return replace(Options(inventory=inventory), **values)


def _role(raw: Any, where: _Where, keys: Sequence[str]) -> str:
    if not isinstance(raw, str) or raw not in ROLE_NAMES:
        raise where.error(keys, f"role must be one of {', '.join(ROLE_NAMES)}")
    return raw


def _inventory(data: Mapping[str, Any], where: _Where) -> Inventory:
    table = _table(data, "inventory", where)
    for key in table:
        if key not in ("devices", "neighbors"):
            raise where.error(
                ["inventory", key], f"unknown key {key!r} in inventory (known: devices, neighbors)"
            )
    roles: dict[tuple[str | None, str], str] = {}
    for addr, role in _table(table, "neighbors", where, ("inventory",)).items():
        roles[(None, addr)] = _role(role, where, ["inventory", "neighbors", addr])
    sites: dict[str, str] = {}
    for host, dev in _table(table, "devices", where, ("inventory",)).items():
        ctx = ("inventory", "devices", host)
        if not isinstance(dev, dict):
            raise where.error(ctx, f"inventory device {host!r} must be a table")
        for key in dev:
            if key not in ("site", "neighbors"):
                raise where.error([*ctx, key], f"unknown key {key!r} for a device (known: site, neighbors)")
        if "site" in dev:
            if not isinstance(dev["site"], str):
                raise where.error([*ctx, "site"], "site must be a string")
            sites[host] = dev["site"]
        for addr, role in _table(dev, "neighbors", where, ctx).items():
            roles[(host, addr)] = _role(role, where, [*ctx, "neighbors", addr])
    return Inventory.build(sites, roles)
