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
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len, set_cell_size
from rich.color import ColorSystem
from rich.console import Console
from rich.rule import Rule
from rich.style import Style
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
    plural,
    run_exit_code,
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


Parts = list[tuple[str, str]]  # (text, rich style) pieces of one output line
_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}


class _Painter:
    """Writes styled lines straight to the console's buffer.

    Findings are the bulk of a report; sending each through ``Console.print``
    costs about a millisecond, so they are painted here with rich's styles and
    the console's colour decision instead.
    """

    def __init__(self, console: Console, buf: io.StringIO) -> None:
        self.width = console.width
        self._buf = buf
        self._system = _COLOR_SYSTEMS.get(console.color_system or "")
        self._no_color = console.no_color
        self._styles: dict[str, Style] = {}

    def _paint(self, text: str, style: str) -> str:
        if self._system is None or not style or not text:
            return text
        parsed = self._styles.get(style)
        if parsed is None:
            parsed = Style.parse(style)
            if self._no_color:
                parsed = parsed.without_color
            self._styles[style] = parsed
        return parsed.render(text, color_system=self._system)

    def line(self, parts: Parts, crop: bool = False) -> None:
        out: list[str] = []
        budget = self.width
        for text, style in parts:
            if crop and cell_len(text) > budget:
                out.append(self._paint(set_cell_size(text, max(0, budget - 1)) + "…", style))
                break
            budget -= cell_len(text)
            out.append(self._paint(text, style))
        self._buf.write("".join(out) + "\n")


def _body(painter: _Painter, message: str, rows: list[tuple[int | None, bool, str]]) -> None:
    """The indented message, then the code frame (config lines cropped to the width)."""
    for line in textwrap.wrap(message, max(20, painter.width - 2), break_on_hyphens=False) or [""]:
        painter.line([("  " + line, "")])
    if not rows:
        return
    numw = max((len(str(n)) for n, _, _ in rows if n is not None), default=1)
    painter.line([(" " * (numw + 3), ""), ("|", "blue")])
    for n, hit, text in rows:
        marked = hit and n is not None
        num = f"{'>' if marked else ' '} {'' if n is None else n:>{numw}}"
        parts: Parts = [(num, "bold red" if marked else "dim"), (" ", ""), ("|", "blue")]
        if text:
            parts += [(" ", ""), (text, "bold" if marked else "")]
        painter.line(parts, crop=True)


def _header(r: Reported | Collapsed, rule: str, severity: str, name: str | None) -> Parts:
    parts: Parts = [(f"{clean(r.file)}:{r.line}:", "bold"), (" ", ""), (rule, "bold"), (" ", "")]
    parts.append((f"[{severity}]", SEVERITY_STYLE.get(severity, "")))
    if name:
        parts.append((f" {name}", "dim"))
    if r.device:
        parts += [(" on ", ""), (clean(r.device), "magenta")]
    return parts


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
        if f.hostnames:
            bits.append(", ".join(clean(h) for h in f.hostnames))
        bits.append(plural(f.lines, "line"))
        title.append(" (" + "; ".join(bits) + ")", style="dim")
    return title


def _render_group(console: Console, painter: _Painter, group: _FileGroup, src: LineSource) -> None:
    console.print(Rule(_file_title(group), align="left", style="dim"))
    readable = group.file is None or group.file.error is None
    for r in group.findings:
        painter.line([])
        painter.line(_header(r, r.rule, r.severity.value, r.name))
        lines = src.lines(r.file) if readable and r.rule != "PS001" else None
        rows = frame_lines(lines, r.line, r.end_line) if lines is not None else []
        _body(painter, clean(r.message), rows)
    if group.collapsed is not None:
        c = group.collapsed
        painter.line([])
        painter.line(_header(c, UNSUPPORTED_CODE, "info", "not-modelled"))
        _body(painter, c.message, [])
    painter.line([])


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
        _render(console, _Painter(console, buf), result, config)
    finally:
        _flush(buf, out)


def _render(console: Console, painter: _Painter, result: LintResult, config: ReportConfig) -> None:
    shown, collapsed = split_unsupported(result.findings, config.show_unsupported)
    src = LineSource()
    for group in _groups(result, shown, collapsed):
        _render_group(console, painter, group, src)
    if config.quiet:
        return
    for f in result.files:
        if f.note is not None and f.vendor is None and f.error is None:
            console.print(Text(f"{clean(f.path)}: {clean(f.note)}, not linted", style="dim"))
    if result.findings:
        console.print(_summary_table(result.findings))
    devices = sum(len(f.hostnames) for f in result.files)
    unsupported = sum(f.unsupported for f in result.files)
    console.print(
        Text(
            f"Checked {plural(len(result.files), 'file')}, {plural(result.lines, 'line')}, "
            f"{plural(devices, 'device')}; {plural(unsupported, 'line')} not modelled (PS003)."
        )
    )
    line = Text(count_line(result.findings))
    code = run_exit_code(result, config)
    if code == 1:
        line.append(f" Failing: findings at or above {config.fail_on}.", style="bold red")
    elif code == 2:
        line.append(" Failing: some input could not be linted.", style="bold red")
    console.print(line)
