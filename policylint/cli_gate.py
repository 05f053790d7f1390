"""The CI-gate side of the command line: config file, selection, ``--report``,
GitHub annotations, ``policylint config --show`` and ``policylint baseline``.

Kept out of ``cli.py`` so that module stays thin; imports only typer at start-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from policylint.config import Config
    from policylint.engine import LintResult
    from policylint.pipeline import LintFn, Run, Settings
    from policylint.report import ReportConfig

SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        metavar="RULES",
        help="Only these rules: codes, prefixes, categories or names (comma list).",
    ),
]
ExtendSelectOpt = Annotated[
    list[str] | None, typer.Option("--extend-select", metavar="RULES", help="Add rules to the selection.")
]
IgnoreOpt = Annotated[list[str] | None, typer.Option("--ignore", metavar="RULES", help="Rules to leave out.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Use this config file instead of looking one up."),
]
IsolatedOpt = Annotated[bool, typer.Option("--isolated", help="Ignore every config file.")]
BaselineOpt = Annotated[
    Path | None, typer.Option("--baseline", metavar="FILE", help="Hide findings recorded in this baseline.")
]
REPORT_FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")


def _fail(message: str) -> NoReturn:
    from policylint.cli import _fail as fail

    fail(message)


def load_config(paths: list[str], config_file: Path | None, isolated: bool) -> Config:
    from policylint.config import Config, ConfigError, discover, load

    if isolated:
        return Config()
    try:
        if config_file is not None:
            return load(str(config_file))
        found = discover(paths)
        return Config() if found is None else load(found)
    except ConfigError as exc:
        _fail(str(exc))


def settings_for(
    paths: list[str],
    *,
    config_file: Path | None,
    isolated: bool,
    select: list[str] | None,
    extend_select: list[str] | None,
    ignore: list[str] | None,
    fail_on: Any,
    baseline: Path | None,
    no_baseline: bool,
    max_prepends: int | None,
) -> Settings:
    from policylint.catalogue import load_catalogue
    from policylint.pipeline import Settings
    from policylint.selection import SelectorError, resolve_all, split_list

    config = load_config(paths, config_file, isolated)
    sel = None if select is None else split_list(select)
    ext, ign = split_list(extend_select or []), split_list(ignore or [])
    try:
        resolve_all((*(sel or ()), *ext, *ign), load_catalogue())
    except SelectorError as exc:
        _fail(f"command line: {exc}")
    return Settings(
        config=config,
        select=sel,
        extend_select=ext,
        ignore=ign,
        fail_on=None if fail_on is None else str(fail_on.value),
        baseline=None if baseline is None else str(baseline),
        no_baseline=no_baseline,
        max_prepends=max_prepends,
    )


def run_pipeline(
    paths: list[str], settings: Settings, progress: Any = None, lint: LintFn | None = None
) -> Run:
    from policylint.baseline import BaselineError
    from policylint.pipeline import run

    try:
        return run(paths, settings, progress, lint)
    except BaselineError as exc:
        _fail(str(exc))


def parse_reports(values: list[str]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for v in values:
        fmt, sep, path = v.partition("=")
        if not sep or not path or fmt not in REPORT_FORMATS:
            _fail(f"--report {v!r}: expected FORMAT=PATH with FORMAT one of {', '.join(REPORT_FORMATS)}")
        out.append((fmt, Path(path)))
    return out


def write_report(result: LintResult, fmt: str, path: Path, config: ReportConfig) -> None:
    from policylint.report import render

    try:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            render(result, fmt, fh, config)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


def github_annotations(disabled: bool, fmt: str, extra: list[tuple[str, Path]]) -> bool:
    """Annotations on stderr when running in GitHub Actions, unless asked not to or already on stdout."""
    return os.environ.get("GITHUB_ACTIONS") == "true" and not disabled and fmt != "github"


def gate_notes(run: Run, settings: Settings) -> None:
    if settings.baseline_path is None:
        return
    note = f"policylint: baseline {settings.baseline_path}: {run.baselined} known finding(s) hidden"
    if run.fixed:
        note += f"; {run.fixed} entr{'y' if run.fixed == 1 else 'ies'} no longer match (fixed?): "
        note += "`policylint baseline update` prunes them"
    sys.stderr.write(note + "\n")


# --------------------------------------------------------------------------- config --show


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def _select_shown(config: Config, settings: Settings) -> tuple[str, ...]:
    if settings.select is not None:
        return settings.select
    return config.select if config.select is not None else ("ALL",)


def show_config(config: Config, settings: Settings) -> str:
    from policylint.catalogue import load_catalogue
    from policylint.config import OPTION_KEYS

    enabled = sorted(settings.selection(load_catalogue()).enabled)
    src = config.path or "none (built-in defaults)"
    lines = [
        f"# config file: {src}",
        f"select = {_toml_value(_select_shown(config, settings))}",
        f"extend-select = {_toml_value([*config.extend_select, *settings.extend_select])}",
        f"ignore = {_toml_value([*config.ignore, *settings.ignore])}",
        f"fail-on = {_toml_value(settings.effective_fail_on)}",
    ]
    if settings.baseline_path is not None:
        lines.append(f"baseline = {_toml_value(settings.baseline_path)}")
    lines.append(f"# enabled rules ({len(enabled)}): {' '.join(enabled)}")
    lines += ["", "[per-file-ignores]"]
    lines += [f"{_toml_value(g)} = {_toml_value(s)}" for g, s in config.per_file_ignores]
    lines += ["", "[severity]"]
    lines += [f"{_toml_value(s)} = {_toml_value(v.value)}" for s, v in config.severity]
    lines += ["", "[options]"]
    opts = settings.options
    lines += [
        f"{key} = {getattr(opts, name)}  # {rules}" for key, (name, _lo, _hi, rules) in OPTION_KEYS.items()
    ]
    inv = config.inventory
    lines += ["", "[inventory.neighbors]"]
    lines += [f"{_toml_value(a)} = {_toml_value(r.value)}" for h, a, r in inv.roles if h is None]
    sites = dict(inv.sites)
    for host in sorted({h for h, _, _ in inv.roles if h is not None} | set(sites)):
        lines += ["", f"[inventory.devices.{_toml_value(host)}]"]
        if host in sites:
            lines.append(f"site = {_toml_value(sites[host])}")
        lines += [
            f"neighbors.{_toml_value(a)} = {_toml_value(r.value)}" for h, a, r in inv.roles if h == host
        ]
    if config.batfish_host is not None or config.batfish_timeout is not None:  # --engine batfish
        lines += ["", "[batfish]"]
        if config.batfish_host is not None:
            lines.append(f"host = {_toml_value(config.batfish_host)}")
        if config.batfish_timeout is not None:
            lines.append(f"timeout = {config.batfish_timeout:g}")
    return "\n".join(lines) + "\n"


def config_cmd(
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="[PATH]...", help="Where to look the config up from.")
    ] = None,
    show: Annotated[bool, typer.Option("--show", help="Print the resolved configuration.")] = False,
    config_file: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """Show the configuration a lint run would use (--show)."""
    from policylint.cli import _guard

    with _guard():
        if not show:
            _fail("nothing to do: use `policylint config --show [PATH]...`")
        where = paths or ["."]
        settings = settings_for(
            where,
            config_file=config_file,
            isolated=isolated,
            select=None,
            extend_select=None,
            ignore=None,
            fail_on=None,
            baseline=None,
            no_baseline=False,
            max_prepends=None,
        )
        sys.stdout.write(show_config(settings.config, settings))


# --------------------------------------------------------------------------- baseline

baseline_app = typer.Typer(
    help="Record today's findings so that only new ones fail (create | update).", no_args_is_help=True
)
PathsArg = Annotated[
    list[str], typer.Argument(metavar="PATH", show_default=False, help="Files or directories.")
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline", "-b", metavar="FILE", help="Baseline file [default: .policylint-baseline.json]."
    ),
]


def _baseline_run(  # noqa: PLR0917
    paths: list[str], out: Path | None, config_file: Path | None, isolated: bool, select: list[str] | None,
    extend_select: list[str] | None, ignore: list[str] | None,
) -> tuple[Run, str]:  # fmt: skip
    from policylint.baseline import DEFAULT_PATH

    settings = settings_for(
        paths,
        config_file=config_file,
        isolated=isolated,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        fail_on=None,
        baseline=None,
        no_baseline=True,
        max_prepends=None,
    )
    target = str(out) if out is not None else settings.config.baseline or DEFAULT_PATH
    return run_pipeline(paths, settings), target


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


def _finish(run: Run) -> None:
    from policylint.report import error_lines

    for line in error_lines(run.result):
        sys.stderr.write(line + "\n")
    if run.result.input_error:
        raise typer.Exit(2)


@baseline_app.command("create")
def baseline_create(  # noqa: PLR0917 (typer maps parameters to options)
    paths: PathsArg,
    out: OutOpt = None,
    config_file: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    select: SelectOpt = None,
    extend_select: ExtendSelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Write every current finding to the baseline file (replacing it)."""
    from policylint import baseline
    from policylint.cli import _guard

    with _guard():
        run, target = _baseline_run(paths, out, config_file, isolated, select, extend_select, ignore)
        keyer = baseline.Keyer(os.path.dirname(os.path.abspath(target)))
        text = baseline.dumps(run.result.findings, keyer)
        _write(target, text)
        entries = text.count('"path":')
        sys.stdout.write(f"wrote {target}: {len(run.result.findings)} findings in {entries} entries\n")
        _finish(run)


@baseline_app.command("update")
def baseline_update(  # noqa: PLR0917 (typer maps parameters to options)
    paths: PathsArg,
    out: OutOpt = None,
    config_file: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    select: SelectOpt = None,
    extend_select: ExtendSelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Drop entries whose findings are gone; new findings are not added (use create for that)."""
    from collections import Counter

    from policylint import baseline
    from policylint.cli import _guard

    with _guard():
        run, target = _baseline_run(paths, out, config_file, isolated, select, extend_select, ignore)
        try:
            old, messages = baseline.load(target)
        except baseline.BaselineError as exc:
            _fail(str(exc))
        keyer = baseline.Keyer(os.path.dirname(os.path.abspath(target)))
        current: Counter[baseline.Key] = Counter(keyer.key(r) for r in run.result.findings)
        kept = old & current
        new = sum((current - old).values())
        _write(target, baseline.dumps_counts(kept, messages))
        removed = sum(old.values()) - sum(kept.values())
        sys.stdout.write(
            f"updated {target}: kept {sum(kept.values())}, removed {removed} fixed; "
            f"{new} new finding(s) not added\n"
        )
        _finish(run)
