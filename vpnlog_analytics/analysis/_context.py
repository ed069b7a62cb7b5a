"""One computation shared by the analyses of a window: rows, window, changes, intervals.

:func:`prepare` (public as ``vpnlog_analytics.analysis.prepare``) builds a :class:`Context`
once; every state analysis accepts it in place of the events table, so a report or the
explorer sorts the rows and builds the tunnels' state intervals once per window.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TypeAlias

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_STALE_AFTER, shared_doc, to_utc, ts_ns
from ._stale import AUTO, StaleLike, StaleLimits, resolve_stale, same_limit, stale_limits
from ._timeline import STATE_COLUMNS, Changes, Intervals, Rows, changes, intervals, rows_of
from ._window import DurationLike, TimeLike, resolve_window, to_ns_duration

__all__ = ["Context", "EventsLike", "context", "durations", "prepare", "times"]

_NAT = np.iinfo(np.int64).min


class Context:
    """An events table prepared for the analyses of one window (build with :func:`prepare`).

    Holds the table's tunnel rows sorted by tunnel then time, the window, and -- computed
    on first use, then kept -- every tunnel's state changes (with the causes of changes to
    down, for ``cause_lookback``) and its state intervals clipped to the window. Pass it
    to any analysis function in place of the events table.

    Attributes
    ----------
    events : pandas.DataFrame
        The events table (not copied, not modified).
    start, end : pandas.Timestamp
        The window ``[start, end)``, UTC.
    cause_lookback : pandas.Timedelta
        The look-back used for causes.
    stale_after : pandas.Timedelta, StaleLimits or None
        The longest silence an up state survives: one for every tunnel, each tunnel's own
        (:func:`stale_limits`), or None (states carried until the next record).
    stale_limits : pandas.DataFrame
        Each tunnel's limit and its basis (empty with ``stale_after=None``).
    tunnels : pandas.DataFrame
        Every tunnel with tunnel records: ``vpn_connection_id``, ``tunnel_ip``.
    """

    def __init__(
        self,
        rows: Rows,
        window: tuple[int, int],
        lookback: int,
        stale: int | np.ndarray | None = None,
        *,
        limits: StaleLimits | None = None,
        changes: Changes | None = None,
        intervals: Intervals | None = None,
    ) -> None:
        self.rows = rows
        self.window = window
        self.lookback = lookback
        self.stale = stale
        self.limits = limits
        # Given ones are kept (e.g. intervals from metrics, which have no log rows).
        if changes is not None:
            self.__dict__["changes"] = changes
        if intervals is not None:
            self.__dict__["intervals"] = intervals

    @property
    def events(self) -> pd.DataFrame:
        """The events table this context was prepared from."""
        return self.rows.events

    @property
    def start(self) -> pd.Timestamp:
        """Start of the window (UTC)."""
        return pd.Timestamp(self.window[0], unit="ns", tz="UTC")

    @property
    def end(self) -> pd.Timestamp:
        """End of the window (UTC), excluded."""
        return pd.Timestamp(self.window[1], unit="ns", tz="UTC")

    @property
    def cause_lookback(self) -> pd.Timedelta:
        """The look-back of causes."""
        return pd.Timedelta(self.lookback, unit="ns")

    @property
    def stale_after(self) -> pd.Timedelta | StaleLimits | None:
        """The longest silence an up state survives (None: carried until the next record)."""
        if self.limits is not None:
            return self.limits
        return None if self.stale is None else pd.Timedelta(int(self.stale), unit="ns")

    @property
    def stale_limits(self) -> pd.DataFrame:
        """Each tunnel's staleness limit (``stale_after``, NaT for None) and its ``basis``."""
        rule = self.stale_after
        if rule is None:
            return self.tunnels.assign(
                stale_after=pd.NaT, basis="none: up states carried until the next record"
            ).astype({"stale_after": "timedelta64[ns]"})
        if not isinstance(rule, StaleLimits):
            rule = stale_limits(None, default=rule)
        return rule.for_tunnels(self.tunnels)

    @property
    def tunnels(self) -> pd.DataFrame:
        """Every tunnel with tunnel records, in the order of the results."""
        tid = np.arange(self.rows.tunnels.n, dtype=np.int64)
        return pd.DataFrame(self.rows.tunnels.columns(tid))

    @cached_property
    def changes(self) -> Changes:
        """Every tunnel's state changes, with causes."""
        return changes(self.rows, self.lookback, self.stale)

    @cached_property
    def intervals(self) -> Intervals:
        """Every tunnel's state intervals clipped to the window."""
        return intervals(self.changes, self.rows.tunnels.n, self.window)

    @shared_doc(
        own={
            "start": "the new window; default this context's bounds",
            "end": "the new window; default this context's bounds",
        }
    )
    def within(self, start: TimeLike = None, end: TimeLike = None) -> Context:
        """Return the context of another window over the same rows, sharing the state changes.

        Only the clipping of the intervals is redone (a zoomed chart, a slider move).

        Parameters
        ----------
        start, end : pandas.Timestamp or str, optional
            The new window; default this context's bounds.

        Returns
        -------
        Context
            The same table and look-back, the new window.
        """
        lo = self.window[0] if start is None else ts_ns(to_utc(start, "start"))
        hi = self.window[1] if end is None else ts_ns(to_utc(end, "end"))
        if hi < lo:
            raise OptionError(f"end={end!r} is before start={start!r}")
        if (lo, hi) == self.window:
            return self
        out = Context(self.rows, (lo, hi), self.lookback, self.stale, limits=self.limits)
        if "changes" in self.__dict__:
            out.__dict__["changes"] = self.__dict__["changes"]
        return out

    def __repr__(self) -> str:
        return (
            f"<Context {self.rows.tunnels.n} tunnel(s), {self.rows.index.size:,} tunnel rows, "
            f"{self.start:%Y-%m-%d %H:%M:%S} to {self.end:%Y-%m-%d %H:%M:%S} UTC, "
            f"cause_lookback={self.cause_lookback}, stale_after={self.stale_after}>"
        )


EventsLike: TypeAlias = pd.DataFrame | Context


@shared_doc()
def prepare(
    events: pd.DataFrame | Context,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    options: pd.DataFrame | None = None,
) -> Context:
    """Prepare an events table for several analyses of one window: the work done once.

    Validates the table, sorts its tunnel rows by tunnel then time and, on first use,
    builds every tunnel's state changes and state intervals in the window. Every analysis
    function accepts the result in place of the events table (``outages(ctx)``,
    ``availability(ctx, freq="MS")``, ...) and then takes its window and look-back from
    it: pass ``start``/``end``/``cause_lookback`` there only to repeat the same values.

    Given a context instead of a table, returns the context of the new window over the
    same rows (:meth:`Context.within`: the state changes are shared, only the clipping to
    the window is redone); a different ``cause_lookback`` or ``stale_after`` starts
    afresh from its table.

    Parameters
    ----------
    {params.events}
        Not copied either: do not change it while the context is in use.
    {params.window}
    {params.cause_lookback}
    {params.stale_after}
    options : pandas.DataFrame, optional
        The tunnels' configured options (:func:`~vpnlog_analytics.io.read_tunnel_options`):
        with ``stale_after="auto"``, each tunnel's limit is its configured phase 2 lifetime
        plus 15 min (:func:`stale_limits`); ignored otherwise.

    Returns
    -------
    Context
        The prepared table and window.

    Examples
    --------
    >>> ctx = prepare(events, start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    >>> outages(ctx, level="connection"), availability(ctx)  # doctest: +SKIP
    """
    if isinstance(events, Context):
        same_lookback = cause_lookback is DEFAULT_CAUSE_LOOKBACK or (
            to_ns_duration("cause_lookback", cause_lookback) == events.lookback
        )
        same_stale = stale_after is DEFAULT_STALE_AFTER or same_limit(
            _stale_of(stale_after, events.rows, options)[0], events.stale
        )
        if same_lookback and same_stale:
            return events.within(start, end)
        events = events.events
    rows = rows_of(events)
    lookback = to_ns_duration("cause_lookback", cause_lookback, allow_none=False)
    assert lookback is not None
    window = resolve_window(events, start, end) or (0, 0)
    stale, limits = _stale_of(stale_after, rows, options)
    return Context(rows, window, lookback, stale, limits=limits)


def _stale_of(
    stale_after: object, rows: Rows, options: pd.DataFrame | None = None
) -> tuple[int | np.ndarray | None, StaleLimits | None]:
    """Validate ``stale_after`` and return the kernels' limit [ns] and any per-tunnel rule.

    The limit is one int, one per tunnel id of ``rows`` (``"auto"`` with ``options``, or
    :class:`StaleLimits`), or None.
    """
    rule = resolve_stale(stale_after, options)
    if rule is None:
        return None, None
    if isinstance(rule, StaleLimits):
        names = rows.tunnels.columns(np.arange(rows.tunnels.n, dtype=np.int64))
        conns = np.asarray(names[s.VPN_CONNECTION_ID], dtype=object).astype(str)
        ips = np.asarray(names[s.TUNNEL_IP], dtype=object).astype(str)
        return rule.ns_of(conns, ips), rule
    return int(rule.value), None


def context(
    events: EventsLike,
    start: TimeLike,
    end: TimeLike,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    columns: Sequence[str] = STATE_COLUMNS,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> Context:
    """Return the context of an analysis: the one given (checked), or a new one.

    A given context must hold ``columns`` and agree with the options that were passed:
    ``start``/``end`` None and ``cause_lookback`` left at its default take the context's.
    """
    if isinstance(events, Context):
        ctx = events
        s.validate_events(ctx.events, columns=tuple(columns))
        for name, value, have in (("start", start, ctx.start), ("end", end, ctx.end)):
            if value is not None and to_utc(value, name) != have:
                raise OptionError(
                    f"{name}={value!r} differs from the prepared context's {name} ({have}); "
                    "prepare a context for that window, or pass the events table"
                )
        if cause_lookback is not DEFAULT_CAUSE_LOOKBACK:
            ns = to_ns_duration("cause_lookback", cause_lookback, allow_none=False)
            if ns != ctx.lookback:
                raise OptionError(
                    f"cause_lookback={cause_lookback!r} differs from the prepared context's "
                    f"({ctx.cause_lookback}); prepare a context with it"
                )
        # "auto" without options is each tunnel's limit of the context it is given.
        auto = isinstance(stale_after, str) and stale_after.strip().lower() == AUTO
        if (
            stale_after is not DEFAULT_STALE_AFTER
            and not (auto and ctx.limits is not None)
            and not same_limit(_stale_of(stale_after, ctx.rows)[0], ctx.stale)
        ):
            raise OptionError(
                f"stale_after={stale_after!r} differs from the prepared context's "
                f"({ctx.stale_after}); prepare a context with it"
            )
        return ctx
    rows = rows_of(events, columns)
    lookback = to_ns_duration("cause_lookback", cause_lookback, allow_none=False)
    assert lookback is not None
    window = resolve_window(events, start, end) or (0, 0)
    stale, limits = _stale_of(stale_after, rows)
    return Context(rows, window, lookback, stale, limits=limits)


def times(ns: np.ndarray, valid: np.ndarray | None = None) -> pd.DatetimeIndex:
    """Return int64 ns as UTC times (NaT where ``valid`` is False)."""
    arr = np.asarray(ns, dtype=np.int64)
    if valid is not None:
        arr = np.where(valid, arr, _NAT)
    return pd.DatetimeIndex(arr.view("M8[ns]")).tz_localize("UTC")


def durations(ns: np.ndarray, valid: np.ndarray | None = None) -> pd.TimedeltaIndex:
    """Return int64 ns as Timedeltas (NaT where ``valid`` is False)."""
    arr = np.asarray(ns, dtype=np.int64)
    if valid is not None:
        arr = np.where(valid, arr, _NAT)
    return pd.TimedeltaIndex(arr.view("m8[ns]"))
