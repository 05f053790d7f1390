"""Secret redaction for any config text that reaches an output.

Neighbor passwords, MD5/key strings and similar never leave the tool: the model
stores only that a secret exists, and every line of config text shown to a user
(unsupported statements, code frames) passes through :func:`redact_line`.
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"

# keyword(s) after which everything up to end of line is a secret
_SECRET_TAIL = re.compile(
    r"(?P<kw>\b(?:password|secret|key-string|md5|authentication-key|"
    r"message-digest-key\s+\d+\s+md5|key\s+\d+|"
    r"enable\s+(?:password|secret)(?:\s+level\s+\d+)?|"
    r"ssh\s+(?:\S+\s+)?(?:private|public)[-_ ]?key\S*|"
    r"tcp-ao|ao-key|snmp-server\s+community|community-string)"
    r"(?:\s+(?:encrypted|unencrypted|\d))?)(?P<gap>\s+)(?P<secret>\S.*)$",
    re.IGNORECASE,
)


def redact_line(text: str) -> str:
    """Replace everything after a secret-bearing keyword with ``<redacted>``."""
    if not _maybe_secret(text):
        return text
    return _SECRET_TAIL.sub(lambda m: f"{m.group('kw')}{m.group('gap')}{REDACTED}", text)


def _maybe_secret(text: str) -> bool:
    low = text.lower()
    return any(k in low for k in ("password", "secret", "key", "md5", "community", "tcp-ao"))
