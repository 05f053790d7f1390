"""Config sets for what-if: a directory, or ``git:REV[:PATH]`` in the current repository."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from policylint.loader import load_paths, load_text
from policylint.model import Network
from policylint.options import Options
from policylint.vendors import FileResult


class InputError(Exception):
    """A config set that cannot be read (exit code 2)."""


@dataclass(frozen=True, slots=True)
class ConfigSet:
    label: str
    network: Network
    errors: tuple[str, ...]  # "path:line: message" of files that could not be parsed
    directory: str | None  # a working-tree directory next to which defaults (topology.txt) are looked up


def _network(results: list[FileResult]) -> tuple[Network, tuple[str, ...]]:
    errors = []
    for r in results:
        if r.error is not None:
            where = f"{r.path}:{r.error.line}" if r.error.line else r.path
            errors.append(f"{where}: {r.error.message}")
    return Network(tuple(d for r in results for d in r.devices)), tuple(errors)


def _git(args: list[str], cwd: str | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120)
    except FileNotFoundError:
        raise InputError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {' '.join(args)} timed out") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {' '.join(args[:3])}: {msg[-1] if msg else 'failed'}")
    return proc.stdout


def _from_git(spec: str) -> ConfigSet:
    rest = spec[4:]
    rev, _, path = rest.partition(":")
    if not rev:
        raise InputError(f"{spec}: expected git:REV or git:REV:PATH")
    top = _git(["rev-parse", "--show-toplevel"]).decode().strip()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    except InputError:
        raise InputError(f"{spec}: unknown revision {rev!r} in this repository") from None
    listing = _git(["ls-tree", "-r", "-z", "--full-name", "--name-only", rev, "--", path or "."])
    names = [n for n in listing.decode("utf-8", "replace").split("\0") if n]
    if not names:
        raise InputError(f"{spec}: no files at that path in {rev}")
    results = []
    for name in sorted(names):
        data = _git(["show", f"{rev}:{name}"], cwd=top)
        if b"\x00" in data[:8192]:
            continue
        res = load_text(f"git:{rev}:{name}", data.decode("utf-8", "replace"), explicit=False)
        if res is not None:
            results.append(res)
    network, errors = _network(results)
    local = os.path.join(os.getcwd(), path) if path else os.getcwd()  # PATH is relative, as in git
    return ConfigSet(spec, network, errors, local if os.path.isdir(local) else None)


def load_config_set(spec: str) -> ConfigSet:
    if spec.startswith("git:"):
        return _from_git(spec)
    if not os.path.exists(spec):
        raise InputError(f"{spec}: no such file or directory")
    network, errors = _network(load_paths([spec], Options()))
    if not network.devices:
        raise InputError(f"{spec}: no router configuration found")
    return ConfigSet(spec, network, errors, spec if os.path.isdir(spec) else os.path.dirname(spec) or ".")
