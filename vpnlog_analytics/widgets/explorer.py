"""The explorer: controls, the selection they make, rendering the visible tab, export."""

from __future__ import annotations

import html
import io
import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis import Context, StaleLike, StaleLimits, prepare, resolve_stale, stale_limits
from ..errors import OptionError, VpnLogError
from ..options import DEFAULT_STALE_AFTER, TimeLike, shared_doc
from ..plotting import save_chart
from ..present import SEVERITY_RANK, csv_frame, format_span
from .show import show
from .views import ALL, COVERAGE_TAB, GATEWAY_TAB, TABS, VIEWS, GatewaySide, Selection, View
from .window import default_steps, snap_window, step_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["NEVER", "NOTEBOOK_EXTRA", "PER_TUNNEL", "STALE_CHOICES", "Explorer", "explore"]

log = logging.getLogger(__name__)

#: What to install for the explorer.
NOTEBOOK_EXTRA: Final = 'pip install "vpnlog-analytics[notebook]"'
#: Resolution of the charts drawn in the page [dots per inch]; exports use 200.
SCREEN_DPI: Final = 80
EXPORT_DPI: Final = 200
#: Durations the ``stale_after`` control offers, besides the analysis default, the value
#: given to :func:`explore`, and "never" (None: up states never go stale).
STALE_CHOICES: Final = ("15min", "30min", "1h", "2h", "6h")
#: The control's value for ``stale_after=None`` (a selection widget's None means "nothing").
NEVER: Final = "never"
#: The control's label for each tunnel's own limit (offered when options are given).
PER_TUNNEL: Final = "each tunnel's lifetime + 15 min"
#: Controls' descriptions at their own width.
_WIDE: Final = {"description_width": "initial"}


def _ipywidgets() -> Any:
    """Return the ipywidgets module, or say which extra brings it."""
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(
            f"the explorer needs ipywidgets, part of the notebook extra: {NOTEBOOK_EXTRA}"
        ) from exc
    return ipywidgets


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-")


def _stale_options(
    given: StaleLike, options: pd.DataFrame | None = None
) -> tuple[list[tuple[str, Any]], Any]:
    """Return the choices of the ``stale_after`` control, and the choice ``given`` is.

    The analysis default keeps its own object: an analysis given it knows it was not set.
    With tunnel options, each tunnel's own limit (:func:`stale_limits`) is a choice too;
    ``"auto"`` picks it.
    """
    per_tunnel = None if options is None else stale_limits(options)
    rule = given
    if isinstance(given, str) and given.strip().lower() == "auto":
        rule = DEFAULT_STALE_AFTER if per_tunnel is None else per_tunnel
    if rule is None:
        current: Any = NEVER
    elif rule is DEFAULT_STALE_AFTER or isinstance(rule, StaleLimits):
        current = rule
    else:
        value = resolve_stale(rule)
        current = DEFAULT_STALE_AFTER if value == DEFAULT_STALE_AFTER else value
    if isinstance(current, StaleLimits):
        per_tunnel = current
    durations = {pd.Timedelta(x) for x in STALE_CHOICES}
    if isinstance(current, pd.Timedelta):
        durations.add(current)
    durations.discard(DEFAULT_STALE_AFTER)
    choices = [
        (format_span(v) + (" (default)" if v is DEFAULT_STALE_AFTER else ""), v)
        for v in sorted([*durations, DEFAULT_STALE_AFTER])
    ]
    if per_tunnel is not None:
        choices.append((PER_TUNNEL, per_tunnel))
    return [*choices, (NEVER, NEVER)], current


def _png(figure: Figure) -> bytes:
    buf = io.BytesIO()
    # Tight as the export (save_chart): legends drawn above the axes stay in the picture.
    figure.savefig(buf, format="png", dpi=SCREEN_DPI, bbox_inches="tight")
    return buf.getvalue()


def _tunnel_rows(events: pd.DataFrame, tab: str, titles: Mapping[str, str]) -> pd.DataFrame:
    """Return the tunnel records of the table explored, or say what is wrong with it."""
    if not isinstance(events, pd.DataFrame):
        raise OptionError(f"explore() takes the events table, not {type(events).__name__}")
    missing = [c for c in (s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP) if c not in events]
    if missing:
        raise OptionError(f"explore() needs an events table; columns {missing} are missing")
    if tab not in titles:
        raise OptionError(f"tab={tab!r} is not one of {list(titles)}")
    tunnel_rows = events[events[s.LOG_TYPE] == "tunnel"]
    if tunnel_rows.empty:
        raise OptionError("explore() needs tunnel records; the table has none")
    return tunnel_rows


def _options_table(options: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the tunnel options given to the explorer, or say what is wrong with them."""
    if options is None:
        return None
    if not isinstance(options, pd.DataFrame):
        raise OptionError(
            f"options= takes the table of read_tunnel_options(), not {type(options).__name__}"
        )
    missing = [c for c in s.TUNNEL_OPTIONS_SHOWN if c not in options.columns]
    if missing:
        raise OptionError(
            f"options lacks {', '.join(missing)}: pass the table of read_tunnel_options()"
        )
    return options


def _severities(events: pd.DataFrame) -> dict[str, str]:
    """Return the severity of each event kind logged."""
    severity = events[[s.EVENT, s.SEVERITY]].astype(str).drop_duplicates(s.EVENT).set_index(s.EVENT)
    return dict(severity[s.SEVERITY].to_dict())


def _event_types_control(w: Any, events: pd.DataFrame) -> Any:
    """Return the picker of event kinds: errors first, every error and warning kind picked."""
    counts = events[s.EVENT].astype(str).value_counts()
    severity = _severities(events)
    kinds = sorted(counts.index, key=lambda k: (SEVERITY_RANK.get(str(severity.get(k)), 3), k))
    return w.SelectMultiple(
        options=[(f"{k} [{severity.get(k, '')}] ({counts[k]})", k) for k in kinds],
        value=[k for k in kinds if severity.get(k) in ("error", "warning")],
        rows=6,
        description="Events",
        style=_WIDE,
        layout=w.Layout(width="420px"),
    )


class Explorer:
    """The interactive explorer built by :func:`explore`; display it as a cell's result.

    The controls are attributes, so a notebook (or a test) can drive them: set
    ``connection.value``, ``tunnel.value``, ``window.value`` (a ``(start, end)`` pair of
    UTC timestamps among ``window.options``; or call :meth:`set_window`),
    ``event_types.value``, ``outage_level.value``, ``stale_after.value`` or
    ``tabs.selected_index`` and the visible tab re-renders at once; the others when they
    are shown. Each pick's rows are prepared once (:func:`~vpnlog_analytics.analysis.prepare`);
    moving the window only re-clips their state intervals; a new ``stale_after`` prepares
    them again (the tunnel states change).

    Attributes
    ----------
    events : pandas.DataFrame
        The events table explored (not modified).
    widget : ipywidgets.VBox
        The whole explorer.
    connection, tunnel : ipywidgets.Dropdown
        Connection and tunnel pickers (``"(all)"`` for all).
    window : ipywidgets.SelectionRangeSlider
        The date range (UTC), snapping to hours (days over long spans).
    window_text : ipywidgets.HTML
        The selected window in words.
    event_types : ipywidgets.SelectMultiple
        Event kinds drawn as markers on the timeline and listed in the Events tab
        (default: every error and warning kind logged).
    outage_level : ipywidgets.ToggleButtons
        Outages of single tunnels, or of whole connections (all tunnels down).
    stale_after : ipywidgets.Dropdown
        Longest silence an up tunnel's state survives before it is ``unknown`` (a state
        that is not up holds until the next record), for every tab but Configuration
        (:func:`~vpnlog_analytics.analysis.option_drift` reads the rekeys at the analysis
        default): a :class:`pandas.Timedelta` among ``stale_after.options``, each
        tunnel's own limit (:data:`PER_TUNNEL`, a :class:`StaleLimits`, offered with
        ``options``; ``stale_after="auto"`` picks it), or :data:`NEVER` for
        ``stale_after=None``; default the analysis default.
    options : pandas.DataFrame or None
        The tunnel options given (not modified); None: the Configuration tab says how to
        give them.
    gateway : GatewaySide or None
        The customer gateway's log given, with each device's clock skew and the two-sided
        outages (computed once); None without one.
    tabs : ipywidgets.Tab
        One tab per entry of :data:`TABS`, plus ``Coverage`` when metrics were given and
        ``Gateway`` when the gateway's log was.
    export_dir : ipywidgets.Text
        Folder the export button writes to.
    export_button : ipywidgets.Button
        Writes the visible tab's chart (PNG and SVG) and tables (CSV).
    status : ipywidgets.HTML
        The last render time, export result or error.
    render_times : list of float
        Seconds each re-render took, in order [s].
    """

    def __init__(
        self,
        events: pd.DataFrame,
        *,
        start: TimeLike = None,
        end: TimeLike = None,
        export_dir: str | Path = "exports",
        tab: str = "timeline",
        metrics: pd.DataFrame | None = None,
        stale_after: StaleLike = DEFAULT_STALE_AFTER,
        options: pd.DataFrame | None = None,
        gateway: pd.DataFrame | None = None,
    ) -> None:
        w = _ipywidgets()
        self._titles = dict(TABS) if metrics is None else {**TABS, **COVERAGE_TAB}
        if gateway is not None:
            self._titles.update(GATEWAY_TAB)
        # The gateway's log with its skew and two-sided outages, computed once.
        self.gateway = None if gateway is None else GatewaySide.of(events, gateway)
        self.metrics = metrics
        self.options = _options_table(options)
        stale_options, stale_value = _stale_options(stale_after, self.options)
        tunnel_rows = _tunnel_rows(events, tab, self._titles)
        self.events = events
        self.render_times: list[float] = []
        self._cache: dict[tuple[str, str], Context] = {}
        self._views: dict[str, tuple[Any, View]] = {}
        self._hold = False
        self._make_pickers(w, tunnel_rows, start, end)
        self.event_types = _event_types_control(w, events)
        self._severity = _severities(events)
        self.outage_level = w.ToggleButtons(
            options=[
                ("tunnels", s.LEVEL_TUNNEL),
                ("connections (all tunnels down)", s.LEVEL_CONNECTION),
            ],
            value=s.LEVEL_TUNNEL,
            description="Outages of",
            style=_WIDE,
        )
        self.stale_after = w.Dropdown(
            options=stale_options,
            value=stale_value,
            description="Stale after",
            tooltip="Longest silence an up tunnel's state survives; after it the tunnel is "
            "unknown until its next record. A state that is not up holds until the next "
            "record however long the silence.",
            style=_WIDE,
        )
        self.export_dir = w.Text(value=str(export_dir), description="Export to", style=_WIDE)
        self.export_button = w.Button(
            description="Export chart + tables",
            icon="download",
            tooltip="Write the visible chart (PNG, SVG) and its tables (CSV) to the folder",
            layout=w.Layout(width="auto"),
        )
        self.status = w.HTML()
        self.note = w.HTML()
        self._make_tabs(w, tab)
        self.widget = self._layout(w)
        self._observe()
        self.render()

    def _make_pickers(
        self, w: Any, tunnel_rows: pd.DataFrame, start: TimeLike, end: TimeLike
    ) -> None:
        """Make the connection and tunnel pickers and the date-range slider."""
        steps = default_steps(tunnel_rows[s.TIME])
        index = snap_window(steps, start, end)
        conns = sorted(tunnel_rows[s.VPN_CONNECTION_ID].astype(str).unique())
        self._tunnels = {
            c: sorted(
                tunnel_rows.loc[tunnel_rows[s.VPN_CONNECTION_ID].astype(str) == c, s.TUNNEL_IP]
                .astype(str)
                .unique()
            )
            for c in conns
        }
        self.connection = w.Dropdown(
            options=[ALL, *conns], value=ALL, description="Connection", style=_WIDE
        )
        self.tunnel = w.Dropdown(
            options=self._tunnel_options(ALL), value=ALL, description="Tunnel", style=_WIDE
        )
        self.window = w.SelectionRangeSlider(
            options=[(step_label(x, steps), x) for x in steps],
            index=index,
            description="UTC",
            continuous_update=False,
            readout=False,
            style=_WIDE,
            layout=w.Layout(width="70%"),
        )
        self.window_text = w.HTML()

    def _make_tabs(self, w: Any, tab: str) -> None:
        """Make one tab per view: its note, chart and tables (the outages tab its level)."""
        self._charts: dict[str, Any] = {}
        self._tables: dict[str, Any] = {}
        self._notes: dict[str, Any] = {}
        pages = []
        for key in self._titles:
            self._charts[key] = w.Image(format="png", layout=w.Layout(max_width="100%"))
            self._tables[key] = w.HTML()
            self._notes[key] = w.HTML()
            extra = [self.outage_level] if key == "outages" else []
            pages.append(w.VBox([*extra, self._notes[key], self._charts[key], self._tables[key]]))
        self.tabs = w.Tab(children=pages, titles=list(self._titles.values()))
        self.tabs.selected_index = list(self._titles).index(tab)

    def _layout(self, w: Any) -> Any:
        """Return the whole explorer: pickers and event kinds, window, export, status, tabs."""
        pickers = w.VBox([self.connection, self.tunnel, self.stale_after])
        export = w.HBox([self.export_dir, self.export_button])
        widget = w.VBox(
            [
                w.HBox([pickers, self.event_types]),
                w.HBox([self.window, self.window_text]),
                export,
                self.status,
                self.tabs,
            ]
        )
        widget.add_class("vpnlog-explorer")
        return widget

    def _observe(self) -> None:
        """Redraw on every change of a control; export on the button."""
        self.connection.observe(self._on_connection, names="value")
        self.stale_after.observe(self._on_stale_after, names="value")
        for control in (self.tunnel, self.window, self.event_types, self.outage_level):
            control.observe(self._on_change, names="value")
        self.tabs.observe(self._on_change, names="selected_index")
        self.export_button.on_click(lambda _button: self._export_clicked())

    # -- state ---------------------------------------------------------------------------

    def _tunnel_options(self, conn: str) -> list[str]:
        if conn == ALL:
            return [ALL, *(f"{c} {ip}" for c, ips in self._tunnels.items() for ip in ips)]
        return [ALL, *(f"{conn} {ip}" for ip in self._tunnels[conn])]

    @property
    def tab(self) -> str:
        """The key of the visible tab (see :data:`TABS`)."""
        return list(self._titles)[self.tabs.selected_index or 0]

    @property
    def stale(self) -> StaleLike:
        """The ``stale_after`` picked, as the analyses take it (None for "never")."""
        value = self.stale_after.value
        return None if value == NEVER else value

    @property
    def start(self) -> pd.Timestamp:
        """Start of the selected window (UTC)."""
        return pd.Timestamp(self.window.value[0])

    @property
    def end(self) -> pd.Timestamp:
        """End of the selected window (UTC)."""
        return pd.Timestamp(self.window.value[1])

    @property
    def view(self) -> View:
        """What the visible tab shows now (its chart and tables)."""
        return self._views[self.tab][1]

    @property
    def figure(self) -> Figure | None:
        """The visible tab's chart."""
        return self.view.figure

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The visible tab's tables, by name."""
        return self.view.tables

    @shared_doc(
        own={
            "start": "a required window, snapped to the slider",
            "end": "a required window, snapped to the slider",
        }
    )
    def set_window(self, start: TimeLike, end: TimeLike) -> None:
        """Select the window ``[start, end)`` (UTC), snapped to the control's steps.

        Parameters
        ----------
        start, end : str or pandas.Timestamp
            The window; text without an offset is UTC (see :mod:`vpnlog_analytics.options`).
        """
        self.window.index = snap_window([x for _, x in self.window.options], start, end)

    def _picked(self) -> tuple[str, str]:
        """Return the picked (connection, tunnel ip); ``(all)`` where none."""
        if self.tunnel.value != ALL:
            conn, ip = str(self.tunnel.value).split(" ", 1)
            return conn, ip
        return str(self.connection.value), ALL

    def _context(self, conn: str, ip: str) -> Context:
        """Return the prepared rows of a pick (kept for the last pick), in the window."""
        key = (conn, ip)
        if key not in self._cache:
            ev = self.events
            mask = np.ones(len(ev), dtype=bool)
            if ip != ALL:
                mask &= (ev[s.TUNNEL_IP] == ip).to_numpy()
            if conn != ALL:
                mask &= (ev[s.VPN_CONNECTION_ID] == conn).to_numpy()
            # Keep the selections of the last pick only: tables are large.
            picked = self._picked()
            keep = {picked, (picked[0], ALL)}
            self._cache = {k: v for k, v in self._cache.items() if k in keep}
            self._cache[key] = prepare(ev[mask], stale_after=self.stale)
        return self._cache[key].within(self.start, self.end)

    def selection(self) -> pd.DataFrame:
        """Return the rows of the picked tunnel, else connection (all rows for ``(all)``)."""
        return self._context(*self._picked()).events

    def connection_selection(self) -> pd.DataFrame:
        """Return the rows of the picked connection, or of the picked tunnel's connection.

        Connection-level results (the timeline's connection lanes, connection outages,
        connection-wide findings) need every tunnel of the connection.
        """
        return self._context(self._picked()[0], ALL).events

    def _selection(self) -> Selection:
        conn, ip = self._picked()
        return Selection(
            tunnel=self._context(conn, ip),
            connection=self._context(conn, ALL),
            conn=conn,
            ip=ip,
            kinds=tuple(self.event_types.value),
            level=str(self.outage_level.value),
            scope=self._scope_text(),
            metrics=self.metrics,
            stale_after=self.stale,
            options=self.options,
            gateway=self.gateway,
        )

    def _state_key(self, tab: str) -> tuple[Any, ...]:
        key: tuple[Any, ...] = (
            self.connection.value,
            self.tunnel.value,
            self.window.value,
            str(self.stale_after.value),
        )
        if tab in ("timeline", "events"):
            key += (tuple(self.event_types.value),)
        if tab == "outages":
            key += (self.outage_level.value,)
        return key

    def _scope(self) -> tuple[str, str]:
        """Return what the pickers pick: the kind (tunnel, connection, all) and its name."""
        if self.tunnel.value != ALL:
            return "tunnel", str(self.tunnel.value)
        if self.connection.value != ALL:
            return "connection", str(self.connection.value)
        return "all", "all"

    def _window_words(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC"

    def _scope_text(self) -> str:
        kind, name = self._scope()
        picked = "all connections" if kind == "all" else f"{kind} {name}"
        return f"{picked}, {self._window_words()}"

    # -- events --------------------------------------------------------------------------

    def _on_connection(self, change: Mapping[str, Any]) -> None:
        self._hold = True
        try:
            self.tunnel.options = self._tunnel_options(str(change["new"]))
            self.tunnel.value = ALL
        finally:
            self._hold = False
        self.render()

    def _on_stale_after(self, _change: Mapping[str, Any]) -> None:
        # The tunnel states change: prepare the picks' rows again, then redraw.
        self._cache = {}
        self.render()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._hold:
            self.render()

    def _export_clicked(self) -> None:
        try:
            written = self.export()
        except (OSError, VpnLogError) as exc:
            self.status.value = f"<b>Export failed:</b> {html.escape(str(exc))}"
            return
        names = ", ".join(html.escape(p.name) for p in written)
        self.status.value = f"Wrote to <code>{html.escape(self.export_dir.value)}</code>: {names}"

    # -- rendering -----------------------------------------------------------------------

    def render(self, force: bool = False) -> float:
        """Redraw the visible tab for the current controls (if they changed).

        Parameters
        ----------
        force : bool, default False
            Redraw even when nothing changed.

        Returns
        -------
        float
            Seconds it took [s] (0 when there was nothing to do).
        """
        tab = self.tab
        days = (self.end - self.start) / pd.Timedelta("1D")
        self.window_text.value = f"{self._window_words()} ({days:.4g} days)"
        key = self._state_key(tab)
        cached = self._views.get(tab)
        if cached is not None and cached[0] == key and not force:
            return 0.0
        began = time.perf_counter()
        try:
            view = VIEWS[tab](self._selection())
        except VpnLogError as exc:
            view = View(None, {}, f"Nothing to show: {exc}")
        self._views[tab] = (key, view)
        self._charts[tab].value = _png(view.figure) if view.figure is not None else b""
        self._charts[tab].layout.display = None if view.figure is not None else "none"
        self._notes[tab].value = html.escape(view.note)
        self._tables[tab].value = "".join(
            show(table, caption=name.replace("_", " ")).to_html()
            for name, table in view.tables.items()
        )
        took = time.perf_counter() - began
        self.render_times.append(took)
        self.status.value = f"{self._titles[tab]} rendered in {took:.2f} s"
        log.debug("rendered %s in %.3f s", tab, took)
        return took

    # -- export --------------------------------------------------------------------------

    def export(self, folder: str | Path | None = None) -> list[Path]:
        """Write the visible tab's chart (PNG and SVG) and tables (CSV) to a folder.

        File names say the tab, the connection or tunnel and the window, e.g.
        ``outages_vpn-2a7c306a956842b51_20261021T0900-20261021T1100.png``. In the CSV
        files durations are seconds (columns ending in ``_s``) and times ISO 8601 UTC.

        Parameters
        ----------
        folder : str or pathlib.Path, optional
            Where to write (created); default the ``export_dir`` field.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        self.render()
        out = Path(folder if folder is not None else self.export_dir.value)
        out.mkdir(parents=True, exist_ok=True)
        scope = self._scope()[1]
        stem = _slug(f"{self.tab}_{scope}_{self.start:%Y%m%dT%H%M}-{self.end:%Y%m%dT%H%M}")
        written = []
        view = self.view
        if view.figure is not None:
            for ext in ("png", "svg"):
                written.append(save_chart(view.figure, out / f"{stem}.{ext}", dpi=EXPORT_DPI))
        for name, table in view.tables.items():
            path = out / f"{stem}_{name}.csv"
            csv_frame(table).to_csv(path, index=False)
            written.append(path)
        return written

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


@shared_doc(
    own={
        "start": "the initial window, widened to the slider's steps",
        "end": "the initial window, widened to the slider's steps",
    }
)
def explore(
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    export_dir: str | Path = "exports",
    tab: str = "timeline",
    metrics: pd.DataFrame | None = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    options: pd.DataFrame | None = None,
    gateway: pd.DataFrame | None = None,
) -> Explorer:
    """Explore the events table interactively: pick, zoom, read, export.

    Controls: a connection and a tunnel picker, a date-range slider (UTC, snapping to
    hours; days over long spans), the event kinds to mark (timeline) and list (Events
    tab), and how long an up state survives a silence ("Stale after"). Tabs: the state
    timeline; outages (of tunnels, or of whole connections) and how long they lasted;
    BGP sessions and routes; flaps per day and flapping episodes; rekey collision rates;
    the diagnosis findings (with the errors and warnings per day); the events of the
    picked kinds; the tunnels' configured options against what their logs show. Every
    change redraws the visible tab (other tabs when shown). The export button writes the
    visible chart as PNG and SVG and its tables as CSV into the folder in the "Export
    to" field.

    Picking one tunnel narrows the tunnel-level results (flaps, rekeys, events, tunnel
    outages, the tunnel's findings) to it; connection-level results (the timeline's
    connection lane, connection outages, connection-wide findings) still take every
    tunnel of its connection, and the timeline shades the picked tunnel's lane.

    Parameters
    ----------
    {params.events_table}
    start, end : str or pandas.Timestamp, optional
        The initial window (UTC); default the span of the tunnel records (first record
        to the end of the last one's second), widened to the slider's steps.
    export_dir : str or pathlib.Path, default "exports"
        Initial folder of the export button.
    tab : str, default "timeline"
        The tab shown first: one of :data:`TABS` (or ``"coverage"`` with ``metrics``).
    metrics : pandas.DataFrame, optional
        {params.metrics.desc}
        Adds a Coverage tab: the logs next to the metrics per tunnel
        (:func:`~vpnlog_analytics.analysis.reconcile`) with the logging gaps.
    {params.stale_after}
        The initial value of the "Stale after" control, for every tab but Configuration;
        ``"auto"`` with ``options`` starts it at each tunnel's own limit.
    options : pandas.DataFrame, optional
        The tunnels' configured options (:func:`~vpnlog_analytics.read_tunnel_options` of
        a saved ``aws ec2 describe-vpn-connections --output json``): the Configuration tab
        shows the picked tunnels' options
        (:data:`~vpnlog_analytics.schema.TUNNEL_OPTIONS_SHOWN`), each compared with the
        log over the window (:func:`~vpnlog_analytics.analysis.option_drift`), the
        ``options_*`` findings and the rekey intervals against AWS's rekey band; the
        Diagnosis tab adds the ``options_*`` findings. Without it the Configuration tab
        says how to give them.
    gateway : pandas.DataFrame, optional
        The customer gateway's own log (:func:`~vpnlog_analytics.io.gateway.read_gateway_logs`
        with ``tunnels=events``): the timeline draws the gateway's lane under each AWS
        tunnel it serves (on AWS's clock, each device's skew estimated once,
        :func:`~vpnlog_analytics.analysis.clock_skew`), and a Gateway tab shows the clock
        skews and who took each outage of the picked tunnels down
        (:func:`~vpnlog_analytics.analysis.two_sided_outages`).

    Returns
    -------
    Explorer
        Displays as the explorer when it is a cell's last expression; its controls are
        attributes (see :class:`Explorer`).

    Raises
    ------
    ImportError
        ipywidgets is not installed: ``pip install "vpnlog-analytics[notebook]"``.

    Examples
    --------
    >>> ex = explore(read_logs("data/samples/s3-export"))  # doctest: +SKIP
    >>> ex  # doctest: +SKIP
    """
    return Explorer(
        events,
        start=start,
        end=end,
        export_dir=export_dir,
        tab=tab,
        metrics=metrics,
        stale_after=stale_after,
        options=options,
        gateway=gateway,
    )
