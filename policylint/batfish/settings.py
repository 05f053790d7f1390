"""Where the Batfish service is: ``--batfish-host`` (or ``POLICYLINT_BATFISH_HOST``), else the
config file's ``[batfish] host`` (``[tool.policylint.batfish]`` in pyproject.toml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policylint.batfish.client import DEFAULT_TIMEOUT, PybatfishService
from policylint.batfish.errors import BatfishError

ENV_HOST = "POLICYLINT_BATFISH_HOST"


@dataclass(frozen=True, slots=True)
class BatfishSettings:
    host: str
    timeout: float


def resolve(
    host: str | None,
    timeout: float | None,
    paths: Sequence[str],
    config_file: str | None = None,
    isolated: bool = False,
) -> BatfishSettings:
    """Flag/environment first, then the config file; no host anywhere is an error."""
    from policylint import config

    cfg_host: str | None = None
    cfg_timeout: float | None = None
    if not isolated:
        path = config_file or config.discover([p for p in paths if not p.startswith("git:")] or ["."])
        if path is not None:
            try:
                cfg = config.load(path)
            except config.ConfigError as exc:
                raise BatfishError(str(exc)) from None
            cfg_host, cfg_timeout = cfg.batfish_host, cfg.batfish_timeout
    chosen = host or cfg_host
    if not chosen:
        raise BatfishError(
            f"--engine batfish needs a Batfish service: pass --batfish-host HOST[:PORT], set {ENV_HOST}, "
            'or put host = "HOST" under [batfish] in the config file'
        )
    return BatfishSettings(chosen, timeout or cfg_timeout or DEFAULT_TIMEOUT)


def connect(
    host: str | None,
    timeout: float | None,
    paths: Sequence[str],
    config_file: str | None = None,
    isolated: bool = False,
) -> PybatfishService:
    """Resolve the settings and open a checked connection (imports pybatfish)."""
    s = resolve(host, timeout, paths, config_file, isolated)
    return PybatfishService.connect(s.host, s.timeout)
