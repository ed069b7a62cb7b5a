"""The package's exceptions: one base class and a few specific subclasses.

Every error a user can hit while loading or analysing logs is a :class:`VpnLogError`,
so ``except VpnLogError`` is enough to catch all of them. Messages name the source, the
line (or byte offset) and, where there is one, the fix.
"""

from __future__ import annotations

__all__ = [
    "AwsError",
    "FormatError",
    "OptionError",
    "ParseError",
    "SchemaError",
    "SourceError",
    "VpnLogError",
]


class VpnLogError(Exception):
    """Base class of every error raised by vpnlog-analytics."""


class SourceError(VpnLogError):
    """A source cannot be opened: missing file, empty glob, unsupported URI."""


class _Located(VpnLogError):
    """An error at a place in a source: its name, line and/or byte offset."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        offset: int | None = None,
        reason: str = "malformed",
    ) -> None:
        self.source = source
        self.line = line
        self.offset = offset
        self.reason = reason
        if source is None and line is None and offset is None:
            super().__init__(message)  # the message names its source itself
            return
        where = source or "<records>"
        if line is not None:
            where = f"{where}, line {line}"
        if offset is not None:
            where = f"{where}, byte offset {offset}"
        super().__init__(f"{where}: {message}")


class FormatError(_Located):
    """The content of a source is not any log format or envelope the package knows.

    Carries the same ``source``, ``line``, ``offset`` and ``reason`` as :class:`ParseError`.
    """


class ParseError(_Located):
    """A record inside a recognised source is malformed.

    Parameters
    ----------
    message : str
        What is wrong with the record.
    source : str, optional
        The file, object or label the record came from.
    line : int, optional
        1-based line number of the record within the (decompressed) source.
    offset : int, optional
        Byte offset within the source, for broken compressed data.
    reason : str, optional
        Short machine-readable reason, the key under which ``errors="skip"`` counts it.
    """


class OptionError(VpnLogError, ValueError):
    """An option has a value the function does not accept; the message lists the allowed."""


class SchemaError(VpnLogError):
    """A DataFrame given to an analysis function is not an events table."""


class AwsError(VpnLogError):
    """An AWS call failed in a way the user can act on (credentials, permissions, names).

    ``str(error)`` says what to do from Python (``boto3_session=...``); :attr:`cli_message`
    says the same for the ``vpnlog`` command, naming its flags (``--region``,
    ``--profile``) and environment variables instead.

    Parameters
    ----------
    message : str
        The message for Python callers.
    cli_message : str, optional
        The message for the command line; default: ``message``.
    """

    def __init__(self, message: str, *, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.cli_message = cli_message if cli_message is not None else message
