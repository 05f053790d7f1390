"""FRR / Cisco AS-path (and community) regular expressions.

Both vendors apply a POSIX extended regex to the AS path rendered as
space-separated ASNs (leftmost = neighbor side, rightmost = origin), searching
anywhere in the string.  ``_`` matches a delimiter: start or end of the string,
a space, a comma, ``{``, ``}``, ``(`` or ``)``.  This module translates that
dialect into Python :mod:`re` and evaluates ``as-path access-list`` objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from policylint.model import Action, AsPathList

_DELIM = r"(?:^|$|[ ,{}()])"
_POSIX_CLASSES = {
    "digit": "0-9",
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "space": r" \t\n\r\f\v",
    "blank": r" \t",
    "upper": "A-Z",
    "lower": "a-z",
    "xdigit": "0-9A-Fa-f",
    "punct": r"!-/:-@\[-`{-~",
}
_MAX_ASN = 2**32 - 1


class AsPathRegexError(ValueError):
    """The regex text is not valid in the vendor dialect."""


def _translate(text: str) -> str:
    """POSIX ERE with ``_`` → Python regex."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in "wWsSbB":
                out.append("\\" + nxt)
            elif nxt in "<>":
                out.append(r"\b")
            else:
                out.append(re.escape(nxt))
            i += 2
        elif c == "_":
            out.append(_DELIM)
            i += 1
        elif c == "[":
            j = i + 1
            body: list[str] = []
            if j < n and text[j] == "^":
                body.append("^")
                j += 1
            if j < n and text[j] == "]":
                body.append(r"\]")
                j += 1
            while j < n and text[j] != "]":
                if text.startswith("[:", j):
                    end = text.find(":]", j + 2)
                    name = text[j + 2 : end] if end >= 0 else ""
                    if name not in _POSIX_CLASSES:
                        raise AsPathRegexError(f"unknown character class in {text!r}")
                    body.append(_POSIX_CLASSES[name])
                    j = end + 2
                    continue
                ch = text[j]
                body.append("\\" + ch if ch in "\\[&~|" else ch)
                j += 1
            if j >= n:
                raise AsPathRegexError(f"unterminated bracket expression in {text!r}")
            out.append("[" + "".join(body) + "]")
            i = j + 1
        elif c == "(" and text.startswith("(?", i):
            raise AsPathRegexError(f"'(?' is not POSIX syntax in {text!r}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_aspath_regex(text: str) -> re.Pattern[str]:
    """Compile a vendor AS-path/community regex; raises :class:`AsPathRegexError`."""
    try:
        return re.compile(_translate(text))
    except re.error as exc:
        raise AsPathRegexError(f"invalid regex {text!r}: {exc}") from exc


def regex_error(text: str) -> str | None:
    """``None`` if the regex compiles, otherwise the error message."""
    try:
        compile_aspath_regex(text)
    except AsPathRegexError as exc:
        return str(exc)
    return None


def render_path(path: tuple[int, ...]) -> str:
    return " ".join(str(asn) for asn in path)


def regex_matches(text: str, subject: str) -> bool:
    """Search semantics; an invalid regex never matches."""
    try:
        return compile_aspath_regex(text).search(subject) is not None
    except AsPathRegexError:
        return False


def aspath_list_matches(alist: AsPathList, path: tuple[int, ...]) -> Action | None:
    """The first matching entry's action; ``None`` = nothing matched (the list denies)."""
    subject = render_path(path)
    for entry in alist.entries:
        if regex_matches(entry.regex, subject):
            return entry.action
    return None


# --------------------------------------------------------------------------- foreign paths


@dataclass(frozen=True, slots=True)
class ForeignCheck:
    """Can a regex (or list) admit a path carrying an ASN outside ``local_asns``?"""

    admits_foreign: bool
    admits_local: bool  # some path made only of local ASNs (or the empty path) is admitted
    valid: bool
    example: tuple[int, ...] | None = None  # a foreign path that is admitted
    error: str | None = None

    def __bool__(self) -> bool:
        return self.admits_foreign


_FOREIGN_SAMPLES = (174, 3356, 1299, 6939, 2914, 13335, 64512, 65000, 65535, 4200000000, 23456, 7018)


def _shaped_numbers() -> frozenset[int]:
    found: set[int] = set(_FOREIGN_SAMPLES)
    for d in range(1, 10):
        for k in range(1, 11):
            found.add(int(str(d) * k))
            found.add(int(str(d) + "0" * (k - 1)))
    return frozenset(found)


_SHAPED = _shaped_numbers()


def _candidates(texts: tuple[str, ...], local: frozenset[int]) -> Iterator[int]:
    """Foreign ASNs to probe with, likeliest first (numbers the regex names, then well-known ones)."""
    named = sorted({int(m) for t in texts for m in re.findall(r"\d+", t) if 0 < int(m) <= _MAX_ASN} - local)
    yield from named
    done = set(named) | local
    preferred = [a for a in _FOREIGN_SAMPLES if a not in done]
    yield from preferred
    done.update(preferred)
    extra = {v for asn in local for v in (asn + 1, int(f"{asn}1"), int(f"1{asn}"))}
    yield from sorted(a for a in _SHAPED | extra if 0 < a <= _MAX_ASN and a not in done)


def _local_paths(local: frozenset[int]) -> list[tuple[int, ...]]:
    locs = sorted(local)[:4]
    paths: list[tuple[int, ...]] = [()]
    for asn in locs:
        paths += [(asn,), (asn, asn), (asn, asn, asn)]
    paths += [tuple(p) for p in product(locs, repeat=2)]
    return paths


def _foreign_paths(texts: tuple[str, ...], local: frozenset[int]) -> Iterator[tuple[int, ...]]:
    locs = sorted(local)[:4]
    for f in _candidates(texts, local):
        yield from ((f,), (f, f), (f, 174), (3356, f), (f, 3356, 1299))
        for asn in locs:
            yield from ((asn, f), (f, asn), (asn, asn, f), (asn, f, f))


@lru_cache(maxsize=1024)
def _probe(texts: tuple[tuple[str, str], ...], local: frozenset[int]) -> ForeignCheck:
    """``texts``: (action, regex) pairs evaluated first-match, like an access list."""
    errors = [e for e in (regex_error(rx) for _, rx in texts) if e]
    patterns = [(act, compile_aspath_regex(rx)) for act, rx in texts if regex_error(rx) is None]

    def admitted(path: tuple[int, ...]) -> bool:
        subject = render_path(path)
        for act, pat in patterns:
            if pat.search(subject):
                return act == Action.PERMIT.value
        return False

    example = next((p for p in _foreign_paths(tuple(rx for _, rx in texts), local) if admitted(p)), None)
    return ForeignCheck(
        admits_foreign=example is not None,
        admits_local=any(admitted(p) for p in _local_paths(local)),
        valid=not errors,
        example=example,
        error=errors[0] if errors else None,
    )


def aspath_regex_admits_foreign(regex: str, local_asns: frozenset[int]) -> ForeignCheck:
    """Heuristic: does ``regex`` match some path carrying an ASN outside ``local_asns``?

    Probes the regex with synthetic paths (well-known transit ASNs, numbers named
    in the regex, neighbours of the local ASNs, ...).  An invalid regex matches
    nothing and is reported with ``valid=False``; this function never raises.
    """
    return _probe(((Action.PERMIT.value, regex),), local_asns)


def aspath_list_admits_foreign(alist: AsPathList, local_asns: frozenset[int]) -> ForeignCheck:
    """Same probe for a whole access list (first match, implicit deny)."""
    return _probe(tuple((e.action.value, e.regex) for e in alist.entries), local_asns)
