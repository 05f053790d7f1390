"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding.

``::error file=F,line=L,endLine=E,title=T::message`` - the message escapes ``%``,
``\\r`` and ``\\n``; property values also escape ``:`` and ``,`` (as the
Actions runner's own toolkit does).  Not-modelled lines (PS003) are collapsed to
one notice per file unless ``--show-unsupported``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from policylint.report import ReportConfig, clean, repo_relative, split_unsupported

if TYPE_CHECKING:
    from policylint.engine import LintResult

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: str | int) -> str:
    body = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{kind} {body}::{escape_data(message)}"


def lines(result: LintResult, config: ReportConfig) -> list[str]:
    shown, collapsed = split_unsupported(result.findings, config.show_unsupported)
    out: list[tuple[tuple[str, int, str, str], str]] = []
    for r in shown:
        msg = clean(r.message) + (f" (on {clean(r.device)})" if r.device else "")
        title = f"{r.rule} {r.name}"
        text = command(
            COMMAND[r.severity.value],
            msg,
            file=clean(repo_relative(r.file)),
            line=r.line,
            endLine=r.end_line,
            title=title,
        )
        out.append((r.sort_key, text))
    for c in collapsed.values():
        text = command(
            "notice", c.message, file=repo_relative(c.file), line=c.line, title="PS003 not-modelled"
        )
        out.append(((c.file, c.line, "PS003", ""), text))
    out.sort(key=lambda kv: kv[0])
    return [t for _, t in out]


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    for line in lines(result, config):
        out.write(line + "\n")
