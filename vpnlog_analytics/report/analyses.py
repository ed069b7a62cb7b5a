"""The report's first steps: its parameters, its window, and every analysis run once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from .. import schema as s
from ..analysis import (
    Context,
    StaleLike,
    StaleLimits,
    availability,
    bgp_outages,
    clock_skew,
    diagnose,
    flap_frequency,
    flapping_episodes,
    flaps,
    gateway_restarts,
    one_sided_failures,
    option_drift,
    outages,
    prepare,
    rekey_intervals,
    rekey_stats,
    resolve_stale,
    route_events,
    routes,
    summary,
    two_sided_outages,
    unknown_messages,
)
from ..analysis.availability import exclusion_names
from ..errors import OptionError
from ..options import (
    DEFAULT_STALE_AFTER,
    DurationLike,
    ExcludeLike,
    TimeLike,
    check_fraction,
    check_positive_int,
    resolve_exclude,
    resolve_window,
    to_duration,
    to_ns_duration,
    to_utc,
)
from .sources import Beyond, beyond_logs

__all__ = ["GATEWAY_TABLES", "Analyses", "Parameters", "analyse", "gateway_tables", "parameters"]

#: The tables of the customer gateway's side, by CSV stem (with ``gateway=``).
GATEWAY_TABLES: Final = (
    "gateway_clock_skew",
    "gateway_outages",
    "gateway_restarts",
    "gateway_one_sided_failures",
    "gateway_unattached",
)
#: Columns of the gateway lines that could not be attached to an AWS tunnel.
_UNATTACHED: Final = (s.TIME, s.DEVICE, s.FAMILY, s.CONNECTION, s.PEER_IP, s.EVENT, "raw",
                      s.SOURCE, "line")  # fmt: skip


@dataclass(frozen=True)
class Parameters:
    """The analysis parameters of a report: what the text and the manifest say was used."""

    sla: float
    cause_lookback: pd.Timedelta
    min_flaps: int
    flap_window: pd.Timedelta
    incident_gap: pd.Timedelta
    collision_threshold: float
    min_duration: pd.Timedelta | None
    #: One limit, each tunnel's own (``"auto"`` with the tunnel options), or None.
    stale_after: pd.Timedelta | StaleLimits | None = DEFAULT_STALE_AFTER


def _timedelta_or_none(name: str, value: DurationLike) -> pd.Timedelta | None:
    return None if value is None else pd.Timedelta(to_ns_duration(name, value), unit="ns")


def _ts(ns: Any) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def parameters(
    *,
    sla: float,
    cause_lookback: DurationLike,
    min_flaps: int,
    flap_window: DurationLike,
    incident_gap: DurationLike,
    collision_threshold: float,
    min_duration: DurationLike,
    stale_after: StaleLike,
    options: pd.DataFrame | None = None,
) -> Parameters:
    """Return the checked parameters (an error names the bad option)."""
    return Parameters(
        sla=check_fraction("sla", sla, inclusive=False),
        cause_lookback=to_duration("cause_lookback", cause_lookback),
        min_flaps=check_positive_int("min_flaps", min_flaps),
        flap_window=to_duration("flap_window", flap_window),
        incident_gap=to_duration("incident_gap", incident_gap),
        collision_threshold=float(collision_threshold),
        min_duration=_timedelta_or_none("min_duration", min_duration),
        stale_after=resolve_stale(stale_after, options),
    )


def report_window(
    events: pd.DataFrame, start: TimeLike, end: TimeLike
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the window ``[start, end)``: the whole UTC days of the logs where not given."""
    times = events[s.TIME]
    if (start is None or end is None) and times.empty:
        raise OptionError("the events table is empty: give start and end, or load some logs")
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is not None and hi is not None and not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    window = resolve_window(times, lo, hi, align="1D")
    assert window is not None
    lo, hi = window
    if not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    return lo, hi


@dataclass(frozen=True)
class Exclusions:
    """The report's ``exclude``: the pairs given, or the named exclusions.

    Named: ``"maintenance"`` (the maintenance windows), ``"customer"`` (customer-side
    outages, from availability), or both in a list (see :func:`availability`).
    """

    by_maintenance: bool
    pairs: ExcludeLike
    start: Any
    end: Any
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, exclude: ExcludeLike | str, maintenance: pd.DataFrame | None) -> Exclusions:
        """Return the exclusions of ``exclude`` (``"maintenance"`` needs ``maintenance``)."""
        names = exclusion_names(exclude)
        by_maintenance = "maintenance" in names
        if by_maintenance and maintenance is None:
            raise OptionError('exclude="maintenance" needs maintenance= (fetch_maintenance())')
        pairs: ExcludeLike = None if names else exclude
        ex_start, ex_end = resolve_exclude(pairs)
        return cls(by_maintenance, pairs, ex_start, ex_end, names)

    @property
    def windows(self) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The pairs given, as ``(start, end)`` UTC timestamps."""
        return [(_ts(a), _ts(b)) for a, b in zip(self.start, self.end, strict=True)]


@dataclass(frozen=True)
class Analyses:
    """What the report shows, computed once for its window ``[lo, hi)``.

    ``tables`` holds every table written as CSV, by file stem; the others are what the
    charts and the text need besides.
    """

    events: pd.DataFrame
    ctx: Context
    lo: pd.Timestamp
    hi: pd.Timestamp
    params: Parameters
    excluded: Exclusions
    freq: str
    tables: dict[str, pd.DataFrame]
    flap_frequency: pd.DataFrame
    beyond: Beyond
    has_bgp: bool
    options: pd.DataFrame | None = None
    #: With ``options``: every rekey of the window (:func:`rekey_intervals`), as the
    #: drift and the diagnosis used it.
    rekeys: pd.DataFrame | None = None
    #: The customer gateway's table given (``read_gateway_logs``), times as logged.
    gateway: pd.DataFrame | None = None

    @property
    def excluded_windows(self) -> list[dict[str, str]]:
        """The windows availability excluded (``availability(...).attrs["excluded"]``)."""
        excluded: list[dict[str, str]] = self.tables["availability"].attrs.get("excluded", [])
        return excluded


def analyse(
    events: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp],
    params: Parameters,
    excluded: Exclusions,
    *,
    exclude: ExcludeLike,
    stale_after: StaleLike,
    metrics: pd.DataFrame | None,
    maintenance: pd.DataFrame | None,
    margin: DurationLike,
    options: pd.DataFrame | None = None,
    gateway: pd.DataFrame | None = None,
) -> Analyses:
    """Run every analysis of the report once, on one context of the window."""
    lo, hi = window
    days = (hi - lo) / pd.Timedelta("1D")
    freq = "1D" if days <= 62 else "7D"
    ctx = prepare(
        events, start=lo, end=hi, cause_lookback=params.cause_lookback, stale_after=stale_after
    )
    beyond = beyond_logs(
        ctx,
        metrics=metrics,
        maintenance=maintenance,
        margin=margin,
        stale_after=stale_after,
        sla=params.sla,
        exclude=exclude,
        min_duration=params.min_duration,
    )
    cut: dict[str, Any] = {
        "exclude": excluded.pairs,
        "min_duration": params.min_duration,
        "maintenance": beyond.windows,
    }
    tables = {
        "availability": availability(ctx, freq="MS", sla=params.sla, **{**cut, "exclude": exclude}),
        "outages_connection": outages(ctx, level=s.LEVEL_CONNECTION, **cut),
        "outages_tunnel": outages(ctx, level=s.LEVEL_TUNNEL, **cut),
        "flaps": flaps(ctx),
        "flapping_episodes": flapping_episodes(
            ctx, min_flaps=params.min_flaps, flap_window=params.flap_window
        ),
    }
    hourly = flap_frequency(ctx, freq="1h")
    tables["rekey_collisions"] = rekey_stats(ctx, freq=freq, incident_gap=params.incident_gap)
    rekeys, drift = _configured(events, options, lo, hi)
    sides = gateway_tables(events, gateway, lo, hi, ctx) if gateway is not None else {}
    tables["diagnosis"] = diagnose(
        ctx,
        collision_threshold=params.collision_threshold,
        min_flaps=params.min_flaps,
        flap_window=params.flap_window,
        incident_gap=params.incident_gap,
        options=options,
        drift=drift,
        rekeys=rekeys,
        **(
            {"gateway": gateway, "gateway_skew": sides["gateway_clock_skew"]}
            if gateway is not None
            else {}
        ),
    )
    if options is not None:
        tables["tunnel_options"] = options
        tables["option_drift"] = drift
    tables["tunnels"] = summary(ctx, incident_gap=params.incident_gap)
    if isinstance(params.stale_after, StaleLimits):
        tables["stale_limits"] = ctx.stale_limits
    tables["unknown_messages"] = unknown_messages(events, start=lo, end=hi)
    tables.update(beyond.tables)
    tables.update(sides)
    has_bgp = bool((events[s.LOG_TYPE] == "bgp").any())
    if has_bgp:
        tables["bgp_outages"] = bgp_outages(ctx)
        tables["route_events"] = route_events(ctx, start=lo, end=hi)
        tables["routes"] = routes(ctx, at=hi - pd.Timedelta(1, "ns"))
    return Analyses(
        events,
        ctx,
        lo,
        hi,
        params,
        excluded,
        freq,
        tables,
        hourly,
        beyond,
        has_bgp,
        options,
        rekeys,
        gateway,
    )


def gateway_tables(
    events: pd.DataFrame,
    gateway: pd.DataFrame,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    ctx: Context | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the tables of the gateway's side (:data:`GATEWAY_TABLES`) of ``[lo, hi)``.

    Each device's clock skew is estimated once, from every pair of the logs, and that
    table is the correction of every other table; the rows are those of the window (an
    outage by its start). The outages are the report's own (``ctx``: its window and
    staleness rule) where it is given.
    """
    skew = clock_skew(events, gateway)

    def within(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        t = frame[column]
        return frame[((t >= lo) & (t < hi)).to_numpy()].reset_index(drop=True)

    unattached = gateway[gateway[s.TUNNEL_IP].isna().to_numpy()]
    return {
        "gateway_clock_skew": skew,
        "gateway_outages": within(
            two_sided_outages(ctx if ctx is not None else events, gateway, skew=skew), s.START
        ),
        "gateway_restarts": within(gateway_restarts(events, gateway, skew=skew), s.TIME),
        "gateway_one_sided_failures": within(
            one_sided_failures(events, gateway, skew=skew), s.TIME
        ),
        "gateway_unattached": within(unattached[list(_UNATTACHED)], s.TIME),
    }


def _configured(
    events: pd.DataFrame, options: pd.DataFrame | None, lo: pd.Timestamp, hi: pd.Timestamp
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Return the window's rekeys and option drift, each built once (None without options).

    The diagnosis's ``options_*`` findings and the Configuration section both read them.
    """
    if options is None:
        return None, None
    rekeys = rekey_intervals(events, start=lo, end=hi)
    return rekeys, option_drift(options, events, start=lo, end=hi, rekeys=rekeys)
