"""The bad-input policy of DESIGN.md section 7: raise with file and line, or skip and count."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Final

from ..errors import FormatError, ParseError
from ..options import check_choice

__all__ = ["ERRORS_CHOICES", "Issues"]

log = logging.getLogger(__name__)

ERRORS_CHOICES: Final = ("raise", "skip")
_MAX_EXAMPLES: Final = 20


class Issues:
    """Collects malformed records: raises on the first under ``"raise"``, counts under ``"skip"``.

    Parameters
    ----------
    errors : {"raise", "skip"}
        The policy.
    """

    def __init__(self, errors: str) -> None:
        self.errors = check_choice("errors", errors, ERRORS_CHOICES)
        self.skipped: Counter[str] = Counter()
        #: The same counts per source (a report without a source counts under ""), so
        #: each source's records read = kept + duplicates + skipped.
        self.by_source: defaultdict[str, Counter[str]] = defaultdict(Counter)
        #: The envelope format of each source read, also of one whose every record was
        #: skipped (it is listed with its counts all the same).
        self.formats: dict[str, str] = {}
        self.examples: list[str] = []

    def update(self, other: Issues) -> None:
        """Add the counts (and the first examples) of another chunk's issues."""
        self.skipped.update(other.skipped)
        for source, counts in other.by_source.items():
            self.by_source[source].update(counts)
        for source, fmt in other.formats.items():
            self.formats.setdefault(source, fmt)
        self.examples.extend(other.examples[: _MAX_EXAMPLES - len(self.examples)])

    def bad(
        self,
        message: str,
        *,
        source: str | None,
        reason: str,
        line: int | None = None,
        offset: int | None = None,
        count: int = 1,
        error: type[ParseError] | type[FormatError] = ParseError,
    ) -> None:
        """Report ``count`` bad records (or one bad source) of one kind.

        Parameters
        ----------
        message : str
            What is wrong, for the user.
        source : str or None
            Where.
        reason : str
            Short key under which the records are counted.
        line, offset : int, optional
            The first bad line, or the byte offset for compressed data.
        count : int
            How many records this report stands for.
        error : type
            What to raise: :class:`ParseError` (a bad record), :class:`FormatError` (a
            source that holds no format the package knows).

        Raises
        ------
        ParseError, FormatError
            Under ``errors="raise"``.
        """
        err = error(message, source=source, line=line, offset=offset, reason=reason)
        if self.errors == "raise":
            raise err
        self.skipped[reason] += count
        self.by_source[source or ""][reason] += count
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append(str(err) + (f" ({count} records)" if count > 1 else ""))
        log.warning("skipped %d record(s): %s", count, err)
