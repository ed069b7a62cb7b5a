"""The ``vpnlog`` command: the package's jobs from a terminal.

Every analysis subcommand reads any source :func:`read_logs` takes (files, folders,
globs), takes ``--from/--to`` and prints a table (``--format table|csv|json``); ``report``
writes the report folder, ``plot`` one chart, ``simulate`` sample logs, ``fetch`` pulls logs
from CloudWatch into the local cache and ``metrics`` the ``AWS/VPN`` metrics, ``maintenance``
gathers AWS maintenance and customer changes (boto3 is imported only by those three), and
``reconcile`` sets the logs beside saved metrics. Progress bars go to
stderr only when it is a terminal. Bad input ends with one clear line on stderr and a
non-zero exit code; ``-v`` shows the traceback too. matplotlib is imported only by the
subcommands that draw.

Tables follow the formatting rules of :mod:`vpnlog_analytics.present` (durations
``17 min 05 s``, UTC times without the offset); rates are shown in percent with the sign in
the header (``availability_%``). ``--format csv`` and ``json`` print the results as the
analysis returns them: rates as fractions (0-1), durations and times as pandas writes them.

The first hour of a user, in words the terminal shows: a source with no records in the
window ends with one line naming the source, the window and what became of the files, and
exit code 1; files that hold no logs are counted on one line (``-v`` lists them); malformed
records skipped with ``--skip-bad`` are counted on one line (``-v`` lists them); AWS errors
name ``--region``, ``--profile`` and the environment variables, not Python arguments.
``-v`` and ``--skip-bad`` go before or after the subcommand.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from . import __version__
from . import schema as s
from .analysis.availability import (
    CREDIT_BASIS,
    CREDIT_NOT_MONTH,
    CREDIT_PARTIAL,
    EXCLUDE_CUSTOMER,
    EXCLUDE_MAINTENANCE,
)
from .analysis.availability import SOURCES as AVAILABILITY_SOURCES
from .catalog import PROVENANCES, message_catalog
from .errors import OptionError, VpnLogError
from .io import read_logs
from .options import (
    DEFAULT_FLAP_WINDOW,
    DEFAULT_SLA,
    DEFAULT_STALE_AFTER,
    SHARED_OPTIONS,
    to_duration,
    to_utc,
)
from .present import format_span, format_table, format_time, routing_text
from .words import plural

__all__ = ["main"]

log = logging.getLogger("vpnlog")

FORMATS = ("table", "csv", "json")

#: Exit codes: 0 fine, 1 bad input, no records or a failed job, 2 wrong usage (argparse).
EXIT_ERROR = 1


class NoRecordsError(VpnLogError):
    """The sources hold no records (in the window): nothing to analyse."""


def _timestamp(text: str) -> pd.Timestamp:
    try:
        return to_utc(text, "time")  # text without an offset is UTC, as everywhere
    except OptionError as exc:
        # argparse names the flag ("argument --from: '5 Nov' has no year; ..."): keep the
        # reason and the accepted form to_utc gives, without its "time=" prefix
        raise argparse.ArgumentTypeError(str(exc).removeprefix("time=")) from None


_VERBOSE_HELP = "show tracebacks, and list ignored files and skipped records"
_SKIP_HELP = "skip malformed records (counted on stderr) instead of stopping at the first"


def _common() -> argparse.ArgumentParser:
    """Options every subcommand takes, also after its name (``vpnlog summary -v``)."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a value given before the subcommand is not reset by the subparser
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP
    )
    return common


def _add_option(p: argparse.ArgumentParser, name: str, **kwargs: Any) -> None:
    """Add the flag(s) of the shared option ``name`` (:data:`SHARED_OPTIONS`) to ``p``.

    The flag, its ``dest``, default and help come from the option's declaration, so the
    CLI says what the docstrings say; ``kwargs`` add what only argparse needs (``type``,
    ``metavar``, ``action``, ``choices``).
    """
    option = SHARED_OPTIONS[name]
    for flag in option.cli:
        kwargs.setdefault("default", option.default)
        p.add_argument(flag.flag, dest=flag.dest, help=flag.help, **kwargs)


def _stale_after(text: str) -> pd.Timedelta | str | None:
    if text.strip().lower() in ("none", "off"):
        return None
    if text.strip().lower() == "auto":
        return "auto"  # each tunnel's own, from --options (resolved in _run)
    try:
        value = to_duration("--stale-after", text)
    except OptionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if value <= pd.Timedelta(0):
        raise argparse.ArgumentTypeError(f"--stale-after {text!r} must be positive (or none)")
    return value


def _session(args: argparse.Namespace) -> Any:
    """Return the boto3 session of ``--region``/``--profile`` (None: no AWS needed)."""
    region, profile = getattr(args, "region", None), getattr(args, "profile", None)
    sources = getattr(args, "sources", None)
    needs = sources is None or any(str(x).startswith("s3://") for x in sources)
    if not (needs or region or profile):
        return None
    from .aws import make_session  # imports boto3: only when AWS is used

    return make_session(region=region, profile=profile)


def _skipped_line(skipped: dict[str, int]) -> str:
    reasons = ", ".join(f"{k}: {v:,}" for k, v in sorted(skipped.items()))
    total = sum(skipped.values())
    # Records without a tunnel are well formed: the file lost the name that said it.
    what = "record" if set(skipped) == {"no_tunnel"} else "malformed record"
    line = f"vpnlog: skipped {plural(total, what)} ({reasons}); -v lists them"
    if "no_tunnel" in skipped:
        line += (
            "; no_tunnel: these records name no tunnel because the file name does not carry "
            "the log stream: pass --log-stream vpn-<id>-<outside ip>-IKE.log"
        )
    return line


def _load(args: argparse.Namespace) -> pd.DataFrame:
    """Read the sources; say once what was skipped and ignored; refuse an empty result."""
    events = read_logs(
        args.sources,
        log_stream=args.log_stream,
        errors="skip" if args.skip_bad else "raise",
        progress=sys.stderr.isatty(),
        boto3_session=_session(args),
    )
    skipped = events.attrs.get("skipped") or {}
    if skipped:
        if args.verbose:
            for example in events.attrs.get("skipped_examples") or []:
                print(f"vpnlog: skipped {example}", file=sys.stderr)
        print(_skipped_line(skipped), file=sys.stderr)
    excluded: list[str] = events.attrs.get("excluded_files") or []
    if excluded and args.verbose:
        print(
            f"vpnlog: did not read {plural(len(excluded), 'file')} listed in .vpnlogignore: "
            + ", ".join(excluded),
            file=sys.stderr,
        )
    why: dict[str, str] = events.attrs.get("ignored_why") or {}
    # An options file beside the logs was read as --options: not worth a word.
    given = _options_arg(args) if getattr(args, "options", None) else None
    if given is not None:
        read = {Path(str(f)).resolve() for f in given["source"].dropna().unique()}
        why = {k: v for k, v in why.items() if Path(k).resolve() not in read}
    # Say it the command line's way.
    hint = "read them with read_tunnel_options()"
    instead = "give them with --options" if hasattr(args, "options") else "see vpnlog options"
    why = {k: v.replace(hint, instead) for k, v in why.items()}
    if why and args.verbose:
        for name, what in why.items():
            print(f"vpnlog: ignored {name}: {what}", file=sys.stderr)
    if why:
        kinds = ", ".join(f"{k}: {n}" for k, n in Counter(why.values()).most_common())
        hold = "holds" if len(why) == 1 else "hold"
        print(
            f"vpnlog: ignored {plural(len(why), 'file')} that {hold} no logs ({kinds}); "
            "-v lists them",
            file=sys.stderr,
        )
    _require_records(events, args)
    return events


def _sources_text(sources: Sequence[str]) -> str:
    names = [str(x) for x in sources]
    return (
        ", ".join(names) if len(names) <= 3 else f"{names[0]}, {names[1]} and {len(names) - 2} more"
    )


def _window_text(args: argparse.Namespace) -> str:
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    fmt = "%Y-%m-%d %H:%M"
    if start is not None and end is not None:
        return f" from {start:{fmt}} to {end:{fmt}} UTC"
    if start is not None:
        return f" from {start:{fmt}} UTC on"
    if end is not None:
        return f" before {end:{fmt}} UTC"
    return ""


def _in_window(events: pd.DataFrame, args: argparse.Namespace) -> int:
    """How many records fall in ``--from``/``--to`` (all of them without a window)."""
    mask = pd.Series(True, index=events.index)
    if getattr(args, "start", None) is not None:
        mask &= events[s.TIME] >= args.start
    if getattr(args, "end", None) is not None:
        mask &= events[s.TIME] < args.end
    return int(mask.sum())


def _require_records(events: pd.DataFrame, args: argparse.Namespace) -> None:
    """Raise :class:`NoRecordsError` with the one line a user needs when nothing is left."""
    if len(events) and _in_window(events, args):
        return
    files: dict[str, int] = events.attrs.get("files") or {}
    parts = [
        f"{files.get(key, 0)} {label}"
        for key, label in (
            ("read", "read"),
            ("empty", "empty"),
            ("ignored", "ignored"),
            ("unreadable", "unreadable"),
        )
        if files.get(key, 0)
    ]
    total = sum(files.values())
    detail = f"{plural(total, 'file')}" + (": " + ", ".join(parts) if parts else "")
    if len(events):
        detail += f"; {plural(len(events), 'record')}, none in the window"
    tail = ": nothing to diagnose" if getattr(args, "command", "") == "diagnose" else ""
    raise NoRecordsError(
        f"no records found in {_sources_text(args.sources)}{_window_text(args)} ({detail}){tail}"
    )


def _emit(
    table: pd.DataFrame, fmt: str, *, none: str = "", headers: dict[str, str] | None = None
) -> None:
    """Print a result; an empty table as the sentence ``none`` (e.g. "No outages").

    ``headers`` renames the terminal table's headers (CSV and JSON keep the column names).
    """
    if fmt == "table" and table.empty and none:
        print(f"{none}.")
        return
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(table.to_json(orient="records", date_format="iso", indent=2))
        sys.stdout.write("\n")
    else:
        # Every time is UTC (the header of the command says so): no offset is printed.
        shown = format_table(table, headers="terminal").rename(columns=headers or {})
        with pd.option_context("display.width", 200, "display.max_columns", None):
            # Missing values are blank, as in the report (not NaN, <NA> or None).
            print(shown.astype(object).where(shown.notna(), "").to_string(index=False))


def _cmd_summary(args: argparse.Namespace) -> None:
    from .analysis import summary

    events = _load(args)
    table = summary(
        events, routing=args.routing, require_routes=args.require_routes, **_states(args)
    )
    rules = table.attrs.get("routing")
    if args.format == "table":
        keep = [
            s.VPN_CONNECTION_ID,
            s.TUNNEL_IP,
            s.FIRST_SEEN,
            s.LAST_SEEN,
            s.RECORDS,
            s.ERRORS,
            s.WARNINGS,
            s.INFOS,
            s.UNKNOWN_TIME,
            s.UP_SHARE,
            s.FLAPS,
            s.OUTAGES,
            s.LONGEST_OUTAGE,
            s.COLLISION_RATE,
        ]
        table = table[[c for c in keep if c in table.columns]]
        # the header counts what is in the window, as the rows do
        seen = table[table[s.RECORDS] > 0]
        if seen.empty:  # only BGP records: the summary counts tunnel (IKE) records
            raise NoRecordsError(
                f"no tunnel records found in {_sources_text(args.sources)}{_window_text(args)} "
                f"({plural(_in_window(events, args), 'BGP record')} only: summary counts "
                "tunnel (IKE) records)"
            )
        first, last = seen[s.FIRST_SEEN].min(), seen[s.LAST_SEEN].max()
        span = f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        records = int(seen[s.RECORDS].sum())  # tunnel (IKE) records, as the rows count
        bgp = _in_window(events, args) - _in_window(events[events[s.LOG_TYPE] == "tunnel"], args)
        also = f" (and {plural(bgp, 'BGP record')})" if bgp else ""
        print(f"{plural(records, 'record')} from {len(seen)} tunnel(s), {span}{also}")
    _emit(table, args.format)
    table.attrs["routing"] = rules
    _say_rule(table, args)


def _say_rule(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """After a terminal table of outages, say which rule counted them (stdout)."""
    if args.format == "table" and len(table):
        line = routing_text(table.attrs.get("routing"))
        if line:
            print(line)


#: Columns of the catalogue in a terminal; the last one (the wording) is wrapped to the width.
_CATALOG_COLUMNS = ("event", "severity", "ike_version", "provenance")


def _terminal_width() -> int:
    """Return the terminal width, kept within 80-120 columns (100 when not a terminal)."""
    return max(80, min(120, shutil.get_terminal_size((100, 24)).columns))


def _cmd_catalog(args: argparse.Namespace) -> None:
    catalog = message_catalog()
    if args.format != "table":
        _emit(catalog, args.format)  # every column, nothing cut
        return
    counts = catalog["provenance"].value_counts()
    told = ", ".join(f"{counts.get(p, 0)} {p}" for p in PROVENANCES)
    for line in textwrap.wrap(
        f"{len(catalog)} rules ({told}): documented = in the AWS user guide, observed = seen "
        "in a real capture, inferred = a guess by analogy (no real example yet)",
        _terminal_width(),
    ):
        print(line)
    shown = catalog[list(_CATALOG_COLUMNS)].astype(object).where(catalog.notna(), "")
    shown = shown.rename(columns={"ike_version": "ike"}).astype(str)
    heads = list(shown.columns)
    widths = [max(len(h), *(len(v) for v in shown[h])) for h in heads]
    indent = sum(widths) + 2 * len(widths)
    room = max(20, _terminal_width() - indent)

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, room, break_on_hyphens=False)

    print("  ".join(f"{h:<{w}}" for h, w in zip(heads, widths, strict=True)) + "  pattern / source")
    for row, pattern, source in zip(
        shown.itertuples(index=False, name=None), catalog["pattern"], catalog["source"], strict=True
    ):
        cells = "  ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True))
        lines = wrap(str(pattern)) + wrap(f"source: {source}")
        print(f"{cells}  {lines[0]}")
        for more in lines[1:]:
            print(" " * indent + more)
    print("--format csv or json has every column (meaning, source, remediation)")


def _cmd_unknown(args: argparse.Namespace) -> None:
    from .analysis import unknown_messages

    events = _load(args)
    table = unknown_messages(events, **_window(args))
    if args.format == "table":
        if table.empty:
            print(f"All {len(events):,} records match a catalogue rule.")
            return
        total = int(table[s.COUNT].sum())
        print(
            f"{total:,} record(s) ({float(table[s.SHARE].sum()):.2%}) in {len(table)} "
            "template(s) match no catalogue rule; please report new messages with their example"
        )
    if args.top:
        table = table.head(args.top)
    _emit(table, args.format)


def _exclude(values: list[str] | None) -> list[tuple[pd.Timestamp, pd.Timestamp]] | None:
    if not values:
        return None
    pairs = []
    for text in values:
        start, sep, end = text.partition("/")
        if not sep:
            raise VpnLogError(
                f"--exclude {text!r}: use START/END, e.g. 2026-10-03T01:00/2026-10-03T03:00"
            )
        try:
            pairs.append((_timestamp(start), _timestamp(end)))
        except argparse.ArgumentTypeError as exc:
            raise VpnLogError(f"--exclude {text!r}: {exc}") from None
    return pairs


def _window(args: argparse.Namespace) -> dict[str, Any]:
    return {"start": args.start, "end": args.end}


def _states(args: argparse.Namespace) -> dict[str, Any]:
    """Return the window and the staleness rule of the analyses that build states."""
    return {**_window(args), "stale_after": args.stale_after}


def _cmd_outages(args: argparse.Namespace) -> None:
    from .analysis import outages

    exclude = _exclude(args.exclude)  # bad options before reading anything
    table = outages(
        _load(args),
        level=args.level,
        min_duration=args.min_duration,
        exclude=exclude,
        maintenance=_maintenance_arg(args),
        routing=args.routing,
        require_routes=args.require_routes,
        **_states(args),
    )
    _emit(table, args.format, none=f"No {args.level} outages{_window_text(args)}")
    _say_rule(table, args)


def _cmd_bgp(args: argparse.Namespace) -> None:
    from .analysis import bgp_flaps, bgp_outages, bgp_sessions

    events = _load(args)
    if args.sessions:
        table = bgp_sessions(events, **_states(args))
    elif args.flaps:
        table = bgp_flaps(events, **_states(args))
    else:
        table = bgp_outages(events, min_duration=args.min_duration, **_states(args))
    what = "BGP sessions" if args.sessions else "BGP flaps" if args.flaps else "BGP outages"
    _emit(table, args.format, none=f"No {what}{_window_text(args)}")


def _cmd_routes(args: argparse.Namespace) -> None:
    from .analysis import route_events, routes

    events = _load(args)
    if args.changes:
        table = route_events(events, **_states(args))
        if args.prefix:
            table = table[table[s.BGP_PREFIX].astype(str) == args.prefix].reset_index(drop=True)
    else:
        if args.start is not None or args.end is not None:
            raise VpnLogError(
                "vpnlog routes: use --at for the instant (--from/--to go with --changes)"
            )
        table = routes(events, at=args.at, stale_after=args.stale_after)
        if args.prefix:
            table = table[table[s.BGP_PREFIX].astype(str) == args.prefix].reset_index(drop=True)
        unknown = table[table[s.HELD].isna().to_numpy()]
        if len(unknown):
            tunnels = unknown[list(s.TUNNEL_KEYS)].drop_duplicates()
            print(
                f"vpnlog: {plural(len(tunnels), 'tunnel')} silent for longer than "
                f"--stale-after ({_stale_text(args.stale_after)}) while up: "
                f"{plural(len(unknown), 'route')} as last known, not known to be held "
                "(held blank)",
                file=sys.stderr,
            )
    _emit(table, args.format, none="No routes" + (f" for {args.prefix}" if args.prefix else ""))


def _cmd_availability(args: argparse.Namespace) -> None:
    from .analysis import availability

    windows = _maintenance_arg(args)
    if windows is not None and args.exclude:
        raise VpnLogError("give either --exclude windows or --maintenance FILE, not both")
    if args.exclude_customer and args.exclude:
        raise VpnLogError("give either --exclude windows or --exclude-customer, not both")
    named = [EXCLUDE_MAINTENANCE] if windows is not None else []
    named += [EXCLUDE_CUSTOMER] if args.exclude_customer else []
    # bad options before reading anything
    exclude = named or _exclude(args.exclude)
    table = availability(
        _load(args),
        freq=args.freq,
        sla=args.sla,
        min_duration=args.min_duration,
        exclude=exclude,
        maintenance=windows,
        source=args.source,
        metrics=_metrics_arg(args) if args.metrics else None,
        routing=args.routing,
        require_routes=args.require_routes,
        **_states(args),
    )
    for w in table.attrs.get("excluded", []):
        print(
            f"vpnlog: excluded {w['context']} {w['start']} to {w['end']} "
            f"({w['vpn_connection_id']}: {w['kinds']})",
            file=sys.stderr,
        )
    _credit_notes(table, args)
    _customer_note(table, args)
    _emit(
        table,
        args.format,
        none=f"No periods to report{_window_text(args)}",
        headers=_AVAILABILITY_HEADERS,
    )


#: Terminal headers that say whose verdict each column is: the user's target (--sla)
#: decides ``target_met``; AWS's tiers (99.95 / 99.0 / 95.0 %) decide the credit.
_AVAILABILITY_HEADERS: Final = {s.SLA_MET: "target_met", "credit_%": "aws_credit_%"}


def _credit_notes(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """Say on stderr why a row has no AWS service credit (not a month, a partial month)."""
    if table.empty or CREDIT_BASIS not in table.columns:
        return
    basis = table[CREDIT_BASIS]
    if (basis == CREDIT_NOT_MONTH).any():
        print(
            f"vpnlog: no AWS service credit with --freq {args.freq}: AWS's SLA credits the "
            "uptime of whole calendar months (UTC) per connection; --freq MS gives them",
            file=sys.stderr,
        )
    partial = table.loc[basis == CREDIT_PARTIAL, s.PERIOD]
    if len(partial):
        lo, hi = partial.min(), partial.max() + pd.offsets.MonthBegin(1)
        print(
            f"vpnlog: no AWS service credit for partial months (the window starts or ends "
            f"inside {', '.join(sorted({f'{p:%Y-%m}' for p in partial}))}); for whole months "
            f"give e.g. --from {lo:%Y-%m-%d} --to {hi:%Y-%m-%d}",
            file=sys.stderr,
        )


def _customer_note(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """Say on stderr which rows had customer downtime, and what the credit made of it."""
    mine = table[table[s.CUSTOMER_DOWNTIME] > pd.Timedelta(0)] if len(table) else table
    if mine.empty:
        return
    ids = ", ".join(sorted(mine[s.VPN_CONNECTION_ID].astype(str).unique()))
    every = "; --exclude-customer set it aside from every figure" if args.exclude_customer else ""
    print(
        f"vpnlog: customer downtime in {ids}: outages caused on the customer's side (gateway "
        "deletes, Ceases and mismatches, customer changes) earn no AWS credit; aws_credit_% "
        f"follows aws_side_%, which sets it aside{every}",
        file=sys.stderr,
    )


def _cmd_flaps(args: argparse.Namespace) -> None:
    from .analysis import flap_frequency, flapping_episodes, flaps

    events = _load(args)
    if args.episodes:
        table = flapping_episodes(
            events, min_flaps=args.min_flaps, flap_window=args.flap_window, **_states(args)
        )
    elif args.freq:
        table = flap_frequency(events, freq=args.freq, **_states(args))
    else:
        table = flaps(events, **_states(args))
    what = "flapping episodes" if args.episodes else "flaps"
    _emit(table, args.format, none=f"No {what}{_window_text(args)}")


def _cmd_rekey(args: argparse.Namespace) -> None:
    from .analysis import rekey_stats

    table = rekey_stats(_load(args), freq=args.freq, **_window(args))
    _emit(table, args.format, none=f"No child-SA negotiations{_window_text(args)}")


def _cmd_diagnose(args: argparse.Namespace) -> None:
    from .analysis import diagnose

    options = _options_arg(args)
    events = _load(args)
    table = diagnose(events, options=options, gateway=_gateway_arg(args, events), **_states(args))
    if args.format != "table":
        _emit(table, args.format)
        return
    if table.empty:
        print("No findings: nothing in the logs looks wrong.")
    for row in table.itertuples(index=False):
        where = getattr(row, s.VPN_CONNECTION_ID)
        ip = row.tunnel_ip
        where = f"{where} {ip}" if isinstance(ip, str) else f"{where} (connection)"
        print(f"{row.severity.upper():7} {row.rule}  {where}")
        print(f"        {row.finding}")
        first, last = format_time(row.first_seen), format_time(row.last_seen)
        print(f"        seen {first} to {last} UTC")
        print(f"        meaning: {row.meaning}")
        print(f"        fix: {row.remediation}")
        print()


def _cmd_report(args: argparse.Namespace) -> None:
    from .report import build_report

    # bad options before reading anything
    exclude = "maintenance" if args.exclude_maintenance else _exclude(args.exclude)
    options = _options_arg(args)
    events = _load(args)
    gateway = _gateway_arg(args, events)
    maintenance = None
    if args.maintenance:
        from .io.metric_files import read_maintenance_events

        maintenance = read_maintenance_events(args.maintenance)
    if args.exclude_maintenance and maintenance is None:
        raise VpnLogError("--exclude-maintenance needs --maintenance FILE")
    if args.exclude_maintenance and args.exclude:
        raise VpnLogError("give either --exclude windows or --exclude-maintenance, not both")
    report = build_report(
        events,
        args.output,
        start=args.start,
        end=args.end,
        sla=args.sla,
        title=args.title,
        exclude=exclude,
        min_duration=args.min_duration,
        stale_after=args.stale_after,
        progress=sys.stderr.isatty(),
        metrics=_metrics_arg(args) if args.metrics else None,
        maintenance=maintenance,
        margin=args.margin,
        options=options,
        gateway=gateway,
    )
    print(f"Report written to {report.out_dir}/")
    print(f"Open it in a browser: {report.index.resolve().as_uri()}")
    print(f"Also: {report.markdown.name}, {len(report.tables)} CSV tables, charts/, manifest.json")


PLOTS = (
    "timeline",
    "flap-heatmap",
    "outage-durations",
    "rekey-collisions",
    "availability",
    "event-counts",
    "route-counts",
)


def _cmd_plot(args: argparse.Namespace) -> None:
    from . import plotting as p
    from .analysis import availability, flap_frequency, outages, rekey_stats

    # save_chart's rule, checked before reading anything
    if Path(args.output).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise OptionError(
            f"{args.output}: cannot tell the format; use a .png, .svg or .pdf file name"
        )
    events = _load(args)
    win, states = _window(args), _states(args)
    chart = args.chart
    if chart == "timeline":
        ax = p.plot_timeline(
            events,
            vpn_connection_ids=args.connection or None,
            gateway=_gateway_arg(args, events),
            **states,
        )
    elif chart == "flap-heatmap":
        ax = p.plot_flap_heatmap(flap_frequency(events, freq="1h", **states), by=args.by)
    elif chart == "outage-durations":
        ax = p.plot_outage_durations(outages(events, level=args.level, **states), sla=args.sla)
    elif chart == "rekey-collisions":
        ax = p.plot_rekey_collisions(rekey_stats(events, freq=args.freq or "1D", **win))
    elif chart == "availability":
        ax = p.plot_availability(
            availability(events, freq=args.freq or "MS", sla=args.sla, **states), sla=args.sla
        )
    elif chart == "route-counts":
        from .analysis import route_events

        ax = p.plot_route_counts(route_events(events, **states), **win)
    else:
        ax = p.plot_event_counts(events, freq=args.freq or "1D", **win)
    path = p.save_chart(ax, args.output, dpi=args.dpi)
    print(f"{chart} chart written to {path}")


def _cmd_simulate(args: argparse.Namespace) -> None:
    from .simulate import write_samples, write_simulation

    try:
        if args.samples:
            written = write_samples(args.out_dir)
        else:
            written = write_simulation(
                args.out_dir,
                envelope=args.envelope,
                start=args.start,
                end=args.end,
                connections=args.connections,
                seed=args.seed,
                incidents=args.incidents,
                bgp=args.bgp,
                truth=args.truth,
            )
    except ValueError as exc:
        raise VpnLogError(f"simulate: {exc}") from exc
    if args.samples:
        print(f"{len(written)} file(s) written to {args.out_dir}")
        return
    days = (pd.Timestamp(args.end) - pd.Timestamp(args.start)) / pd.Timedelta("1D")
    print(
        f"Simulated {args.connections} connection(s), {args.start} to {args.end} UTC "
        f"({days:g} day(s)), incidents: {args.incidents}, seed {args.seed}: "
        f"{len(written)} file(s) written to {args.out_dir} (the tunnels' options in "
        "describe-vpn-connections.json)"
        + (f"; ground truth in {args.truth}" if args.truth else "; --truth FILE writes the truth")
    )


def _cmd_fetch(args: argparse.Namespace) -> None:
    from .aws import fetch_logs  # imports boto3: only for this subcommand

    if args.start is None or args.end is None:
        raise VpnLogError("fetch needs a window: --from and --to (UTC)")
    events = fetch_logs(
        args.log_group,
        start=args.start,
        end=args.end,
        method=args.method,
        vpn_connection_ids=args.connection or None,
        cache_dir=args.cache_dir,
        progress=sys.stderr.isatty(),
        boto3_session=_session(args),
    )
    skipped = events.attrs.get("skipped") or {}
    if skipped:
        if args.verbose:
            for example in events.attrs.get("skipped_examples") or []:
                print(f"vpnlog: skipped {example}", file=sys.stderr)
        print(_skipped_line(skipped), file=sys.stderr)
    tunnels = events.groupby(list(s.TUNNEL_KEYS), observed=True).ngroups
    print(f"{len(events):,} records of {tunnels} tunnel(s) fetched from {args.log_group}")
    print(f"Cached in {args.cache_dir}; notebooks and later fetches of this window reuse it.")


def _need_window(args: argparse.Namespace, what: str) -> None:
    if args.start is None or args.end is None:
        raise VpnLogError(f"{what} needs a window: --from and --to (UTC)")


def _cmd_metrics(args: argparse.Namespace) -> None:
    from .aws import fetch_metrics  # imports boto3: only for this subcommand
    from .io.metric_files import write_table

    _need_window(args, "metrics")
    metrics = fetch_metrics(
        args.connection or None,
        start=args.start,
        end=args.end,
        period=args.period,
        cache_dir=args.cache_dir,
        progress=sys.stderr.isatty(),
        boto3_session=_session(args),
    )
    info = metrics.attrs["fetch"]
    tunnels = metrics.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True).ngroups
    print(
        f"{len(metrics):,} points ({info['period']} s) of {tunnels} tunnel(s); "
        f"{info['get_metric_data_calls']} GetMetricData call(s), "
        f"{info['days_cached']} connection-day(s) from the cache"
    )
    if args.output:
        print(f"written to {write_table(metrics, args.output)}")
    else:
        print(f"Cached in {args.cache_dir}; pass -o FILE to keep the table for reconcile.")


def _metrics_arg(args: argparse.Namespace) -> pd.DataFrame:
    from .io.metric_files import read_metrics

    return read_metrics(args.metrics)


def _cmd_reconcile(args: argparse.Namespace) -> None:
    from .analysis.reconcile import logging_gaps, reconcile, reconcile_summary

    events, metrics = _load(args), _metrics_arg(args)
    options = {"start": args.start, "end": args.end, "stale_after": args.stale_after}
    if args.gaps:
        table = logging_gaps(events, metrics, **options)
    else:
        table = reconcile(events, metrics, tolerance=args.tolerance, **options)
        if not args.points:
            table = reconcile_summary(table)
    _emit(table, args.format)


def _cmd_options(args: argparse.Namespace) -> None:
    from .io.tunnel_options import read_tunnel_options

    errors = "skip" if getattr(args, "skip_bad", False) else "raise"
    if args.file:
        table = read_tunnel_options(args.file, errors=errors)
        where = plural(len(table.attrs["files"]), "file")
    else:
        from .aws.tunnel_options import fetch_tunnel_options  # imports boto3

        table = fetch_tunnel_options(
            args.connection or None, boto3_session=_session(args), errors=errors
        )
        where = "DescribeVpnConnections"
    if args.file and args.connection:
        table = table[table[s.VPN_CONNECTION_ID].isin(args.connection)].reset_index(drop=True)
    if table.attrs.get("skipped"):
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(table.attrs["skipped"].items()))
        print(f"vpnlog: skipped {reasons}", file=sys.stderr)
    if table.attrs.get("duplicates"):
        print(
            f"vpnlog: {table.attrs['duplicates']} tunnel(s) read twice, kept once", file=sys.stderr
        )
    pending = [c for c in table.attrs.get("without_options") or [] if c in (args.connection or [c])]
    if pending:
        print(f"vpnlog: no tunnel options yet (pending): {', '.join(pending)}", file=sys.stderr)
    shown = table
    if args.format == "table":
        shown = table[[*s.TUNNEL_OPTIONS_SHOWN, "defaulted"]].copy()
        shown["defaulted"] = table["defaulted"].map(
            lambda d: f"{len(d.split(','))} option(s)" if d else ""
        )
    _emit(shown, args.format, none=f"No tunnels with options in {where}")
    if args.format == "table" and len(table):
        print(
            f"\n{plural(len(table), 'tunnel')} from {where}; 'defaulted' counts options AWS "
            "left unset (their documented default is shown); --format csv lists every option."
        )


def _options_arg(args: argparse.Namespace) -> pd.DataFrame | None:
    """Read ``--options`` once (before the logs: a bad file fails fast), or None."""
    if not args.options:
        return None
    if not hasattr(args, "_options_table"):
        from .io.tunnel_options import read_tunnel_options

        args._options_table = read_tunnel_options(args.options)
    table: pd.DataFrame = args._options_table
    return table


def _options_file(*, required: bool, purpose: str = "adds what the options explain") -> Arg:
    """Return the ``--options`` flag of the subcommands that read configured options."""
    return Arg(
        "--options",
        action="append",
        required=required,
        help="saved `aws ec2 describe-vpn-connections` JSON (file, folder or glob; "
        "repeatable)" + ("" if required else f": {purpose}"),
    )


def _resolve_stale_after(args: argparse.Namespace) -> None:
    """Turn ``--stale-after auto`` into each tunnel's limit from ``--options``."""
    if getattr(args, "stale_after", None) != "auto":
        return
    from .analysis import stale_limits

    options = _options_arg(args) if getattr(args, "options", None) else None
    if options is None:
        print(
            "vpnlog: --stale-after auto without --options: every tunnel takes the default "
            f"({format_span(DEFAULT_STALE_AFTER)})",
            file=sys.stderr,
        )
    args.stale_after = stale_limits(options)


def _stale_text(value: Any) -> str:
    """``--stale-after`` as a person reads it."""
    if value is None:
        return "none"
    if isinstance(value, pd.Timedelta):
        return format_span(value)
    return "each tunnel's phase 2 lifetime + 15 min"


def _cmd_drift(args: argparse.Namespace) -> None:
    from .analysis import option_drift
    from .io.tunnel_options import read_tunnel_options

    options = read_tunnel_options(args.options)
    events = _load(args)
    table = option_drift(options, events, **_window(args))
    if args.differs:
        table = table[table["verdict"].astype(str) != "agrees"].reset_index(drop=True)
    if args.format == "table":
        table = table.fillna({"configured": "", "observed": ""})
    _emit(table, args.format, none=f"No drift{_window_text(args)}")
    if args.format == "table" and len(table):
        counts = table["verdict"].value_counts()
        said = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        print(f"\n{plural(len(table), 'row')}: {said}.")


def _cmd_maintenance(args: argparse.Namespace) -> None:
    from .analysis.maintenance import maintenance_windows
    from .io.health import read_health_events
    from .io.metric_files import write_table
    from .schema import maintenance_table

    frames = [read_health_events(f) for f in args.health_file or []]
    if not args.no_aws:
        from .aws import fetch_maintenance  # imports boto3

        _need_window(args, "maintenance")
        sources = args.source or list(s.EVENT_SOURCES)
        fetched = fetch_maintenance(
            args.connection or None,
            start=args.start,
            end=args.end,
            sources=sources,
            boto3_session=_session(args),
        )
        for name, why in fetched.attrs.get("unavailable", {}).items():
            print(f"vpnlog: {name} left out: {why}", file=sys.stderr)
        frames.append(fetched)
    elif not frames:
        raise VpnLogError("maintenance --no-aws needs at least one --health-file")
    rows = [r for f in frames for r in f.itertuples(index=False, name=None)]
    events = maintenance_table(rows)
    if args.start is not None:
        events = events[events["end"] >= args.start]
    if args.end is not None:
        events = events[events["start"] < args.end]
    if args.output:
        print(f"{len(events)} event(s) written to {write_table(events, args.output)}")
        return
    table = maintenance_windows(events, margin=args.margin) if args.windows else events
    _emit(table.reset_index(drop=True), args.format)


def _maintenance_arg(args: argparse.Namespace) -> pd.DataFrame | None:
    if not getattr(args, "maintenance", None):
        return None
    from .analysis.maintenance import maintenance_windows
    from .io.metric_files import read_maintenance_events

    return maintenance_windows(read_maintenance_events(args.maintenance), margin=args.margin)


def _cmd_dataset(args: argparse.Namespace) -> None:
    from .io.parquet import convert_dataset

    summary = convert_dataset(args.old, args.new)
    print(
        f"converted {summary.records:,} records ({summary.sources} files) of {args.old} into "
        f"the Delta table {summary.dataset_dir} ({summary.files_written} files, one commit)"
    )


def _gateway_arg(args: argparse.Namespace, events: pd.DataFrame) -> pd.DataFrame | None:
    """Read ``--cgw-logs`` (None without it), attached to the tunnels of ``events``."""
    if not getattr(args, "cgw_logs", None):
        return None
    from .io.gateway import read_gateway_logs

    skip = bool(getattr(args, "skip_bad", False))
    gw = read_gateway_logs(
        args.cgw_logs,
        tz=args.cgw_tz,
        year=args.cgw_year,
        tunnels=events,
        errors="skip" if skip else "raise",
    )
    devices = sorted(set(gw[s.DEVICE].dropna().astype(str)))
    print(
        f"vpnlog: read {plural(len(gw), 'gateway line')} of "
        f"{plural(len(devices), 'device')} ({', '.join(devices)})",
        file=sys.stderr,
    )
    skipped: dict[str, int] = gw.attrs.get("skipped") or {}
    if skipped:
        print(_skipped_line(skipped).replace("record", "gateway line"), file=sys.stderr)
    unattached: dict[str, int] = gw.attrs.get("unattached") or {}
    if unattached:
        lines = sum(unattached.values())
        where = ", ".join(f"{k} ({n:,})" for k, n in sorted(unattached.items()))
        print(
            f"vpnlog: {plural(lines, 'gateway line')} of no AWS tunnel in these logs: {where}",
            file=sys.stderr,
        )
    return gw


def _skew_arg(text: str) -> object:
    """``--skew``: ``auto``, ``none`` or a duration (the gateway's clock minus AWS's)."""
    if text in ("auto", "none"):
        return None if text == "none" else "auto"
    try:
        return pd.Timedelta(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not auto, none or a duration such as 3s or -1.5s"
        ) from None


def _cmd_gateway(args: argparse.Namespace) -> None:
    from .analysis import clock_skew, gateway_restarts, one_sided_failures, two_sided_outages

    events = _load(args)
    gw = _gateway_arg(args, events)
    assert gw is not None  # --cgw-logs is required here
    skew = clock_skew(events, gw)
    if args.format == "table":
        print("Clock of each gateway device against AWS's (from records both ends logged):")
        for row in skew.itertuples(index=False):
            print(
                f"  {getattr(row, s.DEVICE)}: {_signed(getattr(row, s.SKEW))} "
                f"({_signed(getattr(row, s.SKEW_LOW))} to {_signed(getattr(row, s.SKEW_HIGH))}, "
                f"{plural(int(getattr(row, s.PAIRS)), 'pair')}: {getattr(row, s.PAIR_KINDS)})"
            )
        missing = sorted(set(gw[s.DEVICE].dropna().astype(str)) - set(skew[s.DEVICE].astype(str)))
        for device in missing:
            print(f"  {device}: not known (no record both ends logged)")
        applied = "as estimated" if args.skew == "auto" else "not corrected"
        if args.skew not in ("auto", None):
            applied = f"corrected by {_signed(args.skew)}"
        print(f"Gateway times below: {applied}.")
        print()
    # the estimate printed above is the one applied (not estimated again per analysis)
    used = skew if args.skew == "auto" else args.skew
    table = two_sided_outages(events, gw, skew=used, **_states(args))
    columns = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, "start", "end", "duration", s.CAUSE]
    columns += [s.ENDED_BY, s.DPD_FIRST, "gateway_reason"]
    _emit(table[columns], args.format, none="No IPsec outages in the window")
    if args.format != "table":
        return
    restarts = gateway_restarts(events, gw, skew=used)
    cut = restarts[restarts["cut_connection"]]
    for row in cut.itertuples(index=False):
        print(
            f"{getattr(row, s.DEVICE)} restarted at {format_time(getattr(row, s.TIME))} UTC: "
            f"all {row.tunnels} tunnels of {getattr(row, s.VPN_CONNECTION_ID)} were down"
        )
    failures = one_sided_failures(events, gw, skew=used)
    if len(failures):
        print()
        print("Negotiation failures only one end logged:")
        _emit(failures.drop(columns=[s.DETAILS]), "table")


def _signed(value: object) -> str:
    """Say a skew the way people do: '+3 s', '-41.1 s'."""
    seconds = pd.Timedelta(value).total_seconds()
    return f"{seconds:+.1f} s" if seconds % 1 else f"{seconds:+.0f} s"


# --- the subcommands, declared once each --------------------------------------------------------


class Arg:
    """One argument of a subcommand, as data: its flags and ``add_argument``'s keywords."""

    def __init__(self, *flags: str, **kwargs: Any) -> None:
        self.flags = flags
        self.kwargs = kwargs

    def add(self, p: argparse.ArgumentParser) -> None:
        """Add the argument to ``p``."""
        p.add_argument(*self.flags, **self.kwargs)


#: An argument of a subcommand: a name (a group of :data:`_NAMED`, else a shared option of
#: :data:`SHARED_OPTIONS`), an :class:`Arg` of its own, or a function that adds arguments.
ArgSpec = str | Arg | Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Subcommand:
    """One ``vpnlog`` subcommand: what runs it and the arguments it takes."""

    #: The name typed after ``vpnlog``.
    name: str
    #: Its line in ``vpnlog --help``.
    help: str
    #: The handler, ``_cmd_<name>``.
    run: Callable[[argparse.Namespace], None]
    #: Its arguments, in the order its ``--help`` lists them.
    args: tuple[ArgSpec, ...] = ()


def _reads_logs(p: argparse.ArgumentParser) -> None:
    p.set_defaults(reads_logs=True)  # --skip-bad applies (see _settle)


def _level(help: str) -> Arg:
    # the choices and the default are state values, declared in schema
    return Arg("--level", choices=s.LEVELS, default=s.LEVEL_TUNNEL, help=help)


def _sla(help: str = f"target (fraction, default {DEFAULT_SLA})") -> Arg:
    return Arg("--sla", type=float, default=DEFAULT_SLA, help=help)


def _metrics_file(use: str = "", **kwargs: Any) -> Arg:
    what = "metrics file (vpnlog metrics -o FILE)" + (f": {use}" if use else "")
    return Arg("--metrics", help=what, **kwargs)


def _maintenance_file(use: str) -> Arg:
    return Arg("--maintenance", help=f"maintenance events file (vpnlog maintenance -o FILE): {use}")


def _bgp_table(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group()
    what.add_argument("--sessions", action="store_true", help="session state intervals")
    what.add_argument("--flaps", action="store_true", help="established -> not established")


def _simulate_args(p: argparse.ArgumentParser) -> None:
    from .simulate import ENVELOPES  # the simulator is imported only by vpnlog simulate

    p.add_argument("out_dir", help="folder to write")
    p.add_argument("--samples", action="store_true", help="regenerate the bundled samples")
    p.add_argument("--envelope", choices=ENVELOPES, default="raw", help="how AWS delivered them")
    p.add_argument("--start", default="2026-10-01", help="window start (UTC; default 2026-10-01)")
    p.add_argument("--end", default="2026-10-02", help="window end (UTC; default one day on)")
    p.add_argument("--connections", type=int, default=3, help="VPN connections (2 tunnels each)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same logs)")
    p.add_argument("--incidents", choices=("none", "random", "samples"), default="random")
    p.add_argument("--bgp", action="store_true", help="also write BGP log streams")
    p.add_argument("--truth", help="also write the ground truth to this CSV file")


#: What argparse needs beyond a shared option's declaration (``type``, ``action``, ...).
_OPTION_KWARGS: dict[str, dict[str, Any]] = {
    "window": {"type": _timestamp},
    "stale_after": {"type": _stale_after, "metavar": "DURATION"},
    "exclude": {"action": "append", "metavar": "START/END"},
    # the choices and the default are state values, declared in schema
    "routing": {"choices": s.ROUTING_CHOICES, "default": s.ROUTING_AUTO},
    "min_flaps": {"type": int},
}

#: Arguments several subcommands take that are no option of the Python API, by name.
_NAMED: dict[str, tuple[ArgSpec, ...]] = {
    # every subcommand that reads logs
    "sources": (
        Arg("sources", nargs="+", help="log files, folders, globs or s3:// URIs (any envelope)"),
        Arg("--log-stream", help="stream name for files that name none"),
        Arg("--skip-bad", action="store_true", default=argparse.SUPPRESS, help=_SKIP_HELP),
        "window",
        "aws",
        _reads_logs,
    ),
    "aws": ("region", "profile"),
    "reachability": (
        "routing",
        Arg(
            "--require-routes",
            action="store_true",
            help="with auto, also count an established session without routes as down",
        ),
    ),
    "format": (Arg("--format", choices=FORMATS, default="table", help="output format"),),
    "connection": (Arg("--connection", action="append", help="only this VPN connection id"),),
    "cache_dir": (Arg("--cache-dir", default=".vpnlog-cache", help="cache folder (Parquet)"),),
    # the customer gateway's own logs beside AWS's (issue 24)
    "cgw": (
        Arg(
            "--cgw-tz",
            metavar="ZONE",
            help="the gateway's time zone (IANA, e.g. Europe/Berlin), for logs that carry none",
        ),
        Arg(
            "--cgw-year",
            type=int,
            metavar="YEAR",
            help="year of gateway lines that carry none (default: the AWS logs' window)",
        ),
    ),
}
_CGW_HELP = (
    "the customer gateway's own logs (strongSwan, Libreswan, FortiGate, Cisco ASA): "
    "files, folders, globs, .gz; repeat for more"
)
#: ``--cgw-logs`` and its options on the subcommands that can show both ends.
_CGW_OPTIONAL: Final = (
    Arg("--cgw-logs", action="append", metavar="PATH", help=_CGW_HELP),
    "cgw",
)


def _add(p: argparse.ArgumentParser, spec: ArgSpec) -> None:
    """Add one argument (or group, or shared option) of a subcommand to ``p``."""
    if isinstance(spec, Arg):
        spec.add(p)
    elif isinstance(spec, str):
        if spec in _NAMED:
            for inner in _NAMED[spec]:
                _add(p, inner)
        else:
            _add_option(p, spec, **_OPTION_KWARGS.get(spec, {}))
    else:
        spec(p)


#: ``--options`` of the subcommands that read it only for ``--stale-after auto``.
_STALE_OPTIONS: Final = _options_file(
    required=False, purpose="with --stale-after auto, each tunnel's phase 2 lifetime"
)


#: Every subcommand, in the order ``vpnlog --help`` lists them.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "summary",
        "one row per tunnel: records, severities, up time",
        _cmd_summary,
        ("sources", "reachability", "format", "stale_after", _STALE_OPTIONS),
    ),
    Subcommand(
        "outages",
        "tunnel or connection outages with their causes",
        _cmd_outages,
        (
            "sources",
            _level("single tunnels, or whole connections (all tunnels down)"),
            "min_duration",
            "exclude",
            _maintenance_file("adds the context column"),
            "margin",
            "reachability",
            "format",
            "stale_after",
            _STALE_OPTIONS,
        ),
    ),
    Subcommand(
        "availability",
        "availability per connection and month vs the SLA",
        _cmd_availability,
        (
            "sources",
            Arg(
                "--freq",
                default="MS",
                help="period: MS (calendar month; the only one with an AWS service credit), "
                "7D, 1D, ...",
            ),
            _sla(
                f"your target (fraction, default {DEFAULT_SLA}): decides target_met; the AWS "
                "credit follows AWS's tiers (below 99.95 / 99.0 / 95.0 %%: 10 / 25 / 100 %%) "
                "whatever it is"
            ),
            "min_duration",
            "exclude",
            Arg(
                "--source",
                choices=AVAILABILITY_SOURCES,
                default="logs",
                help="tunnel states from the logs, the TunnelState metric, or both "
                "(needs --metrics)",
            ),
            Arg(
                "--exclude-customer",
                action="store_true",
                help="set customer-side outages aside (gateway deletes, Ceases and "
                "mismatches; customer changes with --maintenance) as an SLA exclusion: neither "
                "downtime nor observed time. The AWS credit sets them aside always",
            ),
            _metrics_file(),
            _maintenance_file("excluded"),
            "margin",
            "reachability",
            "format",
            "stale_after",
            _STALE_OPTIONS,
        ),
    ),
    Subcommand(
        "bgp",
        "BGP outages with their causes (or sessions, flaps)",
        _cmd_bgp,
        ("sources", _bgp_table, "min_duration", "format", "stale_after", _STALE_OPTIONS),
    ),
    Subcommand(
        "routes",
        "routes held from the gateway per tunnel, or their changes",
        _cmd_routes,
        (
            "sources",
            Arg("--at", type=_timestamp, help="the instant (UTC); default after the last record"),
            Arg("--changes", action="store_true", help="every route change instead"),
            Arg("--prefix", help="only this prefix, e.g. 10.20.0.0/16"),
            "format",
            "stale_after",
            _STALE_OPTIONS,
        ),
    ),
    Subcommand(
        "flaps",
        "flaps (up to down), their frequency, or flapping episodes",
        _cmd_flaps,
        (
            "sources",
            Arg("--freq", help="count flaps per tunnel per period instead (1h, 1D, ...)"),
            Arg("--episodes", action="store_true", help="list flapping episodes instead"),
            "min_flaps",
            Arg(
                "--flap-window",
                default=DEFAULT_FLAP_WINDOW,
                help=f"window of an episode (default {DEFAULT_FLAP_WINDOW})",
            ),
            "format",
            "stale_after",
            _STALE_OPTIONS,
        ),
    ),
    Subcommand(
        "rekey",
        "child-SA negotiations and rekey collision rates",
        _cmd_rekey,
        ("sources", Arg("--freq", default="1D", help="period (default 1D)"), "format"),
    ),
    Subcommand(
        "diagnose",
        "findings: what is wrong and what to change",
        _cmd_diagnose,
        ("sources", _options_file(required=False), "format", "stale_after", *_CGW_OPTIONAL),
    ),
    Subcommand(
        "report",
        "write the HTML/Markdown/CSV report with charts",
        _cmd_report,
        (
            "sources",
            Arg("-o", "--output", default="report", help="report folder (default report/)"),
            _sla(),
            Arg("--title", help="page title"),
            "min_duration",
            "exclude",
            "stale_after",
            _metrics_file("coverage section"),
            _maintenance_file("contexts"),
            "margin",
            _options_file(required=False),
            Arg(
                "--exclude-maintenance",
                action="store_true",
                help="exclude the maintenance windows from availability (reasons in the manifest)",
            ),
            *_CGW_OPTIONAL,
        ),
    ),
    Subcommand(
        "plot",
        "draw one chart to a PNG, SVG or PDF file",
        _cmd_plot,
        (
            Arg("chart", choices=PLOTS, help="which chart"),
            "sources",
            Arg("-o", "--output", required=True, help="file: .png, .svg or .pdf"),
            Arg("--dpi", type=int, default=200, help="PNG resolution (default 200)"),
            Arg("--connection", action="append", help="timeline: only this connection"),
            Arg("--by", choices=("day", "hour"), default="day", help="flap-heatmap columns"),
            _level("outage-durations: which outages"),
            Arg("--freq", help="period of rekey-collisions / availability / event-counts"),
            _sla("SLA target (fraction)"),
            "stale_after",
            _STALE_OPTIONS,
            *_CGW_OPTIONAL,
        ),
    ),
    Subcommand(
        "fetch",
        "fetch logs from CloudWatch Logs into the local cache",
        _cmd_fetch,
        (
            Arg("log_group", help="CloudWatch log group of the VPN logs"),
            "window",
            Arg("--method", choices=("filter", "insights"), default="filter"),
            "connection",
            "cache_dir",
            "aws",
        ),
    ),
    Subcommand(
        "metrics",
        "fetch the AWS/VPN CloudWatch metrics into the cache",
        _cmd_metrics,
        (
            "window",
            "connection",
            Arg("--period", type=int, help="point length [s]; default from the window's age"),
            "cache_dir",
            Arg("-o", "--output", help="also write the table to this .csv or .parquet file"),
            "aws",
        ),
    ),
    Subcommand(
        "reconcile",
        "logs next to the CloudWatch metrics, per tunnel",
        _cmd_reconcile,
        (
            "sources",
            _metrics_file(required=True),
            "stale_after",
            _STALE_OPTIONS,
            Arg("--tolerance", type=float, default=0.05, help="up-share difference to agree"),
            Arg("--points", action="store_true", help="one row per metric point"),
            Arg("--gaps", action="store_true", help="list the logging gaps instead"),
            "format",
        ),
    ),
    Subcommand(
        "maintenance",
        "AWS maintenance and customer changes of the tunnels",
        _cmd_maintenance,
        (
            "window",
            "connection",
            Arg(
                "--source",
                action="append",
                choices=s.EVENT_SOURCES,
                help="ask only this source (repeatable; default all three)",
            ),
            Arg(
                "--health-file",
                action="append",
                help="exported AWS Health events (EventBridge JSON)",
            ),
            Arg("--no-aws", action="store_true", help="read --health-file only, call no AWS"),
            Arg("--windows", action="store_true", help="show the maintenance windows"),
            "margin",
            Arg("-o", "--output", help="write the events to this .csv or .parquet file"),
            "format",
            "aws",
        ),
    ),
    Subcommand(
        "options",
        "each tunnel's configured options (live, or a saved describe-vpn-connections)",
        _cmd_options,
        (
            Arg(
                "--file",
                action="append",
                help="saved `aws ec2 describe-vpn-connections` JSON (file, folder or glob; "
                "repeatable); default: ask EC2",
            ),
            "connection",
            Arg(
                "--skip-bad",
                action="store_true",
                default=argparse.SUPPRESS,
                help="skip bad files and tunnels (counted on stderr) instead of stopping",
            ),
            _reads_logs,
            "format",
            "aws",
        ),
    ),
    Subcommand(
        "drift",
        "configured tunnel options against what the logs show each tunnel doing",
        _cmd_drift,
        (
            "sources",
            _options_file(required=True),
            Arg("--differs", action="store_true", help="only what does not agree"),
            "format",
        ),
    ),
    Subcommand(
        "simulate",
        "write simulated logs (with ground truth) to a folder",
        _cmd_simulate,
        (_simulate_args,),
    ),
    Subcommand(
        "unknown",
        "messages the catalogue does not know, by template",
        _cmd_unknown,
        ("sources", Arg("--top", type=int, help="only the most frequent N templates"), "format"),
    ),
    Subcommand(
        "dataset",
        "convert an events dataset of an earlier version into a Delta table",
        _cmd_dataset,
        (
            Arg("action", choices=("convert",), help="what to do with the dataset"),
            Arg("old", help="dataset folder of an earlier version (it has _vpnlog_dataset.json)"),
            Arg("new", nargs="?", help="folder of the new table (default: convert in place)"),
        ),
    ),
    Subcommand(
        "gateway",
        "both ends of each tunnel: the gateway's clock, who ended each outage",
        _cmd_gateway,
        (
            "sources",
            Arg("--cgw-logs", action="append", required=True, metavar="PATH", help=_CGW_HELP),
            "cgw",
            Arg(
                "--skew",
                type=_skew_arg,
                default="auto",
                help="correct the gateway's clock: auto (estimated, default), none, or a "
                "duration (its clock minus AWS's, e.g. 3s)",
            ),
            "format",
            "stale_after",
        ),
    ),
    Subcommand(
        "catalog",
        "the message catalogue: events, where each wording comes from, remedy",
        _cmd_catalog,
        ("format",),
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``vpnlog``: one subparser per :data:`SUBCOMMANDS` entry."""
    parser = argparse.ArgumentParser(
        prog="vpnlog",
        description="Analyse AWS Site-to-Site VPN tunnel logs: flaps, outages, "
        "availability against the SLA, rekey collisions, diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_SKIP_HELP + " (subcommands that read logs)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = [_common()]
    for command in SUBCOMMANDS:
        p = sub.add_parser(command.name, parents=parent, help=command.help)
        for spec in command.args:
            _add(p, spec)
        p.set_defaults(func=command.run, subparser=p)
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
    _settle(parser, args)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="vpnlog: %(message)s",
    )
    # The command says what was skipped and ignored itself, once (see _load); the
    # loader's own log lines would say it again.
    quiet = [logging.getLogger(f"vpnlog_analytics.io.{m}") for m in ("issues", "reader")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.ERROR)
    try:
        return _run(args)
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)


def _run(args: argparse.Namespace) -> int:
    """Run the subcommand; turn every error into one line and an exit code."""
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        _resolve_stale_after(args)
        func(args)
    except NoRecordsError as exc:
        print(f"vpnlog: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except VpnLogError as exc:
        if args.verbose:
            raise
        # AWS errors say what to type here: --region, --profile, environment variables
        print(f"vpnlog: error: {getattr(exc, 'cli_message', None) or exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if args.verbose:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"vpnlog: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("vpnlog: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, not a traceback
        if args.verbose:
            raise
        print(
            f"vpnlog: internal error: {type(exc).__name__}: {exc} (a bug: please report it "
            "with the output of the same command with -v)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0


def _settle(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Merge options given before and after the subcommand; check what argparse cannot."""
    args.verbose = bool(getattr(args, "verbose", False))
    reads_logs = bool(getattr(args, "reads_logs", False))
    parser = getattr(args, "subparser", parser)  # errors show the subcommand's usage
    if getattr(args, "skip_bad", False) and not reads_logs:
        parser.error(f"--skip-bad applies to the subcommands that read logs, not {args.command}")
    args.skip_bad = bool(getattr(args, "skip_bad", False))
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if isinstance(start, pd.Timestamp) and isinstance(end, pd.Timestamp) and end < start:
        fmt = "%Y-%m-%d %H:%M"
        parser.error(
            f"--from {start:{fmt}} is after --to {end:{fmt}} (UTC): the window ends before "
            "it starts"
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
