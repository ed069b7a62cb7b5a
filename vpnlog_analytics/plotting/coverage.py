"""Coverage chart: per tunnel, where logs and metrics agree, disagree or only metrics exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ._style import BAD_COLOR, GOOD_COLOR, OTHER_COLOR, date_axis, new_axes, to_num

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["COVERAGE_COLORS", "plot_coverage"]

#: Colour of each reconciliation status (Okabe-Ito).
COVERAGE_COLORS: Final = {
    "agree": GOOD_COLOR,
    "disagree": BAD_COLOR,
    "logging_gap": "#E69F00",
    "no_metric_state": OTHER_COLOR,
}
_LABELS: Final = {
    "agree": "logs and metrics agree",
    "disagree": "logs and metrics disagree",
    "logging_gap": "metrics only (logging gap)",
    "no_metric_state": "no TunnelState point",
}
_TRAFFIC_LABEL: Final = "up, no traffic (hatched)"
_NEEDED: Final = (s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME, s.METRIC_PERIOD, "status")


def _runs(start: np.ndarray, end: np.ndarray, key: np.ndarray) -> list[tuple[int, int, Any]]:
    """Merge consecutive touching points with the same key into (start, end, key) runs."""
    runs: list[tuple[int, int, Any]] = []
    for a, b, k in zip(start.tolist(), end.tolist(), key.tolist(), strict=True):
        if runs and runs[-1][2] == k and runs[-1][1] == a:
            runs[-1] = (runs[-1][0], b, k)
        else:
            runs.append((a, b, k))
    return runs


def _num(runs: list[tuple[int, int, Any]]) -> list[tuple[float, float, Any]]:
    if not runs:
        return []
    lo = to_num(pd.to_datetime([r[0] for r in runs], unit="ns", utc=True))
    hi = to_num(pd.to_datetime([r[1] for r in runs], unit="ns", utc=True))
    return [(float(x), float(y), r[2]) for x, y, r in zip(lo, hi, runs, strict=True)]


def plot_coverage(reconciled: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw, per tunnel, which source covers each metric point and whether they agree.

    Parameters
    ----------
    reconciled : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.reconcile.reconcile`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.broken_barh`.

    Returns
    -------
    matplotlib.axes.Axes
        One lane per tunnel (y tick label ``vpn-…  outside IP``), bars coloured by status
        (``gid`` ``coverage-<status>``) and hatched where the tunnel was up without traffic
        (``gid`` ``coverage-no-traffic``), a legend, a UTC time axis.

    Examples
    --------
    >>> plot_coverage(reconcile(events, metrics))  # doctest: +SKIP
    """
    missing = [c for c in _NEEDED if c not in reconciled.columns]
    if missing:
        raise OptionError(f"plot_coverage needs a reconcile() result; missing {missing}")
    lanes = (
        reconciled[[s.VPN_CONNECTION_ID, s.TUNNEL_IP]]
        .astype(str)
        .drop_duplicates()
        .sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP])
        .to_records(index=False)
        .tolist()
    )
    ax = new_axes(ax, (10.0, 1.0 + 0.55 * max(len(lanes), 1)))
    style: dict[str, Any] = {"linewidth": 0}
    style.update(kwargs)
    seen: set[str] = set()
    for y, (vpn, ip) in enumerate(lanes):
        part = reconciled[
            (reconciled[s.VPN_CONNECTION_ID].astype(str) == vpn)
            & (reconciled[s.TUNNEL_IP].astype(str) == ip)
        ].sort_values(s.TIME)
        # Runs are found on integer ns (exact), then drawn in date numbers.
        a = pd.to_datetime(part[s.TIME], utc=True).dt.as_unit("ns").array.asi8
        b = a + part[s.METRIC_PERIOD].to_numpy(dtype=np.int64) * 1_000_000_000
        status = part["status"].astype(str).to_numpy()
        for lo, hi, st in _num(_runs(a, b, status)):
            bars = ax.broken_barh(
                [(lo, hi - lo)],
                (y - 0.35, 0.7),
                facecolors=COVERAGE_COLORS.get(st, OTHER_COLOR),
                label=None if st in seen else _LABELS.get(st, st),
                **style,
            )
            bars.set_gid(f"coverage-{st}")
            seen.add(st)
        quiet = (part["no_traffic"] | part["idle"]).to_numpy(dtype=bool) if "idle" in part else None
        if quiet is not None and quiet.any():
            for lo, hi, q in _num(_runs(a, b, quiet)):
                if not q:
                    continue
                bars = ax.broken_barh(
                    [(lo, hi - lo)],
                    (y - 0.35, 0.7),
                    facecolors="none",
                    edgecolors="#000000",
                    hatch="///",
                    linewidth=0,
                    label=None if "quiet" in seen else _TRAFFIC_LABEL,
                )
                bars.set_gid("coverage-no-traffic")
                seen.add("quiet")
    ax.set_yticks(range(len(lanes)), [f"{vpn}  {ip}" for vpn, ip in lanes], fontsize=8)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.invert_yaxis()
    if lanes:
        date_axis(ax)
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "no metric points in the window", transform=ax.transAxes, ha="center")
    ax.set_title("Coverage: logs next to CloudWatch metrics, per tunnel")
    return ax
