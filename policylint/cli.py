"""The ``policylint`` command line: ``lint``, ``rules``, ``rule``.

Thin by design: parse options, call the engine, hand the result to a reporter.
Start-up time matters (pre-commit runs this on every commit), so the engine,
rich and the reporters are imported inside the commands, and only the chosen
reporter is imported at all.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 input or tool
error (wins over 1).  No traceback is ever printed: any unexpected exception
becomes one ``policylint: error: ...`` line on stderr and exit code 2.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from policylint import __version__
from policylint.cli_gate import (  # the CI-gate options and commands (config, selection, baseline)
    BaselineOpt,
    ConfigOpt,
    ExtendSelectOpt,
    IgnoreOpt,
    IsolatedOpt,
    SelectOpt,
    baseline_app,
    config_cmd,
    gate_notes,
    github_annotations,
    parse_reports,
    run_pipeline,
    settings_for,
    write_report,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from policylint.batfish.errors import BatfishError
    from policylint.catalogue import RuleDoc
    from policylint.checks.base import Check
    from policylint.engine import LintResult
    from policylint.loader import Progress as ProgressFn
    from policylint.options import Options
    from policylint.pipeline import LintFn
    from policylint.rpki.index import VrpIndex

PROGRESS_MIN_FILES = 50


class Format(enum.StrEnum):
    FULL = "full"
    CONCISE = "concise"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    GITLAB = "gitlab"
    JUNIT = "junit"


class RulesFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


class FailOn(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


class Engine(enum.StrEnum):
    EMBEDDED = "embedded"
    BATFISH = "batfish"


EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="embedded: policylint's own evaluator; batfish: ask a Batfish service "
        "(pip install 'policylint[batfish]').",
    ),
]
BatfishHostOpt = Annotated[
    str | None,
    typer.Option(
        "--batfish-host",
        metavar="HOST[:PORT]",
        envvar="POLICYLINT_BATFISH_HOST",
        show_envvar=False,
        help="Batfish service for --engine batfish (env POLICYLINT_BATFISH_HOST; config [batfish] host).",
    ),
]
BatfishTimeoutOpt = Annotated[
    float | None,
    typer.Option("--batfish-timeout", metavar="SECONDS", min=0.1, help="Per-request timeout [default: 30]."),
]


def _batfish_fail(exc: BatfishError) -> NoReturn:
    _error(exc.message)
    for line in exc.details:
        sys.stderr.write(f"  {line}\n")
    raise typer.Exit(2)


def _error(message: str) -> None:
    from policylint.report import clean

    sys.stderr.write(f"policylint: error: {clean(message)}\n")
    sys.stderr.flush()


def _fail(message: str) -> NoReturn:
    _error(message)
    raise typer.Exit(2)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn any unexpected exception into one error line and exit code 2."""
    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        _error("interrupted")
        raise typer.Exit(2) from None
    except BrokenPipeError:
        _quiet_broken_pipe()
        raise typer.Exit(2) from None
    except Exception as exc:
        _error(f"internal error: {type(exc).__name__}: {exc}")
        raise typer.Exit(2) from None


def _quiet_broken_pipe() -> None:
    """The reader went away (``| head``): stop writing, say nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _App(typer.Typer):
    """A Typer that never lets a traceback out, whatever fails."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return typer.main.get_command(self)(*args, **kwargs)
        except SystemExit:
            try:
                sys.stdout.flush()  # surface a closed pipe here, not at interpreter exit
            except BrokenPipeError:
                _quiet_broken_pipe()
            except (OSError, ValueError):
                pass
            raise
        except BrokenPipeError:
            _quiet_broken_pipe()
            sys.exit(2)
        except KeyboardInterrupt:
            _error("interrupted")
            sys.exit(2)
        except Exception as exc:
            _error(f"internal error: {type(exc).__name__}: {exc}")
            sys.exit(2)


app = _App(
    name="policylint",
    help="Lint BGP route policies in FRR, Cisco IOS and ExaBGP configurations.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"policylint {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Lint BGP route policies in FRR, Cisco IOS and ExaBGP configurations."""
    for stream in (sys.stdout, sys.stderr):
        # a terminal that cannot show a character gets "?", never a UnicodeEncodeError
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with suppress(ValueError, OSError):
                reconfigure(errors="replace")


class _ProgressBar:
    """A transient progress bar on stderr, started only for runs with many files."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total <= PROGRESS_MIN_FILES:
                return
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("linting", total=total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@app.command()
def lint(  # noqa: PLR0917 (typer maps parameters to options)
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH", show_default=False, help="Config files or directories.")
    ],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.FULL,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout."),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 on a finding at or above this severity [default: warning]."),
    ] = None,
    max_prepends: Annotated[
        int | None,
        typer.Option("--max-prepends", min=0, metavar="N", help="Most AS-path prepends before PP103 fires."),
    ] = None,
    show_unsupported: Annotated[
        bool, typer.Option("--show-unsupported", help="List every not-modelled line (PS003).")
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Never show a progress bar.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Findings only: no summary.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Lint every file afresh (default: reuse results of unchanged files from "
            "$POLICYLINT_CACHE_DIR, else ~/.cache/policylint).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, metavar="N", help="Worker processes (default: CPUs)."),
    ] = None,
    select: SelectOpt = None,
    extend_select: ExtendSelectOpt = None,
    ignore: IgnoreOpt = None,
    config_file: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    baseline: BaselineOpt = None,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Ignore any configured baseline.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when findings fail the run (2 still wins).")
    ] = False,
    reports: Annotated[
        list[str] | None,
        typer.Option("--report", metavar="FORMAT=PATH", help="Also write FORMAT to PATH (repeatable)."),
    ] = None,
    no_github_annotations: Annotated[
        bool,
        typer.Option("--no-github-annotations", help="No ::error lines on stderr when GITHUB_ACTIONS=true."),
    ] = False,
    vrps: Annotated[
        str | None,
        typer.Option("--vrps", metavar="FILE", help="RPKI VRP file (rpki-client, Routinator, StayRTR)."),
    ] = None,
    rtr: Annotated[
        str | None,
        typer.Option("--rtr", metavar="HOST:PORT", help="Fetch VRPs from an RTR cache (RFC 8210) instead."),
    ] = None,
    slurm: Annotated[
        str | None, typer.Option("--slurm", metavar="FILE", help="SLURM (RFC 8416) exceptions for the VRPs.")
    ] = None,
    engine: EngineOpt = Engine.EMBEDDED,
    batfish_host: BatfishHostOpt = None,
    batfish_timeout: BatfishTimeoutOpt = None,
) -> None:
    """Lint config files and directories (recursively)."""
    with _guard():
        from policylint.batfish.errors import BatfishError
        from policylint.options import Options
        from policylint.report import ReportConfig, error_lines, render, run_exit_code

        extra = parse_reports(reports or [])
        settings = settings_for(
            paths,
            config_file=config_file,
            isolated=isolated,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            fail_on=fail_on,
            baseline=baseline,
            no_baseline=no_baseline,
            max_prepends=max_prepends,
        )
        rpki = _with_rpki_data(Options(), vrps, rtr, slurm).vrps
        bar = _ProgressBar() if not (no_progress or quiet) and sys.stderr.isatty() else None
        try:
            lint_fn = _lint_with(jobs=jobs, cache=not no_cache, vrps=rpki)
            if engine is Engine.BATFISH:  # PS007: cross-check with Batfish (findings added before reporting)
                from policylint.batfish.crosscheck import with_cross_check
                from policylint.batfish.settings import connect

                cfg = str(config_file) if config_file is not None else None
                service = connect(batfish_host, batfish_timeout, paths, cfg, isolated)
                lint_fn = with_cross_check(lint_fn, service)
            run = run_pipeline(paths, settings, bar, lint=lint_fn)
        except BatfishError as exc:
            _batfish_fail(exc)
        finally:
            if bar is not None:
                bar.close()
        result = run.result
        config = ReportConfig(
            fail_on=run.fail_on,
            show_unsupported=show_unsupported,
            quiet=quiet,
            rules=tuple(sorted(run.enabled)),
            exit_zero=exit_zero,
        )
        code = run_exit_code(result, config)
        for rfmt, rpath in extra:
            write_report(result, rfmt, rpath, config)
        if github_annotations(no_github_annotations, fmt.value, extra):
            render(result, "github", sys.stderr, config)
        if output is None:
            render(result, fmt.value, sys.stdout, config)
            sys.stdout.flush()
        else:
            try:
                with output.open("w", encoding="utf-8", newline="\n") as fh:
                    render(result, fmt.value, fh, config)
            except OSError as exc:
                _fail(f"cannot write {output}: {exc.strerror or exc}")
        for line in error_lines(result):
            sys.stderr.write(line + "\n")
        if not quiet:
            gate_notes(run, settings)
        if not result.files:
            sys.stderr.write("policylint: warning: no router configuration files found\n")
        raise typer.Exit(code)


def _lint_with(*, jobs: int | None, cache: bool, vrps: VrpIndex | None) -> LintFn:
    """The engine call for the pipeline: worker processes, RPKI data, and the cache keyed by the
    run's options and *selected* checks (a ``--select`` run must not fill entries a full run
    reads).  Runs with RPKI data bypass the cache: the data changes without the files changing."""

    def lint(
        paths: Sequence[str], options: Options, progress: ProgressFn | None, checks: Sequence[Check]
    ) -> LintResult:
        from dataclasses import replace

        from policylint.cache import Cache
        from policylint.engine import lint_paths

        if vrps is not None:
            options = replace(options, vrps=vrps)
        opened = Cache.open(options, checks) if cache and vrps is None else None
        return lint_paths(paths, options, progress, checks, jobs=jobs, cache=opened)

    return lint


app.add_typer(baseline_app, name="baseline")
app.command("config")(config_cmd)


def _with_rpki_data(options: Options, vrps: str | None, rtr: str | None, slurm: str | None) -> Options:
    """Load ``--vrps`` / ``--rtr`` (with ``--slurm``) into the options; bad data exits 2."""
    if vrps is None and rtr is None:
        if slurm is not None:
            _fail("--slurm needs --vrps FILE or --rtr HOST:PORT")
        return options
    if vrps is not None and rtr is not None:
        _fail("give either --vrps or --rtr, not both")
    import dataclasses

    from policylint.rpki.cli_support import load_rpki_data

    index, warnings, error = load_rpki_data(vrps, rtr, slurm)
    for warning in warnings:
        sys.stderr.write(f"policylint: warning: {warning}\n")
    if index is None:
        _fail(error)
    return dataclasses.replace(options, vrps=index)


def _catalogue() -> dict[str, RuleDoc]:
    from policylint.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue()
    except (CatalogueError, OSError, ValueError, KeyError, TypeError) as exc:
        _fail(f"the rule catalogue is broken: {type(exc).__name__}: {exc}")


@app.command("rules")
def rules_cmd(
    fmt: Annotated[RulesFormat, typer.Option("--format", "-f", help="Output format.")] = RulesFormat.TABLE,
) -> None:
    """List every rule: code, name, category, default severity, summary."""
    with _guard():
        docs = list(_catalogue().values())
        if fmt is RulesFormat.JSON:
            sys.stdout.write(_rules_json(docs))
        else:
            _rules_table(docs)


@app.command("rule")
def rule_cmd(
    code: Annotated[str, typer.Argument(metavar="CODE_OR_NAME", help="A rule code (PX101) or name.")],
) -> None:
    """Explain one rule: what it finds, why it breaks routing, examples, references."""
    with _guard():
        from policylint.catalogue import lookup

        docs = _catalogue()
        doc = lookup(code)
        if doc is None:
            hint = _suggest(code, list(docs.values()))
            _fail(f"unknown rule {code!r}{hint}; `policylint rules` lists them all")
        sys.stdout.write(_explain(doc))


# --------------------------------------------------------------------------- rule docs


def _rules_json(docs: list[RuleDoc]) -> str:
    import json

    rows = [
        {
            "code": d.code,
            "name": d.name,
            "category": d.category,
            "severity": d.severity.value,
            "scope": d.scope,
            "summary": d.summary,
        }
        for d in docs
    ]
    return json.dumps(rows, indent=2, ensure_ascii=True) + "\n"


def _rules_table(docs: list[RuleDoc]) -> None:
    """A rich table on a colour terminal; aligned plain columns (one rule a line) otherwise."""
    import os

    from policylint.report import clean

    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        header = ("code", "name", "category", "severity", "summary")
        rows = [header, *((d.code, d.name, d.category, d.severity.value, d.summary) for d in docs)]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            cells = [r[i].ljust(widths[i]) for i in range(4)]
            sys.stdout.write(clean("  ".join([*cells, " ".join(r[4].split())])) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from policylint.report.human import SEVERITY_STYLE

    table = Table(title=f"{len(docs)} rules", title_justify="left")
    for col in ("code", "name", "category", "severity"):
        table.add_column(col, no_wrap=True)
    table.add_column("summary")
    for d in docs:
        sev = Text(d.severity.value, style=SEVERITY_STYLE.get(d.severity.value, ""))
        table.add_row(Text(d.code, style="bold"), d.name, d.category, sev, Text(" ".join(d.summary.split())))
    Console(highlight=False, markup=False, emoji=False).print(table)


def _explain(doc: RuleDoc) -> str:
    """The rule's documentation as Markdown, in ruff's fixed sections."""
    parts = [
        f"# {doc.name} ({doc.code})",
        f"Category: {doc.category} · Default severity: {doc.severity.value} · Scope: {doc.scope}",
        f"## What it does\n\n{doc.summary}",
        f"## Why is this bad?\n\n{doc.why}",
    ]
    if doc.example_bad:
        parts.append(f"## Example\n\n```\n{doc.example_bad}\n```")
    if doc.example_good:
        parts.append(f"## Use instead\n\n```\n{doc.example_good}\n```")
    if doc.references:
        parts.append("## References\n\n" + "\n".join(f"- {r}" for r in doc.references))
    return "\n\n".join(parts) + "\n"


def _suggest(key: str, docs: list[RuleDoc]) -> str:
    import difflib

    names = [d.code for d in docs] + [d.name for d in docs]
    close = difflib.get_close_matches(key.strip(), names, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(key.strip().upper(), names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


# --------------------------------------------------------------------------- whatif


class WhatifFormat(enum.StrEnum):
    FULL = "full"
    JSON = "json"


@app.command("whatif-catchment")
def whatif_catchment_cmd(
    results: Annotated[
        str, typer.Argument(metavar="FILE", help="Verfploeter-style CSV: client_id and the replying address.")
    ],
    pfx2as: Annotated[
        str, typer.Option("--pfx2as", metavar="FILE", help="CAIDA prefix-to-AS file (prefix, length, ASN).")
    ],
    client: Annotated[
        list[str] | None, typer.Option("--client", metavar="ID=SITE", help="Name the site of a client id.")
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout).")
    ] = None,
) -> None:
    """Convert catchment measurements to the asn,site,weight CSV of whatif --measured-catchment."""
    with _guard():
        from policylint.whatif.observed import ObservationError
        from policylint.whatif.verfploeter import convert, load_pfx2as, parse_clients, summary, write_csv

        try:
            conv = convert(results, load_pfx2as(pfx2as), parse_clients(client or ()))
            if output is None:
                write_csv(conv, sys.stdout)
            else:
                with open(output, "w", encoding="utf-8") as f:
                    write_csv(conv, f)
        except ObservationError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{output}: {exc.strerror or exc}")
        sys.stderr.write(f"policylint: {summary(conv)}\n")


@app.command("whatif")
def whatif_cmd(  # noqa: PLR0917 (typer maps parameters to options)
    base: Annotated[
        str, typer.Argument(metavar="BASE", help="Config directory, or git:REV[:PATH] in this repository.")
    ],
    proposed: Annotated[
        str | None, typer.Argument(metavar="[PROPOSED]", help="The changed configs (default: BASE).")
    ] = None,
    withdraw: Annotated[
        list[str] | None, typer.Option("--withdraw", metavar="SITE", help="Withdraw a site (hostname).")
    ] = None,
    fail_session: Annotated[
        list[str] | None,
        typer.Option("--fail-session", metavar="SITE:NEIGHBOR", help="Take one eBGP session down."),
    ] = None,
    topology: Annotated[
        str | None,
        typer.Option("--topology", metavar="FILE", help="CAIDA AS relationships (BASE/topology.txt)."),
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option("--weights", metavar="FILE", help="asn,weight CSV (default: traffic.csv next to it)."),
    ] = None,
    rov_ases: Annotated[
        str | None, typer.Option("--rov-ases", metavar="FILE", help="ASes that drop RPKI-invalid routes.")
    ] = None,
    vrps: Annotated[
        str | None, typer.Option("--vrps", metavar="FILE", help="VRPs (rpki-client JSON) for --rov-ases.")
    ] = None,
    max_shift: Annotated[
        float | None,
        typer.Option("--max-shift", metavar="PCT", min=0, help="Exit 1 when more traffic than this moves."),
    ] = None,
    failures: Annotated[
        bool, typer.Option("--failures", help="Withdraw each site of BASE in turn and report.")
    ] = False,
    fmt: Annotated[WhatifFormat, typer.Option("--format", "-f", help="Report format.")] = WhatifFormat.FULL,
    per_as: Annotated[bool, typer.Option("--per-as", help="Also list every AS before and after.")] = False,
    prefix: Annotated[
        list[str] | None, typer.Option("--prefix", metavar="PREFIX", help="Treat PREFIX as a service.")
    ] = None,
    max_length_v4: Annotated[
        int, typer.Option("--max-length-v4", min=0, max=32, help="Longer IPv4 prefixes are dropped.")
    ] = 24,
    max_length_v6: Annotated[
        int, typer.Option("--max-length-v6", min=0, max=128, help="Longer IPv6 prefixes are dropped.")
    ] = 48,
    engine: EngineOpt = Engine.EMBEDDED,
    batfish_host: BatfishHostOpt = None,
    batfish_timeout: BatfishTimeoutOpt = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Never show a progress bar.")] = False,
    observed_paths: Annotated[
        list[str] | None,
        typer.Option(
            "--observed-paths",
            metavar="FILE",
            help=(
                "Route-collector paths to the service now: MRT, bgpdump -m or bgpreader text; "
                "a directory or a quoted glob pattern for many files (repeatable)."
            ),
        ),
    ] = None,
    measured_catchment: Annotated[
        str | None,
        typer.Option(
            "--measured-catchment", metavar="FILE", help="asn,site[,weight[,prefix]] CSV of the base state."
        ),
    ] = None,
    site_map: Annotated[
        str | None,
        typer.Option(
            "--site-map", metavar="FILE", help="KIND VALUE SITE lines telling observed paths' sites."
        ),
    ] = None,
) -> None:
    """Predict anycast catchment shifts: BASE vs PROPOSED (or BASE with --withdraw/--fail-session)."""
    with _guard():
        from policylint.batfish.errors import BatfishError
        from policylint.whatif.command import WhatifArgs, WhatifError, run

        args = WhatifArgs(
            base, proposed, tuple(withdraw or ()), tuple(fail_session or ()), topology, weights, rov_ases,
            vrps, max_shift, failures, fmt.value, per_as, tuple(prefix or ()), max_length_v4, max_length_v6,
            tuple(observed_paths or ()), measured_catchment, site_map,
        )  # fmt: skip
        bar = _ProgressBar() if failures and not no_progress and sys.stderr.isatty() else None
        backend = None
        try:
            if engine is Engine.BATFISH:  # the report is written only once every answer is in
                from io import StringIO

                from policylint.batfish.backend import BatfishBackend
                from policylint.batfish.settings import connect

                backend = BatfishBackend(connect(batfish_host, batfish_timeout, [base]))
                buf = StringIO()
                code, errors = run(args, buf, bar, backend)
                sys.stdout.write(buf.getvalue())
            else:
                code, errors = run(args, sys.stdout, bar)
        except WhatifError as exc:
            _fail(str(exc))
        except BatfishError as exc:
            _batfish_fail(exc)
        finally:
            if bar is not None:
                bar.close()
            if backend is not None:
                backend.close()
        sys.stdout.flush()
        for line in errors:
            _error(line)
        raise typer.Exit(code)
