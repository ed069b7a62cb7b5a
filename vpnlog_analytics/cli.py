"""The ``vpnlog`` command: the package's jobs from a terminal.

Every subcommand reads any source :func:`read_logs` takes (files, folders, globs) and
prints a table (``--format table|csv|json``). Bad input ends with one clear line on
stderr and a non-zero exit code; ``-v`` shows the traceback too.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from . import __version__
from .catalog import message_catalog
from .errors import VpnLogError
from .io import read_logs

__all__ = ["main"]

log = logging.getLogger("vpnlog")

FORMATS = ("table", "csv", "json")

#: Exit codes: 0 fine, 1 bad input or a failed job, 2 wrong usage (argparse).
EXIT_ERROR = 1


def _timestamp(text: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (use e.g. 2026-10-01)") from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", help="log files, folders or globs (any envelope)")
    p.add_argument("--log-stream", help="stream name for files that name none")
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip malformed records (counted on stderr) instead of stopping at the first",
    )
    p.add_argument("--from", dest="start", type=_timestamp, help="window start (UTC)")
    p.add_argument("--to", dest="end", type=_timestamp, help="window end (UTC)")


def _add_format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")


def _load(args: argparse.Namespace) -> pd.DataFrame:
    events = read_logs(
        args.sources,
        log_stream=args.log_stream,
        errors="skip" if args.skip_bad else "raise",
        progress=sys.stderr.isatty(),
    )
    skipped = events.attrs.get("skipped") or {}
    if skipped:
        total = sum(skipped.values())
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
        print(f"vpnlog: skipped {total} malformed record(s) ({reasons})", file=sys.stderr)
    return events


def _fmt_value(value: Any) -> Any:
    if isinstance(value, pd.Timedelta):
        if pd.isna(value):
            return ""
        total = int(value.total_seconds())
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return value


def _emit(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(table.to_json(orient="records", date_format="iso", indent=2))
        sys.stdout.write("\n")
    else:
        shown = table.copy()
        for col in shown.columns:
            if pd.api.types.is_timedelta64_dtype(shown[col]):
                shown[col] = shown[col].map(_fmt_value)
            elif isinstance(shown[col].dtype, pd.DatetimeTZDtype):
                # every time is UTC (the header says so): print it without the offset
                shown[col] = shown[col].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print(shown.to_string(index=False))


def _cmd_summary(args: argparse.Namespace) -> None:
    from .analysis import summary

    events = _load(args)
    table = summary(events, start=args.start, end=args.end)
    if args.format == "table":
        table = table.assign(up_share=(table["up_share"] * 100).round(3)).rename(
            columns={"up_share": "up_%"}
        )
        keep = [
            "vpn_connection_id",
            "tunnel_ip",
            "first_seen",
            "last_seen",
            "records",
            "errors",
            "warnings",
            "infos",
            "up_%",
            "flaps",
            "outages",
            "longest_outage",
            "collision_rate",
        ]
        table = table[[c for c in keep if c in table.columns]]
        first, last = table["first_seen"].min(), table["last_seen"].max()
        span = f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        print(f"{len(events):,} records from {len(table)} tunnel(s), {span}")
    _emit(table, args.format)


def _cmd_catalog(args: argparse.Namespace) -> None:
    _emit(message_catalog(), args.format)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``vpnlog`` (one subparser per job)."""
    parser = argparse.ArgumentParser(
        prog="vpnlog",
        description="Analyse AWS Site-to-Site VPN tunnel logs: flaps, outages, "
        "availability against the SLA, rekey collisions, diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("summary", help="one row per tunnel: records, severities, up time")
    _add_source_args(p)
    _add_format_arg(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("catalog", help="the message catalogue: events, meaning, remedy")
    _add_format_arg(p)
    p.set_defaults(func=_cmd_catalog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpnlog``; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 on bad input or a failed job, 2 on wrong usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="vpnlog: %(message)s",
    )
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        func(args)
    except VpnLogError as exc:
        if args.verbose:
            raise
        print(f"vpnlog: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("vpnlog: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
