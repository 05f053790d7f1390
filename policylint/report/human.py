"""The ``full`` report: findings grouped by file with a code frame, then a summary.

Every line of config text shown goes through :func:`policylint.redact.redact_line`
(and :func:`policylint.report.clean`), so secrets and terminal escapes never reach
the output.  Colour follows rich's rules (``NO_COLOR``, ``FORCE_COLOR``, TTY);
when the output is not a terminal the width is fixed at 100 columns so the
output is stable.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from policylint.catalogue import CATEGORIES
from policylint.findings import Reported
from policylint.redact import redact_line
from policylint.report import (
    SEVERITIES,
    UNSUPPORTED_CODE,
    Collapsed,
    ReportConfig,
    by_severity,
    clean,
    count_line,
    exit_code,
    plural,
    split_unsupported,
)

if TYPE_CHECKING:
    from policylint.engine import LintResult
    from policylint.vendors import FileResult

PLAIN_WIDTH = 100
MAX_FRAME = 10  # longer spans show their head and tail only
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def make_console(out: TextIO) -> tuple[Console, io.StringIO]:
    """A console that renders for ``out`` into a buffer.

    On a TTY it takes the terminal's width and colours; otherwise 100 columns and
    colour only when ``FORCE_COLOR`` asks for it.  ``NO_COLOR`` always wins.
    """
    isatty = getattr(out, "isatty", None)
    tty = bool(isatty and isatty())
    probe = Console(file=out, legacy_windows=False)
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=probe.is_terminal,
        color_system="auto" if probe.color_system else None,
        no_color=probe.no_color,
        width=probe.width if tty else PLAIN_WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    return console, buf


def _flush(buf: io.StringIO, out: TextIO) -> None:
    """Write the rendered report without the padding rich leaves at line ends."""
    out.write("\n".join(line.rstrip(" ") for line in buf.getvalue().split("\n")))


class LineSource:
    """Reads config lines for code frames, one file at a time (``None`` if unreadable)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._path: str | None = None
        self._lines: list[str] | None = None
        self._max = max_bytes

    def lines(self, path: str) -> list[str] | None:
        if path != self._path:
            self._path = path
            self._lines = self._read(path)
        return self._lines

    def _read(self, path: str) -> list[str] | None:
        try:
            if os.path.getsize(path) > self._max:
                return None
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if b"\x00" in data[:8192]:
            return None
        # split on "\n" only, like the loader counts lines
        lines = [ln.rstrip("\r") for ln in data.decode("utf-8", errors="replace").split("\n")]
        if lines and lines[-1] == "":
            lines.pop()  # the text after the final newline is not a line
        return lines


def frame_lines(lines: Sequence[str], line: int, end_line: int) -> list[tuple[int | None, bool, str]]:
    """(number or None for an elision, is-offending, redacted text) rows of a code frame."""
    if line < 1 or line > len(lines):
        return []
    end_line = max(line, min(end_line, len(lines)))
    first, last = max(1, line - 1), min(len(lines), end_line + 1)
    numbers: list[int | None] = list(range(first, last + 1))
    if end_line - line + 1 > MAX_FRAME:
        head = list(range(first, line + 6))
        tail = list(range(end_line - 2, last + 1))
        numbers = [*head, None, *tail]
    rows: list[tuple[int | None, bool, str]] = []
    for n in numbers:
        if n is None:
            rows.append((None, True, "..."))
        else:
            rows.append((n, line <= n <= end_line, clean(redact_line(lines[n - 1]))))
    return rows


def _frame(rows: list[tuple[int | None, bool, str]]) -> Table:
    width = max(len(str(n)) for n, _, _ in rows if n is not None) if rows else 1
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)  # marker + number
    grid.add_column(no_wrap=True)  # gutter
    grid.add_column(no_wrap=True, overflow="ellipsis")  # config text
    grid.add_row(Text(" " * (width + 2)), Text("|", style="blue"), Text(""))
    for n, hit, text in rows:
        mark = ">" if hit and n is not None else " "
        num = ("" if n is None else str(n)).rjust(width)
        # styles on spans, not on the cell, so column padding stays unstyled
        left = Text.assemble((f"{mark} {num}", "bold red" if hit and n is not None else "dim"))
        body = Text.assemble((text, "bold" if hit and n is not None else ""))
        grid.add_row(left, Text("|", style="blue"), body)
    return grid


def _header(r: Reported | Collapsed, rule: str, severity: str, name: str | None) -> Text:
    head = Text()
    head.append(f"{clean(r.file)}:{r.line}:", style="bold")
    head.append(" ")
    head.append(rule, style="bold")
    head.append(" ")
    head.append(f"[{severity}]", style=SEVERITY_STYLE.get(severity, ""))
    if name:
        head.append(f" {name}", style="dim")
    if r.device:
        head.append(" on ")
        head.append(clean(r.device), style="magenta")
    return head


@dataclass
class _FileGroup:
    path: str
    file: FileResult | None
    findings: list[Reported]
    collapsed: Collapsed | None


def _groups(
    result: LintResult, shown: list[Reported], collapsed: dict[str, Collapsed]
) -> Iterator[_FileGroup]:
    by_file: dict[str, list[Reported]] = {}
    for r in shown:
        by_file.setdefault(r.file, []).append(r)
    known = {f.path: f for f in result.files}
    order = [f.path for f in result.files]
    extra = sorted((set(by_file) | set(collapsed)) - set(known))
    for path in [*order, *extra]:
        items = by_file.get(path, [])
        if items or path in collapsed:
            yield _FileGroup(path, known.get(path), items, collapsed.get(path))


def _file_title(group: _FileGroup) -> Text:
    title = Text(clean(group.path), style="bold")
    f = group.file
    if f is not None:
        bits = [f.vendor or "unknown vendor"]
        if f.devices:
            bits.append(", ".join(clean(d.hostname) for d in f.devices))
        bits.append(plural(f.lines, "line"))
        title.append(" (" + "; ".join(bits) + ")", style="dim")
    return title


def _render_group(console: Console, group: _FileGroup, src: LineSource) -> None:
    console.print(Rule(_file_title(group), align="left", style="dim"))
    readable = group.file is None or group.file.error is None
    for r in group.findings:
        console.print()
        console.print(_header(r, r.rule, r.severity.value, r.name))
        console.print(Padding(Text(clean(r.message)), (0, 0, 0, 2)))
        lines = src.lines(r.file) if readable and r.rule != "PS001" else None
        rows = frame_lines(lines, r.line, r.end_line) if lines is not None else []
        if rows:
            console.print(_frame(rows))
    if group.collapsed is not None:
        c = group.collapsed
        console.print()
        console.print(_header(c, UNSUPPORTED_CODE, "info", "not-modelled"))
        console.print(Padding(Text(c.message), (0, 0, 0, 2)))
    console.print()


def _summary_table(findings: Sequence[Reported]) -> Table:
    table = Table(title="Findings by category", title_justify="left", show_footer=True)
    table.add_column("category", footer="total")
    per_cat: dict[str, dict[str, int]] = {}
    for r in findings:
        per_cat.setdefault(r.category, {s.value: 0 for s in SEVERITIES})[r.severity.value] += 1
    totals = by_severity(findings)
    for sev in SEVERITIES:
        table.add_column(
            sev.value, justify="right", footer=str(totals[sev.value]), style=SEVERITY_STYLE[sev.value]
        )
    table.add_column("total", justify="right", footer=str(len(findings)))
    order = [c for c in CATEGORIES if c in per_cat] + sorted(set(per_cat) - set(CATEGORIES))
    for cat in order:
        counts = per_cat[cat]
        table.add_row(cat, *(str(counts[s.value]) for s in SEVERITIES), str(sum(counts.values())))
    return table


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    console, buf = make_console(out)
    try:
        _render(console, result, config)
    finally:
        _flush(buf, out)


def _render(console: Console, result: LintResult, config: ReportConfig) -> None:
    shown, collapsed = split_unsupported(result.findings, config.show_unsupported)
    src = LineSource()
    for group in _groups(result, shown, collapsed):
        _render_group(console, group, src)
    if config.quiet:
        return
    for f in result.files:
        if f.note is not None and f.vendor is None and f.error is None:
            console.print(Text(f"{clean(f.path)}: {clean(f.note)}, not linted", style="dim"))
    if result.findings:
        console.print(_summary_table(result.findings))
    devices = sum(len(f.devices) for f in result.files)
    unsupported = sum(f.unsupported for f in result.files)
    console.print(
        Text(
            f"Checked {plural(len(result.files), 'file')}, {plural(result.lines, 'line')}, "
            f"{plural(devices, 'device')}; {plural(unsupported, 'line')} not modelled (PS003)."
        )
    )
    line = Text(count_line(result.findings))
    code = exit_code(result, config.fail_on)
    if code == 1:
        line.append(f" Failing: findings at or above {config.fail_on}.", style="bold red")
    elif code == 2:
        line.append(" Failing: some input could not be linted.", style="bold red")
    console.print(line)
